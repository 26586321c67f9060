"""A fitted fastnn network as ONNX nodes: the layer specs of _network.py,
one by one, as ONNX's own operators (fastnn.onnx registers the converters
that call this).

A value between layers is either engine rows, (N, h*w*c) in NHWC order as
the engine keeps them, or an NCHW tensor (N, c, h, w) for ONNX's Conv and
pools.  A layer asks for the form it reads and the graph converts once,
with a Transpose and a Reshape, so a Dense after images reads NHWC order
as fastnn's does.  A sequence is an image one pixel wide, as in the
engine.

This module needs the onnx package (fastnn.onnx imports it).
"""
import math

import numpy as np
from onnx import TensorProto

from . import _engine
from ._network import GATES, coef_shape


# ONNX's gate order, as indices into fastnn's (PyTorch's): LSTM i, f, g, o
# -> i, o, f, c; GRU r, z, n -> z, r, h
ONNX_GATES = {"rnn": [0], "lstm": [0, 3, 1, 2], "gru": [1, 0, 2]}
CELL_OPS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}

SIMPLE_ACTIVATIONS = {"logistic": ("Sigmoid", {}), "tanh": ("Tanh", {}), "relu": ("Relu", {}),
                      "leaky_relu": ("LeakyRelu", {"alpha": _engine.LEAKY_SLOPE}),
                      "elu": ("Elu", {"alpha": 1.0}), "softplus": ("Softplus", {})}


class Graph:
    """Adds nodes and constants of one float type to skl2onnx's container."""

    def __init__(self, scope, container, dtype):
        self.scope, self.container = scope, container
        self.dtype = np.dtype(dtype)
        self.proto = TensorProto.DOUBLE if self.dtype == np.float64 else TensorProto.FLOAT
        self.opset = container.target_opset
        # onnxruntime runs few operators in float64 (no Conv, AveragePool,
        # LSTM/GRU/RNN, LeakyRelu, Elu, Softplus): a float64 graph spells
        # those in elementary operators it does run
        self.elementary = self.dtype == np.float64
        self._ints = {}

    def const(self, value, hint="const", proto=None):
        """An initializer holding value (of the graph's float type unless
        proto says otherwise); its name."""
        name = self.scope.get_unique_variable_name(hint)
        if proto is None:
            proto, value = self.proto, np.asarray(value, dtype=self.dtype)
        elif proto == TensorProto.INT64:
            value = np.asarray(value, dtype=np.int64)
        elif proto == TensorProto.STRING:
            value = np.asarray([str(v).encode("utf-8") for v in np.ravel(value)], dtype=object)
        value = np.asarray(value)
        self.container.add_initializer(name, proto, list(value.shape), value.ravel().tolist())
        return name

    def ints(self, values, hint="shape"):
        """An int64 constant, made once per value (shapes, axes and step
        indices recur at every step of an unrolled layer)."""
        key = (hint, np.shape(values), tuple(np.ravel(values).tolist()))
        if key not in self._ints:
            self._ints[key] = self.const(values, hint, TensorProto.INT64)
        return self._ints[key]

    def op(self, op_type, inputs, hint=None, outputs=1, **attrs):
        """A node; the name of its output (a list when outputs > 1, or the
        given output names)."""
        if isinstance(outputs, int):
            names = [self.scope.get_unique_variable_name(hint or op_type.lower())
                     for _ in range(outputs)]
        else:
            names = list(outputs)
        self.container.add_node(op_type, list(inputs), names,
                                name=self.scope.get_unique_operator_name(op_type), **attrs)
        return names[0] if len(names) == 1 else names

    def reshape(self, x, shape):
        return self.op("Reshape", [x, self.ints(shape)])

    def reduce(self, op_type, x, axes, keepdims):
        # axes moved from attribute to input: ReduceSum at opset 13, the
        # other reductions at 18
        since = 13 if op_type == "ReduceSum" else 18
        if self.opset >= since:
            return self.op(op_type, [x, self.ints(axes, "axes")], keepdims=keepdims)
        return self.op(op_type, [x], axes=list(axes), keepdims=keepdims)

    def activation(self, x, name):
        if name == "identity":
            return x
        if self.elementary and name in ("leaky_relu", "elu", "softplus"):
            return self._elementary_activation(x, name)
        if name in SIMPLE_ACTIVATIONS:
            op_type, attrs = SIMPLE_ACTIVATIONS[name]
            return self.op(op_type, [x], **attrs)
        if name == "gelu":
            return self._gelu(x)
        if name == "softmax":
            return self.op("Softmax", [x], axis=1)
        if name == "exp":
            return self.op("Exp", [x])
        raise NotImplementedError("fastnn.onnx cannot export the activation %r." % (name,))


    def _elementary_activation(self, x, name):
        negative = self.op("Less", [x, self.const(0.0)])
        if name == "leaky_relu":
            slope = self.op("Mul", [x, self.const(_engine.LEAKY_SLOPE)])
            return self.op("Where", [negative, slope, x])
        if name == "elu":
            return self.op("Where", [negative, self.op("Sub", [self.op("Exp", [x]),
                                                                self.const(1.0)]), x])
        # softplus: max(z, 0) + log(1 + e^-|z|), which cannot overflow
        tail = self.op("Exp", [self.op("Neg", [self.op("Abs", [x])])])
        return self.op("Add", [self.op("Relu", [x]),
                               self.op("Log", [self.op("Add", [tail, self.const(1.0)])])])

    def _gelu(self, x):
        """Exact gelu, z Phi(z): ONNX's Gelu from opset 20, before it its erf
        formula.  onnxruntime has neither for float64, so a float64 graph
        computes gelu in float32 (relative error about 1e-7)."""
        if self.proto == TensorProto.DOUBLE:
            single = self.op("Cast", [x], to=TensorProto.FLOAT)
            return self.op("Cast", [self._gelu_float(single, np.float32)],
                           to=TensorProto.DOUBLE)
        return self._gelu_float(x, self.dtype)

    def _gelu_float(self, x, dtype):
        if self.opset >= 20:
            return self.op("Gelu", [x])
        def const(v):
            return self.const(np.asarray(v, dtype), proto=TensorProto.FLOAT) \
                if dtype == np.float32 else self.const(v)
        half = self.op("Erf", [self.op("Mul", [x, const(1 / math.sqrt(2))])])
        phi = self.op("Mul", [self.op("Add", [half, const(1.0)]), const(0.5)])
        return self.op("Mul", [x, phi])


class Value:
    """A tensor between layers: its name and form ('rows' or 'nchw')."""

    def __init__(self, name, form):
        self.name, self.form = name, form

    def rows(self, graph, size):
        if self.form == "rows":
            return self.name
        nhwc = graph.op("Transpose", [self.name], perm=[0, 2, 3, 1])
        return graph.reshape(nhwc, [-1, size])

    def nhwc(self, graph, spec):
        if self.form == "rows":
            return graph.reshape(self.name, [-1, spec.h, spec.w, spec.c])
        return graph.op("Transpose", [self.name], perm=[0, 2, 3, 1])

    def nchw(self, graph, spec):
        if self.form == "nchw":
            return self.name
        nhwc = graph.reshape(self.name, [-1, spec.h, spec.w, spec.c])
        return graph.op("Transpose", [nhwc], perm=[0, 3, 1, 2])


def input_value(graph, x, n_features, image_hwc):
    """The network's input from flat rows x.  Images come channels first
    ((n, c, h, w) flattened, as fastnn reads flat rows), so they go
    straight to NCHW; everything else already is engine rows."""
    if image_hwc is None:
        return Value(graph.reshape(x, [-1, n_features]), "rows")
    h, w, c = image_hwc
    return Value(graph.reshape(x, [-1, c, h, w]), "nchw")


def network(graph, value, specs, coefs, intercepts, norms, ids=None):
    """The network's output rows (before the output activation) for the
    input value.  coefs, intercepts and norms are the fitted arrays in
    layer order; ids: the input rows an Embedding reads (for masks)."""
    coefs, intercepts, norms = iter(coefs), iter(intercepts), iter(norms)
    mask = None
    if ids is not None and any(s.masked for s in specs):
        mask = graph.op("Not", [graph.op("Equal", [ids, graph.const(0.0)])])
    # every tensor so far, as (rows, values per row), for the joins
    graph.tensors = [(value.rows(graph, specs[0].n_inputs), specs[0].n_inputs)] if any(
        s.kind in JOINS for s in specs) else None
    for spec in specs:
        weights = (next(coefs), next(intercepts)) if coef_shape(spec) is not None else None
        norm = next(norms) if spec.batch_norm else None
        value = LAYERS[spec.kind](graph, value, spec, weights, norm, mask)
        if spec.activation != "identity":
            value = Value(graph.activation(value.name, spec.activation), value.form)
        if graph.tensors is not None:
            value = Value(value.rows(graph, spec.n_outputs), "rows")
            graph.tensors.append((value.name, spec.n_outputs))
    return value.rows(graph, specs[-1].n_outputs)


def _batch_norm(graph, x, spec, bias, norm):
    # (x - mean) * scale / sqrt(var + eps) + shift over axis 1: the
    # features of rows, the channels of NCHW
    scale, mean, var = norm
    return graph.op("BatchNormalization", [x, graph.const(scale), graph.const(bias),
                                           graph.const(mean), graph.const(var)],
                    epsilon=_engine.NORM_EPS)


def dense(graph, value, spec, weights, norm, mask):
    coef, bias = weights
    y = graph.op("MatMul", [value.rows(graph, spec.c), graph.const(coef, "coef")])
    if norm is not None:
        return Value(_batch_norm(graph, y, spec, bias, norm), "rows")
    return Value(graph.op("Add", [y, graph.const(bias, "intercept")]), "rows")


def conv(graph, value, spec, weights, norm, mask):
    coef, bias = weights
    kernel = np.transpose(coef, (3, 2, 0, 1))  # (kh, kw, c, oc) -> (oc, c, kh, kw)
    # 'same' puts the extra padding after: the end pads are what the
    # output size needs past the input (none for 'valid')
    after_h = max((spec.oh - 1) * spec.sh + spec.kh - spec.h - spec.ph, 0)
    after_w = max((spec.ow - 1) * spec.sw + spec.kw - spec.w - spec.pw, 0)
    if graph.elementary:
        return _conv_by_patches(graph, value, spec, coef, bias, norm, (after_h, after_w))
    inputs = [value.nchw(graph, spec), graph.const(kernel, "kernel")]
    if norm is None:
        inputs.append(graph.const(bias, "intercept"))
    y = graph.op("Conv", inputs, kernel_shape=[spec.kh, spec.kw], strides=[spec.sh, spec.sw],
                 pads=[spec.ph, spec.pw, after_h, after_w])
    if norm is not None:
        y = _batch_norm(graph, y, spec, bias, norm)
    return Value(y, "nchw")


def _patches(graph, value, spec, after=(0, 0)):
    """The kh x kw taps of every window as (N, oh, ow, c) slices of the
    NHWC input, in (ky, kx) order: im2col as the engine makes it."""
    x = value.nhwc(graph, spec)
    if spec.ph or spec.pw or any(after):
        x = graph.op("Pad", [x, graph.ints([0, spec.ph, spec.pw, 0, 0, after[0], after[1], 0],
                                           "pads")])
    taps = []
    for ky in range(spec.kh):
        for kx in range(spec.kw):
            ends = [ky + (spec.oh - 1) * spec.sh + 1, kx + (spec.ow - 1) * spec.sw + 1]
            taps.append(graph.op("Slice", [x, graph.ints([ky, kx], "starts"),
                                           graph.ints(ends, "ends"), graph.ints([1, 2], "axes"),
                                           graph.ints([spec.sh, spec.sw], "steps")]))
    return taps


def _conv_by_patches(graph, value, spec, coef, bias, norm, after):
    """Conv as the engine computes it: the receptive fields side by side,
    times the (kh*kw*c, oc) kernel, in NHWC."""
    taps = _patches(graph, value, spec, after)
    fields = taps[0] if len(taps) == 1 else graph.op("Concat", taps, axis=3)
    y = graph.op("MatMul", [fields, graph.const(coef.reshape(-1, spec.oc), "kernel")])
    if norm is None:
        y = graph.op("Add", [y, graph.const(bias, "intercept")])
    else:  # the running statistics' normalisation, per channel (last axis)
        scale, mean, var = norm
        eps = np.asarray(_engine.NORM_EPS, var.dtype)
        factor = graph.const(scale / np.sqrt(var + eps), "scale")
        y = graph.op("Add", [graph.op("Mul", [graph.op("Sub", [y, graph.const(mean, "mean")]),
                                              factor]), graph.const(bias, "shift")])
    return Value(graph.reshape(y, [-1, spec.n_outputs]), "rows")


def pool(graph, value, spec, weights, norm, mask):
    if spec.masked:
        return Value(_masked_global_pool(graph, value.rows(graph, spec.n_inputs), spec, mask),
                     "rows")
    # windows never overlap nor pad (the spec's window is already clipped
    # to the input), and the remainder past the last window is dropped as
    # ONNX's floor rounding does
    if spec.kind == "avgpool" and graph.elementary:
        taps = _patches(graph, value, spec)
        total = taps[0] if len(taps) == 1 else graph.op("Sum", taps)
        y = graph.op("Mul", [total, graph.const(1.0 / (spec.kh * spec.kw))])
        return Value(graph.reshape(y, [-1, spec.n_outputs]), "rows")
    op_type = "MaxPool" if spec.kind == "maxpool" else "AveragePool"
    y = graph.op(op_type, [value.nchw(graph, spec)], kernel_shape=[spec.kh, spec.kw],
                 strides=[spec.sh, spec.sw])
    return Value(y, "nchw")


def _masked_global_pool(graph, rows, spec, mask):
    """Pooling over the steps whose id is not 0; 0 where all are padding."""
    x = graph.reshape(rows, [-1, spec.h, spec.c])
    keep = graph.op("Unsqueeze", [mask, graph.ints([2], "axes")])  # (N, T, 1)
    count = graph.reduce("ReduceSum", graph.op("Cast", [keep], to=graph.proto), [1], 1)
    if spec.kind == "avgpool":
        total = graph.reduce("ReduceSum", graph.op("Where", [keep, x, graph.const(0.0)]), [1], 0)
        return graph.op("Div", [total, graph.op("Max", [graph.reshape(count, [-1, 1]),
                                                         graph.const(1.0)])])
    lowest = graph.const(np.finfo(graph.dtype).min)
    best = graph.reduce("ReduceMax", graph.op("Where", [keep, x, lowest]), [1], 0)
    seen = graph.op("Greater", [graph.reshape(count, [-1, 1]), graph.const(0.0)])
    return graph.op("Where", [seen, best, graph.const(0.0)])


def embedding(graph, value, spec, weights, norm, mask):
    table, _ = weights
    ids = graph.op("Cast", [value.rows(graph, spec.h)], to=TensorProto.INT64)
    vectors = graph.op("Gather", [graph.const(table, "embedding"), ids], axis=0)
    return Value(graph.reshape(vectors, [-1, spec.h * spec.oc]), "rows")


def onnx_cell_weights(spec, coef, bias):
    """fastnn's recurrent weights as ONNX's W (D, GH, c), R (D, GH, H) and
    B (D, 2GH): gates reordered, the GRU's b_hn as the candidate's
    recurrent bias (linear_before_reset=1 computes r * (h R + b_hn), the
    reset after the recurrent product as fastnn does)."""
    c, dirs, gates = spec.c, spec.dirs, GATES[spec.cell]
    units = spec.oc // dirs
    gh = gates * units
    W, R, B = [], [], []
    for d in range(dirs):
        cols = np.concatenate([np.arange(d * gh + k * units, d * gh + (k + 1) * units)
                               for k in ONNX_GATES[spec.cell]])
        W.append(coef[:c, cols].T)
        R.append(coef[c:, cols].T)
        recurrent_bias = np.zeros(gh, dtype=coef.dtype)
        if spec.cell == "gru":
            start = dirs * gh + d * units
            recurrent_bias[2 * units:] = bias[start:start + units]
        B.append(np.concatenate([bias[cols], recurrent_bias]))
    return np.stack(W), np.stack(R), np.stack(B), units


def recurrent(graph, value, spec, weights, norm, mask):
    steps, dirs = spec.h, spec.dirs
    rows = value.rows(graph, spec.n_inputs)
    sequences = spec.oh == steps
    if spec.masked or graph.elementary:
        return Value(_unrolled_recurrent(graph, rows, spec, *weights,
                                         mask if spec.masked else None, sequences), "rows")
    W, R, B, units = onnx_cell_weights(spec, *weights)
    x = graph.op("Transpose", [graph.reshape(rows, [-1, steps, spec.c])],
                 perm=[1, 0, 2])  # (T, N, c)
    attrs = {"hidden_size": units, "direction": "bidirectional" if dirs == 2 else "forward"}
    if spec.cell == "gru":
        attrs["linear_before_reset"] = 1
    outputs = 3 if spec.cell == "lstm" else 2
    y, last = graph.op(CELL_OPS[spec.cell], [x, graph.const(W, "W"), graph.const(R, "R"),
                                             graph.const(B, "B")],
                       outputs=outputs, **attrs)[:2]
    if sequences:  # Y: (T, D, N, H) -> (N, T, D, H), each step's directions side by side
        out = graph.op("Transpose", [y], perm=[2, 0, 1, 3])
    else:  # Y_h: (D, N, H), the backward direction's after its walk back to t = 0
        out = graph.op("Transpose", [last], perm=[1, 0, 2])
    return Value(graph.reshape(out, [-1, spec.n_outputs]), "rows")


def _unrolled_recurrent(graph, rows, spec, coef, bias, mask, sequences):
    """A recurrent layer with its steps unrolled as the cell's equations in
    fastnn's own weight layout: for float64 graphs, and for a layer that
    reads a padding mask, where Where keeps the previous state at padding
    steps (id 0) wherever they are (ONNX's sequence_lens only skips
    trailing ones)."""
    steps, c, dirs, cell = spec.h, spec.c, spec.dirs, spec.cell
    units = spec.oc // dirs
    gh = GATES[cell] * units
    x = graph.reshape(rows, [-1, steps, c])
    if mask is not None:
        keep = graph.op("Unsqueeze", [mask, graph.ints([2], "axes")])  # (N, T, 1)
        zero = graph.const(0.0)
    per_dir = []
    for d in range(dirs):
        cols = slice(d * gh, (d + 1) * gh)
        # every step's input product at once: (N, T, G*H)
        xw = graph.op("Add", [graph.op("MatMul", [x, graph.const(coef[:c, cols], "W")]),
                              graph.const(bias[cols], "b")])
        wh = graph.const(coef[c:, cols], "R")
        b_hn = None
        if cell == "gru":
            at = dirs * gh + d * units
            b_hn = graph.const(bias[at:at + units], "b_hn")
        h = cell_state = None
        states = [None] * steps
        for t in (range(steps) if d == 0 else reversed(range(steps))):
            step = graph.ints(t, "step")
            new_h, new_c = _cell_step(graph, cell, graph.op("Gather", [xw, step], axis=1), h,
                                      cell_state, wh, b_hn, units)
            if mask is None:
                h, cell_state = new_h, new_c
            else:
                here = graph.op("Gather", [keep, step], axis=1)  # (N, 1)
                h = graph.op("Where", [here, new_h, h or zero])
                if cell == "lstm":
                    cell_state = graph.op("Where", [here, new_c, cell_state or zero])
            states[t] = h
        if sequences:  # (N, T, H)
            per_dir.append(graph.op("Concat", [graph.op("Unsqueeze", [s, graph.ints([1], "axes")])
                                               for s in states], axis=1))
        else:  # the forward direction's last step, the backward one's first
            per_dir.append(states[-1] if d == 0 else states[0])
    both = per_dir[0] if dirs == 1 else graph.op("Concat", per_dir, axis=-1)
    return graph.reshape(both, [-1, spec.n_outputs])


def _cell_step(graph, cell, gx, h, c, wh, b_hn, units):
    """(h, c) after one step from gx, the step's input product plus
    biases, and the previous h and c (None at the first step: zeros)."""
    def gate(x, k):
        return graph.op("Slice", [x, graph.ints([k * units], "starts"),
                                  graph.ints([(k + 1) * units], "ends"), graph.ints([1], "axes")])

    hw = None if h is None else graph.op("MatMul", [h, wh])
    if cell == "rnn":
        return graph.op("Tanh", [gx if hw is None else graph.op("Add", [gx, hw])]), None
    if cell == "lstm":  # gates i, f, g, o
        z = gx if hw is None else graph.op("Add", [gx, hw])
        i, f, o = (graph.op("Sigmoid", [gate(z, k)]) for k in (0, 1, 3))
        new_c = graph.op("Mul", [i, graph.op("Tanh", [gate(z, 2)])])
        if c is not None:
            new_c = graph.op("Add", [new_c, graph.op("Mul", [f, c])])
        return graph.op("Mul", [o, graph.op("Tanh", [new_c])]), new_c

    # gru, gates r, z, n: the reset multiplies the candidate's recurrent
    # term h Wh_n + b_hn; h = n + z (h_prev - n)
    def pre(k):
        return gate(gx, k) if hw is None else graph.op("Add", [gate(gx, k), gate(hw, k)])
    r, z = graph.op("Sigmoid", [pre(0)]), graph.op("Sigmoid", [pre(1)])
    term = b_hn if hw is None else graph.op("Add", [gate(hw, 2), b_hn])
    n = graph.op("Tanh", [graph.op("Add", [gate(gx, 2), graph.op("Mul", [r, term])])])
    back = graph.op("Neg", [n]) if h is None else graph.op("Sub", [h, n])
    return graph.op("Add", [n, graph.op("Mul", [z, back])]), None


def layernorm(graph, value, spec, weights, norm, mask):
    """Each row of the last axis (a pixel's channels, a step's features)
    normalised: ONNX's LayerNormalization from opset 17, else (and in
    float64, which onnxruntime's lacks) its arithmetic."""
    scale, shift = weights
    x = graph.reshape(value.rows(graph, spec.h * spec.w * spec.c), [-1, spec.c])
    if graph.opset >= 17 and not graph.elementary:
        y = graph.op("LayerNormalization", [x, graph.const(scale, "scale"),
                                            graph.const(shift, "shift")],
                     axis=-1, epsilon=_engine.NORM_EPS)
    else:
        centred = graph.op("Sub", [x, graph.reduce("ReduceMean", x, [1], 1)])
        var = graph.reduce("ReduceMean", graph.op("Mul", [centred, centred]), [1], 1)
        std = graph.op("Sqrt", [graph.op("Add", [var, graph.const(_engine.NORM_EPS)])])
        y = graph.op("Add", [graph.op("Mul", [graph.op("Div", [centred, std]),
                                              graph.const(scale, "scale")]),
                             graph.const(shift, "shift")])
    return Value(graph.reshape(y, [-1, spec.h * spec.w * spec.c]), "rows")


def join(graph, value, spec, weights, norm, mask):
    """take, add and concat on (N, positions, features): Slice, Add,
    Concat of the earlier tensor spec.src and this layer's input."""
    positions = spec.oh * spec.ow
    rows, size = graph.tensors[spec.src]
    other = graph.reshape(rows, [-1, positions, size // positions])
    if spec.kind == "take":
        y = graph.op("Slice", [other, graph.ints([spec.src_at], "starts"),
                               graph.ints([spec.src_at + spec.oc], "ends"),
                               graph.ints([2], "axes")])
    else:
        x = graph.reshape(value.rows(graph, spec.n_inputs), [-1, positions, spec.c])
        y = graph.op("Add", [x, other]) if spec.kind == "add" else \
            graph.op("Concat", [other, x], axis=2)
    return Value(graph.reshape(y, [-1, spec.n_outputs]), "rows")


def attention(graph, value, spec, weights, norm, mask):
    """Self-attention in ONNX's MatMul and Softmax: per head, the softmax
    of the scaled query-key products over the keys a query may see (the
    padding mask's and, when causal, those not after it), times the
    values; a query that may see no key gets zeros, as in the engine."""
    coef, bias = weights
    T, D, H = spec.h, spec.c, spec.heads
    dh = D // H
    x = graph.reshape(value.rows(graph, spec.n_inputs), [-1, T, D])
    qkv = graph.op("Add", [graph.op("MatMul", [x, graph.const(coef[:, :3 * D], "Wqkv")]),
                           graph.const(bias[:3 * D], "bqkv")])

    def heads(k):  # (N, H, T, dh) of the queries, keys or values
        part = graph.op("Slice", [qkv, graph.ints([k * D], "starts"),
                                  graph.ints([(k + 1) * D], "ends"), graph.ints([2], "axes")])
        return graph.op("Transpose", [graph.reshape(part, [-1, T, H, dh])], perm=[0, 2, 1, 3])

    q, k, v = heads(0), heads(1), heads(2)
    scores = graph.op("Mul", [graph.op("MatMul", [q, graph.op("Transpose", [k],
                                                              perm=[0, 1, 3, 2])]),
                              graph.const(1 / math.sqrt(dh))])
    allowed = None
    if spec.causal:
        allowed = graph.const(np.tri(T, dtype=bool).reshape(1, 1, T, T), "causal",
                              TensorProto.BOOL)
    if spec.masked:
        keys = graph.reshape(mask, [-1, 1, 1, T])
        allowed = keys if allowed is None else graph.op("And", [allowed, keys])
    if allowed is not None:
        scores = graph.op("Where", [allowed, scores, graph.const(np.finfo(graph.dtype).min)])
    weights_ = graph.op("Softmax", [scores], axis=-1)
    if allowed is not None:
        weights_ = graph.op("Where", [allowed, weights_, graph.const(0.0)])
    heads_out = graph.op("Transpose", [graph.op("MatMul", [weights_, v])], perm=[0, 2, 1, 3])
    y = graph.op("Add", [graph.op("MatMul", [graph.reshape(heads_out, [-1, T, D]),
                                             graph.const(coef[:, 3 * D:], "Wo")]),
                         graph.const(bias[3 * D:], "bo")])
    return Value(graph.reshape(y, [-1, spec.n_outputs]), "rows")


def sinusoid_table(steps, features):
    """The fixed positions of src_c/position.c's sinusoid kind."""
    t = np.arange(steps, dtype=np.float64)[:, None]
    j = np.arange(features)
    angle = t / 10000.0 ** ((j - j % 2) / features)
    return np.where(j % 2, np.cos(angle), np.sin(angle))


def position(graph, value, spec, weights, norm, mask):
    """Each step plus its position: the learned table (the weights) or the
    fixed sinusoids, as a constant."""
    table = weights[0] if spec.kind == "position" else sinusoid_table(spec.h, spec.c)
    x = graph.reshape(value.rows(graph, spec.n_inputs), [-1, spec.h, spec.c])
    y = graph.op("Add", [x, graph.const(table.astype(graph.dtype), "positions")])
    return Value(graph.reshape(y, [-1, spec.n_outputs]), "rows")


JOINS = ("take", "add", "concat")
LAYERS = {"dense": dense, "conv": conv, "maxpool": pool, "avgpool": pool,
          "recurrent": recurrent, "embedding": embedding, "layernorm": layernorm,
          "take": join, "add": join, "concat": join, "attention": attention,
          "position": position, "sinusoid": position}
