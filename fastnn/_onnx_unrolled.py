"""A recurrent layer whose steps an ONNX graph spells out one by one, as
fastnn's own export writes a float64 layer and one that reads a padding
mask (_onnx_graph._unrolled_recurrent), read back as that layer.

Each direction starts from the step-by-step product of the input and
its weights (a MatMul and Add of every step that the importer took for a
Conv1D of width 1), then gathers each step's row of it; every value
computed from those rows is a `Step` of the direction's `Unrolled`
record, which keeps the recurrent weights and biases it meets.  The
Reshape of the states back to rows ends the layer: the cell follows from
the gates' width, and the operators counted must be those fastnn's
export writes for that cell, so that anything else is refused rather
than read wrongly.
"""
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from . import layers as L
from ._network import GATES, LayerSpec

CELLS_BY_GATES = {gates: cell for cell, gates in GATES.items()}


@dataclass
class Unrolled:
    """One direction's weights and what its nodes did."""
    W: np.ndarray  # (inputs, gates * units): the input product's
    b: np.ndarray
    steps: int
    R: object = None  # (units, gates * units), from h R
    b_hn: object = None  # a GRU's candidate recurrent bias
    masked: bool = False
    ops: Counter = field(default_factory=Counter)
    gathered: set = field(default_factory=set)  # steps whose input row was read
    with_state: set = field(default_factory=set)  # steps whose row met h R


@dataclass
class Step:
    """A value inside an unrolled direction: `role` 'x' (a step's input
    row, or a slice of it: `t`), 'hR' (a recurrent product), 'states'
    (every step's state, side by side) or 'value' (the rest)."""
    run: object  # the Unrolled, or a pair of them once both directions join
    role: str = "value"
    t: int = -1


class Unroller:
    """The importer's reading of unrolled directions (importer: its
    `where`, `add` and `to_rows`)."""

    def __init__(self, importer):
        self.importer = importer

    def fail(self, why=""):
        raise ValueError("from_onnx cannot import the %s: a recurrent layer's steps are read as "
                         "fastnn's own export writes them%s." % (self.importer.where, why))

    def start(self, source, W, b, t):
        """The first row gathered from a step-by-step product (W, b) of
        `source` steps: a new direction."""
        run = Unrolled(W, b, source.shape[1])
        return self.gather(run, t)

    def gather(self, run, t):
        run.ops["Gather"] += 1
        run.gathered.add(int(t) % run.steps)
        return Step(run, "x", int(t) % run.steps)

    def node(self, node, args, attrs):
        """Any node that reads a Step."""
        op = node.op_type
        steps = [a for a in args if isinstance(a, Step)]
        runs = {id(s.run): s.run for s in steps}
        if op == "Concat" and len(runs) == 2 and len(args) == 2 and \
                all(isinstance(s.run, Unrolled) for s in steps):
            return self.both(args, attrs)  # the two directions side by side
        if len(runs) != 1:
            self.fail()
        run = steps[0].run
        constants = [a for a in args if isinstance(a, np.ndarray)]
        if op == "Reshape":
            return self.end(run, steps[0], args[1])
        if op == "Gemm" and args[0] is steps[0] and steps[0].role in ("value", "states"):
            # the last state read by the next layer (PyTorch's Linear)
            return self.importer.op_Gemm(node, [self.end(run, steps[0], None)] + args[1:], attrs)
        if not isinstance(run, Unrolled):
            self.fail()
        run.ops[op] += 1
        if op == "MatMul" and isinstance(args[0], Step) and len(constants) == 1 and \
                constants[0].ndim == 2 and constants[0].shape[1] == run.W.shape[1]:
            if run.R is not None and not np.array_equal(run.R, constants[0]):
                self.fail(" (one recurrent weight matrix per direction)")
            run.R = constants[0]
            return Step(run, "hR")
        if op == "Slice":
            return Step(run, steps[0].role, steps[0].t)  # a gate's columns
        if op == "Add" and len(steps) == 2 and {s.role for s in steps} == {"x", "hR"}:
            run.with_state.add(next(s.t for s in steps if s.role == "x"))
            return Step(run)
        if op == "Add" and constants and len(steps) == 1 and steps[0].role == "hR":
            if run.b_hn is not None and not np.array_equal(run.b_hn, constants[0].reshape(-1)):
                self.fail(" (one candidate bias per direction)")
            run.b_hn = constants[0].reshape(-1)  # (h R_n + b_hn)
            return Step(run)
        if op == "Where" and getattr(args[0], "tag", None) == "here":
            run.masked = True  # the state kept at padding steps
            return Step(run)
        if op == "Mul" and len(constants) == 1 and len(steps) == 1:
            run.b_hn = constants[0].reshape(-1)  # r * b_hn: a GRU's first step
            return Step(run)
        if op == "Concat" and attrs.get("axis") == 1 and len(steps) == run.steps == len(args):
            return Step(run, "states")
        if op in ("Sigmoid", "Tanh", "Mul", "Add", "Sub", "Neg", "Unsqueeze") and \
                len(constants) <= (1 if op == "Unsqueeze" else 0):
            return Step(run)
        self.fail()

    def both(self, args, attrs):
        first, second = args
        if attrs.get("axis") not in (-1, 2 if first.role == "states" else 1) or \
                first.role != second.role:
            self.fail()
        first.run.ops["Concat"] += 1
        return Step((first.run, second.run), first.role)

    def end(self, run, value, shape):
        """The states (or the last one) as rows: the layer.  shape: the
        Reshape's to rows (None: read as they are by the next layer)."""
        runs = run if isinstance(run, tuple) else (run,)
        for r in runs:
            if r.R is None:
                self.fail(" (of one step)")
        units, width = runs[0].R.shape
        gates = width // units
        cell = CELLS_BY_GATES.get(gates)
        # forward from step 0, or backward from the last: the step whose
        # input met no recurrent product
        firsts = [sorted(r.gathered - r.with_state) for r in runs]
        if cell is None or width % units or firsts != [[0], [runs[0].steps - 1]][:len(runs)] \
                or any(r.gathered != set(range(r.steps)) for r in runs) \
                or len({r.masked for r in runs}) != 1:
            self.fail()
        dirs, sequences = len(runs), value.role == "states"
        coef = np.concatenate([np.concatenate([r.W, r.R]) for r in runs], axis=1)
        bias = np.concatenate([r.b for r in runs] + ([r.b_hn for r in runs] if cell == "gru"
                                                   else []))
        n_out = units * dirs * (runs[0].steps if sequences else 1)
        if (shape is not None and [int(d) for d in np.atleast_1d(shape)] not in (
                [-1, n_out], [0, n_out])) or (cell == "gru") != all(r.b_hn is not None
                                                                   for r in runs):
            self.fail()
        spec = LayerSpec(kind="recurrent", h=runs[0].steps, w=1, c=runs[0].W.shape[0],
                         oh=runs[0].steps if sequences else 1, ow=1, oc=units * dirs,
                         cell=cell, dirs=dirs, masked=runs[0].masked)
        if sum((r.ops for r in runs), Counter()) + Counter(Reshape=1) != \
                _written(spec, coef, bias, sequences):
            self.fail(" (its operators are not those of a %s)" % cell)
        layer = {"lstm": L.LSTM, "gru": L.GRU, "rnn": L.SimpleRNN}[cell]
        self.importer.add(layer(units, return_sequences=sequences, bidirectional=dirs == 2),
                          coef, bias)
        if runs[0].masked:
            self.importer.masked["recurrent"] += 1
        from ._onnx_import import BATCH, Net
        if sequences:
            return self.importer.to_rows(Net("sequence", (BATCH, runs[0].steps, units * dirs)))
        return Net("flat", (BATCH, units * dirs))


def _written(spec, coef, bias, sequences):
    """The operators fastnn's export writes for the layer's steps, from
    the first row gathered to the Reshape to rows."""
    from ._onnx_graph import _unrolled_recurrent

    counting = _Counting()
    _unrolled_recurrent(counting, "rows", spec, coef, bias, "mask" if spec.masked else None,
                        sequences)
    ops = counting.ops
    # not the layer's steps: the input's reshape and product, the mask's
    # unsqueeze and its gather at each step
    ops.subtract(Reshape=1, MatMul=spec.dirs, Add=spec.dirs)
    if spec.masked:
        ops.subtract(Unsqueeze=1, Gather=spec.dirs * spec.h)
    return +ops


class _Counting:
    """Enough of _onnx_graph.Graph to count the operators it would write."""

    def __init__(self):
        self.ops = Counter()

    def op(self, op_type, inputs, hint=None, outputs=1, **attrs):
        self.ops[op_type] += 1
        return op_type

    def const(self, value, hint="const", proto=None):
        return hint

    def ints(self, values, hint="shape"):
        return hint

    def reshape(self, x, shape):
        return self.op("Reshape", [x, shape])
