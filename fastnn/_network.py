"""Layer specs as the engine reads them, and where each parameter lives in
the one flat buffer.

fastnn/layers.py builds LayerSpecs from the public layers.  The buffer
layout is the engine's (fnn_net_param_blocks in src_c/net.c),
scikit-learn's `_pack` order: every weight array in layer order, then every
bias vector, then the batch norm blocks.  The weights therefore form a
prefix of the buffer, which is what the engine's fused L2 penalty relies
on, and `coefs_` / `intercepts_` are plain views into it.
"""
from dataclasses import dataclass, fields
from numbers import Integral, Real

import numpy as np

from . import _engine

KINDS = tuple(_engine.LAYER_KINDS)  # the engine's lists (fastnn.h)
CELLS = tuple(_engine.CELLS)


@dataclass
class LayerSpec:
    """One layer as the engine sees it (fnn_layer in src_c/fastnn.h).

    One sample's input is h x w x c and its output oh x ow x oc (images are
    NHWC; a dense layer has h = w = oh = ow = 1).  Convolutions and pools
    have a kernel kh x kw, strides sh, sw and top/left padding ph, pw.  A
    recurrent layer reads h time steps of c features (w = 1) with its
    `cell` in `dirs` directions (2: bidirectional).  An embedding, first
    only, reads h ids per sample (c = 1) from 0 to vocab - 1.  A `masked`
    recurrent layer or global pool over steps skips the steps whose id is
    0 (padding).  `activation` is applied
    to the layer's output, after batch norm when `batch_norm`, before
    dropout of rate `dropout`.  `declared_activation` records the user's
    activation of a conv layer whose activation moved behind its max pool
    (the same result, fewer values to transform).  A join (take, add,
    concat: residual blocks and branches) also reads tensor `src`, 0 the
    network's input and t the output of spec t - 1; a take copies that
    tensor's features from `src_at` on.  Attention over h steps of c
    features has `heads` heads and, when `causal`, lets a step attend to
    itself and the steps before only.  A `frozen` layer's values stay as
    they are in training (a layer built with trainable=False).
    """
    kind: str
    h: int
    w: int
    c: int
    oh: int
    ow: int
    oc: int
    kh: int = 1
    kw: int = 1
    sh: int = 1
    sw: int = 1
    ph: int = 0
    pw: int = 0
    activation: str = "identity"
    cell: str = "rnn"
    dirs: int = 1
    dropout: float = 0.0
    batch_norm: bool = False
    vocab: int = 0
    masked: bool = False
    src: int = 0
    src_at: int = 0
    heads: int = 1
    causal: bool = False
    frozen: bool = False
    declared_activation: str = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError("unknown layer kind %r" % (self.kind,))
        if self.cell not in CELLS:
            raise ValueError("unknown recurrent cell %r" % (self.cell,))

    def as_state(self):
        """The spec as a dict of plain Python values, for persistence: a
        saved estimator then names no private fastnn type."""
        return {f.name: _plain(getattr(self, f.name), f) for f in fields(self)}

    @classmethod
    def from_state(cls, state):
        """A spec from as_state's dict, each value checked against its
        field's type (a saved file may have been edited)."""
        names = {f.name for f in fields(cls)}
        # a file from before a field existed lacks it: its default then
        required = {f.name for f in fields(cls) if f.name not in NEWER_FIELDS}
        if not isinstance(state, dict) or not required <= set(state) <= names:
            raise ValueError("A saved layer spec must be a dict of the fields %s, got %r."
                             % (sorted(names), state))
        return cls(**{f.name: _plain(state[f.name], f) for f in fields(cls) if f.name in state})

    @property
    def n_inputs(self):
        return self.h * self.w * self.c

    @property
    def n_outputs(self):
        return self.oh * self.ow * self.oc


# Fields added after the first saved files, which may lack them.
NEWER_FIELDS = frozenset({"src", "src_at", "heads", "causal", "frozen"})


def _plain(value, field):
    """value as the Python type of a LayerSpec field (None only where that
    is the default); anything else is refused."""
    if value is None and field.default is None:
        return None
    kinds = {int: Integral, float: Real, bool: (bool, np.bool_), str: str}[field.type]
    if not isinstance(value, kinds) or (field.type is not bool
                                        and isinstance(value, (bool, np.bool_))):
        raise ValueError("A layer spec's %s must be of type %s, got %r."
                         % (field.name, field.type.__name__, value))
    return field.type(value)


def dense_layers(units, activation):
    """Specs of a dense stack units[0] -> ... -> units[-1]; the last layer
    has no activation (the output activation is the loss's)."""
    specs = []
    for i, (fan_in, fan_out) in enumerate(zip(units[:-1], units[1:])):
        last = i == len(units) - 2
        specs.append(LayerSpec(kind="dense", h=1, w=1, c=int(fan_in), oh=1, ow=1, oc=int(fan_out),
                          activation="identity" if last else activation))
    return specs


def conv_output_size(size, kernel, stride, padding):
    """(output size, padding before) along one axis, as Keras and
    TensorFlow define 'same' (ceil(size / stride), extra pad at the end)
    and 'valid' (only whole windows); an int pads that many zeros on
    both sides (PyTorch's padding=p)."""
    if not isinstance(padding, str):
        return (size + 2 * padding - kernel) // stride + 1, padding
    if padding == "same":
        out = -(-size // stride)
        total = max((out - 1) * stride + kernel - size, 0)
        return out, total // 2
    return (size - kernel) // stride + 1, 0


def conv_layer(h, w, c, filters, kernel, stride, padding, activation):
    """padding: 'same', 'valid' or (rows, columns) of zeros on each side."""
    (kh, kw), (sh, sw) = kernel, stride
    pad_h, pad_w = (padding, padding) if isinstance(padding, str) else padding
    oh, ph = conv_output_size(h, kh, sh, pad_h)
    ow, pw = conv_output_size(w, kw, sw, pad_w)
    return LayerSpec(kind="conv", h=h, w=w, c=c, oh=oh, ow=ow, oc=filters, kh=kh, kw=kw,
                sh=sh, sw=sw, ph=ph, pw=pw, activation=activation)


def pool_layer(kind, h, w, c, size, activation="identity"):
    """Non-overlapping windows (stride = window); rows and columns past the
    last whole window are dropped.  A window larger than its input is
    clipped to the input's extent, so a one-pixel-high strip pools along
    its length only and a 1x1 input passes through."""
    kh, kw = min(size[0], h), min(size[1], w)
    return LayerSpec(kind=kind, h=h, w=w, c=c, oh=h // kh, ow=w // kw, oc=c, kh=kh, kw=kw,
                sh=kh, sw=kw, activation=activation)


GATES = _engine.GATES  # gates per cell, from the engine (fastnn.h, FNN_CELLS)


def recurrent_layer(steps, features, units, cell, dirs, sequences):
    """A recurrent layer over `steps` steps of `features` values; it outputs
    dirs * units values for every step (sequences) or for the last one."""
    return LayerSpec(kind="recurrent", h=steps, w=1, c=features, oh=steps if sequences else 1,
                ow=1, oc=dirs * units, cell=cell, dirs=dirs, activation="identity")


# Each layer kind's weights as users see them (the engine lists the kinds
# and counts the values; Layout checks that the two agree).  Kinds without
# weights are absent.  Recurrent: (inputs + units, dirs * gates * units),
# the input weights above the recurrent ones, one block of columns per
# direction.
WEIGHT_SHAPES = {
    "dense": lambda spec: (spec.c, spec.oc),
    "conv": lambda spec: (spec.kh, spec.kw, spec.c, spec.oc),
    "recurrent": lambda spec: (spec.c + spec.oc // spec.dirs, spec.oc * GATES[spec.cell]),
    "embedding": lambda spec: (spec.vocab, spec.oc),
    "layernorm": lambda spec: (spec.oc,),  # the scale; its biases are the shift
    # [Wq | Wk | Wv | Wo], x Wq giving the queries
    "attention": lambda spec: (spec.c, 4 * spec.c),
    "position": lambda spec: (spec.h, spec.c),  # a step's vector per row
}


def coef_shape(spec):
    """Shape of a layer's weights as users see them (None: no weights)."""
    shape = WEIGHT_SHAPES.get(spec.kind)
    return None if shape is None else shape(spec)


def bias_size(spec):
    """Biases of a layer, as the engine counts them (the gru's include the
    candidate's recurrent bias b_hn)."""
    return _engine.layer_param_counts(spec)[1]


def n_values(spec):
    """The values a layer holds in the flat buffer (the engine's count):
    weights, biases and, with batch norm, its scale and running mean and
    variance."""
    return sum(_engine.layer_param_counts(spec))


def glorot_fans(spec):
    """(fan_in, fan_out) for Glorot's bound: a dense layer's widths (as
    scikit-learn uses them), a conv kernel's taps times its channels."""
    if spec.kind == "dense":
        return spec.c, spec.oc
    taps = spec.kh * spec.kw
    return taps * spec.c, taps * spec.oc


class Layout:
    """Where each layer's weights, biases and batch norm statistics (3 rows
    of its width: scale, running mean, running variance) sit in a flat
    buffer.  The offsets and sizes are the engine's (fnn_net_param_blocks);
    this class gives the weights the shapes users see."""

    def __init__(self, specs):
        blocks = _engine.Network(specs, "identity", 1).param_blocks()
        self.coef_shapes, self._weights, self._biases, self._norms = [], [], [], []
        for spec, (w, nw, b, nb, n, nn) in zip(specs, blocks.tolist()):
            if nw:
                shape = coef_shape(spec)
                if int(np.prod(shape)) != nw:
                    raise RuntimeError("layer %r: the engine has %d weights, shape %r holds %d"
                                       % (spec.kind, nw, shape, int(np.prod(shape))))
                self.coef_shapes.append(shape)
                self._weights.append((w, nw))
                self._biases.append((b, nb))
            if nn:
                self._norms.append((n, nn))
        self.bias_sizes = [nb for _, nb in self._biases]
        self.norm_shapes = [(3, nn // 3) for _, nn in self._norms]
        self.n_coefs = sum(nw for _, nw in self._weights)
        self.n_params = self.n_coefs + sum(self.bias_sizes) + 3 * sum(
            width for _, width in self.norm_shapes)

    def views(self, flat):
        """(coefs, intercepts, norms): lists of arrays sharing memory with
        flat."""
        coefs = [flat[w:w + n].reshape(shape)
                 for (w, n), shape in zip(self._weights, self.coef_shapes)]
        intercepts = [flat[b:b + n] for b, n in self._biases]
        norms = [flat[o:o + n].reshape(3, -1) for o, n in self._norms]
        return coefs, intercepts, norms

    @staticmethod
    def initial_norms(specs, dtype):
        """Scale 1, running mean 0, running variance 1."""
        return [np.array([[1.0], [0.0], [1.0]], dtype=dtype).repeat(s.oc, axis=1)
                for s in specs if s.batch_norm]

    def pack(self, coefs, intercepts, norms, dtype):
        """A new flat buffer holding copies of coefs, intercepts and norms."""
        shapes = [tuple(np.shape(c)) for c in coefs]
        if (shapes != self.coef_shapes
                or [np.shape(i) for i in intercepts] != [(n,) for n in self.bias_sizes]
                or [np.shape(n) for n in norms] != self.norm_shapes):
            raise ValueError(
                "The fitted coefficients have shapes %s, which do not match the "
                "network's %s; fit again without warm_start." % (shapes, self.coef_shapes))
        flat = np.empty(self.n_params, dtype=dtype)
        for dst, src in zip(sum(self.views(flat), []), list(coefs) + list(intercepts)
                            + list(norms)):
            dst[...] = src
        return flat
