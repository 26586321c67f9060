"""Input an estimator cannot read: scikit-learn's error, plus a sentence
naming the fastnn estimator or the transformer that reads it."""
import numpy as np
import pytest

from fastnn import ConvClassifier, MLPClassifier, MLPRegressor, NetRegressor, RNNRegressor
from fastnn.layers import Dense

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

rng = np.random.default_rng(0)
IMAGES = rng.random((20, 4, 4))
LABELS = np.arange(20) % 2


@pytest.mark.parametrize("make, task", [(MLPClassifier, "Classifier"),
                                        (MLPRegressor, "Regressor")])
def test_n_d_input_to_an_mlp_points_to_the_conv_and_recurrent_estimators(make, task):
    model = make(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    for call in (lambda: model.fit(IMAGES, LABELS),
                 lambda: model.fit(IMAGES.reshape(20, -1), LABELS).predict(IMAGES)):
        with pytest.raises(ValueError, match="dim 3") as caught:
            call()
        message = str(caught.value)
        assert "fastnn.Conv%s" % task in message and "fastnn.RNN%s" % task in message
        assert "reshape(len(X), -1)" in message


@pytest.mark.parametrize("make", [
    lambda: MLPClassifier(hidden_layer_sizes=(4,), max_iter=2),
    lambda: ConvClassifier(filters=(2,), input_shape=(1, 1, 3), max_iter=1),
    lambda: RNNRegressor(recurrent_layer_sizes=(2,), input_shape=(3, 1), max_iter=1),
    lambda: NetRegressor([Dense(3)], max_iter=1),
])
def test_a_text_column_points_to_the_encoders(make):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"size": rng.random(20), "colour": ["red", "blue"] * 10,
                          "kind": pd.Categorical(["a", "b"] * 10)})
    with pytest.raises(ValueError, match="could not convert string to float") as caught:
        make().fit(frame, LABELS)
    message = str(caught.value)
    assert "(colour, kind)" in message and "OneHotEncoder" in message
    assert "SequenceVectorizer" in message
    # and on predict, after a fit on numbers
    model = make().fit(frame.assign(colour=1.0, kind=2.0), LABELS)
    with pytest.raises(ValueError, match="OneHotEncoder"):
        model.predict(frame)


def test_other_errors_are_left_as_they_are():
    model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2).fit(IMAGES.reshape(20, -1), LABELS)
    with pytest.raises(ValueError, match="X has 3 features") as caught:
        model.predict(IMAGES[:, 0, :3])
    assert "fastnn" not in str(caught.value)
