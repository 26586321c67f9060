"""Layer specs and where each parameter lives in the one flat buffer.

A spec is a dict the engine understands (see fnn_layer in src_c/fastnn.h):
kind ('dense', 'conv', 'maxpool', 'avgpool', 'recurrent'), one sample's
input h, w, c and output oh, ow, oc (images are NHWC; a dense layer has
h = w = oh = ow = 1), kernel kh, kw, strides sh, sw, top/left padding ph,
pw, and the activation applied to the layer's output.  A recurrent layer reads h time steps of c
features (w = 1) and adds its cell ('rnn', 'lstm', 'gru') and dirs (1, or 2
when bidirectional).  `hidden` marks the layers whose output is a hidden
layer's (dropout applies there), `dropout` holds the rate.

The buffer layout is scikit-learn's `_pack` order: every weight array in
layer order, then every bias vector.  The weights therefore form a prefix
of the buffer, which is what the engine's fused L2 penalty relies on, and
`coefs_` / `intercepts_` are plain views into it.
"""
import numpy as np


def dense_layers(units, activation):
    """Specs of a dense stack units[0] -> ... -> units[-1]; the last layer
    has no activation (the output activation is the loss's)."""
    specs = []
    for i, (fan_in, fan_out) in enumerate(zip(units[:-1], units[1:])):
        last = i == len(units) - 2
        specs.append(dict(kind="dense", h=1, w=1, c=int(fan_in), oh=1, ow=1, oc=int(fan_out),
                          activation="identity" if last else activation, hidden=not last))
    return specs


def conv_output_size(size, kernel, stride, padding):
    """(output size, padding before) along one axis, as Keras and
    TensorFlow define 'same' (ceil(size / stride), extra pad at the end)
    and 'valid' (only whole windows)."""
    if padding == "same":
        out = -(-size // stride)
        total = max((out - 1) * stride + kernel - size, 0)
        return out, total // 2
    return (size - kernel) // stride + 1, 0


def conv_layer(h, w, c, filters, kernel, stride, padding, activation):
    (kh, kw), (sh, sw) = kernel, stride
    oh, ph = conv_output_size(h, kh, sh, padding)
    ow, pw = conv_output_size(w, kw, sw, padding)
    return dict(kind="conv", h=h, w=w, c=c, oh=oh, ow=ow, oc=filters, kh=kh, kw=kw,
                sh=sh, sw=sw, ph=ph, pw=pw, activation=activation)


def pool_layer(kind, h, w, c, size, activation="identity"):
    """Non-overlapping windows (stride = window); rows and columns past the
    last whole window are dropped.  A window larger than its input is
    clipped to the input's extent, so a one-pixel-high strip pools along
    its length only and a 1x1 input passes through."""
    kh, kw = min(size[0], h), min(size[1], w)
    return dict(kind=kind, h=h, w=w, c=c, oh=h // kh, ow=w // kw, oc=c, kh=kh, kw=kw,
                sh=kh, sw=kw, activation=activation)


GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def recurrent_layer(steps, features, units, cell, dirs, sequences):
    """A recurrent layer over `steps` steps of `features` values; it outputs
    dirs * units values for every step (sequences) or for the last one."""
    return dict(kind="recurrent", h=steps, w=1, c=features, oh=steps if sequences else 1,
                ow=1, oc=dirs * units, cell=cell, dirs=dirs, activation="identity",
                hidden=True)


def coef_shape(spec):
    """Shape of a layer's weights as users see them (None: no weights).
    Recurrent: (inputs + units, dirs * gates * units), the input weights
    above the recurrent ones, one block of columns per direction."""
    if spec["kind"] == "dense":
        return (spec["c"], spec["oc"])
    if spec["kind"] == "conv":
        return (spec["kh"], spec["kw"], spec["c"], spec["oc"])
    if spec["kind"] == "recurrent":
        units = spec["oc"] // spec["dirs"]
        return (spec["c"] + units, spec["oc"] * GATES[spec["cell"]])
    return None


def bias_size(spec):
    """Biases of a layer with weights: one per output column, and for the
    gru also the candidate's recurrent bias b_hn (dirs * units more)."""
    size = coef_shape(spec)[-1]
    return size + spec["oc"] if spec.get("cell") == "gru" else size


def glorot_fans(spec):
    """(fan_in, fan_out) for Glorot's bound: a dense layer's widths (as
    scikit-learn uses them), a conv kernel's taps times its channels."""
    if spec["kind"] == "dense":
        return spec["c"], spec["oc"]
    taps = spec["kh"] * spec["kw"]
    return taps * spec["c"], taps * spec["oc"]


class Layout:
    """Offsets of each layer's weights and biases in a flat buffer, and
    after them of each batch-normalised layer's statistics block (3 rows of
    its width: scale, running mean, running variance)."""

    def __init__(self, specs):
        weighted = [s for s in specs if coef_shape(s) is not None]
        self.coef_shapes = [coef_shape(s) for s in weighted]
        self.bias_sizes = [bias_size(s) for s in weighted]
        self.norm_shapes = [(3, s["oc"]) for s in specs if s.get("batch_norm")]
        sizes = ([int(np.prod(s)) for s in self.coef_shapes] + self.bias_sizes
                 + [3 * n for _, n in self.norm_shapes])
        self._bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.n_weighted = len(self.coef_shapes)
        self.n_coefs = int(self._bounds[self.n_weighted])
        self.n_params = int(self._bounds[-1])

    def views(self, flat):
        """(coefs, intercepts, norms): lists of arrays sharing memory with
        flat."""
        b, k = self._bounds, self.n_weighted
        coefs = [flat[b[i]:b[i + 1]].reshape(shape) for i, shape in enumerate(self.coef_shapes)]
        intercepts = [flat[b[k + i]:b[k + i + 1]] for i in range(k)]
        norms = [flat[b[2 * k + i]:b[2 * k + i + 1]].reshape(shape)
                 for i, shape in enumerate(self.norm_shapes)]
        return coefs, intercepts, norms

    @staticmethod
    def initial_norms(specs, dtype):
        """Scale 1, running mean 0, running variance 1."""
        return [np.array([[1.0], [0.0], [1.0]], dtype=dtype).repeat(s["oc"], axis=1)
                for s in specs if s.get("batch_norm")]

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
