"""fastnn.onnx.from_onnx: graphs that PyTorch and fastnn export, read back
as fitted fastnn estimators that predict as ONNX Runtime runs them and
train on."""
import io
import os
import warnings

import numpy as np
import pytest

pytest.importorskip("skl2onnx", reason="fastnn.onnx needs skl2onnx")
ort = pytest.importorskip("onnxruntime", reason="the reference runs need onnxruntime")
torch = pytest.importorskip("torch", reason="the exported models are PyTorch's")

from sklearn.datasets import load_digits  # noqa: E402

from fastnn import (ConvClassifier, MLPClassifier, MLPRegressor, NetClassifier,  # noqa: E402
                    RNNRegressor)
from fastnn import layers as L  # noqa: E402
from fastnn.datasets import FASHION_MNIST_DIR  # noqa: E402
from fastnn.onnx import from_onnx, to_onnx  # noqa: E402
from fastnn.transfer import NetTransformer, Pretrained  # noqa: E402

from conftest import fashion_new_classes  # noqa: E402

pytestmark = pytest.mark.usefixtures("quiet")
nn = torch.nn


def export(module, x, fold=True):
    """The module as ONNX bytes (PyTorch's TorchScript exporter), batch
    size left open."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), x, buffer, dynamo=False, input_names=["x"],
                          output_names=["y"], dynamic_axes={"x": {0: "n"}},
                          do_constant_folding=fold)
    return buffer.getvalue()


def onnx_runtime(graph, x):
    return ort.InferenceSession(graph).run(None, {"x": x})[0]


class Convolutions(nn.Module):
    def __init__(self, classes=5):
        super().__init__()
        self.conv1, self.norm = nn.Conv2d(1, 6, 3, padding=1), nn.BatchNorm2d(6)
        self.conv2 = nn.Conv2d(6, 8, 3)
        self.head = nn.Linear(8 * 2 * 2, classes)

    def features(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.norm(self.conv1(x))), 2)
        return torch.flatten(torch.tanh(self.conv2(x)), 1)

    def forward(self, x):
        return self.head(self.features(x))


class Recurrent(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.first, self.second = cell(3, 6, batch_first=True), cell(6, 4, batch_first=True)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        states, _ = self.first(x)
        states, _ = self.second(states)
        return self.head(states[:, -1])


class Bidirectional(nn.Module):
    """Two bidirectional layers; the mean of the last one's states, or its
    two directions' last states side by side (fastnn's own)."""

    def __init__(self, cell, sequences):
        super().__init__()
        self.sequences = sequences
        self.first = cell(3, 5, batch_first=True, bidirectional=True)
        self.second = cell(10, 4, batch_first=True, bidirectional=True)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        states, _ = self.first(x)
        states, last = self.second(states)
        if self.sequences:
            return self.head(states.mean(1))
        last = last[0] if isinstance(last, tuple) else last  # an LSTM's (h, c)
        return self.head(torch.cat([last[0], last[1]], 1))


class TextConvolutions(nn.Module):
    """A text CNN as PyTorch writes one: embeddings transposed to channels
    first, Conv1d, max_pool1d, then a max over time, an adaptive average
    pool or a flatten."""

    def __init__(self, end):
        super().__init__()
        self.end = end
        self.embed = nn.Embedding(30, 6)
        self.first, self.second = nn.Conv1d(6, 8, 3, padding=1), nn.Conv1d(8, 5, 3)
        self.head = nn.Linear(10 if end == "flatten" else 5, 3)

    def forward(self, ids):
        x = nn.functional.max_pool1d(torch.relu(self.first(self.embed(ids).transpose(1, 2))), 2)
        x = torch.tanh(self.second(x))
        if self.end == "max":
            return self.head(x.amax(-1))
        if self.end == "adaptive":
            return self.head(nn.functional.adaptive_avg_pool1d(x, 1).squeeze(-1))
        return self.head(torch.flatten(x, 1))


class Tokens(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed, self.gru, self.head = nn.Embedding(30, 5), nn.GRU(5, 7, batch_first=True), \
            nn.Linear(7, 3)

    def forward(self, ids):
        _, last = self.gru(self.embed(ids))
        return self.head(last[0])


class ResidualRows(nn.Module):
    """Residual blocks as PyTorch writes them: x + f(x), then relu."""

    def __init__(self):
        super().__init__()
        self.first, self.norm = nn.Linear(6, 16), nn.LayerNorm(16)
        self.inner, self.outer, self.head = nn.Linear(16, 16), nn.Linear(16, 16), \
            nn.Linear(16, 3)

    def forward(self, x):
        x = torch.relu(self.first(x))
        x = torch.relu(x + self.outer(torch.relu(self.inner(self.norm(x)))))
        return self.head(x)


class ProjectedRows(nn.Module):
    """relu(f(x) + P x): a residual block that changes the width, with a
    linear projection of its input."""

    def __init__(self):
        super().__init__()
        self.first, self.inner, self.projection = nn.Linear(6, 16), nn.Linear(16, 8), \
            nn.Linear(16, 8)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        x = torch.relu(self.first(x))
        return self.head(torch.relu(self.inner(x) + self.projection(x)))


class Branches(nn.Module):
    """Two branches of one value, side by side (cat) or added: Parallel."""

    def __init__(self, join, images=False):
        super().__init__()
        self.join, self.images = join, images
        if images:
            self.first, self.left, self.right = nn.Conv2d(1, 4, 3, padding=1), \
                nn.Conv2d(4, 3, 3, padding=1), nn.Conv2d(4, 2, 1)
            self.head = nn.Linear(5 * 8 * 8, 2)
        else:
            self.first, self.left, self.right = nn.Linear(6, 16), nn.Linear(16, 8), \
                nn.Linear(16, 8)
            self.more = nn.Linear(8, 8)
            self.head = nn.Linear(16 if join == "cat" else 8, 3)

    def forward(self, x):
        x = torch.relu(self.first(x))
        if self.images:
            return self.head(torch.flatten(torch.cat([torch.relu(self.left(x)),
                                                      self.right(x)], 1), 1))
        left, right = torch.tanh(self.left(x)), self.more(torch.relu(self.right(x)))
        return self.head(torch.cat([left, right], 1) if self.join == "cat" else left + right)


class ResidualImages(nn.Module):
    def __init__(self):
        super().__init__()
        self.first, self.second = nn.Conv2d(1, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1)
        self.norm, self.head = nn.BatchNorm2d(4), nn.Linear(4 * 8 * 8, 2)

    def forward(self, x):
        x = torch.relu(self.first(x))
        x = torch.relu(self.norm(self.second(x)) + x)
        return self.head(torch.flatten(x, 1))


class Downsampling(nn.Module):
    """ResNet's basic block where it halves the image: 3x3 convolutions
    with PyTorch's padding=1 (stride 2 on an even size, which is not
    'same'), a batch-normalised 1x1 convolution of the input as the
    shortcut, relu after the sum; then an average over the positions."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, padding=1)
        self.conv1, self.norm1 = nn.Conv2d(4, 8, 3, stride=2, padding=1, bias=False), \
            nn.BatchNorm2d(8)
        self.conv2, self.norm2 = nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8)
        self.shortcut = nn.Sequential(nn.Conv2d(4, 8, 1, stride=2, bias=False),
                                      nn.BatchNorm2d(8))
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        x = torch.relu(self.stem(x))
        out = self.norm2(self.conv2(torch.relu(self.norm1(self.conv1(x)))))
        out = torch.relu(out + self.shortcut(x))
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(out, 1), 1))


class TwoInputs(nn.Module):
    """Token ids in the first 5 columns, numbers in the last 3, of one
    float input: Columns in fastnn."""

    def __init__(self):
        super().__init__()
        self.embed, self.numbers = nn.Embedding(20, 6), nn.Linear(3, 4)
        self.head = nn.Linear(10, 3)

    def forward(self, x):
        words = self.embed(x[:, :5].long()).mean(1)
        return self.head(torch.cat([words, torch.tanh(self.numbers(x[:, 5:]))], 1))


class Pooled(nn.Module):
    """Global pooling: AdaptiveAvgPool2d(1) of images, a max over their
    positions, the mean of a sequence's states."""

    def __init__(self, how):
        super().__init__()
        self.how = how
        if how == "steps":
            self.embed, self.gru = nn.Embedding(20, 6), nn.GRU(6, 4, batch_first=True)
        else:
            self.conv = nn.Conv2d(2, 4, 3, padding=1)
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        if self.how == "steps":
            states, _ = self.gru(self.embed(x))
            return self.head(states.mean(1))
        x = torch.relu(self.conv(x))
        if self.how == "avg":
            return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))
        return self.head(x.amax(dim=(2, 3)))


class Encoder(nn.Module):
    """Token ids, PyTorch's pre-norm Transformer encoder layers (its own
    multi-head attention, optionally causal), the mean over the steps."""

    def __init__(self, layers=2, causal=False):
        super().__init__()
        self.embed = nn.Embedding(30, 8)
        self.positions = nn.Parameter(torch.randn(9, 8) * 0.1)  # learned, added
        self.encoder = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True,
                                       norm_first=True), layers, enable_nested_tensor=False)
        self.head = nn.Linear(8, 3)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(9)
                             if causal else None)

    def forward(self, ids):
        x = self.embed(ids) + self.positions
        return self.head(self.encoder(x, mask=self.mask).mean(1))


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention, self.head = nn.MultiheadAttention(8, 4, batch_first=True), \
            nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.attention(x, x, x, need_weights=False)[0].mean(1))


class PaddedEncoder(nn.Module):
    """Token ids with padding (0): PyTorch's encoder layer told the
    padding by src_key_padding_mask (and optionally causal), then the
    mean over the steps that are not padding, as fastnn's masked layers
    compute them."""

    def __init__(self, causal=False):
        super().__init__()
        self.embed = nn.Embedding(30, 8, padding_idx=0)
        self.encoder = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True,
                                       norm_first=True), 2, enable_nested_tensor=False)
        self.head = nn.Linear(8, 3)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(9)
                             if causal else None)

    def forward(self, ids):
        padding = ids == 0
        states = self.encoder(self.embed(ids), mask=self.mask, src_key_padding_mask=padding)
        keep = (~padding).unsqueeze(-1).float()
        return self.head((states * keep).sum(1) / keep.sum(1).clamp(min=1))


def padded_ids(n, steps, vocab, seed=0):
    """Ids with padding at the end and inside, never all padding (where
    PyTorch's attention gives NaN and fastnn's zeros)."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, vocab, (n, steps))
    ids[:, 2:] *= rng.random((n, steps - 2)) < 0.6
    return ids


def with_statistics(module):
    """Batch norm statistics away from 0 and 1, so that they count."""
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):
                layer.running_mean.uniform_(-1, 1)
                layer.running_var.uniform_(0.5, 2)
                layer.weight.uniform_(0.5, 1.5)
                layer.bias.uniform_(-0.5, 0.5)
    return module


def torch_models():
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 8),
                        nn.Tanh(), nn.Linear(8, 3))
    return [("mlp", with_statistics(mlp), torch.randn(64, 4)),
            ("cnn", with_statistics(Convolutions()), torch.randn(64, 1, 8, 8)),
            ("lstm", Recurrent(nn.LSTM), torch.randn(64, 7, 3)),
            ("gru", Recurrent(nn.GRU), torch.randn(64, 7, 3)),
            ("rnn", Recurrent(nn.RNN), torch.randn(64, 7, 3)),
            ("embedding-gru", Tokens(), torch.randint(0, 30, (64, 9))),
            ("residual-layernorm", ResidualRows(), torch.randn(64, 6)),
            ("residual-conv", with_statistics(ResidualImages()), torch.randn(64, 1, 8, 8)),
            ("residual-projection", ProjectedRows(), torch.randn(64, 6)),
            ("resnet-downsampling", with_statistics(Downsampling()), torch.randn(64, 1, 8, 8)),
            ("branches-concat", Branches("cat"), torch.randn(64, 6)),
            ("branches-add", Branches("add"), torch.randn(64, 6)),
            ("branches-images", Branches("cat", images=True), torch.randn(64, 1, 8, 8)),
            ("global-avg", Pooled("avg"), torch.randn(64, 2, 6, 6)),
            ("global-max", Pooled("max"), torch.randn(64, 2, 6, 6)),
            ("mean-of-steps", Pooled("steps"), torch.randint(0, 20, (64, 7))),
            ("columns", TwoInputs(), torch.cat([torch.randint(0, 20, (64, 5)).float(),
                                                torch.randn(64, 3)], 1)),
            ("bidirectional-lstm-states", Bidirectional(nn.LSTM, True), torch.randn(64, 7, 3)),
            ("bidirectional-gru-last", Bidirectional(nn.GRU, False), torch.randn(64, 7, 3)),
            ("conv1d-max", TextConvolutions("max"), torch.randint(0, 30, (64, 8))),
            ("conv1d-adaptive", TextConvolutions("adaptive"), torch.randint(0, 30, (64, 8))),
            ("conv1d-flatten", TextConvolutions("flatten"), torch.randint(0, 30, (64, 8))),
            ("attention", Attention(), torch.randn(64, 5, 8)),
            ("transformer-encoder", Encoder(), torch.randint(0, 30, (64, 9))),
            ("causal-encoder", Encoder(1, causal=True), torch.randint(0, 30, (64, 9))),
            ("padding-mask-encoder", PaddedEncoder(), torch.from_numpy(padded_ids(64, 9, 30))),
            ("padding-causal-encoder", PaddedEncoder(causal=True),
             torch.from_numpy(padded_ids(64, 9, 30)))]


@pytest.mark.parametrize("fold", [True, False], ids=["folded", "unfolded"])
@pytest.mark.parametrize("name, module, x", torch_models(), ids=lambda v: v
                         if isinstance(v, str) else "")
def test_pytorch_models_predict_as_onnx_runtime(name, module, x, fold):
    graph = export(module, x, fold)
    expected = onnx_runtime(graph, x.numpy())
    regressor = from_onnx(graph, task="regressor")
    got = regressor.predict(x.numpy().astype(np.float32)).reshape(expected.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
    # as a classifier of the logits: the same decisions, softmax probabilities
    classifier = from_onnx(graph, classes=list("abcdef"[:expected.shape[1]]))
    assert (classifier.predict(x.numpy()) == np.array(list("abcdef"))[expected.argmax(1)]).all()
    probabilities = np.exp(expected - expected.max(1, keepdims=True))
    np.testing.assert_allclose(classifier.predict_proba(x.numpy()),
                               probabilities / probabilities.sum(1, keepdims=True),
                               rtol=1e-4, atol=1e-6)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y


@pytest.mark.parametrize("make, form, binary", [
    (lambda: MLPClassifier((16,), max_iter=20, random_state=0), "rows", False),
    (lambda: MLPClassifier((16,), max_iter=20, random_state=0), "rows", True),
    (lambda: MLPRegressor(hidden_layer_sizes=(16, 8), max_iter=20, random_state=0), "rows",
     False),
    (lambda: ConvClassifier(filters=(4,), hidden_layer_sizes=(8,), batch_norm=True,
                            max_iter=3, random_state=0), "images", False),
    (lambda: RNNRegressor(recurrent_layer_sizes=(5, 4), max_iter=3, random_state=0),
     "sequences", False),
    (lambda: RNNRegressor(cell="gru", recurrent_layer_sizes=(5, 4), bidirectional=True,
                          max_iter=3, random_state=0), "sequences", False),
    (lambda: NetClassifier([L.Conv1D(4, 3), L.MaxPool1D(2), L.Conv1D(3, 3, padding="valid"),
                            L.GlobalAvgPool()], input_shape=(8, 8), max_iter=3,
                           random_state=0), "rows", False),
    (lambda: NetClassifier([L.Dense(16), L.Residual([L.Dense(16), L.LayerNorm()], "relu")],
                           max_iter=3, random_state=0), "rows", False),
    (lambda: NetClassifier([L.Dense(16), L.Residual([L.Dense(8), L.Dense(12, "tanh")]),
                            L.Dense(5)], max_iter=3, random_state=0), "rows", False),
    (lambda: NetClassifier([L.Dense(16), L.Parallel([[L.Dense(8, "tanh")],
                                                     [L.Dense(4), L.Dense(6)]])],
                           max_iter=3, random_state=0), "rows", False),
    (lambda: NetClassifier([L.Dense(16), L.Parallel([[L.Dense(8, "tanh")],
                                                     [L.Dense(4), L.Dense(8), L.BatchNorm()]],
                                                    join="add", activation="relu")],
                           max_iter=3, random_state=0), "rows", False),
    (lambda: NetClassifier([L.Parallel([[L.Columns(0, 40), L.Dense(8, "tanh")],
                                        [L.Columns(40, 64), L.Dense(4), L.Dense(6)]]),
                            L.Columns(2, 12)], max_iter=3, random_state=0), "rows", False),
    (lambda: NetClassifier([L.Conv2D(4, 3, strides=2, padding=1), L.BatchNorm(),
                            L.Conv2D(3, (3, 2), padding=(1, 0)), L.Flatten()],
                           input_shape=(1, 8, 8), max_iter=3, random_state=0), "rows", False),
    (lambda: NetClassifier([L.MultiHeadAttention(2), L.PositionalEmbedding(),
                            L.Residual([L.LayerNorm(), L.MultiHeadAttention(4, causal=True)]),
                            L.Flatten()], input_shape=(8, 8), max_iter=3, random_state=0),
     "rows", False)])
def test_fastnn_models_come_back_as_they_were_exported(digits, make, form, binary):
    X, y = digits
    y = y % 2 if binary else y
    samples = X if form == "rows" else X.reshape(-1, 8, 8)
    model = make().fit(samples, y)
    classifier = hasattr(model, "classes_")
    graph = to_onnx(model, X[:1], options={"zipmap": False} if classifier else None)
    back = from_onnx(graph, task="classifier" if classifier else "regressor")
    # read as the graph reads it: flat rows
    if classifier:
        np.testing.assert_array_equal(back.classes_, model.classes_)
        assert (back.predict(X) == model.predict(samples)).all()
        np.testing.assert_allclose(back.predict_proba(X), model.predict_proba(samples),
                                   rtol=1e-5, atol=1e-7)
    else:
        np.testing.assert_allclose(back.predict(X), model.predict(samples), rtol=1e-5,
                                   atol=1e-6)


def test_imported_layers_train_on_or_stay_frozen(digits):
    X, y = digits
    module = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    graph = export(module, torch.from_numpy(X[:2]))
    tuned = from_onnx(graph, params=dict(max_iter=30, random_state=0))
    start = [c.copy() for c in tuned.coefs_]
    tuned.set_params(warm_start=True).fit(X, y)
    assert not np.array_equal(tuned.coefs_[0], start[0])
    assert tuned.score(X, y) > 0.8
    frozen = from_onnx(graph, trainable=False, params=dict(max_iter=5, random_state=0))
    frozen.set_params(warm_start=True).fit(X, y)
    np.testing.assert_array_equal(frozen.coefs_[0], start[0])
    assert not np.array_equal(frozen.coefs_[1], start[1])
    frozen.partial_fit(X, y)
    np.testing.assert_array_equal(frozen.coefs_[0], start[0])


def test_features_of_a_graph_as_a_transformer():
    """task='transformer': the graph's output as features, here a flatten
    of images, whose order (channels first) fastnn's rows keep."""
    torch.manual_seed(1)
    module = with_statistics(Convolutions())
    features = nn.Sequential(module.conv1, module.norm, nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten())
    x = torch.randn(16, 1, 8, 8)
    graph = export(features, x)
    transformer = from_onnx(graph, task="transformer")
    assert isinstance(transformer, NetTransformer)
    np.testing.assert_allclose(transformer.transform(x.numpy()), onnx_runtime(graph, x.numpy()),
                               rtol=1e-5, atol=1e-6)


def test_what_fastnn_has_no_layer_for_is_named():
    class Doubles(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(4, 4), nn.Linear(4, 2)

        def forward(self, x):
            return self.b(self.a(x) * 2)

    class BeforeAndAfter(nn.Module):  # relu(a) + a: a is gone inside fastnn's layer
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(4, 4), nn.Linear(4, 2)

        def forward(self, x):
            y = self.a(x)
            return self.b(torch.relu(y) + y)

    with pytest.raises(ValueError, match="cannot import the Mul node"):
        from_onnx(export(Doubles(), torch.randn(2, 4)))
    with pytest.raises(ValueError, match="before the bias, batch norm or activation"):
        from_onnx(export(BeforeAndAfter(), torch.randn(2, 4)))
    with pytest.raises(ValueError, match="task must be"):
        from_onnx(export(Doubles(), torch.randn(2, 4)), task="ranker")
    with pytest.raises(ValueError, match="3 labels, the graph 5 outputs"):
        from_onnx(export(nn.Linear(4, 5), torch.randn(2, 4)), classes=[0, 1, 2])
    with pytest.raises(ValueError, match="reads an ONNX file"):
        from_onnx(42)


@pytest.mark.skipif(not os.path.exists(os.path.join(FASHION_MNIST_DIR,
                                                    "train-labels-idx1-ubyte.gz")),
                    reason="Fashion-MNIST absent: install Debian's dataset-fashion-mnist")
def test_a_pytorch_cnn_fine_tuned_with_frozen_convolutions_beats_scratch():
    """A small CNN trained by PyTorch on Fashion-MNIST's classes 0-4,
    exported, imported (predictions as ONNX Runtime's), then its
    convolutions, frozen, with a new head, learn the classes 5-9 from 20
    images each better than the same network trained from scratch."""
    X, y, X_new, y_new, few, scored = fashion_new_classes()
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 5))
    old = np.flatnonzero(y < 5)[:20000]
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for epoch in range(2):
        for batch in np.array_split(np.random.default_rng(epoch).permutation(old), 200):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(net(torch.from_numpy(X[batch])),
                                               torch.from_numpy(y[batch]).long())
            loss.backward()
            optimizer.step()
    graph = export(net, torch.from_numpy(X[:2]))
    imported = from_onnx(graph)
    sample = X[:500]
    expected = onnx_runtime(graph, sample)
    assert (imported.predict(sample) == expected.argmax(1)).all()

    tuned, scratch = [], []
    for seed in range(2):
        model = NetClassifier([Pretrained(imported, upto="Flatten"), L.Dense(64)],
                              max_iter=100, random_state=seed).fit(X_new[few], y_new[few])
        np.testing.assert_array_equal(model.coefs_[0], imported.coefs_[0])  # frozen
        tuned.append(model.score(X_new[scored], y_new[scored]))
        model = NetClassifier([L.Conv2D(16), L.MaxPool2D(), L.Conv2D(32), L.MaxPool2D(),
                               L.Flatten(), L.Dense(64)], max_iter=100,
                              random_state=seed).fit(X_new[few], y_new[few])
        scratch.append(model.score(X_new[scored], y_new[scored]))
    print("PyTorch CNN imported, fine-tuned on 20 images per new class: %.3f; from scratch: "
          "%.3f" % (np.mean(tuned), np.mean(scratch)))
    assert np.mean(tuned) > np.mean(scratch) + 0.01


MASKED = {
    "gru": [L.Embedding(20, 4), L.GRU(5)],
    "lstm states, mean": [L.Embedding(20, 4), L.LSTM(3, return_sequences=True),
                          L.GlobalAvgPool()],
    "bidirectional rnn, max": [L.Embedding(20, 4),
                               L.SimpleRNN(3, return_sequences=True, bidirectional=True),
                               L.GlobalMaxPool()],
    "bidirectional gru, last": [L.Embedding(20, 4), L.GRU(3, bidirectional=True)],
    "lstm of 3/4 the width": [L.Embedding(20, 4), L.LSTM(3)],  # its product is 3 x 4 wide
    "max": [L.Embedding(20, 4), L.GlobalMaxPool()],
    "attention": [L.Embedding(20, 4), L.PositionalEmbedding(), L.MultiHeadAttention(2),
                  L.GlobalAvgPool()],
    "causal attention": [L.Embedding(20, 4), L.MultiHeadAttention(2, causal=True),
                         L.Flatten()],
    "encoder": [L.Embedding(20, 4), L.TransformerEncoder(4, 2, 8, layers=2),
                L.GlobalAvgPool()],
}


# (a float64 graph spells LayerNorm in elementary operators, which
# from_onnx does not read)
MASKED_GRAPHS = [pytest.param(stack, dtype, id="%s-%s" % (name, dtype.__name__))
                 for name, stack in MASKED.items() for dtype in (np.float32, np.float64)
                 if dtype == np.float32 or not isinstance(stack[1], L.TransformerEncoder)]


@pytest.mark.parametrize("stack, dtype", MASKED_GRAPHS)
def test_fastnn_padding_masks_come_back(stack, dtype):
    """fastnn's Embedding with its padding mask, and the layers that read
    it (a float64 graph, or a recurrent layer that reads the mask, has
    its steps unrolled), through fastnn's export and back."""
    ids = padded_ids(200, 8, 20).astype(dtype)
    ids[:2] = 0  # all padding
    y = (ids[:, 0] > 10).astype(int)
    model = NetClassifier(stack, max_iter=3, random_state=0).fit(ids, y)
    back = from_onnx(to_onnx(model, ids[:1], options={"zipmap": False}))
    assert back.layers[0].mask_padding
    if not isinstance(stack[1], L.TransformerEncoder):  # (back as the blocks it is made of)
        assert [type(layer) for layer in back.layers] == [type(layer) for layer in stack]
    np.testing.assert_allclose(back.predict_proba(ids), model.predict_proba(ids), rtol=1e-5,
                               atol=1e-6)


def test_ids_and_numbers_come_back_as_columns():
    rng = np.random.default_rng(0)
    X = np.c_[rng.integers(1, 10, (200, 8)), rng.normal(size=(200, 2))].astype(np.float32)
    y = (X[:, 0] > 5).astype(int)
    model = NetClassifier([L.Parallel([[L.Columns(0, 8), L.Embedding(10, 4, mask_padding=False),
                                        L.GRU(3)],
                                       [L.Columns(8, 10), L.Dense(3, "tanh")]]), L.Dense(4)],
                          max_iter=3, random_state=0).fit(X, y)
    back = from_onnx(to_onnx(model, X[:1], options={"zipmap": False}))
    assert back.layers[0].branches[1][0] == L.Columns(8, 10)
    np.testing.assert_allclose(back.predict_proba(X), model.predict_proba(X), rtol=1e-5,
                               atol=1e-7)


class HandUnrolled(nn.Module):
    """A tanh recurrence written step by step in PyTorch, as fastnn's
    export writes a SimpleRNN's steps; `damped` halves every state, which
    no fastnn cell does."""

    def __init__(self, damped=False):
        super().__init__()
        self.damped = damped
        self.inputs, self.recurrent = nn.Linear(3, 4), nn.Linear(4, 4, bias=False)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        xw, h = self.inputs(x), None
        for t in range(x.shape[1]):
            h = torch.tanh(xw[:, t] if h is None else xw[:, t] + self.recurrent(h))
            h = h * 0.5 if self.damped else h
        return self.head(h)


def test_steps_written_out_are_read_only_as_a_fastnn_cell():
    """The recurrence fastnn's export writes comes in as SimpleRNN, from
    PyTorch too; one that differs from every fastnn cell is refused, not
    read as the nearest."""
    torch.manual_seed(0)
    x = torch.randn(16, 5, 3)
    graph = export(HandUnrolled(), x)
    model = from_onnx(graph, task="regressor")
    assert isinstance(model.layers[0], L.SimpleRNN)
    np.testing.assert_allclose(model.predict(x.numpy()), onnx_runtime(graph, x.numpy()),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="steps are read as fastnn's own export writes them"):
        from_onnx(export(HandUnrolled(damped=True), x), task="regressor")


def test_a_padding_mask_fastnn_cannot_read_is_named():
    """Attention told the padding but a mean over every step after it:
    fastnn's pool after a masked Embedding skips padding steps, so the
    graph is refused rather than read wrongly."""
    class Unpooled(PaddedEncoder):
        def forward(self, ids):
            return self.head(self.encoder(self.embed(ids), src_key_padding_mask=ids == 0).mean(1))

    ids = torch.from_numpy(padded_ids(8, 9, 30))
    with pytest.raises(ValueError, match="graph's read it in 2 attention"):
        from_onnx(export(Unpooled(), ids))
