"""The layers a NetClassifier or NetRegressor stacks.

Each layer is a small immutable spec: it holds its settings, checks them
when it is made, and at fit time turns the shape it receives into the
engine's LayerSpecs (see _network.py) and the shape it hands on.  Shapes
are inferred from the data; the output layer, sized by the targets, is
added after the last one.

A shape is one of ("flat", n), ("image", h, w, c) or ("sequence", steps,
features).  Images are NHWC inside, so Flatten after an image gives its
values with the channel varying fastest.

Adding a layer kind: a class here whose `build` returns the engine's
LayerSpecs for it, and, if the engine lacks the kind, its kernels in src_c (see
docs/design.md).
"""
from dataclasses import dataclass, field, fields, replace
from numbers import Integral, Real

import numpy as np

from . import _engine
from ._network import LayerSpec, conv_layer, n_values, pool_layer, recurrent_layer

__all__ = ["AvgPool1D", "AvgPool2D", "BatchNorm", "Columns", "Conv1D", "Conv2D",
           "Dense", "Dropout", "Embedding", "Flatten", "GRU", "GlobalAvgPool",
           "GlobalMaxPool", "LSTM", "LayerNorm", "MaxPool1D", "MaxPool2D",
           "MultiHeadAttention", "Parallel", "PositionalEmbedding", "Residual",
           "SimpleRNN", "TransformerEncoder"]

ACTIVATIONS = tuple(_engine.ACTIVATIONS)  # the engine's list (fastnn.h, FNN_ACTIVATIONS)


def describe(shape):
    kind, *dims = shape
    if kind == "flat":
        return "flat rows of %d values" % dims[0]
    if kind == "image":
        h, w, c = dims
        return "images of shape (c, h, w) = (%d, %d, %d)" % (c, h, w)
    return "sequences of %d steps of %d features" % tuple(dims)


def _positive_int(value, name, owner):
    if not (isinstance(value, Integral) and not isinstance(value, bool) and value >= 1):
        raise ValueError("%s: %s must be a positive int, got %r." % (owner, name, value))
    return int(value)


def _positive_int_field(layer, name):
    object.__setattr__(layer, name, _positive_int(getattr(layer, name), name,
                                                  type(layer).__name__))


def _trainable_field(layer):
    if not isinstance(layer.trainable, bool):
        raise ValueError("%s: trainable must be True or False, got %r."
                         % (type(layer).__name__, layer.trainable))


def pair(value, name, owner):
    """An int or a pair of ints -> a pair of positive ints."""
    try:
        values = (value, value) if isinstance(value, Integral) else tuple(value)
    except TypeError:  # a float, None...
        values = ()
    if len(values) != 2:
        raise ValueError("%s: %s must be an int or a pair of ints, got %r."
                         % (owner, name, value))
    return tuple(_positive_int(v, name, owner) for v in values)


def _activation(value, owner):
    if value not in ACTIVATIONS:
        raise ValueError("%s: activation must be one of %s, got %r."
                         % (owner, ", ".join(ACTIVATIONS), value))
    return value


def _padding_and_activation(conv, kernel):
    """padding: 'same', 'valid', or zeros on each side (an int, or a pair
    for Conv2D, kept as a pair), fewer than the kernel's size."""
    owner, padding = type(conv).__name__, conv.padding
    if not isinstance(padding, str):
        pads = padding if isinstance(padding, (tuple, list)) and len(kernel) == 2 else \
            (padding,) * len(kernel)
        if len(pads) != len(kernel) or not all(
                isinstance(p, Integral) and not isinstance(p, bool) and 0 <= p < k
                for p, k in zip(pads, kernel)):
            raise ValueError("%s: padding must be 'same', 'valid' or zeros on each side, from 0 "
                             "to the kernel size - 1, got %r." % (owner, padding))
        object.__setattr__(conv, "padding", tuple(int(p) for p in pads) if len(kernel) == 2
                           else int(pads[0]))
    elif padding not in ("same", "valid"):
        raise ValueError("%s: padding must be 'same', 'valid' or zeros on each side, got %r."
                         % (owner, padding))
    _activation(conv.activation, owner)


class Layer:
    """Base of the layer specs.  `build(shape, built)` returns (the
    LayerSpecs this layer adds, the shape it hands on); `built` is the
    list of specs so far, which Dropout and BatchNorm amend."""

    takes = ()  # the input kinds the layer accepts
    # An Embedding's padding mask, step for step: a layer that reads it
    # skips padding steps; one that keeps it hands on steps that still line
    # up with the ids; any other layer ends it.
    reads_mask = False
    keeps_mask = False

    def _check_input(self, shape):
        if shape[0] not in self.takes:
            hint = "; put Flatten() before it" if "flat" in self.takes else ""
            raise ValueError("%r takes %s, but receives %s%s."
                             % (self, " or ".join(k + " input" for k in self.takes),
                                describe(shape), hint))

    def build(self, shape, built):
        raise NotImplementedError

    def __reduce__(self):
        # Rebuilt by calling the class with the settings, so a copy, a
        # pickle or a skops file (whose loader accepts exactly this form)
        # goes through the checks of __post_init__ again.
        return type(self), tuple(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class Embedding(Layer):
    """Integer ids in, a learned vector of `dim` values for each out.

    The first layer (or the first after Columns of the input): it reads X
    as (n, steps) ids from 0 to vocab_size - 1 (as SequenceVectorizer
    makes them) and hands on sequences of steps x dim values.

    Parameters
    ----------
    vocab_size : int
        Number of ids; an id outside 0..vocab_size - 1 is a ValueError.
    dim : int
        Values per id.
    mask_padding : bool, default=True
        Id 0 is padding: recurrent layers keep their state across it and
        global pooling leaves it out, so a padded sequence gives what the
        unpadded one would.
    weights : array-like of shape (vocab_size, dim), default=None
        The vectors to start from (pretrained word vectors, row i for id
        i: fastnn.text.embedding_weights lines them up with a
        SequenceVectorizer's ids); None: small random ones.
    trainable : bool, default=True
        False freezes the layer's values: every fit leaves its weights
        (and a batch norm's statistics) as they are, for transfer learning
        (see fastnn.transfer).

    See Also
    --------
    fastnn.text.SequenceVectorizer : Texts to ids.

    Examples
    --------
    >>> from fastnn import NetClassifier
    >>> from fastnn.layers import GRU, Embedding
    >>> model = NetClassifier([Embedding(vocab_size=100, dim=8), GRU(16)])
    """
    vocab_size: int
    dim: int
    mask_padding: bool = True
    # compare=False: two layers are the same settings whatever their arrays
    weights: object = field(default=None, repr=False, compare=False)
    trainable: bool = field(default=True, repr=False)
    takes = ("sequence",)

    def __post_init__(self):
        _trainable_field(self)
        _positive_int_field(self, "vocab_size")
        _positive_int_field(self, "dim")
        if not isinstance(self.mask_padding, bool):
            raise ValueError("Embedding: mask_padding must be True or False, got %r."
                             % (self.mask_padding,))
        if self.weights is not None:
            weights = np.array(self.weights, dtype=np.float64)
            if weights.shape != (self.vocab_size, self.dim) or not np.isfinite(weights).all():
                raise ValueError("Embedding: weights must be finite numbers of shape "
                                 "(vocab_size, dim) = (%d, %d), got shape %r."
                                 % (self.vocab_size, self.dim, weights.shape))
            weights.flags.writeable = False
            object.__setattr__(self, "weights", weights)

    def build(self, shape, built):
        # ids are the input's: all of it, or its Columns (a second input beside them)
        after_columns = bool(built) and built[-1].kind == "take" and built[-1].src == 0
        if built and not after_columns:
            raise ValueError("%r must be the first layer, or follow Columns of the input: it "
                             "reads the input's ids." % (self,))
        if after_columns and self.mask_padding:
            raise ValueError("%r reads ids from Columns of the input: give mask_padding=False "
                             "(the padding mask reads the whole input)." % (self,))
        if after_columns and shape[0] == "flat":
            shape = ("sequence", shape[1], 1)
        self._check_input(shape)
        _, steps, features = shape
        if features != 1:
            raise ValueError("%r reads one id per step, but receives %s; give X as (n, "
                             "steps) ids." % (self, describe(shape)))
        spec = LayerSpec(kind="embedding", h=steps, w=1, c=1, oh=steps, ow=1, oc=self.dim,
                         vocab=self.vocab_size)
        if self.weights is not None:
            spec.initial = (self.weights, None, None)  # read by the estimator's first fit
        return [spec], ("sequence", steps, self.dim)


@dataclass(frozen=True)
class Dense(Layer):
    """A fully connected layer: units outputs, each an activation of a
    weighted sum of all inputs plus a bias.

    Parameters
    ----------
    units : int
        Number of outputs.
    activation : str, default='relu'
        Applied to each output: 'identity', 'logistic', 'tanh', 'relu',
        'leaky_relu', 'elu', 'gelu' or 'softplus' (as the estimators').
    trainable : bool, default=True
        False freezes the layer's values: every fit leaves its weights
        (and a batch norm's statistics) as they are, for transfer learning
        (see fastnn.transfer).

    See Also
    --------
    Dropout : Drops outputs while training.
    BatchNorm : Normalises the layer's outputs before the activation.

    Examples
    --------
    >>> from fastnn import NetRegressor
    >>> from fastnn.layers import Dense
    >>> model = NetRegressor([Dense(64), Dense(16, activation="tanh")])
    """
    units: int
    activation: str = "relu"
    trainable: bool = field(default=True, repr=False)
    takes = ("flat",)

    def __post_init__(self):
        _trainable_field(self)
        _positive_int_field(self, "units")
        _activation(self.activation, "Dense")

    def build(self, shape, built):
        self._check_input(shape)
        spec = LayerSpec(kind="dense", h=1, w=1, c=shape[1], oh=1, ow=1, oc=self.units,
                         activation=self.activation)
        return [spec], ("flat", self.units)


@dataclass(frozen=True)
class Conv2D(Layer):
    """2-D convolutions over an image, then the activation.

    Parameters
    ----------
    filters : int
        Output channels, one learned kernel (kh x kw x input channels) each.
    kernel_size : int or (h, w) tuple, default=3
        The window.
    strides : int or (h, w) tuple, default=1
        The step between windows.
    padding : {'same', 'valid'}, int or (h, w) tuple, default='same'
        'same' keeps ceil(size / stride) pixels (zeros added, the extra one
        after), 'valid' only whole windows; an int or a pair adds that many
        rows and columns of zeros on each side, as PyTorch's padding does
        (floor((size + 2 p - kernel) / stride) + 1 pixels).
    activation : str, default='relu'
        Applied to each output: 'identity', 'logistic', 'tanh', 'relu',
        'leaky_relu', 'elu', 'gelu' or 'softplus' (as the estimators').
    trainable : bool, default=True
        False freezes the layer's values: every fit leaves its weights
        (and a batch norm's statistics) as they are, for transfer learning
        (see fastnn.transfer).

    See Also
    --------
    MaxPool2D : Pools the filters' outputs.
    Flatten : Images to flat rows, before a Dense layer.

    Examples
    --------
    >>> from fastnn.layers import Conv2D
    >>> Conv2D(16, kernel_size=5)  # an int is the same both ways
    Conv2D(filters=16, kernel_size=(5, 5), strides=(1, 1), padding='same', activation='relu')
    """
    filters: int
    kernel_size: object = 3
    strides: object = 1
    padding: object = "same"
    activation: str = "relu"
    trainable: bool = field(default=True, repr=False)
    takes = ("image",)

    def __post_init__(self):
        _trainable_field(self)
        _positive_int_field(self, "filters")
        object.__setattr__(self, "kernel_size", pair(self.kernel_size, "kernel_size", "Conv2D"))
        object.__setattr__(self, "strides", pair(self.strides, "strides", "Conv2D"))
        _padding_and_activation(self, self.kernel_size)

    def build(self, shape, built):
        self._check_input(shape)
        _, h, w, c = shape
        spec = conv_layer(h, w, c, self.filters, self.kernel_size, self.strides, self.padding,
                          self.activation)
        if spec.oh < 1 or spec.ow < 1:
            raise ValueError("%r receives %s and would output %dx%d pixels; use padding='same', "
                             "a smaller kernel or stride, or bigger images."
                             % (self, describe(shape), spec.oh, spec.ow))
        return [spec], ("image", spec.oh, spec.ow, spec.oc)


@dataclass(frozen=True)
class _Pool2D(Layer):
    pool_size: object = 2
    takes = ("image",)
    kind = None

    def __post_init__(self):
        object.__setattr__(self, "pool_size",
                           pair(self.pool_size, "pool_size", type(self).__name__))

    def build(self, shape, built):
        self._check_input(shape)
        _, h, w, c = shape
        spec = pool_layer(self.kind, h, w, c, self.pool_size)
        return [spec], ("image", spec.oh, spec.ow, spec.oc)


class MaxPool2D(_Pool2D):
    """The largest value of each window of an image.

    The windows do not overlap (stride = window); what is past the last
    whole window is dropped; a window larger than the image is clipped to it.

    Parameters
    ----------
    pool_size : int or (h, w) tuple, default=2
        The window.

    See Also
    --------
    AvgPool2D : The mean of each window.
    GlobalMaxPool : The largest value over the whole image.

    Examples
    --------
    >>> from fastnn import NetClassifier
    >>> from fastnn.layers import Conv2D, Dense, Flatten, MaxPool2D
    >>> model = NetClassifier([Conv2D(8), MaxPool2D(2), Flatten(), Dense(32)])
    """
    kind = "maxpool"


class AvgPool2D(_Pool2D):
    """The mean of each window of an image (windows as MaxPool2D's).

    Parameters
    ----------
    pool_size : int or (h, w) tuple, default=2
        The window.

    See Also
    --------
    MaxPool2D : The largest value of each window.

    Examples
    --------
    >>> from fastnn.layers import AvgPool2D
    >>> AvgPool2D((2, 1))  # halve the height only
    AvgPool2D(pool_size=(2, 1))
    """
    kind = "avgpool"


@dataclass(frozen=True)
class Conv1D(Layer):
    """1-D convolutions along a sequence, then the activation; it hands on
    a sequence of `filters` features per step.

    Parameters
    ----------
    filters : int
        Output features per step, one learned kernel each.
    kernel_size : int, default=3
        Steps in the window.
    strides : int, default=1
        Steps between windows.
    padding : {'same', 'valid'} or int, default='same'
        As Conv2D's; an int adds that many steps of zeros at each end.
    activation : str, default='relu'
        Applied to each output: 'identity', 'logistic', 'tanh', 'relu',
        'leaky_relu', 'elu', 'gelu' or 'softplus' (as the estimators').
    trainable : bool, default=True
        False freezes the layer's values: every fit leaves its weights
        (and a batch norm's statistics) as they are, for transfer learning
        (see fastnn.transfer).

    See Also
    --------
    Conv2D : Convolutions over images.
    GlobalMaxPool : Each filter's largest value over the sequence.

    Examples
    --------
    >>> from fastnn import NetClassifier
    >>> from fastnn.layers import Conv1D, Embedding, GlobalMaxPool
    >>> model = NetClassifier([Embedding(100, 16), Conv1D(32, kernel_size=5), GlobalMaxPool()])
    """
    filters: int
    kernel_size: int = 3
    strides: int = 1
    padding: object = "same"
    activation: str = "relu"
    trainable: bool = field(default=True, repr=False)
    takes = ("sequence",)

    @property
    def keeps_mask(self):
        # one step in, one step out (a Transformer's feed-forward): the
        # padding steps stay where they were
        return self.kernel_size == 1 and self.strides == 1

    def __post_init__(self):
        _trainable_field(self)
        for name in ("filters", "kernel_size", "strides"):
            _positive_int_field(self, name)
        _padding_and_activation(self, (self.kernel_size,))

    def build(self, shape, built):
        # a sequence is an image one pixel wide: the same memory, NHWC
        self._check_input(shape)
        _, steps, features = shape
        padding = self.padding if isinstance(self.padding, str) else (self.padding, 0)
        spec = conv_layer(steps, 1, features, self.filters, (self.kernel_size, 1),
                          (self.strides, 1), padding, self.activation)
        if spec.oh < 1:
            raise ValueError("%r receives %s and would output no steps; use padding='same', "
                             "a smaller kernel or stride, or longer sequences."
                             % (self, describe(shape)))
        return [spec], ("sequence", spec.oh, spec.oc)


@dataclass(frozen=True)
class _Pool1D(Layer):
    pool_size: int = 2
    takes = ("sequence",)
    kind = None

    def __post_init__(self):
        _positive_int_field(self, "pool_size")

    def build(self, shape, built):
        self._check_input(shape)
        _, steps, features = shape
        spec = pool_layer(self.kind, steps, 1, features, (self.pool_size, 1))
        return [spec], ("sequence", spec.oh, spec.oc)


class MaxPool1D(_Pool1D):
    """The largest value of each window of steps (windows as MaxPool2D's).

    Parameters
    ----------
    pool_size : int, default=2
        Steps per window.

    See Also
    --------
    AvgPool1D : The mean of each window of steps.

    Examples
    --------
    >>> from fastnn import NetRegressor
    >>> from fastnn.layers import Conv1D, Flatten, MaxPool1D
    >>> model = NetRegressor([Conv1D(8), MaxPool1D(2), Flatten()])
    """
    kind = "maxpool"


class AvgPool1D(_Pool1D):
    """The mean of each window of steps (windows as MaxPool2D's).

    Parameters
    ----------
    pool_size : int, default=2
        Steps per window.

    See Also
    --------
    MaxPool1D : The largest value of each window of steps.

    Examples
    --------
    >>> from fastnn.layers import AvgPool1D
    >>> AvgPool1D(4)
    AvgPool1D(pool_size=4)
    """
    kind = "avgpool"


@dataclass(frozen=True)
class _GlobalPool(Layer):
    takes = ("sequence", "image")
    kind = None
    reads_mask = True

    def build(self, shape, built):
        self._check_input(shape)
        h, w, c = (shape[1], 1, shape[2]) if shape[0] == "sequence" else shape[1:]
        spec = pool_layer(self.kind, h, w, c, (h, w))
        return [spec], ("flat", c)


class GlobalMaxPool(_GlobalPool):
    """Each feature's largest value over all steps of a sequence, or each
    channel's over all positions of an image: flat rows of that many
    values.  No parameters.

    See Also
    --------
    GlobalAvgPool : The mean instead.

    Examples
    --------
    >>> from fastnn import NetClassifier
    >>> from fastnn.layers import Conv2D, GlobalMaxPool
    >>> model = NetClassifier([Conv2D(16), GlobalMaxPool()])
    """
    kind = "maxpool"


class GlobalAvgPool(_GlobalPool):
    """Each feature's mean over all steps, or each channel's over all
    positions (as GlobalMaxPool).  No parameters.

    See Also
    --------
    GlobalMaxPool : The largest value instead.

    Examples
    --------
    >>> from fastnn import NetClassifier
    >>> from fastnn.layers import Embedding, GlobalAvgPool
    >>> model = NetClassifier([Embedding(100, 16), GlobalAvgPool()])  # a bag of embeddings
    """
    kind = "avgpool"


@dataclass(frozen=True)
class Flatten(Layer):
    """Images or sequences as flat rows (NHWC order: the channel, or a
    step's features, vary fastest).  No parameters.

    See Also
    --------
    GlobalAvgPool : Fewer values: one per channel.

    Examples
    --------
    >>> from fastnn import NetClassifier
    >>> from fastnn.layers import Conv2D, Dense, Flatten
    >>> model = NetClassifier([Conv2D(8), Flatten(), Dense(32)])
    """
    takes = ("flat", "image", "sequence")

    def build(self, shape, built):
        size = 1
        for d in shape[1:]:
            size *= d
        return [], ("flat", size)


@dataclass(frozen=True)
class Dropout(Layer):
    """While training, zero each output of the layer before at random and
    scale the others up to keep their expected sum; nothing when predicting.

    Parameters
    ----------
    rate : float in [0, 1)
        The probability of zeroing an output; the others are scaled by
        1 / (1 - rate).

    See Also
    --------
    BatchNorm : The other regulariser between layers.

    Examples
    --------
    >>> from fastnn import NetClassifier
    >>> from fastnn.layers import Dense, Dropout
    >>> model = NetClassifier([Dense(128), Dropout(0.3), Dense(64), Dropout(0.3)])
    """
    rate: float
    takes = ("flat", "image", "sequence")

    def __post_init__(self):
        if not (isinstance(self.rate, Real) and 0 <= self.rate < 1):
            raise ValueError("Dropout: rate must be in [0, 1), got %r." % (self.rate,))

    keeps_mask = True

    def build(self, shape, built):
        if not built:
            raise ValueError("%r cannot come first: it drops a layer's outputs." % (self,))
        if built[-1].dropout:
            raise ValueError("%r follows another Dropout on the same layer's outputs; give one "
                             "rate." % (self,))
        built[-1].dropout = float(self.rate)
        return [], shape


@dataclass(frozen=True)
class BatchNorm(Layer):
    """Batch normalisation of the Dense or Conv2D layer before it, applied
    before that layer's activation (per feature, or per channel), with a
    learned scale and shift and running statistics for predicting.  No
    parameters.

    See Also
    --------
    Dropout : Drops outputs while training.

    Examples
    --------
    >>> from fastnn import NetClassifier
    >>> from fastnn.layers import BatchNorm, Dense
    >>> model = NetClassifier([Dense(64), BatchNorm(), Dense(32), BatchNorm()])
    """
    takes = ("flat", "image")

    def build(self, shape, built):
        if not built or built[-1].kind not in ("dense", "conv") or built[-1].dropout:
            raise ValueError("%r must come right after a Dense or Conv2D layer." % (self,))
        if built[-1].batch_norm:
            raise ValueError("%r follows another BatchNorm on the same layer." % (self,))
        built[-1].batch_norm = True
        return [], shape


@dataclass(frozen=True)
class LayerNorm(Layer):
    """Layer normalisation over the last axis, as PyTorch's LayerNorm:
    each flat row's features, each pixel's channels or each step's
    features to zero mean and unit variance (epsilon 1e-5), then a learned
    scale (its weights, starting at 1, under `alpha`'s L2 penalty as all
    weights are) and shift (its biases, starting at 0) per feature.  It
    normalises each sample on its own, so training and predicting compute
    the same thing, whatever the batch.

    Parameters
    ----------
    trainable : bool, default=True
        False freezes the layer's values: every fit leaves its weights
        (and a batch norm's statistics) as they are, for transfer learning
        (see fastnn.transfer).

    See Also
    --------
    BatchNorm : Normalises each feature over the batch instead.

    Examples
    --------
    >>> from fastnn import NetClassifier
    >>> from fastnn.layers import Dense, LayerNorm
    >>> model = NetClassifier([Dense(64), LayerNorm(), Dense(32)])
    """
    trainable: bool = field(default=True, repr=False)
    takes = ("flat", "image", "sequence")
    keeps_mask = True

    def __post_init__(self):
        _trainable_field(self)

    def build(self, shape, built):
        self._check_input(shape)
        kind, *dims = shape
        h, w, c = (1, 1, dims[0]) if kind == "flat" else (
            (dims[0], 1, dims[1]) if kind == "sequence" else tuple(dims))
        return [LayerSpec(kind="layernorm", h=h, w=w, c=c, oh=h, ow=w, oc=c)], shape


@dataclass(frozen=True)
class PositionalEmbedding(Layer):
    """Adds each step's position to a sequence, so that attention (which
    sees its steps as a set) knows their order: y[t] = x[t] + p[t].

    Parameters
    ----------
    kind : {'learned', 'sinusoidal'}, default='learned'
        'learned': p is a learned (steps, features) table, its weights
        (started as an Embedding's); 'sinusoidal': the fixed encoding of
        the Transformer paper, p[t, 2i] = sin(t / 10000^(2i / features)),
        p[t, 2i + 1] = cos(the same), no weights.
    trainable : bool, default=True
        False freezes the layer's values: every fit leaves its weights
        (and a batch norm's statistics) as they are, for transfer learning
        (see fastnn.transfer).

    See Also
    --------
    MultiHeadAttention, TransformerEncoder : What it is for.

    Examples
    --------
    >>> from fastnn import NetClassifier
    >>> from fastnn.layers import Embedding, GlobalAvgPool, PositionalEmbedding
    >>> from fastnn.layers import TransformerEncoder
    >>> model = NetClassifier([Embedding(1000, 32), PositionalEmbedding(),
    ...                        TransformerEncoder(heads=4), GlobalAvgPool()])
    """
    kind: str = "learned"
    trainable: bool = field(default=True, repr=False)
    takes = ("sequence",)
    keeps_mask = True

    def __post_init__(self):
        _trainable_field(self)
        if self.kind not in ("learned", "sinusoidal"):
            raise ValueError("PositionalEmbedding: kind must be 'learned' or 'sinusoidal', got "
                             "%r." % (self.kind,))

    def build(self, shape, built):
        self._check_input(shape)
        _, steps, features = shape
        spec = LayerSpec(kind="position" if self.kind == "learned" else "sinusoid", h=steps,
                         w=1, c=features, oh=steps, ow=1, oc=features)
        return [spec], shape


@dataclass(frozen=True)
class MultiHeadAttention(Layer):
    """Multi-head self-attention over the steps of a sequence, as
    PyTorch's ``nn.MultiheadAttention(features, heads, batch_first=True)``
    called with the sequence as query, key and value: each step's output
    is a weighted mix of every step's values, the weights a softmax of
    query-key products (scaled by 1/sqrt(features / heads)), per head.

    After an Embedding with mask_padding, padding steps are never attended
    to.  Its weights (``coefs_``) are one (features, 4 * features) matrix,
    the query, key, value and output projections side by side.

    Parameters
    ----------
    heads : int, default=1
        Heads; the features must be a multiple of them.
    causal : bool, default=False
        Each step attends to itself and the steps before only (a language
        model's mask).
    trainable : bool, default=True
        False freezes the layer's values: every fit leaves its weights
        (and a batch norm's statistics) as they are, for transfer learning
        (see fastnn.transfer).

    See Also
    --------
    LayerNorm, Residual : The other parts of a Transformer block.

    Examples
    --------
    >>> from fastnn import NetClassifier
    >>> from fastnn.layers import (Embedding, GlobalAvgPool, LayerNorm, MultiHeadAttention,
    ...                            Residual)
    >>> model = NetClassifier([Embedding(1000, 32),
    ...                        Residual([LayerNorm(), MultiHeadAttention(heads=4)]),
    ...                        GlobalAvgPool()])
    """
    heads: int = 1
    causal: bool = False
    trainable: bool = field(default=True, repr=False)
    takes = ("sequence",)
    reads_mask = True
    keeps_mask = True

    def __post_init__(self):
        _trainable_field(self)
        _positive_int_field(self, "heads")
        if not isinstance(self.causal, bool):
            raise ValueError("MultiHeadAttention: causal must be True or False, got %r."
                             % (self.causal,))

    def build(self, shape, built):
        self._check_input(shape)
        _, steps, features = shape
        if features % self.heads:
            raise ValueError("%r receives %s: the features must be a multiple of the heads."
                             % (self, describe(shape)))
        spec = LayerSpec(kind="attention", h=steps, w=1, c=features, oh=steps, ow=1,
                         oc=features, heads=self.heads, causal=self.causal)
        return [spec], shape


@dataclass(frozen=True)
class _Recurrent(Layer):
    units: int
    return_sequences: bool = False
    bidirectional: bool = False
    trainable: bool = field(default=True, repr=False)
    takes = ("sequence",)
    cell = None
    reads_mask = True

    @property
    def keeps_mask(self):
        return self.return_sequences

    def __post_init__(self):
        _trainable_field(self)
        name = type(self).__name__
        _positive_int_field(self, "units")
        for flag in ("return_sequences", "bidirectional"):
            if not isinstance(getattr(self, flag), bool):
                raise ValueError("%s: %s must be True or False, got %r."
                                 % (name, flag, getattr(self, flag)))

    def build(self, shape, built):
        self._check_input(shape)
        _, steps, features = shape
        dirs = 2 if self.bidirectional else 1
        spec = recurrent_layer(steps, features, self.units, self.cell, dirs,
                               self.return_sequences)
        out = dirs * self.units
        return [spec], ("sequence", steps, out) if self.return_sequences else ("flat", out)


# The recurrent layers' shared Parameters section.
_RECURRENT_PARAMETERS = """    Parameters
    ----------
    units : int
        State size per direction.
    return_sequences : bool, default=False
        Hand on every step's state (a sequence, for a stacked recurrent
        layer or Conv1D) instead of the last one (flat rows).
    bidirectional : bool, default=False
        Also run the sequence backwards; both directions' states side by
        side (2 * units values per step).
    trainable : bool, default=True
        False freezes the layer's values: every fit leaves them as they
        are, for transfer learning (see fastnn.transfer).
"""


class SimpleRNN(_Recurrent):
    __doc__ = """A tanh recurrent layer: h_t = tanh(x_t W + h_{t-1} U + b).

""" + _RECURRENT_PARAMETERS + """
    See Also
    --------
    LSTM : Gated, for longer memories.
    GRU : Gated, with fewer weights than LSTM.

    Examples
    --------
    >>> from fastnn import NetRegressor
    >>> from fastnn.layers import SimpleRNN
    >>> model = NetRegressor([SimpleRNN(16, return_sequences=True), SimpleRNN(8)])
    """
    cell = "rnn"


class LSTM(_Recurrent):
    __doc__ = """A long short-term memory layer (gates i, f, g, o as PyTorch's).

""" + _RECURRENT_PARAMETERS + """
    See Also
    --------
    GRU : Fewer weights, often as good.
    fastnn.RNNRegressor : Recurrent layers without listing them.

    Examples
    --------
    >>> from fastnn import NetClassifier
    >>> from fastnn.layers import LSTM
    >>> model = NetClassifier([LSTM(32, bidirectional=True)])
    """
    cell = "lstm"


class GRU(_Recurrent):
    __doc__ = """A gated recurrent unit layer (gates r, z, n as PyTorch's, the reset
    applied after the recurrent product).

""" + _RECURRENT_PARAMETERS + """
    See Also
    --------
    LSTM : A separate cell state.
    fastnn.RNNClassifier : Recurrent layers without listing them.

    Examples
    --------
    >>> from fastnn import NetClassifier
    >>> from fastnn.layers import GRU, Embedding
    >>> model = NetClassifier([Embedding(50, 8), GRU(16, return_sequences=True), GRU(8)])
    """
    cell = "gru"


# ---- blocks beyond a stack: residual connections and branches -------------
# The engine runs the layers in order; a join (take, add, concat) also
# reads an earlier tensor: spec.src, 0 the network's input, t the output
# of spec t - 1 (src_c/join.c).  A block writes its layers and joins into
# that order.

JOINS = ("take", "add", "concat")


def _hwc(shape):
    """(h, w, c) of a shape as the engine lays it out, features last."""
    kind, *dims = shape
    if kind == "flat":
        return 1, 1, dims[0]
    return (dims[0], 1, dims[1]) if kind == "sequence" else tuple(dims)


def _join(kind, specs, shape, out_shape, src, src_at=0, activation="identity"):
    """A join spec to append to specs: its input is the last spec's output
    (a take does not read it, but the engine checks that it lines up), or
    the network's input, of `shape`, when specs is empty."""
    last = specs[-1] if specs else None
    h, w, c = (last.oh, last.ow, last.oc) if last else _hwc(shape)
    oh, ow, oc = _hwc(out_shape)
    return LayerSpec(kind=kind, h=h, w=w, c=c, oh=oh, ow=ow, oc=oc, src=src, src_at=src_at,
                     activation=activation)


def _layer_list(value, name, owner):
    """A block's layers as a tuple of layers (a list is accepted)."""
    if not isinstance(value, (list, tuple)):
        raise ValueError("%s: %s must be a list of fastnn.layers, got %r." % (owner, name, value))
    for layer in value:
        _check_layer(layer)
    return tuple(value)


class _Block(Layer):
    """A layer made of layers: it writes its specs and joins straight into
    the network's list (build_into) and carries the padding mask through."""
    takes = ("flat", "image", "sequence")

    def build(self, shape, built):
        specs = list(built)
        shape, _ = self.build_into(shape, specs, False)
        return specs[len(built):], shape

    def build_into(self, shape, specs, masked):
        raise NotImplementedError


def _projection(shape, out_shape, owner):
    """The layer that maps a block's input shape onto its output's when
    they differ: Dense for flat rows, a 1x1 convolution (strided when the
    block shrank the positions) for images and sequences."""
    if shape[0] != out_shape[0]:
        raise ValueError("%r turns %s into %s: a residual block must hand on the form it "
                         "receives (flat, images or sequences)."
                         % (owner, describe(shape), describe(out_shape)))
    if shape[0] == "flat":
        return Dense(out_shape[1], "identity")
    (h, w, _), (oh, ow, oc) = _hwc(shape), _hwc(out_shape)
    stride = (-(-h // oh), -(-w // ow))  # the stride that gives oh x ow with 'same'
    if (-(-h // stride[0]), -(-w // stride[1])) != (oh, ow):
        raise ValueError("%r turns %s into %s: no strided 1x1 convolution maps one onto "
                         "the other." % (owner, describe(shape), describe(out_shape)))
    if shape[0] == "sequence":
        return Conv1D(oc, 1, strides=stride[0], activation="identity")
    return Conv2D(oc, 1, strides=stride, activation="identity")


@dataclass(frozen=True)
class Residual(_Block):
    """A residual block: its layers' output plus its input, y = f(x) + x,
    as in ResNet; then the activation.

    Where the layers change the width (or, for images and sequences, the
    positions: strides, pooling), the input goes through a learned
    projection first: a Dense layer for flat rows, a 1x1 convolution
    (strided as needed) for images and sequences.

    Parameters
    ----------
    layers : list of fastnn.layers
        The block, f.
    activation : str, default='identity'
        Applied to the sum ('relu' for ResNet's blocks).
    trainable : bool, default=True
        False freezes the layer's values: every fit leaves its weights
        (and a batch norm's statistics) as they are, for transfer learning
        (see fastnn.transfer).

    See Also
    --------
    Parallel : Branches side by side.

    Examples
    --------
    >>> from fastnn import NetClassifier
    >>> from fastnn.layers import Conv2D, Flatten, Residual
    >>> block = Residual([Conv2D(16), Conv2D(16, activation="identity")], activation="relu")
    >>> model = NetClassifier([Conv2D(16), block, block, Flatten()])
    """
    layers: tuple
    activation: str = "identity"
    trainable: bool = field(default=True, repr=False)

    def __post_init__(self):
        _trainable_field(self)
        object.__setattr__(self, "layers", _layer_list(self.layers, "layers", "Residual"))
        _activation(self.activation, "Residual")

    def build_into(self, shape, specs, masked):
        source = len(specs)  # the block's input tensor
        out, out_masked = _build_sequence(self.layers, shape, specs, masked)
        if out == shape:
            specs.append(_join("add", specs, out, out, source, activation=self.activation))
            return out, out_masked
        main = len(specs)
        # the input again, for the projection
        specs.append(_join("take", specs, out, shape, source))
        added, projected = _projection(shape, out, self).build(shape, specs)
        specs += added
        specs.append(_join("add", specs, projected, out, main, activation=self.activation))
        return out, out_masked and masked


@dataclass(frozen=True)
class Columns(Layer):
    """Features start to stop - 1 of the last axis: some columns of flat
    rows (a model's second input, such as numeric columns beside token
    ids), or some features of each step or pixel.

    Parameters
    ----------
    start : int
        The first feature taken.
    stop : int
        One past the last.

    See Also
    --------
    Parallel : Branches, each of which may start with its own Columns.

    Examples
    --------
    >>> from fastnn import NetClassifier
    >>> from fastnn.layers import Columns, Dense, Embedding, GlobalAvgPool, Parallel
    >>> words = [Columns(0, 20), Embedding(1000, 16, mask_padding=False), GlobalAvgPool()]
    >>> numbers = [Columns(20, 24), Dense(8)]
    >>> model = NetClassifier([Parallel([words, numbers]), Dense(32)])
    """
    start: int
    stop: int
    takes = ("flat", "image", "sequence")
    keeps_mask = True

    def __post_init__(self):
        if not (isinstance(self.start, Integral) and isinstance(self.stop, Integral)
                and 0 <= self.start < self.stop):
            raise ValueError("Columns: need 0 <= start < stop (ints), got start=%r, stop=%r."
                             % (self.start, self.stop))

    def take(self, shape, specs, source):
        """The take spec, to append to specs, of these columns of tensor
        `source` of `shape`; and the shape it hands on."""
        width = _hwc(shape)[2]
        if self.stop > width:
            raise ValueError("%r receives %s: only %d features per position."
                             % (self, describe(shape), width))
        out = shape[:-1] + (self.stop - self.start,)
        return _join("take", specs, shape, out, source, src_at=self.start), out

    def build(self, shape, built):
        spec, out = self.take(shape, built, len(built))
        return [spec], out


@dataclass(frozen=True)
class Parallel(_Block):
    """Branches side by side on the same input, their outputs joined.

    Parameters
    ----------
    branches : list of lists of fastnn.layers
        Each branch reads the block's input (or, when it starts with
        Columns, some of its features: two inputs in one model).  An empty
        branch is the input itself.
    join : {'concat', 'add'}, default='concat'
        'concat': the branches' outputs side by side along the last axis
        (they must agree on the positions: same rows, steps or pixels);
        'add': their sum (same shapes).
    activation : str, default='identity'
        Applied to the joined output ('relu' for a ResNet block whose
        shortcut is a convolution with batch norm).
    trainable : bool, default=True
        False freezes the layer's values: every fit leaves its weights
        (and a batch norm's statistics) as they are, for transfer learning
        (see fastnn.transfer).

    See Also
    --------
    Residual : A block plus its input.
    Columns : Part of the input, for a branch of its own.

    Examples
    --------
    >>> from fastnn import NetRegressor
    >>> from fastnn.layers import Dense, Parallel
    >>> model = NetRegressor([Parallel([[Dense(32)], [Dense(8, activation="tanh")]]), Dense(16)])
    """
    branches: tuple
    join: str = "concat"
    activation: str = "identity"
    trainable: bool = field(default=True, repr=False)

    def __post_init__(self):
        _trainable_field(self)
        if not isinstance(self.branches, (list, tuple)) or len(self.branches) < 2:
            raise ValueError("Parallel: branches must be a list of at least two lists of "
                             "layers, got %r." % (self.branches,))
        object.__setattr__(self, "branches", tuple(
            _layer_list(b, "each branch", "Parallel") for b in self.branches))
        if self.join not in ("concat", "add"):
            raise ValueError("Parallel: join must be 'concat' or 'add', got %r." % (self.join,))
        _activation(self.activation, "Parallel")

    def _branch(self, branch, shape, specs, masked, source):
        """Builds one branch on tensor `source`; (its output tensor, shape,
        whether it carries the mask)."""
        if branch and isinstance(branch[0], Columns):
            spec, shape = branch[0].take(shape, specs, source)
            specs.append(spec)
            branch, masked = branch[1:], False  # other columns: ids no more
        elif len(specs) != source or not branch:  # not right after the input: read it again
            specs.append(_join("take", specs, shape, shape, source))
        shape, masked = _build_sequence(branch, shape, specs, masked)
        return len(specs), shape, masked

    def build_into(self, shape, specs, masked):
        source = len(specs)
        joined, out, all_masked = self._branch(self.branches[0], shape, specs, masked, source)
        for branch in self.branches[1:]:
            end, branch_out, branch_masked = self._branch(branch, shape, specs, masked, source)
            all_masked = all_masked and branch_masked
            if self.join == "add":
                if branch_out != out:
                    raise ValueError("%r: join='add' needs branches of one shape, got %s and %s."
                                     % (self, describe(out), describe(branch_out)))
                specs.append(_join("add", specs, out, out, joined))
            else:
                if branch_out[0] != out[0] or _hwc(branch_out)[:2] != _hwc(out)[:2]:
                    raise ValueError("%r: join='concat' needs branches that agree on the "
                                     "positions, got %s and %s."
                                     % (self, describe(out), describe(branch_out)))
                width = _hwc(out)[2] + _hwc(branch_out)[2]
                out = out[:-1] + (width,)
                specs.append(_join("concat", specs, branch_out, out, joined))
            joined = len(specs)
        if self.activation != "identity":
            specs[-1] = replace(specs[-1], activation=self.activation)
        return out, all_masked


@dataclass(frozen=True)
class TransformerEncoder(_Block):
    """Transformer encoder blocks (pre-norm, as PyTorch's
    ``nn.TransformerEncoderLayer(d_model, heads, ff, dropout,
    norm_first=True)``), `layers` of them over a sequence: each is
    x + Dropout(MultiHeadAttention(LayerNorm(x))), then
    x + Dropout(W2 act(W1 LayerNorm(x))) with W1, W2 applied to each step.

    Parameters
    ----------
    d_model : int or None, default=None
        Features per step inside the blocks; None keeps the input's.  When
        it differs from the input's, a learned per-step projection comes
        first.
    heads : int, default=1
        Attention heads; d_model must be a multiple of them.
    ff : int or None, default=None
        Units of the feed-forward part per step; None: 4 * d_model.
    layers : int, default=1
        Blocks, one after another.
    dropout : float in [0, 1), default=0.1
        After the attention and after the feed-forward part, while training.
    activation : str, default='relu'
        The feed-forward part's.
    causal : bool, default=False
        Each step attends to itself and the steps before only.
    trainable : bool, default=True
        False freezes the layer's values: every fit leaves its weights
        (and a batch norm's statistics) as they are, for transfer learning
        (see fastnn.transfer).

    See Also
    --------
    MultiHeadAttention, LayerNorm, Residual : Its parts.

    Examples
    --------
    >>> from fastnn import NetClassifier
    >>> from fastnn.layers import Embedding, GlobalAvgPool, TransformerEncoder
    >>> model = NetClassifier([Embedding(1000, 32), TransformerEncoder(heads=4, layers=2),
    ...                        GlobalAvgPool()])
    """
    d_model: object = None
    heads: int = 1
    ff: object = None
    layers: int = 1
    dropout: float = 0.1
    activation: str = "relu"
    causal: bool = False
    trainable: bool = field(default=True, repr=False)
    takes = ("sequence",)

    def __post_init__(self):
        _trainable_field(self)
        for name in ("d_model", "ff"):
            if getattr(self, name) is not None:
                _positive_int_field(self, name)
        _positive_int_field(self, "heads")
        _positive_int_field(self, "layers")
        Dropout(self.dropout)  # its checks
        _activation(self.activation, "TransformerEncoder")
        MultiHeadAttention(self.heads, self.causal)

    def blocks(self, features):
        """The encoder as plain layers, for inputs of `features` per step."""
        d = self.d_model or features
        ff = self.ff or 4 * d
        drop = [Dropout(self.dropout)] if self.dropout else []
        stack = [] if d == features else [Conv1D(d, 1, activation="identity")]
        for _ in range(self.layers):
            stack += [Residual([LayerNorm(), MultiHeadAttention(self.heads, self.causal)] + drop),
                      Residual([LayerNorm(), Conv1D(ff, 1, activation=self.activation),
                                Conv1D(d, 1, activation="identity")] + drop)]
        return stack

    def build_into(self, shape, specs, masked):
        self._check_input(shape)
        return _build_sequence(self.blocks(shape[2]), shape, specs, masked)


# Activations that never decrease: max(f(a), f(b)) = f(max(a, b)).  Not
# gelu: it dips below 0 (minimum near z = -0.75), so max-pooling after it
# is not the same as before it.
MONOTONE = frozenset({"logistic", "tanh", "relu", "leaky_relu", "elu", "softplus"})


def _build_sequence(layers, shape, specs, masked):
    """Appends the specs of `layers` on input `shape` to `specs`; returns
    the shape they hand on and whether it still carries the Embedding's
    padding mask (`masked`: whether the input does)."""
    for layer in layers:
        _check_layer(layer)
        before = len(specs)
        if isinstance(layer, _Block):
            shape, masked = layer.build_into(shape, specs, masked)
        else:
            added, shape = layer.build(shape, specs)
            if masked and layer.reads_mask:
                added[0].masked = True
            masked = (isinstance(layer, Embedding) and layer.mask_padding) or (
                masked and layer.keeps_mask)
            specs += added
        if not getattr(layer, "trainable", True):  # all it built, blocks included
            for spec in specs[before:]:
                spec.frozen = True
    return shape, masked


def _activate_after_max_pools(specs):
    """A conv layer's non-decreasing activation commutes with the max pool
    right after it, so it is applied after the pool: the same network and
    gradients, and a quarter of the values (2x2 windows) to activate.  Not
    with batch norm, which comes between the conv and its activation, nor
    with dropout on the conv's own output, nor when a join reads that
    output.  The conv keeps its declared activation for its
    initialisation."""
    joined = {spec.src for spec in specs if spec.kind in JOINS}  # read as they are
    for i, (conv, pool) in enumerate(zip(specs, specs[1:])):
        if (conv.kind == "conv" and pool.kind == "maxpool" and i + 1 not in joined
                and conv.activation in MONOTONE and pool.activation == "identity"
                and not conv.batch_norm and not conv.dropout):
            conv.declared_activation = pool.activation = conv.activation
            conv.activation = "identity"


def _check_layer(layer):
    if not isinstance(layer, Layer):
        raise ValueError("layers must hold fastnn.layers objects (Dense(64), Conv2D(32), "
                         "LSTM(16)...), got %r." % (layer,))


def input_kind(layers):
    """The input form the first layer asks for: 'image', 'sequence',
    'flat' (also with no layers: the output layer alone), or None for
    Flatten first (any form)."""
    if not layers:
        return "flat"
    _check_layer(layers[0])
    if isinstance(layers[0], Flatten):
        return None
    return layers[0].takes[0]


def build(layers, shape, n_outputs):
    """The LayerSpecs of `layers` on input `shape`, then an output
    Dense layer of n_outputs (its activation is the loss's).  No layers
    leave the output layer alone: a linear model."""
    if not isinstance(layers, (list, tuple)):
        raise ValueError("layers must be a list of fastnn.layers, got %r." % (layers,))
    specs = []
    shape, _ = _build_sequence(layers, shape, specs, False)
    if shape[0] != "flat":
        raise ValueError("The last layer hands on %s; end with Flatten() or a recurrent "
                         "layer without return_sequences." % describe(shape))
    _activate_after_max_pools(specs)
    return specs + Dense(n_outputs, "identity").build(shape, specs)[0]


def _shape_text(shape):
    """One sample's shape as the user gives it: (c, h, w) for images (NHWC
    inside), (steps, features) for sequences, (n,) for flat rows."""
    dims = shape[1:] if shape[0] != "image" else (shape[3], shape[1], shape[2])
    return "(%s%s)" % (", ".join(str(d) for d in dims), "," if len(dims) == 1 else "")


def summary(layers, shape, n_outputs, output_activation):
    """A table of each layer, the shape it hands on (one sample's) and the
    values it adds to the parameter buffer, then the output layer and the
    total; a layer with trainable=False is marked frozen.  BatchNorm
    counts its scale and running statistics (its shift is the bias of the
    layer before)."""
    rows, specs = [("Layer", "Output shape", "Params")], []
    for layer in layers:
        before = sum(map(n_values, specs))
        added, shape = layer.build(shape, specs)
        specs += added
        name = repr(layer) + ("" if getattr(layer, "trainable", True) else " (frozen)")
        rows.append((name, _shape_text(shape), sum(map(n_values, specs)) - before))
    out = Dense(n_outputs, "identity").build(shape, specs)[0]
    rows.append(("Dense(units=%d) output, %s" % (n_outputs, output_activation),
                 "(%d,)" % n_outputs, n_values(out[0])))
    total = sum(n for _, _, n in rows[1:])
    widths = [max(len(str(row[i])) for row in rows) for i in range(3)]
    lines = ["%-*s  %-*s  %*s" % (widths[0], a, widths[1], b, widths[2], c) for a, b, c in rows]
    rule = "-" * len(lines[0])
    return "\n".join([lines[0], rule] + lines[1:] + [rule, "Total params: {:,}".format(total)])
