"""Layer specs and where each parameter lives in the one flat buffer.

A spec is a dict the engine understands (see fnn_layer in src_c/fastnn.h):
kind ('dense', 'conv', 'maxpool', 'avgpool'), one sample's input h, w, c and
output oh, ow, oc (images are NHWC; a dense layer has h = w = oh = ow = 1),
kernel kh, kw, strides sh, sw, top/left padding ph, pw, and the activation
applied to the layer's output.

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
                          activation="identity" if last else activation))
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
    (kh, kw) = size
    return dict(kind=kind, h=h, w=w, c=c, oh=h // kh, ow=w // kw, oc=c, kh=kh, kw=kw,
                sh=kh, sw=kw, activation=activation)


def coef_shape(spec):
    """Shape of a layer's weights as users see them (None: no weights)."""
    if spec["kind"] == "dense":
        return (spec["c"], spec["oc"])
    if spec["kind"] == "conv":
        return (spec["kh"], spec["kw"], spec["c"], spec["oc"])
    return None


def glorot_fans(spec):
    """(fan_in, fan_out) for Glorot's bound: a dense layer's widths (as
    scikit-learn uses them), a conv kernel's taps times its channels."""
    if spec["kind"] == "dense":
        return spec["c"], spec["oc"]
    taps = spec["kh"] * spec["kw"]
    return taps * spec["c"], taps * spec["oc"]


class Layout:
    """Offsets of each layer's weights and biases in a flat buffer."""

    def __init__(self, specs):
        self.coef_shapes = [s for s in map(coef_shape, specs) if s is not None]
        self.bias_sizes = [shape[-1] for shape in self.coef_shapes]
        sizes = [int(np.prod(s)) for s in self.coef_shapes] + self.bias_sizes
        self._bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.n_weighted = len(self.coef_shapes)
        self.n_coefs = int(self._bounds[self.n_weighted])
        self.n_params = int(self._bounds[-1])

    def views(self, flat):
        """(coefs, intercepts): lists of arrays sharing memory with flat."""
        b, k = self._bounds, self.n_weighted
        coefs = [flat[b[i]:b[i + 1]].reshape(shape) for i, shape in enumerate(self.coef_shapes)]
        intercepts = [flat[b[k + i]:b[k + i + 1]] for i in range(k)]
        return coefs, intercepts

    def pack(self, coefs, intercepts, dtype):
        """A new flat buffer holding copies of coefs and intercepts."""
        shapes = [tuple(np.shape(c)) for c in coefs]
        if shapes != self.coef_shapes or [np.shape(i) for i in intercepts] != [
                (n,) for n in self.bias_sizes]:
            raise ValueError(
                "The fitted coefficients have shapes %s, which do not match the "
                "network's %s; fit again without warm_start." % (shapes, self.coef_shapes))
        flat = np.empty(self.n_params, dtype=dtype)
        coef_views, intercept_views = self.views(flat)
        for dst, src in zip(coef_views + intercept_views, list(coefs) + list(intercepts)):
            dst[...] = src
        return flat
