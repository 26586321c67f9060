# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Cython binding of the C engine.

Owns the buffers a call needs, hands the C code scipy's BLAS, releases the
GIL around every C call and turns a non-zero status into an exception.
Python never loops over samples: the loops here are over mini-batches.
"""
import os

import numpy as np

from cpython.exc cimport PyErr_CheckSignals
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.stdint cimport int32_t, int64_t, uint64_t
from scipy.linalg.cython_blas cimport dgemm, dgemv, sgemm, sgemv




def _names(int table):
    """{name: number} of one of the engine's lists (fastnn.h)."""
    names, i = {}, 0
    while fnn_name(table, i) != NULL:
        names[fnn_name(table, i).decode()] = i
        i += 1
    return names


ACTIVATIONS = _names(0)
# the output activations, then the robust regression losses (identity
# outputs whose loss is not the squared error)
OUTPUTS = _names(1)
LAYER_KINDS = _names(2)
CELLS = _names(3)
SOLVERS = _names(4)
GATES = {name: fnn_cell_gates(number) for name, number in CELLS.items()}
LEAKY_SLOPE = FNN_LEAKY_SLOPE  # leaky_relu's slope below 0
NORM_EPS = FNN_NORM_EPS  # batch norm's epsilon
NORM_MOMENTUM = FNN_NORM_MOMENTUM  # a batch's weight in its running statistics

# Rows per chunk when predicting or computing a full-batch gradient: keeps
# the workspace small without making the GEMMs thin.
CHUNK_ROWS = 4096
WORKSPACE_BUDGET = 1 << 22  # elements: 16 MiB in float32, a cache-friendly chunk


class NonFiniteLoss(FloatingPointError):
    """The training loss became NaN or infinite; parameters were kept."""


def bf16_supported():
    """Whether this CPU and build multiply bfloat16 operands (AVX512-BF16:
    Intel from Cooper Lake and Sapphire Rapids, AMD from Zen 4)."""
    return bool(fnn_bf16_supported())


def has_openmp():
    """True when the engine was compiled with OpenMP."""
    return bool(fnn_has_openmp())


def max_threads():
    """Threads OpenMP uses by default here (1 in a serial build)."""
    return fnn_max_threads()


cdef check(fnn_status status):
    if status == FNN_OK:
        return
    if status == FNN_ERR_NONFINITE:
        raise NonFiniteLoss("the training loss is not finite")
    raise ValueError("fastnn engine: invalid argument (status %d)" % status)


# ---- threads, and fork ------------------------------------------------
# GNU libgomp's thread pool does not survive fork: a child that starts a
# team of threads after its parent ran one waits forever for threads that
# are not there.  So the engine notes when it first hands out more than one
# thread, and in a child forked after that every call runs on one thread
# (fastnn/_threads.py says so once).
cdef bint threads_handed_out = False
cdef bint single_after_fork = False


def _after_fork_in_child():
    global single_after_fork
    single_after_fork = threads_handed_out


os.register_at_fork(after_in_child=_after_fork_in_child)


def forked_after_threads():
    """True in a process forked after the engine had run on threads: here
    it runs on one thread."""
    return bool(single_after_fork)


def num_procs():
    """Processors this process may run on, as OpenMP counts them."""
    return fnn_num_procs()


cdef int usable_threads(int n_threads):
    """n_threads within what the engine can use: at least 1, at most the
    processors OpenMP reports (scratch is sized per thread), 1 after fork."""
    global threads_handed_out
    if single_after_fork:
        return 1
    n_threads = max(1, min(n_threads, fnn_num_procs()))
    if n_threads > 1:
        threads_handed_out = True
    return n_threads


cdef fnn_ctx make_ctx(int n_threads):
    cdef fnn_ctx ctx
    ctx.n_threads = usable_threads(n_threads)
    ctx.sgemm = <fnn_sgemm_fn>sgemm
    ctx.dgemm = <fnn_dgemm_fn>dgemm
    ctx.sgemv = <fnn_sgemv_fn>sgemv
    ctx.dgemv = <fnn_dgemv_fn>dgemv
    ctx.scratch = NULL
    ctx.scratch_bytes = 0
    ctx.bf16 = 0
    return ctx


cdef fnn_ctx with_scratch(fnn_ctx ctx, unsigned char[::1] scratch):
    """ctx with the caller's scratch (see fnn_ctx): the buffer must outlive
    the calls that use the returned context.  A context made before a fork
    runs on one thread after it."""
    ctx.n_threads = usable_threads(ctx.n_threads)
    if scratch is not None and scratch.shape[0]:
        ctx.scratch = &scratch[0]
        ctx.scratch_bytes = scratch.shape[0]
    return ctx


def optim_state_size(str solver, int64_t n_params):
    """Entries of optimizer state the engine needs for n_params parameters."""
    cdef fnn_optim o
    o.solver = <fnn_solver>SOLVERS[solver]
    return fnn_optim_state_size(&o, n_params)


cdef fnn_optim make_optim(settings) except *:
    # settings: a StepSettings (fastnn/_optimizer.py)
    cdef fnn_optim o
    o.solver = <fnn_solver>SOLVERS[settings.solver]
    o.learning_rate = settings.learning_rate
    o.alpha = settings.alpha
    o.momentum = settings.momentum
    o.nesterov = settings.nesterov
    o.beta_1 = settings.beta_1
    o.beta_2 = settings.beta_2
    o.epsilon = settings.epsilon
    o.rho = settings.rho
    o.t = settings.t
    o.clip_norm = settings.clip_norm
    return o


cdef class CSRBatches:
    """A CSR matrix (float data, int32 indices) ready for the engine."""
    cdef readonly object data, indices, indptr
    cdef readonly int64_t n_cols

    def __init__(self, X, dtype):
        X = X.tocsr()
        if X.nnz > np.iinfo(np.int32).max:
            raise ValueError("sparse input with more than 2**31 stored values "
                             "is not supported")
        self.data = np.ascontiguousarray(X.data, dtype=dtype)
        self.indices = np.ascontiguousarray(X.indices, dtype=np.int32)
        self.indptr = np.ascontiguousarray(X.indptr, dtype=np.int32)
        self.n_cols = X.shape[1]
        # The C loops trust the structure (they do check each column index).
        ptr = self.indptr
        if (ptr.shape[0] != X.shape[0] + 1 or ptr[0] != 0
                or ptr[len(ptr) - 1] != self.data.shape[0]
                or self.indices.shape[0] != self.data.shape[0]
                or (np.diff(ptr) < 0).any()):
            raise ValueError("malformed CSR matrix: indptr is not a valid "
                             "row pointer for its data")

    @property
    def shape(self):
        return (self.indptr.shape[0] - 1, self.n_cols)


cdef fnn_layer make_layer(spec) except *:
    cdef fnn_layer g
    g.kind = <fnn_layer_kind>LAYER_KINDS[spec.kind]
    g.activation = <fnn_activation>ACTIVATIONS[spec.activation]
    g.h, g.w, g.c = spec.h, spec.w, spec.c
    g.oh, g.ow, g.oc = spec.oh, spec.ow, spec.oc
    g.kh, g.kw = spec.kh, spec.kw
    g.sh, g.sw = spec.sh, spec.sw
    g.ph, g.pw = spec.ph, spec.pw
    g.cell = <fnn_cell>CELLS[spec.cell]
    g.dirs = spec.dirs
    g.dropout = spec.dropout
    g.batch_norm = spec.batch_norm
    g.vocab = spec.vocab
    g.masked = spec.masked
    g.src, g.src_at = spec.src, spec.src_at
    g.heads, g.causal = spec.heads, spec.causal
    g.frozen = spec.frozen
    return g


def layer_param_counts(spec):
    """(weights, biases, batch norm values) of one layer in the flat
    parameter buffer, as the engine counts them."""
    cdef fnn_layer g = make_layer(spec)
    cdef int64_t counts[3]
    if fnn_layer_param_counts(counts, &g) != FNN_OK:
        raise ValueError("invalid layer: %r" % (spec,))
    return int(counts[0]), int(counts[1]), int(counts[2])


cdef class Network:
    """A sequential network as the engine sees it: LayerSpecs (see
    fastnn/_network.py), output activation and thread count.  Parameters
    live outside, in one flat buffer."""
    cdef fnn_net net
    cdef fnn_ctx ctx
    cdef fnn_layer *layers  # owned; net.layers points here
    cdef int64_t *spans  # owned; net.spans points here when a layer is frozen
    cdef readonly int64_t n_params, n_coefs, n_inputs, n_outputs, n_trainable

    def __init__(self, list layers, output, int n_threads=1):
        if not layers:
            raise ValueError("a network needs at least one layer")
        self.layers = <fnn_layer *>PyMem_Malloc(len(layers) * sizeof(fnn_layer))
        if self.layers == NULL:
            raise MemoryError()
        cdef int i
        for i in range(len(layers)):
            self.layers[i] = make_layer(layers[i])
        self.net.n_layers = len(layers)
        self.net.layers = self.layers
        self.net.output = <fnn_output>OUTPUTS[output]
        self.net.spans, self.net.n_spans = NULL, 0
        if fnn_net_check(&self.net) != FNN_OK:
            raise ValueError("inconsistent layer sizes: %r" % (layers,))
        if any(spec.frozen for spec in layers):
            self.spans = <int64_t *>PyMem_Malloc(6 * len(layers) * sizeof(int64_t))
            if self.spans == NULL:
                raise MemoryError()
            self.net.n_spans = fnn_net_trainable_spans(self.spans, &self.net)
            self.net.spans = self.spans
        self.ctx = make_ctx(n_threads)
        self.n_params = fnn_net_n_params(&self.net)
        self.n_coefs = fnn_net_n_coefs(&self.net)
        self.n_trainable = fnn_net_n_trainable(&self.net)
        first, last = layers[0], layers[len(layers) - 1]
        self.n_inputs = first.h * first.w * first.c
        self.n_outputs = last.oh * last.ow * last.oc

    def __dealloc__(self):
        PyMem_Free(self.layers)
        PyMem_Free(self.spans)

    def use_bf16(self, bint on):
        """Products from bfloat16 operands (float32 sums) for a float32
        network, where the CPU has AVX512-BF16 (bf16_supported())."""
        if on and not fnn_bf16_supported():
            raise ValueError("this CPU has no AVX512-BF16 instructions for bfloat16 products")
        self.ctx.bf16 = on

    def trainable_spans(self):
        """(k, 2) int64: the [start, end) ranges of the flat buffer that
        optimizers update, in order (all of it when no layer is frozen)."""
        if self.net.spans == NULL:
            return np.array([[0, self.n_params]], dtype=np.int64)
        return np.array([[self.net.spans[2 * i], self.net.spans[2 * i + 1]]
                         for i in range(self.net.n_spans)], dtype=np.int64).reshape(-1, 2)

    def param_blocks(self):
        """(n_layers, 6) int64: each layer's weights offset and count, biases
        offset and count, batch norm block offset and count in the flat
        parameter buffer (the engine's layout, which fastnn/_network.py
        reads)."""
        blocks = np.zeros((self.net.n_layers, 6), dtype=np.int64)
        cdef int64_t[:, ::1] view = blocks
        check(fnn_net_param_blocks(&view[0, 0], &self.net))
        return blocks

    def __reduce__(self):
        raise TypeError("Network is rebuilt from the estimator, not pickled")

    def chunk_rows(self, int64_t n):
        """Rows per engine call when going through n rows at once: as many
        as keep the workspace near WORKSPACE_BUDGET elements."""
        per_row = max(1, fnn_net_workspace_size(&self.net, 1, 1))
        return int(max(1, min(n, CHUNK_ROWS, WORKSPACE_BUDGET // per_row)))

    def _check(self, int64_t n_params, X, Y=None, sw=None, grad_size=-1):
        """Shapes the C code will trust: refuse anything else here."""
        if n_params != self.n_params or grad_size not in (-1, self.n_params):
            raise ValueError("parameter buffer has %d entries, the network has %d"
                             % (n_params, self.n_params))
        n, width = X.shape
        if width != self.n_inputs:
            raise ValueError("X has %d features, the network expects %d"
                             % (width, self.n_inputs))
        if Y is not None and tuple(Y.shape) != (n, self.n_outputs):
            raise ValueError("Y has shape %r, expected %r"
                             % (tuple(Y.shape), (n, self.n_outputs)))
        if sw is not None and tuple(sw.shape) != (n,):
            raise ValueError("sample weights have shape %r, expected (%d,)"
                             % (tuple(sw.shape), n))

    def workspace(self, int64_t n_rows, dtype, bint training=False):
        """Scratch for n_rows; training passes may split their rows across
        the threads, each band with a gradient block of its own."""
        threads = self.ctx.n_threads if training else 1
        return np.empty(fnn_net_workspace_size(&self.net, n_rows, threads), dtype=dtype)

    def scratch(self):
        """The per-thread partial sums' memory for one call (fnn_ctx)."""
        return np.empty(fnn_net_scratch_bytes(&self.net, self.ctx.n_threads), dtype=np.uint8)

    def forward(self, const real[::1] params, X, work=None):
        """Network output for every row of X (dense 2-D array or CSRBatches).
        work: a workspace of the caller's for all the rows at once (the
        engine checks its size), else one is made for a chunk of rows."""
        self._check(params.shape[0], X)
        cdef int64_t n = X.shape[0]
        dtype = np.float32 if real is float else np.float64
        out = np.empty((n, self.n_outputs), dtype=dtype)
        cdef real[:, ::1] P = out
        cdef int64_t chunk = self.chunk_rows(n) if work is None else max(1, n)
        cdef real[::1] wk = self.workspace(chunk, dtype) if work is None else work
        scratch = self.scratch()
        cdef fnn_ctx ctx = with_scratch(self.ctx, scratch)
        cdef int64_t start, stop
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            self._chunk(&P[start, 0], &wk[0] if wk.shape[0] else NULL, wk.shape[0],
                        &params[0], params.shape[0], X, start, stop,
                        NULL, NULL, NULL, NULL, &ctx)
        return out

    def loss_grad(self, const real[::1] params, real[::1] grad, X, const real[:, ::1] Y,
                  sw, uint64_t seed=0, work=None):
        """Summed data loss over all rows; its gradient is added to grad
        (grad None: the loss only).  seed: 0 for inference mode, else
        training mode (batch statistics, dropout masks of that seed).
        work: as for forward."""
        self._check(params.shape[0], X, Y, sw, -1 if grad is None else grad.shape[0])
        cdef int64_t n = Y.shape[0]
        dtype = np.float32 if real is float else np.float64
        cdef int64_t chunk = self.chunk_rows(n) if work is None else max(1, n)
        cdef real[::1] wk = self.workspace(chunk, dtype, True) if work is None else work
        cdef const real[::1] w = sw if sw is not None else None
        cdef double total = 0, part = 0
        scratch = self.scratch()
        cdef fnn_ctx ctx = with_scratch(self.ctx, scratch)
        cdef int64_t start, stop
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            self._chunk(NULL, &wk[0] if wk.shape[0] else NULL, wk.shape[0], &params[0],
                        params.shape[0], X, start, stop, &part,
                        NULL if grad is None else &grad[0], &Y[start, 0],
                        &w[start] if w is not None else NULL, &ctx, seed)
            total += part
        return total

    cdef _chunk(self, real *P, real *work, int64_t work_size, const real *params,
                int64_t n_params, X, int64_t start, int64_t stop, double *loss, real *grad,
                const real *Y, const real *sw, const fnn_ctx *ctx, uint64_t seed=0):
        # Rows [start, stop) of X: forward into P, or loss (+ grad) with Y.
        cdef fnn_csr csr
        cdef const fnn_csr *xs = NULL
        cdef const real *x = NULL
        cdef const real[:, ::1] Xd
        cdef const real[::1] data
        cdef const int32_t[::1] indices
        cdef int32_t[::1] indptr
        cdef fnn_status s
        if isinstance(X, CSRBatches):
            data = X.data
            indices = X.indices
            indptr = X.indptr[start:stop + 1] - X.indptr[start]
            csr.data = &data[X.indptr[start]] if data.shape[0] else NULL
            csr.indices = &indices[X.indptr[start]] if indices.shape[0] else NULL
            csr.indptr = &indptr[0]
            xs = &csr
        else:
            Xd = X
            x = &Xd[start, 0]
        with nogil:
            if Y == NULL:
                s = fnn_net_forward(P, work, params, x, xs, stop - start, n_params,
                                    work_size, &self.net, ctx)
            else:
                s = fnn_net_loss_grad(loss, grad, work, params, x, xs, Y, sw, stop - start,
                                      n_params, work_size, seed, &self.net, ctx)
        check(s)

    def train_epoch(self, real[::1] params, real[::1] grad, real[::1] state,
                    X, const real[:, ::1] Y, sw, const int64_t[::1] order,
                    int64_t batch_size, opt, double loss_scale, uint64_t seed=0,
                    progress=None):
        """One pass over the rows in `order`, one optimizer step per batch.
        seed: 0 for inference mode, else training mode with the epoch's
        dropout masks (each batch gets its own stream of the seed) and
        batch norm's running statistics updated.  progress: None, or a
        callable given the rows done after each batch.

        Returns the sum over batches of batch loss * batch rows; opt's step
        count (opt.t) moves on with the steps taken.  A batch loss is scikit-learn's: the data loss divided by the
        batch's weight sum (times loss_scale), plus the L2 penalty (except
        for adamw, whose alpha is a weight decay, not a term of the loss).
        """
        # the engine checks the row numbers and the sizes of state and the
        # workspace again itself; here they get a clearer message
        self._check(params.shape[0], X, Y, sw, grad.shape[0])
        if order.shape[0] and (np.min(order) < 0 or np.max(order) >= Y.shape[0]):
            raise ValueError("row order refers to rows outside X")
        cdef int64_t n = order.shape[0], K = Y.shape[1], C = self.n_inputs
        cdef int64_t n_rows = Y.shape[0]
        cdef int64_t start, nb, i
        dtype = np.float32 if real is float else np.float64
        cdef fnn_optim o = make_optim(opt)
        batch_size = max(1, min(batch_size, n))
        cdef real[::1] work = self.workspace(batch_size, dtype, True)
        scratch = self.scratch()
        cdef fnn_ctx ctx = with_scratch(self.ctx, scratch)
        cdef real[:, ::1] Yb = np.empty((batch_size, K), dtype=dtype)
        cdef const real[::1] w = sw if sw is not None else None
        cdef real[::1] wb = np.empty(batch_size, dtype=dtype)
        cdef const real *wp = NULL
        cdef double loss = 0, sq = 0, sw_sum, total = 0
        cdef double penalty = 0 if o.solver == SOLVERS["adamw"] else 0.5 * o.alpha
        cdef fnn_status s = FNN_OK

        # Dense input: the batch rows are copied into one block.
        cdef const real[:, ::1] Xd
        cdef real[:, ::1] Xb
        # Sparse input: the batch's CSR structure and values are gathered.
        cdef fnn_csr csr
        cdef const fnn_csr *xs = NULL
        cdef real[::1] vals
        cdef const real[::1] src_vals
        cdef int32_t[::1] bptr, bind
        cdef const int32_t[::1] src_ind, src_ptr
        cdef int64_t[::1] pos
        sparse = isinstance(X, CSRBatches)
        if sparse:
            src_vals = X.data
            src_ind = X.indices
            src_ptr = X.indptr
            # a row number out of range is the engine's to refuse; the
            # estimate of the batch's stored values just must not fail
            row_nnz = np.diff(X.indptr)[np.clip(np.asarray(order), 0, max(n_rows - 1, 0))]
            most = int(np.add.reduceat(row_nnz, np.arange(0, n, batch_size)).max()) \
                if n else 0
            vals = np.empty(max(most, 1), dtype=dtype)
            bind = np.empty(max(most, 1), dtype=np.int32)
            pos = np.empty(max(most, 1), dtype=np.int64)
            bptr = np.empty(batch_size + 1, dtype=np.int32)
            csr.data = &vals[0]
            csr.indices = &bind[0]
            csr.indptr = &bptr[0]
            xs = &csr
        else:
            Xd = X
            Xb = np.empty((batch_size, C), dtype=dtype)

        for start in range(0, n, batch_size):
            nb = min(batch_size, n - start)
            with nogil:
                if sparse:
                    s = fnn_gather_csr_index(&bptr[0], &bind[0], &pos[0],
                                             &src_ptr[0], &src_ind[0] if src_ind.shape[0] else NULL,
                                             &order[start], nb, src_ptr.shape[0] - 1,
                                             bind.shape[0])
                    if s == FNN_OK:
                        s = fnn_gather_values(&vals[0], &src_vals[0] if src_vals.shape[0] else NULL,
                                              &pos[0], bptr[nb], src_vals.shape[0])
                else:
                    s = fnn_gather_rows(&Xb[0, 0], &Xd[0, 0], &order[start], nb, C,
                                        Xd.shape[0], &ctx)
                if s == FNN_OK:
                    s = fnn_gather_rows(&Yb[0, 0], &Y[0, 0], &order[start], nb, K,
                                        n_rows, &ctx)
                sw_sum = nb
                wp = NULL
                if w is not None and s == FNN_OK:  # order checked by the gathers
                    sw_sum = 0
                    for i in range(nb):
                        wb[i] = w[order[start + i]]
                        sw_sum += wb[i]
                    wp = &wb[0]
                if s == FNN_OK:
                    s = fnn_net_train_step(
                        &loss, &sq, &params[0], &grad[0], &state[0] if state.shape[0] else NULL,
                        &work[0], NULL if sparse else &Xb[0, 0], xs,
                        &Yb[0, 0], wp, nb, params.shape[0], state.shape[0], work.shape[0],
                        sw_sum, (fnn_mix64(seed + <uint64_t>start) | 1) if seed else 0,
                        &self.net, &o, &ctx)
            opt.t = o.t
            check(s)
            total += (loss * loss_scale + penalty * sq) / sw_sum * nb
            PyErr_CheckSignals()  # raises KeyboardInterrupt after Ctrl-C
            if progress is not None:
                progress(start + nb)
        return total


def activation_forward(real[::1] A, str activation, int n_threads=1):
    """A is overwritten by f(A) (an autoencoder's code after its last
    layer)."""
    cdef fnn_activation act = <fnn_activation>ACTIVATIONS[activation]
    cdef fnn_ctx ctx = make_ctx(n_threads)
    cdef int64_t n = A.shape[0]
    if n == 0:
        raise ValueError("empty input")
    cdef fnn_status s
    with nogil:
        if real is float:
            s = fnn_activation_forward_f32(&A[0], n, act, &ctx)
        else:
            s = fnn_activation_forward_f64(&A[0], n, act, &ctx)
    check(s)
