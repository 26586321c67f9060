"""The device engine's network: what fastnn._engine.Network does (forward,
loss_grad, train_epoch over the same flat parameter buffer and optimizer
state), run on a backend (_backend.py): weights, optimizer state and the
training rows stay on the device for a whole epoch, the mini-batches are
gathered there, and only the epoch's loss comes back.

Its arithmetic is the CPU engine's, step for step: the same products, the
same activation, loss and update formulas (kernels/), the same dropout
masks from the same seeds, and the same order of the optimizer's ranges,
so a fit on either device follows the same path to rounding.

Each layer kind has its own module (dense.py, conv.py, pool.py,
recurrent.py, embedding.py, layernorm.py, attention.py, position.py,
join.py) with its forward and backward, listed in KINDS by the engine's
kind name; the network owns what every layer shares: activations, batch
norm, dropout, the joins' gathered gradients, the walk back, the loss and
the optimizer.  `unsupported` names what a network needs that the device
engine does not run, and the estimator refuses such a network before
training."""
import dataclasses
import math

import numpy as np

from .. import _engine
from .attention import Attention
from .conv import Conv
from .dense import Dense
from .embedding import Embedding
from .join import Join
from .layernorm import LayerNorm
from .pool import Pool
from .position import Position
from .recurrent import Recurrent

# dtype -> the kernels' name suffix
SUFFIX = {np.dtype(np.float32): "_f32", np.dtype(np.float64): "_f64"}
SUM_ROWS = 256  # rows a thread of a column sum adds (reduce.cu)
MASK64 = (1 << 64) - 1


def mix64(x):
    """splitmix64's finaliser (fastnn.h's fnn_mix64), on Python ints."""
    x &= MASK64
    x ^= x >> 30
    x = (x * 0xbf58476d1ce4e5b9) & MASK64
    x ^= x >> 27
    x = (x * 0x94d049bb133111eb) & MASK64
    return x ^ (x >> 31)


def layer_seed(seed, layer):
    """Layer `layer`'s dropout stream of a batch's seed (net.c's)."""
    return mix64(seed ^ ((0xd1b54a32d192ed03 * (layer + 1)) & MASK64))


def keep_threshold(rate):
    """A value is kept when its hash is at least rate * 2^64 (dropout.c)."""
    if rate <= 0:
        return 0
    t = math.ldexp(rate, 64)
    return MASK64 if t >= 18446744073709549568.0 else int(t)


KINDS = {"dense": Dense(), "conv": Conv(), "maxpool": Pool(), "avgpool": Pool(),
         "recurrent": Recurrent(), "embedding": Embedding(), "layernorm": LayerNorm(),
         "take": Join(), "add": Join(), "concat": Join(), "attention": Attention(),
         "position": Position(), "sinusoid": Position()}


def unsupported(specs):
    """Why the device engine cannot run these layer specs, or None: an
    embedding reads the input's ids (its first or taken columns), which the
    host checks before they go to the device."""
    for i, spec in enumerate(specs):
        if spec.kind not in KINDS:
            what = "a %s layer" % spec.kind
        elif spec.kind == "embedding" and i > 0 and not (
                specs[i - 1].kind == "take" and specs[i - 1].src == 0):
            what = "an embedding of another layer's output"
        else:
            continue
        return ("layer %d needs %s, which the CUDA engine does not run yet; use "
                "device='cpu' for this network" % (i, what))
    return None


class DeviceNetwork:
    """A network of the engine's layer specs on a backend; the interface
    of fastnn._engine.Network that the estimators and solvers use."""

    def __init__(self, specs, output, backend):
        why = unsupported(specs)
        if why:
            raise ValueError(why)
        self.layout = _engine.Network(list(specs), output, 1)  # sizes, layout, spans
        self.specs, self.output, self.backend = list(specs), output, backend
        for name in ("n_params", "n_coefs", "n_inputs", "n_outputs", "n_trainable"):
            setattr(self, name, getattr(self.layout, name))
        self.blocks = self.layout.param_blocks()
        # what a batch-normalised layer's kind computes: no bias (batch
        # norm's shift replaces it), no activation (it comes after)
        self.bare = [dataclasses.replace(s, activation="identity") for s in self.specs]
        self.spans = self.layout.trainable_spans()
        self.ranges = self._optimizer_ranges()
        self.out_code = int(_engine.OUTPUTS[output])
        self.acts = [int(_engine.ACTIVATIONS[s.activation]) for s in self.specs]
        trainable = [i for i, s in enumerate(self.specs) if not s.frozen]
        # no input gradient is needed below the first trainable layer
        self.first = trainable[0] if trainable else len(self.specs)
        self._rows = None  # (host X, host Y, device X, device Y) of the last epoch
        self._constants = {}  # device arrays made once (the sinusoid table)

    def trainable_spans(self):
        return self.spans

    def param_blocks(self):
        return self.blocks

    def __reduce__(self):
        raise TypeError("DeviceNetwork is rebuilt from the estimator, not pickled")

    # ---- the pieces --------------------------------------------------------
    @staticmethod
    def _host_rows(X, rows):
        """Rows of X (a slice or an index array) as a dense array: sparse
        input is densified a batch or chunk at a time on its way to the
        device."""
        if isinstance(X, _engine.CSRBatches):
            import scipy.sparse
            csr = scipy.sparse.csr_matrix((X.data, X.indices, X.indptr), shape=X.shape)
            return csr[rows].toarray()
        return np.ascontiguousarray(X[rows])

    def _check(self, params, X, Y=None, sw=None, grad=None):
        self.layout._check(params.shape[0], X, Y, sw, -1 if grad is None else grad.shape[0])

    def _check_ids(self, X):
        """Host rows' token ids, before they go to the device."""
        for i, spec in enumerate(self.specs):  # ids: the input's first or taken columns
            if spec.kind == "embedding":
                start = self.specs[i - 1].src_at if i else 0
                KINDS["embedding"].check_ids(spec, X[:, start:start + spec.h])

    @property
    def xp(self):
        return self.backend.xp

    def constant(self, key, make):
        """A device copy of the host array make() returns, made once."""
        if key not in self._constants:
            self._constants[key] = self.backend.to_device(make())
        return self._constants[key]

    def launch(self, name, dtype, n, *args):
        """Kernel `name` of dtype's twin over n indices."""
        self.backend.launch(name + SUFFIX[np.dtype(dtype)], n, *args)

    def epilogue(self, y, z, b, spec):
        """y (rows x width) becomes f(y + b) (b None: no bias); z, when
        given, gets y + b for backward (gelu)."""
        if b is None and z is None and spec.activation == "identity":
            return
        rows, width = y.shape
        self.launch("bias_activation", y.dtype, y.size, y, z, b, np.int64(rows),
                    np.int64(width), np.int32(_engine.ACTIVATIONS[spec.activation]))

    def column_sums(self, A, B=None):
        """The column sums of A (rows x F) in double, and with B those of A *
        B too: (F,) or (2, F) on the device."""
        rows, F = A.shape
        parts = -(-rows // SUM_ROWS)
        partial = self.xp.empty((2 if B is not None else 1, parts, F), dtype=np.float64)
        self.launch("column_sums", A.dtype, parts * F, partial, A, B, np.int64(rows),
                    np.int64(F), np.int64(SUM_ROWS))
        sums = partial.sum(axis=1)
        return sums if B is not None else sums[0]

    def weight_grads(self, x, dZ, dW, db, add):
        """dW = x' dZ (added to it when `add`, else written: a block no
        other layer writes) and db += the column sums of dZ (db None: no
        bias)."""
        if add:
            part = self.xp.empty_like(dW)
            self.backend.matmul(x.T, dZ, part)
            dW += part
        else:
            self.backend.matmul(x.T, dZ, dW)
        if db is not None:
            db += self.column_sums(dZ).astype(dZ.dtype)

    def _views(self, flat, l):
        """Layer l's (weights (inputs x outputs), biases), None where it
        has none, inside a flat buffer."""
        w, nw, b, nb = (int(v) for v in self.blocks[l, :4])
        spec = self.specs[l]
        kind = KINDS[spec.kind]
        shape = kind.weight_shape(spec) if hasattr(kind, "weight_shape") else (-1, spec.oc)
        return (flat[w:w + nw].reshape(shape) if nw else None,
                flat[b:b + nb] if nb else None)

    def _norm_stats(self, flat, l):
        n0, count = (int(v) for v in self.blocks[l, 4:6])
        return flat[n0:n0 + count]

    def _batch_norm(self, y, l, params, b, training, update):
        """Batch norm of layer l's output y in place: by the batch's
        statistics in training (update: the parameter buffer whose running
        statistics move, or None), else by the running ones.  Returns what
        backward keeps (training) or None."""
        F = self.specs[l].oc
        M = y.size // F
        stats = self._norm_stats(params, l)
        if not training:
            self.launch("batchnorm_infer", y.dtype, y.size, y, stats, b, np.int64(M),
                        np.int64(F))
            return None
        moments = self.xp.empty(2 * F, dtype=np.float64)
        inv = self.xp.empty(F, dtype=y.dtype)
        hat = self.xp.empty_like(y)
        rows = y.reshape(M, F)
        self.launch("batchnorm_moments", y.dtype, F, moments, inv,
                    None if update is None else self._norm_stats(update, l),
                    self.column_sums(rows, rows), np.int64(M), np.int64(F))
        self.launch("batchnorm_apply", y.dtype, y.size, y, hat, moments, inv, stats, b,
                    np.int64(M), np.int64(F))
        return hat, inv

    def _batch_norm_back(self, dZ, l, params, grad, db, kept):
        """dZ in place, back through layer l's batch norm; its scale's and
        shift's gradients added (training; none when frozen)."""
        F = self.specs[l].oc
        M = dZ.size // F
        stats = self._norm_stats(params, l)
        if kept is None:  # normalised by the running statistics
            self.launch("batchnorm_infer_back", dZ.dtype, dZ.size, dZ, stats, np.int64(M),
                        np.int64(F))
            return
        hat, inv = kept
        sums = self.column_sums(dZ.reshape(M, F), hat.reshape(M, F))  # dY, dY Yhat
        db += sums[0].astype(dZ.dtype)
        self._norm_stats(grad, l)[:F] += sums[1].astype(dZ.dtype)
        self.launch("batchnorm_input_grad", dZ.dtype, dZ.size, dZ, sums, hat, inv, stats,
                    np.int64(M), np.int64(F))

    def _forward(self, params, X, seed, keep, update=None):
        """Every layer's output on X (device rows), the last one through the
        output activation; with keep, what backward needs; update: the
        parameter buffer whose batch norm running statistics move (training
        steps), or None.  Returns (outputs, pre-activations or None, kept
        values: the kind's and batch norm's) per layer."""
        xp, n = self.xp, X.shape[0]
        outs, zs, kept = [], [], []
        x = X
        for l, spec in enumerate(self.specs):
            W, b = self._views(params, l)
            width = spec.oh * spec.ow * spec.oc
            z = xp.empty((n, width), dtype=X.dtype) \
                if keep and spec.activation == "gelu" else None
            kind = KINDS[spec.kind]
            norm = None
            if getattr(kind, "joins", False):  # reads an earlier tensor too
                y, k = kind.forward(self, spec, x, X if spec.src == 0 else outs[spec.src - 1],
                                    z), None
            elif spec.batch_norm:
                y, k = kind.forward(self, self.bare[l], x, W, None, None, X)
                # a frozen layer normalises by its running statistics
                norm = self._batch_norm(y, l, params, b, seed != 0 and not spec.frozen,
                                        update)
                self.epilogue(y, z, None, spec)
            else:
                y, k = kind.forward(self, spec, x, W, b, z, X)
            if seed and spec.dropout > 0 and l < len(self.specs) - 1:
                self.launch("dropout_forward", y.dtype, y.size, y, np.int64(y.size),
                            np.uint64(keep_threshold(spec.dropout)),
                            y.dtype.type(1 / (1 - spec.dropout)),
                            np.uint64(layer_seed(seed, l)), np.int64(0))
            outs.append(y)
            zs.append(z)
            kept.append((k, norm) if keep else None)
            x = y
        self.launch("output_forward", x.dtype, n, x, np.int64(n), np.int64(x.shape[1]),
                    np.int32(self.out_code))
        return outs, zs, kept

    def _loss(self, P, Y, sw, want_grad):
        """(the rows' summed loss as a device scalar, dZ or None)."""
        xp, n, k = self.xp, P.shape[0], P.shape[1]
        rows = xp.empty(n, dtype=np.float64)
        dZ = xp.empty_like(P) if want_grad else None
        self.launch("loss_rows", P.dtype, n, rows, dZ, P, Y, sw, np.int64(n), np.int64(k),
                    np.int32(self.out_code))
        return rows.sum(), dZ

    def _backward(self, grad, params, X, forward, dZ, seed, add):
        """Parameter gradients added into grad from the output gradient dZ
        (without `add`, grad is zeros and the products may write theirs)."""
        outs, zs, kept = forward
        gathered = {}  # tensor t: the joins' share of its gradient, so far
        for l in range(len(self.specs) - 1, self.first - 1, -1):
            spec = self.specs[l]
            x = X if l == 0 else outs[l - 1]
            kind = KINDS[spec.kind]
            if getattr(kind, "joins", False):
                S = X if spec.src == 0 else outs[spec.src - 1]
                dX, dS = kind.backward(self, spec, x.shape, S.shape, dZ, l > self.first)
                if spec.src > 0:  # the input's gradient is never needed
                    gathered[spec.src] = dS if spec.src not in gathered \
                        else gathered[spec.src] + dS
            else:
                W, _ = self._views(params, l)
                dW, db = self._views(grad, l) if not spec.frozen else (None, None)
                own, norm = kept[l]
                if spec.batch_norm:  # its shift is the bias: done here
                    self._batch_norm_back(dZ, l, params, grad, db, norm)
                    db = None
                dX = kind.backward(self, spec, x, W, own, dZ, dW, db, l > self.first,
                                   add, X)
            if l == self.first:
                break
            if l in gathered:  # tensor l, this layer's input, read by joins too
                dX = dX + gathered.pop(l)
            prev = self.specs[l - 1]
            A = outs[l - 1]
            if seed and prev.dropout > 0:  # only kept outputs had an effect
                self.launch("dropout_backward", dX.dtype, dX.size, dX,
                            None if prev.activation == "identity" else A, np.int64(dX.size),
                            np.uint64(keep_threshold(prev.dropout)),
                            dX.dtype.type(1 / (1 - prev.dropout)),
                            dX.dtype.type(1 - prev.dropout),
                            np.uint64(layer_seed(seed, l - 1)), np.int64(0))
            act = np.int32(self.acts[l - 1])
            if zs[l - 1] is not None:
                self.launch("activation_backward_from_input", dX.dtype, dX.size, dX, dX,
                            zs[l - 1], np.int64(dX.size), act)
            elif prev.activation != "identity":
                self.launch("activation_backward", dX.dtype, dX.size, dX, dX, A,
                            np.int64(dX.size), act)
            dZ = dX

    # ---- what the estimators call -----------------------------------------
    def forward(self, params, X):
        """The network's output (NumPy) for every row of X."""
        self._check(params, X)
        self._check_ids(X)
        be = self.backend
        p = be.to_device(params)
        out = np.empty((X.shape[0], self.n_outputs), dtype=params.dtype)
        # chunks sized as the CPU engine's, by what a row's pass keeps
        chunk = self.layout.chunk_rows(X.shape[0])
        for start in range(0, X.shape[0], chunk):
            rows = be.to_device(self._host_rows(X, slice(start, start + chunk)))
            outs, _, _ = self._forward(p, rows, 0, False)
            out[start:start + rows.shape[0]] = be.to_host(outs[-1])
        return out

    def loss_grad(self, params, grad, X, Y, sw, seed=0):
        """Summed data loss over all rows; its gradient is added to grad
        (None: the loss only).  seed: 0 for inference mode, else that
        seed's dropout masks."""
        self._check(params, X, Y, sw, grad)
        self._check_ids(X)
        be = self.backend
        p = be.to_device(params)
        g = be.xp.zeros_like(p) if grad is not None else None
        total = 0.0
        chunk = self.layout.chunk_rows(X.shape[0])
        for start in range(0, X.shape[0], chunk):
            stop = start + chunk
            rows = be.to_device(self._host_rows(X, slice(start, stop)))
            forward = self._forward(p, rows, seed, grad is not None)
            w = None if sw is None else be.to_device(np.ascontiguousarray(sw[start:stop]))
            loss, dZ = self._loss(forward[0][-1],
                                  be.to_device(np.ascontiguousarray(Y[start:stop])), w,
                                  grad is not None)
            if grad is not None:
                self._backward(g, p, rows, forward, dZ, seed, True)
            total += float(loss)
        if grad is not None:
            grad += be.to_host(g)
        return total

    def _device_rows(self, X, Y):
        """X and Y on the device, uploaded once for the epochs of a fit
        (the trainer passes the same arrays every epoch); sparse X stays
        on the host (None), its batches densified one at a time."""
        if self._rows is None or self._rows[0] is not X or self._rows[1] is not Y:
            self._check_ids(X)
            be = self.backend
            sparse = isinstance(X, _engine.CSRBatches)
            self._rows = (X, Y, None if sparse else be.to_device(X), be.to_device(Y))
        return self._rows[2], self._rows[3]

    def _optimizer_ranges(self):
        """The optimizer's ranges: (start, end, state offset, decays) for
        each trainable span, split where the weights end (biases do not
        decay), in buffer order as optim.inc walks them."""
        ranges, st = [], 0
        for a, b in self.spans.tolist():
            for lo, hi, decays in ((a, min(b, self.n_coefs), True),
                                   (max(a, self.n_coefs), b, False)):
                if lo < hi:
                    ranges.append((lo, hi, st + lo - a, decays))
            st += b - a
        return ranges

    def _step(self, params, state, grad, opt, scale):
        """One optimizer step (optim.inc's fnn_optim_step); returns the sum of
        squares of the decayed weights before it (a device scalar)."""
        xp, dtype, ranges = self.xp, params.dtype, self.ranges
        alpha_scale = 1.0
        if opt.clip_norm > 0:  # the data gradient's norm, over the trainable spans
            norm = abs(scale) * math.sqrt(sum(float(xp.vdot(grad[a:b], grad[a:b]))
                                              for a, b in self.spans.tolist()))
            if norm > opt.clip_norm:
                c = opt.clip_norm / norm
                scale, alpha_scale = scale * c, 1 / c
        adamw = opt.solver == "adamw"
        alpha = 0.0 if adamw else opt.alpha * alpha_scale
        wd = opt.learning_rate * opt.alpha if adamw else 0.0
        sq = xp.zeros((), dtype=np.float64)
        for lo, hi, _, decays in ranges:
            if decays:
                w = params[lo:hi].astype(np.float64)  # summed in double, as the engine does
                sq += xp.vdot(w, w)
        real, n_state = dtype.type, self.n_trainable
        for lo, hi, st, decays in ranges:
            n = hi - lo
            p, g = params[lo:hi], grad[lo:hi]
            decay = real(alpha if decays else 0)
            if opt.solver == "sgd":
                self.launch("sgd_step", dtype, n, p, state[st:st + n], g, np.int64(n), decay,
                            real(scale), real(opt.learning_rate), real(opt.momentum),
                            np.int32(bool(opt.nesterov)))
            elif opt.solver in ("adam", "adamw"):
                t = opt.t + 1
                lr_t = opt.learning_rate * math.sqrt(1 - opt.beta_2 ** t) / (1 - opt.beta_1 ** t)
                self.launch("adam_step", dtype, n, p, state[st:st + n],
                            state[n_state + st:n_state + st + n], g, np.int64(n), decay,
                            real(scale), real(lr_t), real(opt.beta_1), real(opt.beta_2),
                            real(opt.epsilon), real(wd if decays else 0))
            else:  # rmsprop: a running average; adagrad: a running sum
                keep, add = (opt.rho, 1 - opt.rho) if opt.solver == "rmsprop" else (1.0, 1.0)
                self.launch("rms_step", dtype, n, p, state[st:st + n], g, np.int64(n), decay,
                            real(scale), real(opt.learning_rate), real(keep), real(add),
                            real(opt.epsilon))
        if opt.solver in ("adam", "adamw"):
            opt.t += 1
        return sq

    def train_epoch(self, params, grad, state, X, Y, sw, order, batch_size, opt, loss_scale,
                    seed=0, progress=None):
        """fastnn._engine.Network.train_epoch on the device: one pass over
        the rows in `order`, one optimizer step per batch; params and state
        are updated in place (copied back at the end), and the sum over
        batches of batch loss * batch rows is returned."""
        self._check(params, X, Y, sw, grad)
        order = np.asarray(order, dtype=np.int64)
        if order.shape[0] and (order.min() < 0 or order.max() >= Y.shape[0]):
            raise ValueError("row order refers to rows outside X")
        be, xp = self.backend, self.backend.xp
        Xd, Yd = self._device_rows(X, Y)
        p, s = be.to_device(params), be.to_device(state)
        g = xp.zeros_like(p)
        n = order.shape[0]
        batch_size = max(1, min(batch_size, n))
        penalty = 0.0 if opt.solver == "adamw" else 0.5 * opt.alpha
        total = xp.zeros((), dtype=np.float64)
        idx = be.to_device(order)
        try:
            for start in range(0, n, batch_size):
                nb = min(batch_size, n - start)
                rows = idx[start:start + nb]
                Xb = be.to_device(self._host_rows(X, order[start:start + nb])) if Xd is None \
                    else xp.take(Xd, rows, axis=0)
                Yb = xp.take(Yd, rows, axis=0)
                if sw is None:
                    wb, sw_sum = None, float(nb)
                else:
                    host_w = sw[order[start:start + nb]]
                    wb, sw_sum = be.to_device(np.ascontiguousarray(host_w)), float(host_w.sum())
                if sw_sum == 0 or not math.isfinite(sw_sum):
                    raise _engine.NonFiniteLoss("a batch's sample weights sum to %r" % sw_sum)
                batch_seed = (mix64(seed + start) | 1) if seed else 0
                forward = self._forward(p, Xb, batch_seed, True, p if batch_seed else None)
                loss, dZ = self._loss(forward[0][-1], Yb, wb, True)
                g.fill(0)  # batch norm's and the embeddings' gradients add up
                self._backward(g, p, Xb, forward, dZ, batch_seed, False)
                sq = self._step(p, s, g, opt, 1.0 / sw_sum)
                total += (loss * loss_scale + penalty * sq) / sw_sum * nb
                if progress is not None:
                    progress(start + nb)
            result = float(total)  # the epoch's one wait for the device
            if not math.isfinite(result):
                raise _engine.NonFiniteLoss("the training loss became non-finite")
            return result
        finally:
            params[:] = be.to_host(p)
            state[:] = be.to_host(s)
