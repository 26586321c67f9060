"""An ONNX graph read back as fastnn layers and their values.

The graph's nodes are walked in order.  One tensor carries the network
(`Net`: its shape in the graph's own layout, NCHW images, batch-first or
time-major sequences, and the recurrent operators' outputs); the weights
are constants; the little shape arithmetic exporters write (PyTorch's
zero initial states and view(x.size(0), -1)) is folded with the batch
size as a marker.  Each operator that computes on the network becomes a
fastnn layer and the values it holds, in the engine's layout: Gemm and
MatMul + Add are Dense, Conv is Conv2D, BatchNormalization is BatchNorm,
LayerNormalization is LayerNorm, MaxPool and AveragePool are pools,
Flatten and Reshape to rows are Flatten, Gather on the input is
Embedding, LSTM, GRU and RNN are the recurrent layers, the Add of a value
and what the layers after it made of it is a Residual block of those
layers, layers that read an earlier value make a Branch that an Add or
Concat joins (a Residual's projection, or Parallel), the nodes between an attention block's D x 3D and D x D
projections are MultiHeadAttention (`Importer.inside`), a MatMul of
every step is a Conv1D of width 1, and the activations become the
activation of the layer before.
Anything else is refused with the operator and node named.
"""
import dataclasses
from collections import Counter
from dataclasses import dataclass

import numpy as np
from onnx import helper, numpy_helper

from . import _engine
from . import layers as L
from ._network import GATES, conv_output_size
from ._onnx_graph import ONNX_GATES
from ._onnx_unrolled import Step, Unroller

BATCH = -(2 ** 40)  # the batch size inside folded shape arithmetic
ACTIVATIONS = {"Relu": "relu", "Tanh": "tanh", "Sigmoid": "logistic", "Elu": "elu",
               "Softplus": "softplus", "LeakyRelu": "leaky_relu"}
CELLS = {"LSTM": "lstm", "GRU": "gru", "RNN": "rnn"}
DEFAULT_CELL_ACTIVATIONS = {"lstm": ["Sigmoid", "Tanh", "Tanh"], "gru": ["Sigmoid", "Tanh"],
                            "rnn": ["Tanh"]}


@dataclass
class Net:
    """The network's tensor: `kind` says how its `shape` (the graph's
    layout, BATCH where the batch goes) lines up with fastnn's:
    'flat' rows; 'image' (N, C, H, W) and 'nhwc'; 'sequence' (N, T, F),
    'time' (T, N, F), 'channels' (N, F, T: before a Conv1d) and 'steps'
    (N T, F: a step a row); a recurrent operator's 'y' (T, D, N, H), 'h'
    (D, N, H) and their transposes 'yT' (N, T, D, H), 'yt' (T, N, D, H),
    'hT' (N, D, H), one direction's last state 'direction', a last step
    'seq1' (N, 1, F); 'pooled' (N, C, 1) after a global pool of steps;
    an attention block's output rows, 'rows_time' and 'rows_sequence'."""
    kind: str
    shape: tuple
    order: object = None  # flat rows: fastnn's index -> the graph's, when they differ
    # flat rows of a structured tensor, not flattened yet: a Reshape back
    # gives that tensor again, a layer that reads rows adds the Flatten
    unflat: object = None
    at: int = 0  # the layers made before it (a residual block's start)
    # a value that fastnn's layer no longer hands on: the layer took in the
    # bias, batch norm or activation that came after it
    stale: bool = False
    cast: bool = False  # the input cast to integers: token ids
    branch: object = None  # the Branch that made it (None: the main line)


@dataclass
class Inner:
    """A tensor inside a self-attention block (its heads' queries, keys,
    scores...), carried through to the block's output projection; its
    shape where a Reshape set it (the scale reads it)."""
    shape: object = None


@dataclass
class Branch:
    """Layers that read a value from before the main line's last layers
    (a residual block's projection of its input, Parallel's other branch):
    their own lists, until an Add or Concat joins them to the main line
    as a Residual or Parallel block; `start`: the main line's layers
    before the value they read."""
    start: int
    layers: list = dataclasses.field(default_factory=list)
    coefs: list = dataclasses.field(default_factory=list)
    intercepts: list = dataclasses.field(default_factory=list)
    norms: list = dataclasses.field(default_factory=list)

    def lists(self):
        return self.layers, self.coefs, self.intercepts, self.norms


# Operators that make a layer: on a value from before the main line's last
# layers, they start a Branch.
LAYER_OPS = frozenset({"Gemm", "MatMul", "Conv", "LSTM", "GRU", "RNN", "LayerNormalization",
                       "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
                       "ReduceMean", "ReduceMax", "Slice"})


@dataclass
class Zeros:
    """A tensor of zeros whose shape depends on the batch (initial states)."""


@dataclass
class Mask:
    """What the graph computes from the padding mask (the input's ids
    equal to 0): `tag` 'padding' or 'keep' (the mask, or its negation,
    in any shape), 'here' (one step's), 'count' (tokens per sample, or at
    least 1: 'count1'), 'seen' (count > 0), and a sequence x with its
    padding steps zeroed ('zeroed') or at the lowest value ('lowest'),
    summed ('sum') or maxed ('max') over the steps; 'causal' the keys a
    query may see, causal and padding masks together; 'additive' (and
    'additive_causal') a float mask to add to attention scores: -inf at
    padding (and after the query), else 0."""
    tag: str
    x: object = None
    shape: object = None  # the mask's, as the input's ids (Shape reads it)


class Importer:
    def __init__(self, graph, input_shape):
        self.graph = graph
        self.values = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
        self.layers, self.coefs, self.intercepts, self.norms = [], [], [], []
        inputs = [i for i in graph.input if i.name not in self.values]
        if len(inputs) != 1:
            raise ValueError("from_onnx reads graphs of one input, this one has %d: %s."
                             % (len(inputs), [i.name for i in inputs]))
        self.input = inputs[0]
        dims = [d.dim_value if d.HasField("dim_value") else None
                for d in self.input.type.tensor_type.shape.dim]
        if input_shape is not None:
            dims = [None] + [int(d) for d in input_shape]
        if len(dims) < 2 or any(d is None for d in dims[1:]):
            raise ValueError("The graph's input %r has shape %s; give input_shape=(...) for "
                             "one sample's." % (self.input.name, dims))
        self.sample = tuple(dims[1:])
        kind = {1: "flat", 2: "sequence", 3: "image"}.get(len(self.sample))
        if kind is None:
            raise ValueError("from_onnx reads rows, sequences or images, not %d-D samples."
                             % len(self.sample))
        self.values[self.input.name] = self.input_net = Net(kind, (BATCH,) + self.sample)
        self.ids = self.input.type.tensor_type.elem_type in (6, 7)  # int32, int64: token ids
        self.input_form = None  # one sample's shape, where the graph reshapes its rows
        self.masked = Counter()  # the layers that read the padding mask, by engine kind
        self.unroller = Unroller(self)
        self.unrolling = {}  # id of a step-by-step product -> the direction reading it

    # ---- walking ----------------------------------------------------------------
    def run(self):
        for number, node in enumerate(self.graph.node):
            handler = getattr(self, "op_" + node.op_type, None)
            args = [self.values.get(name) if name else None for name in node.input]
            where = "%s node %r (#%d)" % (node.op_type, node.name, number)
            nets = [a for a in args if isinstance(a, Net)]
            if any(isinstance(a, Step) for a in args):
                handler = self.unroller.node
            elif any(isinstance(a, Inner) for a in args):
                handler = self.inside
            elif any(isinstance(a, Mask) for a in args):
                handler = self.masking
            elif not nets:  # constants only: shape arithmetic
                handler = self.fold
            if any(net.stale for net in nets):
                raise ValueError("from_onnx cannot import the %s: it reads a layer's output "
                                 "before the bias, batch norm or activation that fastnn applies "
                                 "inside that layer." % where)
            if handler is None:
                if nets:
                    raise ValueError("from_onnx cannot import the %s: fastnn has no layer for "
                                     "that operator." % where)
                handler = self.fold
            self.where = where
            attrs = {a.name: _attribute(a) for a in node.attribute}
            branches = {id(n.branch): n.branch for n in nets if n.branch is not None}
            branch = next(iter(branches.values()), None)
            if len(branches) > 1 or (branch is not None and any(n.branch is None for n in nets)
                                     and node.op_type not in ("Add", "Concat")):
                # (an Add or Concat of the main line and a branch joins them)
                raise ValueError("from_onnx cannot import the %s: it mixes branches fastnn "
                                 "has no block for." % where)
            if branch is None and node.op_type in LAYER_OPS and len(nets) == 1 and \
                    nets[0].at < len(self.layers):
                branch = Branch(nets[0].at)  # a second branch from an earlier value
                args = [dataclasses.replace(a, at=0, branch=branch) if a is nets[0] else a
                        for a in args]
                nets = [a for a in args if isinstance(a, Net)]
            main = self.layers, self.coefs, self.intercepts, self.norms
            joins = branch is not None and any(n.branch is None for n in nets)
            if branch is not None and not joins:  # the branch's layers, not the main line's
                self.layers, self.coefs, self.intercepts, self.norms = branch.lists()
            try:
                out = handler(node, args, attrs)
            finally:
                self.layers, self.coefs, self.intercepts, self.norms = main
            outs = out if isinstance(out, tuple) else (out,)
            for name, value in zip(node.output, outs):
                if isinstance(value, Net) and not any(value is a for a in args):
                    inside = branch if branch is not None and not joins else None
                    value = dataclasses.replace(
                        value, branch=inside,
                        at=len(inside.layers if inside is not None else self.layers))
                self.values[name] = value
        if self.masked:  # the Embedding's padding mask, which fastnn's layers after it read
            first = self.layers[0] if self.layers else None
            if not isinstance(first, L.Embedding):
                raise ValueError("from_onnx cannot import the graph's padding mask: fastnn's "
                                 "comes from an Embedding of the input's ids.")
            self.layers[0] = dataclasses.replace(first, mask_padding=True)
        outputs = [self.values.get(o.name) for o in self.graph.output]
        if len(outputs) != 1 or not isinstance(outputs[0], Net) or outputs[0].kind != "flat":
            raise ValueError("from_onnx needs one output of rows per sample (logits, "
                             "probabilities or values) computed from the input.")
        return self.flat(outputs[0])

    def fold(self, node, args, attrs):
        """Shape arithmetic on constants, the batch size marked."""
        op = node.op_type
        if op == "Constant":
            return _attribute(node.attribute[0])
        if any(a is None and name for a, name in zip(args, node.input)) or \
                any(isinstance(a, (Zeros, Net)) for a in args):
            raise ValueError("from_onnx cannot import the %s." % self.where)
        if op == "ConstantOfShape":
            value = np.asarray(attrs.get("value", np.zeros(1)))
            if (args[0] == BATCH).any():
                if np.any(value != 0):
                    raise ValueError("from_onnx cannot import the %s (not zeros)." % self.where)
                return Zeros()
            return np.full(args[0], value.reshape(-1)[0], dtype=value.dtype)
        if op == "Gather":
            return np.take(args[0], args[1], axis=attrs.get("axis", 0))
        if op == "Unsqueeze":
            axes = args[1] if len(args) > 1 else attrs["axes"]
            return np.expand_dims(args[0], tuple(int(a) for a in np.atleast_1d(axes)))
        if op == "Squeeze":
            axes = args[1] if len(args) > 1 else attrs.get("axes")
            return np.squeeze(args[0], None if axes is None else tuple(np.atleast_1d(axes)))
        if op == "Concat":
            return np.concatenate([np.atleast_1d(a) for a in args], axis=attrs.get("axis", 0))
        if op == "Cast":
            return np.asarray(args[0])
        if op in ("Add", "Sub", "Mul", "Div", "Mod", "Sqrt", "Equal", "Not", "Less",
                  "Greater", "Where", "Expand", "Range", "Neg", "Abs", "Floor", "Ceil"):
            return _ELEMENTWISE[op](*[np.asarray(a) for a in args])
        if op == "Transpose":
            return np.transpose(args[0], attrs.get("perm"))
        if op == "Identity":
            return args[0]
        if op == "Trilu":
            k = int(args[1]) if len(args) > 1 and args[1] is not None else 0
            return (np.triu if attrs.get("upper", 1) else np.tril)(args[0], k)
        if op == "Shape":
            return np.array(np.shape(args[0]), dtype=np.int64)
        if op == "Reshape":
            data, shape = np.asarray(args[0]), [int(d) for d in args[1]]
            return data.reshape([data.shape[i] if d == 0 else d for i, d in enumerate(shape)])
        if op == "Slice":
            data, starts, ends = np.asarray(args[0]), args[1], args[2]
            axes = args[3] if len(args) > 3 and args[3] is not None else range(len(starts))
            steps = args[4] if len(args) > 4 and args[4] is not None else [1] * len(starts)
            index = [slice(None)] * data.ndim
            for a, b, e, k in zip(axes, starts, ends, steps):
                index[int(a)] = slice(int(b), int(max(min(e, 2 ** 62), -2 ** 62)), int(k))
            return data[tuple(index)]
        raise ValueError("from_onnx cannot import the %s." % self.where)

    # ---- adding layers ------------------------------------------------------------
    def add(self, layer, coef=None, intercept=None):
        self.layers.append(layer)
        if coef is not None:
            self.coefs.append(np.asarray(coef))
            self.intercepts.append(np.asarray(intercept))

    def flat(self, net):
        if not isinstance(net, Net) or net.kind != "flat":
            raise ValueError("from_onnx cannot import the %s: it reads %s, fastnn's layer "
                             "reads rows." % (self.where, "a constant" if not isinstance(
                                 net, Net) else net.kind))
        if net.unflat is not None:
            self.add(L.Flatten())
            net = Net("flat", net.shape, net.order)
        return net

    def dense(self, net, W, b):
        """Dense from (inputs, outputs) weights; rows that a Flatten of
        images gave in the graph's order are read in fastnn's."""
        net = self.flat(net)
        if W.ndim != 2 or W.shape[0] != net.shape[1]:
            raise ValueError("from_onnx cannot import the %s: weights of shape %s on rows of "
                             "%d." % (self.where, W.shape, net.shape[1]))
        if net.order is not None:
            W = W[net.order]
        b = np.zeros(W.shape[1], W.dtype) if b is None else np.broadcast_to(b, W.shape[1])
        self.add(L.Dense(W.shape[1], "identity"), W, b)
        return Net("flat", (BATCH, W.shape[1]))

    def op_Gemm(self, node, args, attrs):
        x, B = args[0], args[1]
        C = args[2] if len(args) > 2 else None
        if attrs.get("transA", 0) or not isinstance(B, np.ndarray):
            raise ValueError("from_onnx cannot import the %s (transA, or weights that are "
                             "not constants)." % self.where)
        W = B.T if attrs.get("transB", 0) else B
        W = W * attrs.get("alpha", 1.0)
        if C is not None:
            C = np.asarray(C) * attrs.get("beta", 1.0)
        return self.dense(x, W, C)

    def op_MatMul(self, node, args, attrs):
        x, W = args
        if not isinstance(W, np.ndarray) or W.ndim != 2:
            raise ValueError("from_onnx cannot import the %s (weights not constants)."
                             % self.where)
        if isinstance(x, Net) and x.kind in ("sequence", "time") and \
                W.shape == (x.shape[2], 3 * x.shape[2]):
            # the queries', keys' and values' projections: self-attention
            qkv = Inner(np.array(x.shape[:2] + (3 * x.shape[2],)))
            self.region = {"x": x, "W": W, "b": None, "dh": None, "causal": False,
                           "masked": False, "qkv": qkv}
            return qkv
        if isinstance(x, Net) and x.kind == "sequence" and W.shape[0] == x.shape[2]:
            # the same Dense at every step: a Conv1D of width 1
            self.add(L.Conv1D(W.shape[1], 1, activation="identity"),
                     W.reshape(1, 1, *W.shape), np.zeros(W.shape[1], W.dtype))
            return Net("sequence", (BATCH, x.shape[1], W.shape[1]))
        return self.dense(x, W, None)

    def inside(self, node, args, attrs):
        """A node of a self-attention block, between the projection of the
        queries, keys and values (a D x 3D MatMul) and the output's (D x
        D), as PyTorch's nn.MultiheadAttention writes it: the heads' size
        is read from the reshapes that split them, the scale is the usual
        1 / sqrt(head size)."""
        op, region = node.op_type, self.region
        inner = next(a for a in args if isinstance(a, Inner))
        if op == "Gather" and inner is args[0] and attrs.get("axis", 0) == 1 and \
                np.ndim(args[1]) == 0:
            # not attention: a recurrent layer's steps whose input product
            # is 3 times as wide as the input (an LSTM of 3/4 its width...)
            run = self.unrolling.get(id(inner))
            if run is not None:
                return self.unroller.gather(run, args[1])
            if region is None or inner is not region["qkv"] or region["x"].kind != "sequence":
                raise ValueError("from_onnx cannot import the %s." % self.where)
            W = region["W"]
            step = self.unroller.start(region["x"], W, np.zeros(W.shape[1], W.dtype)
                                       if region["b"] is None else region["b"], args[1])
            self.unrolling[id(inner)], self.region = step.run, None
            return step
        D = region["x"].shape[2]
        constants = [a for a in args if isinstance(a, np.ndarray)]
        if op == "Add" and constants and constants[0].shape == (3 * D,) and region["b"] is None:
            region["b"] = constants[0]
            qkv = Inner(inner.shape)
            if inner is region["qkv"]:
                region["qkv"] = qkv  # (with its bias)
            return qkv
        if op == "Add" and constants and _is_causal(constants[0]):
            region["causal"] = True  # -inf on the keys after each query
            return Inner(inner.shape)
        masks = [a.tag for a in args if isinstance(a, Mask)]
        if op == "Add" and masks in (["additive"], ["additive_causal"]):
            region["masked"] = True  # -inf on the padding keys (PyTorch's)
            region["causal"] = region["causal"] or masks == ["additive_causal"]
            return Inner(inner.shape)
        if op == "Where" and isinstance(args[0], Mask) and args[0].tag in ("keep", "causal") \
                and isinstance(args[1], Inner) and isinstance(args[2], np.ndarray) and (
                    np.all(np.asarray(args[2]) < -1e4) or (region["masked"] and
                                                           not np.any(args[2]))):
            # the scores of the keys that are not padding (and, causal, not
            # after the query), else -inf; the weights, else 0
            region["masked"] = True
            region["causal"] = region["causal"] or args[0].tag == "causal"
            return Inner(inner.shape)
        if op == "Where" and isinstance(args[0], np.ndarray) and isinstance(args[2], np.ndarray) \
                and isinstance(args[1], Inner) and (np.all(np.asarray(args[2]) < -1e4) or (
                    region["causal"] and not np.any(args[2]))) and \
                _is_causal(np.where(args[0], 0.0, -np.inf)):
            # the scores where a causal mask allows, else -inf (and the
            # weights, else 0: fastnn's own graphs)
            region["causal"] = True
            return Inner(inner.shape)
        if op in ("Gemm", "MatMul") and constants and constants[0].shape == (D, D):
            W = constants[0].T if attrs.get("transB", 0) else constants[0]
            b = constants[1] * attrs.get("beta", 1.0) if len(constants) > 1 else np.zeros(D)
            return self.attention(W, b)
        if op in ("Add", "Where", "Sub") or any(isinstance(a, Net) for a in args):
            raise ValueError("from_onnx cannot import the %s: fastnn's MultiHeadAttention "
                             "has no attention mask from the graph (only its own causal and "
                             "padding masks)." % self.where)
        if op == "Reshape":
            target = np.asarray(args[1])
            d = int(target[-1])
            if region["dh"] is None and 0 < d < D and D % d == 0:
                region["dh"] = d
            return Inner(target if (target != -1).all() and (target != 0).all() else None)
        if op == "Shape":
            if inner.shape is None:
                raise ValueError("from_onnx cannot import the %s." % self.where)
            return np.asarray(inner.shape, dtype=np.int64)
        return Inner(self.inner_shape(op, args, attrs, inner))

    @staticmethod
    def inner_shape(op, args, attrs, inner):
        """The shape of a node's output inside an attention block, where
        the scale's arithmetic may read it (None: unknown)."""
        shape = None if inner.shape is None else list(inner.shape)
        if shape is None:
            return None
        axes = args[1] if len(args) > 1 and isinstance(args[1], np.ndarray) else \
            attrs.get("axes")
        if op == "Transpose":
            return np.asarray(shape)[attrs["perm"]]
        if op == "Unsqueeze":
            for a in sorted(int(a) % (len(shape) + 1) for a in np.atleast_1d(axes)):
                shape.insert(a, 1)
            return np.array(shape)
        if op == "Squeeze":
            drop = {int(a) % len(shape) for a in np.atleast_1d(axes)}
            return np.array([d for i, d in enumerate(shape) if i not in drop])
        if op == "Gather" and np.ndim(args[1]) == 0:
            del shape[attrs.get("axis", 0)]
            return np.array(shape)
        if op in ("Mul", "Div", "Softmax", "Identity", "Dropout", "Cast"):
            return np.array(shape)
        if op == "MatMul" and isinstance(args[1], Inner) and args[1].shape is not None:
            return np.array(shape[:-1] + [int(args[1].shape[-1])])
        return None

    def attention(self, W_out, b_out):
        region = self.region
        x, D, dh = region["x"], region["x"].shape[2], region["dh"]
        if dh is None:
            raise ValueError("from_onnx cannot import the %s: no reshape splits the heads."
                             % self.where)
        b_in = np.zeros(3 * D) if region["b"] is None else region["b"]
        if region["masked"]:
            self.masked["attention"] += 1
        self.add(L.MultiHeadAttention(D // dh, causal=region["causal"]),
                 np.concatenate([region["W"], W_out], axis=1),
                 np.concatenate([b_in, b_out]).astype(region["W"].dtype))
        self.region = None
        if x.kind == "sequence":  # projected step by step, as fastnn writes it
            return Net("sequence", x.shape)
        # PyTorch's: rows of every (step, sample), time-major
        return Net("rows_" + x.kind, (x.shape[0] * x.shape[1], D))

    def op_Add(self, node, args, attrs):
        if all(isinstance(a, Net) for a in args):
            side = [a for a in args if a.branch is not None]
            if side:
                return self.join(next(a for a in args if a.branch is None), side[0], "add")
            return self.residual(*sorted(args, key=lambda a: a.at))
        x, b = args if isinstance(args[0], Net) else args[::-1]
        if isinstance(x, Net) and x.kind == "sequence" and isinstance(b, np.ndarray) and \
                b.reshape(-1).size == x.shape[1] * x.shape[2] and b.ndim >= 2 and \
                b.shape[-2:] == x.shape[1:]:
            # a table added to the steps: learned positions, these values
            table = b.reshape(x.shape[1], x.shape[2])
            self.add(L.PositionalEmbedding("learned"), table, np.zeros(0, table.dtype))
            return Net("sequence", x.shape)
        last = self.layers[-1] if self.layers else None
        if isinstance(last, L.MultiHeadAttention) and isinstance(b, np.ndarray) and \
                isinstance(x, Net) and x.at == len(self.layers) and b.size * 4 == \
                self.intercepts[-1].size and not self.intercepts[-1][-b.size:].any():
            self.intercepts[-1][-b.size:] = b.reshape(-1)  # the output projection's bias
            return self.taken_in(x)
        width = getattr(last, "units", getattr(last, "filters", None))
        if (isinstance(x, Net) and isinstance(b, np.ndarray)
                and isinstance(last, (L.Dense, L.Conv1D)) and last.activation == "identity"
                and b.size == width and x.at == len(self.layers)):
            self.intercepts[-1] = self.intercepts[-1] + b.reshape(-1)  # MatMul + Add
            return self.taken_in(x)
        raise ValueError("from_onnx cannot import the %s: only a bias after MatMul." % self.where)

    def residual(self, before, after):
        """before + after, where after is what the layers since before made
        of it: those layers become a Residual block."""
        if after.at != len(self.layers) or after.at == before.at or \
                (before.kind, before.shape) != (after.kind, after.shape) or \
                before.kind not in ("flat", "image", "sequence") or before.unflat or \
                before.order is not None or after.order is not None:
            raise ValueError("from_onnx cannot import the %s: fastnn adds a block's output "
                             "to its input of the same shape (Residual)." % self.where)
        block = self.layers[before.at:]
        del self.layers[before.at:]
        self.layers.append(L.Residual(block))
        return dataclasses.replace(after)  # a new value: its place is after the block

    def join(self, main, side, how):
        """The main line's layers since the branch's start and the branch,
        added (a Residual block with the branch as its input's projection,
        when the branch is one linear layer, else Parallel) or side by side
        (Parallel, join='concat'); the branch's values follow the block's."""
        branch = side.branch
        block = self.layers[branch.start:]
        if main.at != len(self.layers) or not block or not branch.layers or \
                main.kind != side.kind or main.order is not None or side.order is not None or \
                (how == "add" and main.shape != side.shape):
            raise ValueError("from_onnx cannot import the %s: fastnn joins two branches that "
                             "read the same value (Parallel, Residual)." % self.where)
        projection = len(branch.layers) == 1 and isinstance(
            branch.layers[0], (L.Dense, L.Conv1D, L.Conv2D)) and \
            branch.layers[0].activation == "identity" and how == "add"
        del self.layers[branch.start:]
        self.layers.append(L.Residual(block) if projection else
                           L.Parallel([block, branch.layers], join=how))
        self.coefs += branch.coefs
        self.intercepts += branch.intercepts
        self.norms += branch.norms
        if how == "add":
            return Net(main.kind, main.shape)
        shape = main.shape[:1] + (main.shape[1] + side.shape[1],) + main.shape[2:] \
            if main.kind == "image" else main.shape[:-1] + (main.shape[-1] + side.shape[-1],)
        return Net(main.kind, shape)

    def op_LayerNormalization(self, node, args, attrs):
        x, scale = args[0], args[1]
        shift = args[2] if len(args) > 2 and args[2] is not None else np.zeros_like(scale)
        if not isinstance(x, Net) or x.kind not in ("flat", "sequence", "steps") or \
                attrs.get("axis", -1) not in (-1, len(x.shape) - 1) or \
                not np.isclose(attrs.get("epsilon", 1e-5), _engine.NORM_EPS, rtol=1e-6) or \
                np.shape(scale) != (x.shape[-1],):
            raise ValueError("from_onnx cannot import the %s: fastnn normalises the last axis "
                             "of rows or sequences with epsilon %g."
                             % (self.where, _engine.NORM_EPS))
        x = self.flat(x) if x.kind == "flat" else x
        self.add(L.LayerNorm(), scale, shift)
        return Net(x.kind, x.shape, unflat=x.unflat)

    def activation(self, node, args, name):
        net = args[0]
        # the Dense or Conv2D layer right before, or before its BatchNorm
        at = len(self.layers) - 1
        if at > 0 and isinstance(self.layers[at], (L.MaxPool2D, L.MaxPool1D)):
            at -= 1  # a non-decreasing activation commutes with the max pool
        if at > 0 and isinstance(self.layers[at], L.BatchNorm):
            at -= 1
        last = self.layers[at] if at >= 0 else None
        if not isinstance(last, (L.Dense, L.Conv2D, L.Conv1D, L.Residual, L.Parallel)) or \
                last.activation != "identity":
            raise ValueError("from_onnx cannot import the %s: fastnn applies %s to the Dense "
                             "or Conv2D layer right before it." % (self.where, name))
        self.layers[at] = type(last)(**{**_settings(last), "activation": name})
        return self.taken_in(net)

    @staticmethod
    def taken_in(net):
        """The layer's output now includes what came after it: the value
        before is no longer there to read."""
        net.stale = True
        return dataclasses.replace(net, stale=False)

    def op_LeakyRelu(self, node, args, attrs):
        if not np.isclose(attrs.get("alpha", 0.01), _engine.LEAKY_SLOPE):
            raise ValueError("from_onnx cannot import the %s: fastnn's slope is %g."
                             % (self.where, _engine.LEAKY_SLOPE))
        return self.activation(node, args, "leaky_relu")

    def op_Elu(self, node, args, attrs):
        if attrs.get("alpha", 1.0) != 1.0:
            raise ValueError("from_onnx cannot import the %s: fastnn's elu has alpha 1."
                             % self.where)
        return self.activation(node, args, "elu")

    def op_Identity(self, node, args, attrs):
        return args[0]

    op_Dropout = op_Identity

    def op_Softmax(self, node, args, attrs):
        x = self.flat(args[0])
        if attrs.get("axis", -1) not in (-1, 1) or node.output[0] not in \
                [o.name for o in self.graph.output]:
            raise ValueError("from_onnx cannot import the %s: a softmax over the classes, last."
                             % self.where)
        return Net("flat", x.shape, x.order)  # the classifier's own output activation

    def conv1d(self, x, W, b, attrs):
        """A 1-D convolution of channels-first steps (PyTorch's Conv1d
        after a transpose): Conv1D, whose steps stay channels-last."""
        c, steps = x.shape[1:3]
        pads = list(attrs.get("pads", [0] * 2 * (W.ndim - 2)))
        if W.ndim == 4:  # fastnn's own: steps as an image of width 1
            if W.shape[3] != 1 or pads[1] or pads[3] or attrs.get("strides", [1, 1])[1] != 1:
                raise ValueError("from_onnx cannot import the %s." % self.where)
            W, pads = W[..., 0], [pads[0], pads[2]]
        oc, wc, k = W.shape
        stride = attrs.get("strides", [1])[0]
        if attrs.get("group", 1) != 1 or attrs.get("dilations", [1])[0] != 1 or wc != c:
            raise ValueError("from_onnx cannot import the %s (groups or dilations)." % self.where)
        padding = _padding(pads, (steps,), (k,), (stride,))
        if padding is None:
            raise ValueError("from_onnx cannot import the %s: pads %s are neither 'valid', "
                             "'same' nor the same zeros at both ends." % (self.where, pads))
        padding = padding if isinstance(padding, str) else padding[0]
        out = conv_output_size(steps, k, stride, padding)[0]
        self.add(L.Conv1D(oc, k, stride, padding, "identity"),
                 W.transpose(2, 1, 0).reshape(k, 1, c, oc),
                 np.zeros(oc, W.dtype) if b is None else b)
        return Net("channels", (BATCH, oc, out) + x.shape[3:])

    def op_Conv(self, node, args, attrs):
        x, W = args[0], args[1]
        b = args[2] if len(args) > 2 else None
        if isinstance(x, Net) and x.kind == "channels" and W.ndim == len(x.shape):
            return self.conv1d(x, W, b, attrs)
        if not isinstance(x, Net) or x.kind != "image" or W.ndim != 4:
            raise ValueError("from_onnx cannot import the %s: fastnn converts 2-D "
                             "convolutions of images." % self.where)
        _, c, h, w = x.shape
        oc, wc, kh, kw = W.shape
        if attrs.get("group", 1) != 1 or any(d != 1 for d in attrs.get("dilations", [1, 1])) \
                or wc != c:
            raise ValueError("from_onnx cannot import the %s (groups or dilations)."
                             % self.where)
        strides = tuple(attrs.get("strides", [1, 1]))
        pads = list(attrs.get("pads", [0, 0, 0, 0]))
        if attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
            raise ValueError("from_onnx cannot import the %s (auto_pad)." % self.where)
        padding = _padding(pads, (h, w), (kh, kw), strides)
        if padding is None:
            raise ValueError("from_onnx cannot import the %s: pads %s are neither 'valid', "
                             "'same' nor the same zeros on each side." % (self.where, pads))
        pad_h, pad_w = (padding, padding) if isinstance(padding, str) else padding
        oh = conv_output_size(h, kh, strides[0], pad_h)[0]
        ow = conv_output_size(w, kw, strides[1], pad_w)[0]
        self.add(L.Conv2D(oc, (kh, kw), strides, padding, "identity"), W.transpose(2, 3, 1, 0),
                 np.zeros(oc, W.dtype) if b is None else b)
        return Net("image", (BATCH, oc, oh, ow))

    def op_BatchNormalization(self, node, args, attrs):
        x, scale, bias, mean, var = args[:5]
        last = self.layers[-1] if self.layers else None
        if not isinstance(last, (L.Dense, L.Conv2D)) or last.activation != "identity":
            raise ValueError("from_onnx cannot import the %s: fastnn normalises the output of "
                             "the Dense or Conv2D layer right before it." % self.where)
        eps = attrs.get("epsilon", 1e-5)
        # the layer's own bias moves into the mean (fastnn's bias is the
        # shift), and a different epsilon into the variance: the same values
        mean = mean - self.intercepts[-1]
        var = var + eps - _engine.NORM_EPS
        self.intercepts[-1] = np.asarray(bias)
        self.norms.append(np.stack([scale, mean, var]))
        self.layers.append(L.BatchNorm())
        return self.taken_in(x)

    def pool(self, node, args, attrs, kind):
        x = args[0]
        if isinstance(x, Net) and x.kind == "channels" and \
                list(attrs["kernel_shape"][1:]) == [1] * (len(x.shape) - 3):
            k = attrs["kernel_shape"][0]  # (k) or, from fastnn, (k, 1)
            if attrs.get("strides", [k])[0] != k or any(attrs.get("pads", [0])) or \
                    attrs.get("ceil_mode", 0):
                raise ValueError("from_onnx cannot import the %s: fastnn pools windows side by "
                                 "side (strides = kernel, no padding)." % self.where)
            self.add({L.MaxPool2D: L.MaxPool1D, L.AvgPool2D: L.AvgPool1D}[kind](k))
            return Net("channels", (BATCH, x.shape[1], x.shape[2] // k) + x.shape[3:])
        if not isinstance(x, Net) or x.kind != "image":
            raise ValueError("from_onnx cannot import the %s: fastnn pools images."
                             % self.where)
        kernel = tuple(attrs["kernel_shape"])
        if tuple(attrs.get("strides", kernel)) != kernel or any(attrs.get("pads", [0])) \
                or attrs.get("ceil_mode", 0) or any(d != 1 for d in attrs.get("dilations", [1])):
            raise ValueError("from_onnx cannot import the %s: fastnn pools windows side by "
                             "side (strides = kernel, no padding)." % self.where)
        _, c, h, w = x.shape
        self.add(kind(kernel))
        return Net("image", (BATCH, c, h // kernel[0], w // kernel[1]))

    def op_MaxPool(self, node, args, attrs):
        return self.pool(node, args, attrs, L.MaxPool2D)

    def op_AveragePool(self, node, args, attrs):
        return self.pool(node, args, attrs, L.AvgPool2D)

    def global_pool(self, x, kind):
        self.add(kind())
        return Net("flat", (BATCH, x.shape[1] if x.kind == "image" else x.shape[2]))

    def op_GlobalAveragePool(self, node, args, attrs):
        return self.pooled(args[0], L.GlobalAvgPool)

    def op_GlobalMaxPool(self, node, args, attrs):
        return self.pooled(args[0], L.GlobalMaxPool)

    def pooled(self, x, kind):
        """Each channel over an image's positions, kept as (N, C, 1, 1), or
        over the steps of channels-first steps, as (N, C, 1)."""
        if isinstance(x, Net) and x.kind == "channels":
            self.add(kind())
            return Net("pooled", (BATCH, x.shape[1], 1))
        if not isinstance(x, Net) or x.kind != "image":
            raise ValueError("from_onnx cannot import the %s: fastnn pools images or "
                             "sequences." % self.where)
        rows = self.global_pool(x, kind)
        return Net("image", (BATCH, rows.shape[1], 1, 1))

    def reduce(self, node, args, attrs, kind):
        """A mean or max over the steps of a sequence (x.mean(1)), or over an
        image's positions."""
        x = args[0]
        axes = args[1] if len(args) > 1 and args[1] is not None else attrs.get("axes")
        axes = tuple(sorted(int(a) % len(x.shape) for a in np.atleast_1d(axes))) \
            if axes is not None and isinstance(x, Net) else None
        keep = attrs.get("keepdims", 1)
        if isinstance(x, Net) and x.kind == "sequence" and axes == (1,) and not keep:
            return self.global_pool(x, kind)
        if isinstance(x, Net) and x.kind == "channels" and axes == (2,):
            self.add(kind())
            return Net("flat", (BATCH, x.shape[1])) if not keep else \
                Net("pooled", (BATCH, x.shape[1], 1))
        if isinstance(x, Net) and x.kind == "image" and axes == (2, 3):
            rows = self.global_pool(x, kind)
            return Net("image", (BATCH, rows.shape[1], 1, 1)) if keep else rows
        raise ValueError("from_onnx cannot import the %s: fastnn pools over all the steps or "
                         "positions." % self.where)

    def op_ReduceMean(self, node, args, attrs):
        return self.reduce(node, args, attrs, L.GlobalAvgPool)

    def op_ReduceMax(self, node, args, attrs):
        return self.reduce(node, args, attrs, L.GlobalMaxPool)

    def to_rows(self, x):
        """Rows of x, flattened when a layer reads them: images in the
        graph's C, H, W order (fastnn's are H, W, C: `order` maps them),
        or in fastnn's after a transpose to N, H, W, C; sequences step by
        step."""
        if x.kind == "flat":
            return x
        width = int(np.prod(x.shape[1:]))
        if x.kind == "image" and x.shape[2:] == (1, 1) and self.layers and isinstance(
                self.layers[-1], (L.GlobalAvgPool, L.GlobalMaxPool)):
            return Net("flat", (BATCH, width))  # the pool's rows already
        if x.kind == "image":
            _, c, h, w = x.shape
            order = np.arange(width).reshape(c, h, w).transpose(1, 2, 0).ravel()
            return Net("flat", (BATCH, width), order, unflat=x)
        if x.kind == "steps_nhwc":  # fastnn's steps as an image of width 1: steps, features
            x = Net("sequence", (BATCH, x.shape[1], x.shape[3]))
        if x.kind == "yT":  # a recurrent layer's states, step by step
            x = Net("sequence", (BATCH, x.shape[1], x.shape[2] * x.shape[3]))
        if x.kind == "pooled":
            return Net("flat", (BATCH, width))
        if x.kind == "channels":  # the graph's rows channel by channel, fastnn's step by step
            _, c, steps = x.shape
            order = np.arange(width).reshape(c, steps).T.ravel()
            return Net("flat", (BATCH, width), order, unflat=Net("sequence", (BATCH, steps, c)))
        if x.kind in ("nhwc", "sequence"):
            return Net("flat", (BATCH, width), unflat=x if x.kind == "sequence" else
                       Net("image", (BATCH, x.shape[3], x.shape[1], x.shape[2])))
        if x.kind in ("hT", "seq1"):  # a recurrent layer's last state
            return self.last_step(x) if x.kind == "hT" else Net("flat", (BATCH, x.shape[2]))
        raise ValueError("from_onnx cannot import the %s: it flattens %s." % (self.where,
                                                                              x.kind))

    def op_Flatten(self, node, args, attrs):
        if attrs.get("axis", 1) != 1:
            raise ValueError("from_onnx cannot import the %s (axis %d)." % (self.where,
                                                                          attrs["axis"]))
        return self.to_rows(args[0])

    def op_Reshape(self, node, args, attrs):
        x, shape = args
        if not isinstance(x, Net):
            return self.fold(node, args, attrs)
        if x.kind in ("rows_time", "rows_sequence") and isinstance(shape, np.ndarray) and \
                len(shape) == 3:
            kind = x.kind[len("rows_"):]
            steps = x.shape[0] // BATCH
            want = (steps, BATCH, x.shape[1]) if kind == "time" else (BATCH, steps, x.shape[1])
            if all(int(s) == w or (int(s) in (0, -1) and w == BATCH) for s, w in zip(shape, want)):
                return Net(kind, want)
        if x.kind == "yt" and isinstance(shape, np.ndarray) and len(shape) == 3 and \
                int(shape[0]) in (0, x.shape[0]) and int(shape[1]) in (0, -1, BATCH) and \
                int(shape[2]) in (-1, x.shape[2] * x.shape[3]):
            return Net("time", (x.shape[0], BATCH, x.shape[2] * x.shape[3]))  # (T, N, D H)
        if not isinstance(shape, np.ndarray) or shape[0] not in (BATCH, 0, -1):
            raise ValueError("from_onnx cannot import the %s." % self.where)
        width = int(np.prod(x.shape[1:]))
        dims = tuple(int(d) for d in shape[1:])
        if dims in ((-1,), (width,)):
            return self.to_rows(x)
        if (x.kind == "flat" and x.unflat is None and dims == (1, width)) or \
                dims == tuple(x.shape[1:]):
            return x  # as it is (rows as one position of their features: fastnn's joins)
        if x.kind == "steps_nhwc" and dims == (x.shape[1], x.shape[3]):
            return Net("sequence", (BATCH,) + dims)
        if x.kind == "flat" and x.order is None and len(dims) == 3 and dims[1] == 1 and \
                dims[0] * dims[2] == width and (
                    (x.unflat is not None and x.unflat.shape[1:] == (dims[0], dims[2]))
                    or (x.unflat is None and not self.layers)):
            if not self.layers:
                self.input_form = (dims[0], dims[2])  # rows in, read as steps
            return Net("steps_nhwc", (BATCH,) + dims)
        if x.kind == "flat" and x.unflat is not None and x.unflat.kind == "sequence" and \
                dims == (x.unflat.shape[2],):
            # each step's features a row of their own (fastnn's LayerNorm)
            return Net("steps", (BATCH, dims[0]), unflat=x.unflat)
        if x.kind == "steps" and dims == tuple(x.unflat.shape[1:]):
            return dataclasses.replace(x.unflat)
        if x.kind == "steps" and dims == (int(np.prod(x.unflat.shape[1:])),):
            return Net("flat", (BATCH,) + dims, unflat=x.unflat)
        if x.kind == "yT" and dims == (x.shape[1], x.shape[2] * x.shape[3]):  # steps, units
            return Net("sequence", (BATCH,) + dims)
        if x.kind == "yT" and dims == (x.shape[1], x.shape[3]):  # steps, units
            return Net("sequence", (BATCH,) + dims)
        if x.kind == "flat" and x.order is None and int(np.prod(dims)) == width:
            target = Net({2: "sequence", 3: "image"}.get(len(dims), "?"), (BATCH,) + dims)
            if x.unflat is not None and x.unflat.shape == target.shape:
                return x.unflat  # back to what it was
            if x.unflat is None and not self.layers and target.kind != "?":
                self.input_form = dims  # rows in, read as images or sequences
                return target
        raise ValueError("from_onnx cannot import the %s: a reshape fastnn has no layer for."
                         % self.where)

    def op_Equal(self, node, args, attrs):
        x, zero = args if isinstance(args[0], Net) else args[::-1]
        if isinstance(x, Net) and x.kind == "flat" and (x is self.input_net or not self.layers) \
                and x.order is None and isinstance(zero, np.ndarray) and zero.size == 1 \
                and not zero.any():
            return Mask("padding", shape=x.shape)
        raise ValueError("from_onnx cannot import the %s: fastnn's padding mask is the input's "
                         "ids equal to 0." % self.where)

    def masking(self, node, args, attrs):
        """A node that reads the padding mask: the mask in another shape,
        a global pool of the steps that are not padding (as fastnn writes
        it), a step's mask for an unrolled recurrent layer, the causal and
        padding masks of self-attention together."""
        op, mask = node.op_type, next(a for a in args if isinstance(a, Mask))
        tag, first = mask.tag, args[0]
        constants = [np.asarray(a) for a in args if isinstance(a, np.ndarray)]
        axes = args[1] if len(args) > 1 and isinstance(args[1], np.ndarray) else \
            attrs.get("axes")
        over_steps = op.startswith("Reduce") and axes is not None and \
            [int(a) for a in np.atleast_1d(axes)] == [1]
        if op == "Not" and tag in ("padding", "keep"):
            return Mask("keep" if tag == "padding" else "padding", shape=mask.shape)
        if op == "Shape" and mask.shape is not None:
            return np.array(mask.shape, dtype=np.int64)
        if op in ("Unsqueeze", "Reshape", "Cast", "Identity", "Expand") and first is mask and \
                tag in ("padding", "keep", "count", "causal", "additive", "additive_causal"):
            # the same, in another shape or type
            return Mask(tag, shape=mask.shape if op in ("Cast", "Identity") else None)
        if op == "Where" and tag == "padding" and first is mask and isinstance(args[1], np.ndarray) \
                and np.all(args[1] < -1e4) and (isinstance(args[2], Zeros) or not np.any(args[2])):
            return Mask("additive")  # PyTorch's key_padding_mask, as a float mask
        if op == "Add" and tag == "additive" and len(constants) == 1 and _is_causal(constants[0]):
            return Mask("additive_causal")
        other = args[1] if first is mask and len(args) == 2 else first
        if op == "Mul" and tag == "keep" and len(args) == 2 and isinstance(other, Net) and \
                other.kind == "sequence":
            return Mask("zeroed", other)  # x * keep
        if op == "ReduceSum" and tag in ("keep", "zeroed") and over_steps:
            return Mask("count" if tag == "keep" else "sum", mask.x)
        if op == "ReduceMax" and tag == "lowest" and over_steps and not attrs.get("keepdims", 1):
            return Mask("max", mask.x)
        if op in ("Max", "Greater") and tag == "count" and len(constants) == 1 and \
                constants[0].size == 1 and float(constants[0]) == (op == "Max"):
            return Mask("count1" if op == "Max" else "seen")
        if op == "Clip" and tag == "count" and first is mask and len(args) > 1 and \
                isinstance(args[1], np.ndarray) and float(args[1]) == 1 and \
                (len(args) < 3 or args[2] is None):
            return Mask("count1")  # clamp(min=1)
        if op == "Where" and tag == "keep" and first is mask and isinstance(args[1], Net) and \
                args[1].kind == "sequence" and len(constants) == 1 and constants[0].size == 1:
            fill = float(constants[0])
            if fill == 0 or fill < -1e38:  # zeros, or the type's lowest value
                return Mask("zeroed" if fill == 0 else "lowest", args[1])
        if op == "Div" and tag == "sum" and isinstance(args[1], Mask) and args[1].tag == "count1":
            return self.masked_pool(mask.x, L.GlobalAvgPool)
        if op == "Where" and tag == "seen" and isinstance(args[1], Mask) and \
                args[1].tag == "max" and len(constants) == 1 and not constants[0].any():
            return self.masked_pool(args[1].x, L.GlobalMaxPool)
        if op == "Gather" and tag == "keep" and attrs.get("axis", 0) == 1 and \
                constants and constants[0].ndim == 0:
            return Mask("here")
        if op == "And" and tag == "keep" and len(constants) == 1 and \
                _is_causal(np.where(constants[0], 0.0, -np.inf)):
            return Mask("causal")
        raise ValueError("from_onnx cannot import the %s: it reads the padding mask as fastnn's "
                         "layers do not." % self.where)

    def check_masks(self, specs):
        """The padding mask read where fastnn reads it: by every recurrent,
        attention and global pooling layer after a masked Embedding (specs:
        the network built from the imported layers)."""
        masked = Counter(spec.kind for spec in specs if spec.masked)
        if masked != self.masked:
            raise ValueError("from_onnx cannot import the graph's padding mask: fastnn's layers "
                             "after an Embedding with mask_padding read it (%s), the graph's "
                             "read it in %s." % (_kinds(masked), _kinds(self.masked)))

    def masked_pool(self, x, kind):
        self.masked["avgpool" if kind is L.GlobalAvgPool else "maxpool"] += 1
        return self.global_pool(x, kind)

    def op_Gather(self, node, args, attrs):
        table, ids = args
        if isinstance(table, Net) and table.kind == "sequence" and isinstance(ids, np.ndarray) \
                and ids.ndim == 0 and attrs.get("axis", 0) == 1:
            # a step's row of a step-by-step product: an unrolled recurrent layer
            run = self.unrolling.get(id(table))
            if run is not None:
                return self.unroller.gather(run, ids)
            last = self.layers[-1] if self.layers else None
            if isinstance(last, L.Conv1D) and last.kernel_size == 1 and \
                    last.activation == "identity" and table.at == len(self.layers):
                W, b = self.coefs.pop()[0, 0], self.intercepts.pop()
                del self.layers[-1]
                step = self.unroller.start(table, W, b, ids)
                self.unrolling[id(table)] = step.run
                return step
        if isinstance(table, Net) and isinstance(ids, np.ndarray) and ids.ndim == 0 and (
                (table.kind == "sequence" and attrs.get("axis", 0) == 1
                 and int(ids) in (-1, table.shape[1] - 1))
                or (table.kind == "h" and table.shape[0] == 1 and attrs.get("axis", 0) == 0
                    and int(ids) in (0, -1))):
            return self.last_step(table)  # o[:, -1] of the states, or h[0]
        if isinstance(table, Net) and table.kind == "h" and isinstance(ids, np.ndarray) and \
                ids.ndim == 0 and attrs.get("axis", 0) == 0:
            # one direction's last state: both, side by side, are fastnn's
            return Net("direction", (BATCH, table.shape[2]), order=int(ids) % table.shape[0])
        if not isinstance(ids, Net) or not (self.ids or ids.cast) or not self.reads_input() \
                or ids.kind != "flat" or attrs.get("axis", 0) != 0 \
                or not isinstance(table, np.ndarray):
            return self.fold(node, args, attrs)
        vocab, dim = table.shape
        self.add(L.Embedding(vocab, dim, mask_padding=False), table, np.zeros(0, table.dtype))
        return Net("sequence", (BATCH, ids.shape[1], dim))

    def op_Cast(self, node, args, attrs):
        x = args[0]
        if x.kind != "flat" or not self.reads_input() or attrs.get("to") not in (6, 7):
            raise ValueError("from_onnx cannot import the %s: only the input's ids cast to "
                             "integers." % self.where)
        return dataclasses.replace(x, cast=True)

    def reads_input(self):
        """Whether the layers so far (of the main line or a branch) hand on
        the input, or some of its columns."""
        return all(isinstance(layer, L.Columns) for layer in self.layers)

    def op_Concat(self, node, args, attrs):
        nets = [a for a in args if isinstance(a, Net)]
        if len(args) == 2 and len(nets) == 2 and nets[0].branch is None and \
                nets[1].branch is not None:
            last = len(nets[0].shape) - 1
            axis = attrs.get("axis") % (last + 1 + (nets[0].kind == "flat"))
            if axis == (1 if nets[0].kind == "image" else last) or \
                    (nets[0].kind == "flat" and axis == 2):  # (rows as one position)
                return self.join(nets[0], nets[1], "concat")
        directions = [a.order for a in args if isinstance(a, Net) and a.kind == "direction"]
        if directions != [0, 1] or len(args) != 2 or attrs.get("axis") not in (1, -1):
            raise ValueError("from_onnx cannot import the %s: fastnn joins layers' outputs in "
                             "Parallel blocks, not these." % self.where)
        return self.last_step(args[0])  # h[0] and h[1] side by side

    def op_Shape(self, node, args, attrs):
        x = args[0]
        return np.array(x.shape if isinstance(x, Net) else np.shape(x), dtype=np.int64)

    def op_Transpose(self, node, args, attrs):
        x, perm = args[0], list(attrs.get("perm", []))
        if not isinstance(x, Net):
            return self.fold(node, args, attrs)
        turns = {("sequence", (1, 0, 2)): "time", ("time", (1, 0, 2)): "sequence",
                 ("image", (0, 2, 3, 1)): "nhwc", ("h", (1, 0, 2)): "hT",
                 ("y", (2, 0, 1, 3)): "yT", ("y", (0, 2, 1, 3)): "yt",
                 ("sequence", (0, 2, 1)): "channels", ("channels", (0, 2, 1)): "sequence",
                 # fastnn's own 1-D layers: steps as an image of width 1
                 ("steps_nhwc", (0, 3, 1, 2)): "channels", ("channels", (0, 2, 3, 1)): "steps_nhwc"}
        kind = turns.get((x.kind, tuple(perm)))
        if kind is None:
            raise ValueError("from_onnx cannot import the %s (perm %s on %s)."
                             % (self.where, perm, x.kind))
        return Net(kind, tuple(x.shape[p] for p in perm))

    def op_Squeeze(self, node, args, attrs):
        x = args[0]
        if not isinstance(x, Net):
            return self.fold(node, args, attrs)
        axes = args[1] if len(args) > 1 and args[1] is not None else attrs.get("axes")
        axes = tuple(int(a) for a in np.atleast_1d(axes))
        if x.kind == "y" and axes == (1,) and x.shape[1] == 1:
            return Net("time", (x.shape[0], BATCH, x.shape[3]))
        if x.kind == "h" and axes == (0,) and x.shape[0] == 1:  # the last state
            return self.last_step(x)
        if x.kind == "seq1" and axes == (1,):
            return Net("flat", (BATCH, x.shape[2]))
        if x.kind == "pooled" and axes in ((2,), (-1,)):  # the steps a global pool left
            return Net("flat", (BATCH, x.shape[1]))
        raise ValueError("from_onnx cannot import the %s." % self.where)

    def last_step(self, x):
        """The recurrent layer before hands on its last state only."""
        last = self.layers[-1] if self.layers else None
        if not isinstance(last, L._Recurrent) or not last.return_sequences:
            raise ValueError("from_onnx cannot import the %s: the last step of a sequence is "
                             "taken from a recurrent layer's states." % self.where)
        self.layers[-1] = type(last)(**{**_settings(last), "return_sequences": False})
        return Net("flat", (BATCH, last.units * (2 if last.bidirectional else 1)))

    def op_Slice(self, node, args, attrs):
        x = args[0]
        if not isinstance(x, Net):
            return self.fold(node, args, attrs)
        starts, ends, axes = (list(np.atleast_1d(a)) for a in args[1:4])
        steps = list(np.atleast_1d(args[4])) if len(args) > 4 and args[4] is not None else [1]
        # (flat rows read as one position of their features have a third axis)
        last = (-1, len(x.shape) - 1) + ((2,) if x.kind == "flat" else ())
        if len(axes) == 1 and axes[0] in last and steps == [1] and starts == [0] and \
                ends[0] >= x.shape[-1]:
            return x  # every feature: fastnn's "take" of a block's input
        if len(axes) == 1 and axes[0] in last and steps == [1] and x.kind in ("flat", "sequence") \
                and x.order is None and 0 <= starts[0] < min(ends[0], x.shape[-1]):
            stop = int(min(ends[0], x.shape[-1]))  # some of the features: Columns
            x = self.flat(x) if x.kind == "flat" else x
            self.add(L.Columns(int(starts[0]), stop))
            return Net(x.kind, x.shape[:-1] + (stop - int(starts[0]),))
        if x.kind == "sequence" and axes == [1] and steps == [1] and \
                starts[0] in (-1, x.shape[1] - 1) and ends[0] >= x.shape[1]:
            net = self.last_step(x)
            return Net("seq1", (BATCH, 1, net.shape[1]))  # Squeeze or Reshape follows
        raise ValueError("from_onnx cannot import the %s." % self.where)

    def recurrent(self, node, args, attrs):
        cell = CELLS[node.op_type]
        x, W, R = args[:3]
        B = args[3] if len(args) > 3 else None
        extra = list(args[4:]) + [None] * 4  # sequence_lens, initial_h, initial_c, P
        zero_states = all(s is None or isinstance(s, Zeros) or not np.any(s)
                          for s in extra[1:3])
        if not isinstance(x, Net) or x.kind != "time":
            raise ValueError("from_onnx cannot import the %s: it reads %s, not the time-major "
                             "sequence (PyTorch's batch_first transpose) fastnn reads."
                             % (self.where, getattr(x, "kind", "a constant")))
        direction = _text(attrs.get("direction", "forward"))
        if extra[0] is not None or extra[3] is not None or not zero_states \
                or direction not in ("forward", "bidirectional") \
                or attrs.get("layout", 0) or "clip" in attrs \
                or [_text(a) for a in attrs.get("activations", [])] not in \
                ([], DEFAULT_CELL_ACTIVATIONS[cell] * (2 if direction == "bidirectional" else 1)) \
                or (cell == "gru" and not attrs.get("linear_before_reset", 0)) \
                or attrs.get("input_forget", 0):
            raise ValueError("from_onnx cannot import the %s: fastnn's cells run forward from "
                             "zero states, with the default activations (a GRU with "
                             "linear_before_reset=1, as PyTorch's)." % self.where)
        units, gates = attrs["hidden_size"], GATES[cell]
        dirs = 2 if direction == "bidirectional" else 1
        gh = gates * units
        if B is None:
            B = np.zeros((dirs, 2 * gh), W.dtype)
        order = np.argsort(ONNX_GATES[cell])  # the graph's gates, in fastnn's order
        cols = np.concatenate([np.arange(k * units, (k + 1) * units) for k in order])
        # one block of columns per direction; the biases of both, then the
        # GRU's candidate recurrent biases (b_hn) of both
        coef = np.concatenate([np.concatenate([W[d][cols].T, R[d][cols].T]) for d in range(dirs)],
                              axis=1)
        Wb, Rb = B[:, :gh][:, cols], B[:, gh:][:, cols]
        if cell == "gru":
            bias = np.concatenate([np.concatenate([Wb[d, :2 * units] + Rb[d, :2 * units],
                                                   Wb[d, 2 * units:]]) for d in range(dirs)]
                                  + [Rb[d, 2 * units:] for d in range(dirs)])
        else:
            bias = (Wb + Rb).reshape(-1)
        layer = {"lstm": L.LSTM, "gru": L.GRU, "rnn": L.SimpleRNN}[cell]
        self.add(layer(units, return_sequences=True, bidirectional=dirs == 2), coef, bias)
        return Net("y", (x.shape[0], dirs, BATCH, units)), Net("h", (dirs, BATCH, units)), \
            Net("h", (dirs, BATCH, units))

    op_LSTM = op_GRU = op_RNN = recurrent


for _op, _name in ACTIVATIONS.items():
    if not hasattr(Importer, "op_" + _op):
        setattr(Importer, "op_" + _op,
                lambda self, node, args, attrs, name=_name: self.activation(node, args, name))


# folded on constants (shape arithmetic), integer division where both are
# integers, as ONNX's Div
_ELEMENTWISE = {
    "Add": np.add, "Sub": np.subtract, "Mul": np.multiply,
    "Div": lambda a, b: a // b if a.dtype.kind in "iu" and b.dtype.kind in "iu" else a / b,
    "Mod": np.mod, "Sqrt": np.sqrt, "Equal": np.equal, "Not": np.logical_not,
    "Less": np.less, "Greater": np.greater, "Where": np.where, "Neg": np.negative,
    "Abs": np.abs, "Floor": np.floor, "Ceil": np.ceil,
    "Expand": lambda a, shape: np.broadcast_to(a, tuple(int(d) for d in shape)),
    "Range": lambda start, limit, delta: np.arange(start, limit, delta)}


def _is_causal(mask):
    """A float attention mask that hides from each step the steps after it
    (0 on and below the diagonal, -inf or a large negative value above)."""
    mask = np.asarray(mask)
    while mask.ndim > 2 and mask.shape[0] == 1:
        mask = mask[0]
    if mask.ndim != 2 or mask.shape[0] != mask.shape[1] or mask.dtype.kind != "f":
        return False
    above = np.triu(np.ones(mask.shape, dtype=bool), 1)
    return bool((mask[~above] == 0).all() and (mask[above] < -1e4).all())


def _padding(pads, sizes, kernel, strides):
    """ONNX's pads (all befores, then all afters) as fastnn's padding:
    'valid', 'same' (the odd one after) or zeros on each side (a tuple),
    whichever has the graph's zeros before and its output size (zeros
    after the last window read change nothing); None if none has."""
    before, after = list(pads[:len(sizes)]), list(pads[len(sizes):])
    out = [(n + b + a - k) // s + 1 for n, b, a, k, s in zip(sizes, before, after, kernel,
                                                              strides)]
    for padding in ("valid", "same", tuple(int(b) for b in before)):
        fits = [conv_output_size(n, k, s, p) for n, k, s, p in zip(
            sizes, kernel, strides, padding if isinstance(padding, tuple) else
            (padding,) * len(sizes))]
        if [o for o, _ in fits] == out and [b for _, b in fits] == before and \
                all(b < k for b, k in zip(before, kernel)):
            return padding
    return None


def _kinds(counts):
    return ", ".join("%d %s" % (n, kind) for kind, n in sorted(counts.items())) or "none"


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def _settings(layer):
    return {f.name: getattr(layer, f.name) for f in dataclasses.fields(layer)}


def _attribute(attr):
    value = helper.get_attribute_value(attr)
    if attr.type == attr.TENSOR:
        return numpy_helper.to_array(value)
    if isinstance(value, list):
        return list(value)
    return value
