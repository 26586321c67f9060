"""ONNX export of fitted fastnn estimators through skl2onnx, and import
of ONNX graphs (PyTorch's, fastnn's) as fitted estimators (from_onnx).

Importing this module registers a converter for every public estimator
with skl2onnx, so that ``skl2onnx.to_onnx`` converts them alone, inside a
Pipeline, or as a search's ``best_estimator_``; :func:`to_onnx` registers
and converts in one call.  skl2onnx, onnx (and onnxruntime to run the
models) are optional: ``pip install skl2onnx onnx onnxruntime``, or
``pip install -e ".[onnx]"`` in a checkout.

Every layer becomes ONNX's own operators: Dense is MatMul + Add, Conv2D
and Conv1D are Conv with fastnn's padding (the extra 'same' pixel after),
pools are MaxPool / AveragePool, BatchNorm is BatchNormalization with the
running statistics, SimpleRNN, LSTM and GRU are ONNX's RNN, LSTM and GRU
(gates reordered; the GRU with linear_before_reset=1, as fastnn resets
after the recurrent product), Embedding is Gather, LayerNorm is
LayerNormalization (from opset 17; before it, and in float64, its
arithmetic), and Dropout is left out (it only acts in training).  A recurrent layer that reads an
Embedding's padding mask is unrolled step by step, so that padding keeps
the state wherever it is; its graph grows with the number of steps.

float64 models: onnxruntime runs few of those operators in float64 (no
Conv, AveragePool, LSTM, GRU, RNN, LeakyRelu, Elu, Softplus or Gelu), so
a float64 graph spells them in elementary operators (convolution as its
receptive fields times the kernel, the cells' equations step by step),
which match fastnn to about 1e-12; gelu alone is computed in float32
(relative error about 1e-7).

Input: flat rows, a 2-D float tensor ``[None, n_features_in_]``, whatever
form the estimator was fitted on: give images as ``X.reshape(n, -1)`` of
``(n, h, w)`` or ``(n, c, h, w)`` arrays (channels first, as fastnn reads
flat rows), sequences as ``X.reshape(n, -1)`` of ``(n, steps, features)``,
token ids as ``(n, steps)`` floats.  An input declared n-D through
skl2onnx's ``initial_types`` is flattened the same way.  A float64 input
(``DoubleTensorType``) gives a float64 model, anything else float32.

Outputs follow skl2onnx's conventions for scikit-learn's MLPs:
classifiers give ``label`` (integers or strings: the ``classes_``) and
``probabilities`` (two columns for a binary problem; one per label for
multilabel targets, whose ``label`` is a 0/1 matrix), turned into a list
of dicts by ZipMap unless the option ``zipmap`` is False; regressors give
``variable``, shape ``(N, n_outputs)``, also for one output;
AutoencoderTransformer gives ``variable``, the code of ``transform``.

Example, in a Pipeline::

    import fastnn.onnx  # registers the converters
    from skl2onnx import to_onnx
    onx = to_onnx(make_pipeline(StandardScaler(), MLPClassifier()).fit(X, y),
                  X[:1].astype(np.float32), options={"zipmap": False})
"""
import dataclasses
import numbers
import os

import numpy as np

try:
    from onnx import TensorProto
    from skl2onnx import to_onnx as _skl2onnx_to_onnx
    from skl2onnx import update_registered_converter
    from skl2onnx.common.data_types import (DoubleTensorType, FloatTensorType,
                                            Int64TensorType, StringTensorType)
    from skl2onnx.common.utils_classifier import get_label_classes
except ImportError as exc:  # the extra is optional
    raise ImportError('fastnn.onnx needs skl2onnx and onnx: pip install skl2onnx onnx '
                      'onnxruntime (in a fastnn checkout: pip install -e ".[onnx]").') from exc

from . import _onnx_graph
from . import layers as fastnn_layers
from ._network import coef_shape
from ._onnx_import import Importer
from .autoencoder import AutoencoderTransformer
from .conv import ConvClassifier, ConvRegressor
from .mlp import MLPClassifier, MLPRegressor
from .net import NetClassifier, NetRegressor
from .rnn import RNNClassifier, RNNRegressor
from .transfer import NetTransformer
from .transformer import TransformerClassifier, TransformerRegressor

__all__ = ["from_onnx", "to_onnx"]

CLASSIFIERS = (MLPClassifier, ConvClassifier, RNNClassifier, NetClassifier,
               TransformerClassifier)
REGRESSORS = (MLPRegressor, ConvRegressor, RNNRegressor, NetRegressor, TransformerRegressor)
MIN_OPSET = 13  # Softmax over one axis, ReduceSum's axes as an input
CLASSIFIER_OPTIONS = {"zipmap": [True, False, "columns"], "output_class_labels": [False, True],
                      "nocl": [False, True]}


# ---- what goes in and out ----------------------------------------------------------

def _float_type(operator):
    """The float tensor type the model computes in: the input's."""
    return DoubleTensorType if isinstance(operator.inputs[0].type, DoubleTensorType) \
        else FloatTensorType


def _check_input(operator):
    model, kind = operator.raw_operator, operator.inputs[0].type
    if len(operator.inputs) != 1:
        raise ValueError("%s takes one input tensor, got %d."
                         % (type(model).__name__, len(operator.inputs)))
    shape = list(kind.shape or [])
    dims = shape[1:]
    if dims and all(isinstance(d, numbers.Integral) for d in dims) \
            and int(np.prod(dims)) != model.n_features_in_:
        raise ValueError("The ONNX input has shape %r: %d values per sample, but %s is "
                         "expecting %d features."
                         % (shape, int(np.prod(dims)), type(model).__name__,
                            model.n_features_in_))
    return shape[0] if shape else None


def _labels(scope, model):
    """(the labels the ONNX model gives, 'string' or 'int64'): the
    classes, or their indices with the option nocl."""
    classes = np.asarray(get_label_classes(scope, model))
    # float labels are whole numbers: scikit-learn refuses others as
    # continuous targets
    if classes.dtype.kind in "iubf":
        return classes.astype(np.int64), "int64"
    return classes, "string"


def _is_multilabel(model):
    return model._label_binarizer.y_type_ == "multilabel-indicator"


def classifier_shape(operator):
    n = _check_input(operator)
    model = operator.raw_operator
    kind = StringTensorType if _labels(operator.scope_inst, model)[1] == "string" \
        else Int64TensorType
    n_classes = len(model.classes_)
    operator.outputs[0].set_type(kind([n, n_classes] if _is_multilabel(model) else [n]))
    operator.outputs[1].set_type(_float_type(operator)([n, n_classes]))


def regressor_shape(operator):
    n = _check_input(operator)
    operator.outputs[0].set_type(_float_type(operator)([n, operator.raw_operator.n_outputs_]))


def transformer_shape(operator):
    n = _check_input(operator)
    operator.outputs[0].set_type(
        _float_type(operator)([n, operator.raw_operator._n_features_out]))


# ---- the converters ----------------------------------------------------------------

def _image_hwc(model):
    """(h, w, c) when the model reads its flat rows as images, else None."""
    if hasattr(model, "_image_hwc"):
        return tuple(model._image_hwc)
    form = getattr(model, "_net_input", None)
    return tuple(form[1]) if form is not None and form[0] == "image" else None


def _network_rows(scope, operator, container, specs, coefs, intercepts, norms):
    """(graph, the network's output before its output activation)."""
    model = operator.raw_operator
    if container.target_opset is not None and container.target_opset < MIN_OPSET:
        raise ValueError("fastnn.onnx needs target_opset >= %d, got target_opset=%d."
                         % (MIN_OPSET, container.target_opset))
    dtype = np.float64 if _float_type(operator) is DoubleTensorType else np.float32
    graph = _onnx_graph.Graph(scope, container, dtype)
    x = operator.inputs[0].full_name
    if not isinstance(operator.inputs[0].type, (FloatTensorType, DoubleTensorType)):
        x = graph.op("Cast", [x], to=graph.proto)
    x = graph.reshape(x, [-1, model.n_features_in_])
    value = _onnx_graph.input_value(graph, x, model.n_features_in_, _image_hwc(model))
    ids = x if specs and specs[0].kind == "embedding" else None
    return graph, _onnx_graph.network(graph, value, specs, coefs, intercepts, norms, ids)


def _output(graph, x, name):
    graph.op("Identity", [x], outputs=[name])


def convert_classifier(scope, operator, container):
    model = operator.raw_operator
    graph, logits = _network_rows(scope, operator, container, model._specs, model.coefs_,
                                  model.intercepts_, model.batch_norm_)
    proba = graph.activation(logits, model.out_activation_)
    label_name, proba_name = operator.outputs[0].full_name, operator.outputs[1].full_name
    if _is_multilabel(model):  # each label on its own, as LabelBinarizer thresholds
        _output(graph, proba, proba_name)
        graph.op("Cast", [graph.op("Greater", [proba, graph.const(0.5)])], outputs=[label_name],
                 to=TensorProto.INT64)
        return
    if model.n_outputs_ == 1:  # binary: one logistic unit, the second class's
        _output(graph, graph.op("Concat", [graph.op("Sub", [graph.const(1.0), proba]), proba],
                                axis=1), proba_name)
        positive = graph.op("Greater", [graph.reshape(proba, [-1]), graph.const(0.5)])
        index = graph.op("Cast", [positive], to=TensorProto.INT64)
    else:
        _output(graph, proba, proba_name)
        index = graph.op("ArgMax", [proba], axis=1, keepdims=0)
    labels, kind = _labels(scope, model)
    classes = graph.const(labels, "classes", TensorProto.STRING if kind == "string"
                          else TensorProto.INT64)
    graph.op("Gather", [classes, index], outputs=[label_name], axis=0)


def convert_regressor(scope, operator, container):
    model = operator.raw_operator
    graph, out = _network_rows(scope, operator, container, model._specs, model.coefs_,
                               model.intercepts_, model.batch_norm_)
    _output(graph, graph.activation(out, model.out_activation_), operator.outputs[0].full_name)


def convert_autoencoder(scope, operator, container):
    """transform: the encoder's layers, the code's activation included."""
    model = operator.raw_operator
    n = model._n_code_specs
    weighted = sum(coef_shape(s) is not None for s in model._specs[:n])
    norms = sum(bool(s.batch_norm) for s in model._specs[:n])
    graph, code = _network_rows(scope, operator, container, model._specs[:n],
                                model.coefs_[:weighted], model.intercepts_[:weighted],
                                model.batch_norm_[:norms])
    _output(graph, code, operator.outputs[0].full_name)


def _register():
    for cls in CLASSIFIERS:
        update_registered_converter(cls, "Fastnn" + cls.__name__, classifier_shape,
                                    convert_classifier, options=CLASSIFIER_OPTIONS)
    for cls in REGRESSORS:
        update_registered_converter(cls, "Fastnn" + cls.__name__, regressor_shape,
                                    convert_regressor)
    update_registered_converter(AutoencoderTransformer, "FastnnAutoencoderTransformer",
                                transformer_shape, convert_autoencoder)


_register()


# ---- one call ------------------------------------------------------------------------

def _final_step(estimator):
    while hasattr(estimator, "steps"):
        estimator = estimator.steps[-1][1]
    return estimator


def to_onnx(estimator, X=None, *, target_opset=None, options=None, name=None):
    """Convert a fitted fastnn estimator (or a Pipeline ending in one) to ONNX.

    Parameters
    ----------
    estimator : fitted estimator
        A fastnn estimator, or a scikit-learn Pipeline whose steps skl2onnx
        converts.
    X : array-like, default=None
        A few input rows, for the input's type and width: float64 gives a
        float64 model, any other dtype a float32 one.  n-D samples
        (images, sequences) are flattened to ``X.reshape(n, -1)``, which is
        what the ONNX model takes.  None: rows of ``n_features_in_``
        values in the dtype of the estimator's weights.
    target_opset : int, default=None
        ONNX opset (at least 13); None: skl2onnx's default.  From opset 20
        gelu is ONNX's Gelu, before it its erf formula.
    options : dict, default=None
        skl2onnx's converter options, keyed by ``id(model)`` or by class
        as skl2onnx takes them; a dict of option names, such as
        ``{"zipmap": False}``, applies to the (final) fastnn estimator.
    name : str, default=None
        The ONNX graph's name.

    Returns
    -------
    onx : onnx.ModelProto
        The model: input ``X``; classifiers output ``label`` and
        ``probabilities`` (a list of dicts unless ``zipmap`` is False),
        regressors and AutoencoderTransformer ``variable``.

    See Also
    --------
    skl2onnx.to_onnx : the conversion this calls; importing fastnn.onnx
        registers fastnn's converters with it.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnn import MLPClassifier
    >>> from fastnn.onnx import to_onnx
    >>> X = np.random.default_rng(0).standard_normal((40, 3)).astype(np.float32)
    >>> model = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3).fit(X, X[:, 0] > 0)
    >>> onx = to_onnx(model, X[:1], options={"zipmap": False})
    >>> [output.name for output in onx.graph.output]
    ['label', 'probabilities']
    """
    if options and all(isinstance(key, str) for key in options):
        options = {id(_final_step(estimator)): options}
    initial_types = None
    if X is None:
        model = _final_step(estimator)
        width = getattr(estimator, "n_features_in_", None)
        if width is None:
            raise ValueError("Give X: %s has no n_features_in_ to size the input."
                             % type(estimator).__name__)
        coefs = getattr(model, "coefs_", None)
        double = coefs is not None and coefs[0].dtype == np.float64
        initial_types = [("X", (DoubleTensorType if double else FloatTensorType)([None, width]))]
    else:
        X = np.asarray(X)
        if X.ndim > 2:
            X = X.reshape(X.shape[0], -1)
        if X.dtype != np.float64:
            X = X.astype(np.float32)
    return _skl2onnx_to_onnx(estimator, X, initial_types=initial_types,
                             target_opset=target_opset, options=options, name=name)


# ---- import ------------------------------------------------------------------------

def from_onnx(model, task="classifier", classes=None, input_shape=None, trainable=True,
              params=None):
    """A fitted fastnn estimator from an ONNX graph, with its weights.

    The graph (made by ``torch.onnx.export``, or by fastnn's own export;
    a float64 one of convolutions or LayerNorm excepted) is read node by
    node into
    ``fastnn.layers`` and their values: Gemm, MatMul + Add (Dense), Conv
    (Conv2D, or Conv1D of channels-first steps; 'same', 'valid' or
    PyTorch's padding), BatchNormalization (BatchNorm), MaxPool and AveragePool
    (side by side windows, 2-D or 1-D), GlobalAveragePool,
    GlobalMaxPool and ReduceMean or ReduceMax over all the steps or
    positions (GlobalAvgPool, GlobalMaxPool), Relu, Tanh, Sigmoid,
    LeakyRelu, Elu and Softplus (the activation of the layer before),
    Flatten and Reshape to rows (Flatten), Gather of token ids
    (Embedding), LSTM, GRU and RNN (forward or bidirectional, from zero
    states, the batch-first transposes PyTorch writes around them),
    LayerNormalization over the last axis (LayerNorm), a MatMul of every
    step by the same weights (Conv1D of width 1), the Add of a tensor and
    what later layers made of it (a Residual block of those layers, also
    with a linear projection of its input), the Add or Concat of two
    branches of one value (Parallel, then an activation), a Slice of
    some of the input's columns (Columns), PyTorch's nn.MultiheadAttention
    between its D x 3D and D x D projections (MultiHeadAttention, causal
    with a causal float mask: so nn.TransformerEncoderLayer comes in as
    the Residual blocks fastnn's TransformerEncoder writes), recurrent
    layers whose steps the graph spells out (as fastnn writes them),
    Dropout and Identity (left out), and a last Softmax.  The padding
    mask (the ids equal to 0: PyTorch's key_padding_mask, a mean of the
    steps that are not padding, fastnn's own) becomes the Embedding's
    mask_padding, if the graph masks every recurrent, attention and
    global pooling layer after it as fastnn does.  Any other operator is
    a ValueError naming it and its node.

    The imported estimator predicts as ONNX Runtime runs the graph, and
    trains on (``warm_start=True`` keeps the imported values as the
    start; ``partial_fit`` goes on from them).

    Parameters
    ----------
    model : str, path-like, bytes or onnx.ModelProto
        The graph: a file, its bytes, or the loaded model.
    task : {'classifier', 'regressor', 'transformer'}, default='classifier'
        What the output is.  'classifier': logits or probabilities of the
        classes (its last layer, linear, becomes the NetClassifier's
        output layer; two logits become the one of a binary classifier).
        'regressor': values (a NetRegressor).  'transformer': features,
        a NetTransformer of the whole graph (``upto=None``).
    classes : array-like, default=None
        The classifier's labels, one per output (None: 0, 1, 2...).
    input_shape : tuple of int, default=None
        One sample's shape, where the graph leaves it open (a sequence's
        length).
    trainable : bool, default=True
        False: the imported layers are frozen (``trainable=False``), so a
        fit trains only the layers added after them.
    params : dict, default=None
        Further parameters of the estimator (max_iter, learning_rate_init...),
        for training it on.

    Returns
    -------
    estimator : NetClassifier, NetRegressor or NetTransformer
        Fitted.  Images are read as the graph reads them, (n, c, h, w);
        token ids as (n, steps) numbers.

    See Also
    --------
    to_onnx : The other way.
    fastnn.transfer.Pretrained : Imported layers inside a new network.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from fastnn import MLPClassifier
    >>> from fastnn.onnx import from_onnx, to_onnx
    >>> X, y = load_iris(return_X_y=True)
    >>> X = X.astype(np.float32)
    >>> mlp = MLPClassifier((8,), max_iter=300, random_state=0).fit(X, y)
    >>> back = from_onnx(to_onnx(mlp, X[:1], options={"zipmap": False}))
    >>> bool((back.predict(X) == mlp.predict(X)).all())
    True
    """
    import onnx

    if task not in ("classifier", "regressor", "transformer"):
        raise ValueError("task must be 'classifier', 'regressor' or 'transformer', got %r."
                         % (task,))
    if isinstance(model, (str, os.PathLike)):
        model = onnx.load(model)
    elif isinstance(model, bytes):
        model = onnx.load_from_string(model)
    if not isinstance(model, onnx.ModelProto):
        raise ValueError("from_onnx reads an ONNX file, its bytes or an onnx.ModelProto, got "
                         "%r." % (type(model).__name__,))
    graph, labels = _graph_of_the_network(model.graph)
    if classes is None:
        classes = labels
    reader = Importer(graph, input_shape)
    out = reader.run()
    layers, coefs, intercepts, norms = (reader.layers, reader.coefs, reader.intercepts,
                                        reader.norms)
    last = layers[-1] if layers else None
    # (a classifier's last Sigmoid is the logistic output of a binary one)
    head = task != "transformer" and isinstance(last, fastnn_layers.Dense) and \
        out.order is None and (last.activation == "identity" or (
            task == "classifier" and last.activation == "logistic" and last.units == 1))
    if head:  # the graph's last layer is the estimator's output layer
        layers = layers[:-1]
    else:  # the output as it is, through an identity output layer
        width = out.shape[1]
        # (rows a Flatten of images made: back to the graph's order)
        order = np.arange(width) if out.order is None else out.order
        coefs = coefs + [np.eye(width, dtype=np.float32)[order]]
        intercepts = intercepts + [np.zeros(width, np.float32)]
    if not trainable:
        layers = [dataclasses.replace(layer, trainable=False)
                  if "trainable" in {f.name for f in dataclasses.fields(layer)} else layer
                  for layer in layers]
    n_out = coefs[-1].shape[1]
    X = np.zeros((2,) + reader.sample, dtype=np.float32)
    if task == "classifier":
        classes = np.arange(max(n_out, 2)) if classes is None else np.asarray(classes)
        if n_out == 2 and len(classes) == 2:  # two logits: their difference, one logit
            coefs[-1] = coefs[-1][:, 1:] - coefs[-1][:, :1]
            intercepts[-1] = intercepts[-1][1:] - intercepts[-1][:1]
        elif len(classes) != max(n_out, 2) or (n_out == 1 and len(classes) != 2):
            raise ValueError("classes has %d labels, the graph %d outputs."
                             % (len(classes), n_out))
        estimator = NetClassifier(layers, input_shape=reader.input_form, **(params or {}))
        y = classes
        X = np.zeros((len(classes),) + reader.sample, dtype=np.float32)
    else:
        estimator = NetRegressor(layers, input_shape=reader.input_form, **(params or {}))
        y = np.zeros((2, n_out) if n_out > 1 else 2, dtype=np.float32)
    estimator._fit_or_fail(X, y, None, False, None, values=(coefs, intercepts, norms))
    reader.check_masks(estimator._specs)
    if task == "transformer":
        return NetTransformer(estimator, upto=None).fit()
    return estimator


def _graph_of_the_network(graph):
    """(the graph of the network, the labels it names or None).  fastnn's
    own classifiers (skl2onnx's conventions: outputs label and
    probabilities) end in the output activation and the labels: the
    network is the graph up to its last Softmax or Sigmoid, and the labels
    are the constant the label output is gathered from."""
    outputs = [o.name for o in graph.output]
    if "probabilities" not in outputs or "label" not in outputs:
        return graph, None
    activations = [i for i, n in enumerate(graph.node) if n.op_type in ("Softmax", "Sigmoid")]
    if not activations:
        return graph, None
    import onnx
    from onnx import helper, numpy_helper
    last = activations[-1]
    cut = onnx.GraphProto()
    cut.CopyFrom(graph)
    del cut.node[last + 1:]
    del cut.output[:]
    cut.output.append(helper.make_tensor_value_info(graph.node[last].output[0],
                                                    onnx.TensorProto.FLOAT, None))
    constants = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    labels = [constants.get(n.input[0]) for n in graph.node
              if n.op_type == "Gather" and n.output[0] == "label"]
    return cut, labels[0] if labels and labels[0] is not None else None
