# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The engine's single kernels, and their naive references, wrapped for
the tests: a test-only extension (built by tests/kernels/build_kernels.py when the
tests start, never shipped).  The contexts, layers and solver settings come
from fastnn._engine, so a kernel here runs as it does inside a network."""
import numpy as np

from libc.stdint cimport int32_t, int64_t

from fastnn._engine cimport *

from fastnn import _engine

ACTIVATIONS, OUTPUTS = _engine.ACTIVATIONS, _engine.OUTPUTS


cdef extern from "reference.h" nogil:
    fnn_status fnn_ref_conv_forward_f32(float*, const float*, const float*,
                                        const float*, int64_t, const fnn_layer*)
    fnn_status fnn_ref_conv_forward_f64(double*, const double*, const double*,
                                        const double*, int64_t,
                                        const fnn_layer*)
    fnn_status fnn_ref_conv_backward_f32(float*, float*, float*, const float*,
                                         const float*, const float*, int64_t,
                                         const fnn_layer*)
    fnn_status fnn_ref_conv_backward_f64(double*, double*, double*,
                                         const double*, const double*,
                                         const double*, int64_t,
                                         const fnn_layer*)
    fnn_status fnn_ref_pool_forward_f32(float*, const float*, int64_t,
                                        const fnn_layer*)
    fnn_status fnn_ref_pool_forward_f64(double*, const double*, int64_t,
                                        const fnn_layer*)
    fnn_status fnn_ref_pool_backward_f32(float*, const float*, const float*,
                                         int64_t, const fnn_layer*)
    fnn_status fnn_ref_pool_backward_f64(double*, const double*,
                                         const double*, int64_t,
                                         const fnn_layer*)
    fnn_status fnn_ref_dense_forward_f32(float*, const float*, const float*,
                                         const float*, int64_t, int64_t,
                                         int64_t)
    fnn_status fnn_ref_dense_forward_f64(double*, const double*,
                                         const double*, const double*,
                                         int64_t, int64_t, int64_t)
    fnn_status fnn_ref_dense_backward_f32(float*, float*, float*,
                                          const float*, const float*,
                                          const float*, int64_t, int64_t,
                                          int64_t)
    fnn_status fnn_ref_dense_backward_f64(double*, double*, double*,
                                          const double*, const double*,
                                          const double*, int64_t, int64_t,
                                          int64_t)
    fnn_status fnn_ref_activation_forward_f32(float*, int64_t, fnn_activation)
    fnn_status fnn_ref_activation_forward_f64(double*, int64_t,
                                              fnn_activation)
    fnn_status fnn_ref_activation_backward_f32(float*, const float*,
                                               const float*, int64_t,
                                               fnn_activation)
    fnn_status fnn_ref_activation_backward_f64(double*, const double*,
                                               const double*, int64_t,
                                               fnn_activation)
    fnn_status fnn_ref_activation_backward_from_input_f32(
        float*, const float*, const float*, int64_t, fnn_activation)
    fnn_status fnn_ref_activation_backward_from_input_f64(
        double*, const double*, const double*, int64_t, fnn_activation)


# ---- each kernel's float and double twins, fast or reference -----------

cdef inline fnn_status fnn_dense_forward(
        real *Y, const real *X, const real *W, const real *b, int64_t N, int64_t C,
        int64_t OC, const fnn_ctx *ctx, bint reference) noexcept nogil:
    if real is float:
        return fnn_ref_dense_forward_f32(Y, X, W, b, N, C, OC) if reference \
            else fnn_dense_forward_f32(Y, X, W, b, N, C, OC, ctx)
    else:
        return fnn_ref_dense_forward_f64(Y, X, W, b, N, C, OC) if reference \
            else fnn_dense_forward_f64(Y, X, W, b, N, C, OC, ctx)


cdef inline fnn_status fnn_dense_backward(
        real *dX, real *dW, real *db, const real *dY, const real *X, const real *W,
        int64_t N, int64_t C, int64_t OC, const fnn_ctx *ctx, bint reference) noexcept nogil:
    if real is float:
        return fnn_ref_dense_backward_f32(dX, dW, db, dY, X, W, N, C, OC) if reference \
            else fnn_dense_backward_f32(dX, dW, db, dY, X, W, N, C, OC, ctx)
    else:
        return fnn_ref_dense_backward_f64(dX, dW, db, dY, X, W, N, C, OC) if reference \
            else fnn_dense_backward_f64(dX, dW, db, dY, X, W, N, C, OC, ctx)


cdef inline fnn_status fnn_activation_backward(
        real *dZ, const real *dA, const real *A, int64_t n, fnn_activation act,
        const fnn_ctx *ctx, bint reference) noexcept nogil:
    if real is float:
        return fnn_ref_activation_backward_f32(dZ, dA, A, n, act) if reference \
            else fnn_activation_backward_f32(dZ, dA, A, n, act, ctx)
    else:
        return fnn_ref_activation_backward_f64(dZ, dA, A, n, act) if reference \
            else fnn_activation_backward_f64(dZ, dA, A, n, act, ctx)


cdef inline fnn_status fnn_activation_backward_from_input(
        real *dZ, const real *dA, const real *Z, int64_t n, fnn_activation act,
        const fnn_ctx *ctx, bint reference) noexcept nogil:
    if real is float:
        return fnn_ref_activation_backward_from_input_f32(dZ, dA, Z, n, act) if reference \
            else fnn_activation_backward_from_input_f32(dZ, dA, Z, n, act, ctx)
    else:
        return fnn_ref_activation_backward_from_input_f64(dZ, dA, Z, n, act) if reference \
            else fnn_activation_backward_from_input_f64(dZ, dA, Z, n, act, ctx)


cdef inline fnn_status fnn_output_forward(real *Z, int64_t N, int64_t K, fnn_output out,
                                          const fnn_ctx *ctx) noexcept nogil:
    if real is float:
        return fnn_output_forward_f32(Z, N, K, out, ctx)
    else:
        return fnn_output_forward_f64(Z, N, K, out, ctx)


cdef inline fnn_status fnn_loss(double *loss, real *dZ, const real *Z, const real *Y,
                                const real *sw, int64_t N, int64_t K, fnn_output out,
                                const fnn_ctx *ctx) noexcept nogil:
    if real is float:
        return fnn_loss_f32(loss, dZ, Z, Y, sw, N, K, out, ctx)
    else:
        return fnn_loss_f64(loss, dZ, Z, Y, sw, N, K, out, ctx)


cdef inline fnn_status fnn_optim_step(
        real *params, real *state, double *sq, const real *grad, int64_t n,
        int64_t n_decay, const int64_t *spans, int n_spans, double scale, fnn_optim *opt,
        const fnn_ctx *ctx) noexcept nogil:
    if real is float:
        return fnn_optim_step_f32(params, state, sq, grad, n, n_decay, spans, n_spans, scale,
                                  opt, ctx)
    else:
        return fnn_optim_step_f64(params, state, sq, grad, n, n_decay, spans, n_spans, scale,
                                  opt, ctx)


cdef inline fnn_status fnn_conv_forward(
        real *Y, real *col, const real *X, const real *W, const real *b, int64_t N,
        const fnn_layer *g, const fnn_ctx *ctx, bint reference) noexcept nogil:
    if real is float:
        return fnn_ref_conv_forward_f32(Y, X, W, b, N, g) if reference \
            else fnn_conv_forward_f32(Y, col, X, W, b, N, g, ctx)
    else:
        return fnn_ref_conv_forward_f64(Y, X, W, b, N, g) if reference \
            else fnn_conv_forward_f64(Y, col, X, W, b, N, g, ctx)


cdef inline fnn_status fnn_im2col(real *col, const real *X, int64_t N, const fnn_layer *g,
                                  const fnn_ctx *ctx) noexcept nogil:
    if real is float:
        return fnn_im2col_f32(col, X, N, g, ctx)
    else:
        return fnn_im2col_f64(col, X, N, g, ctx)


cdef inline fnn_status fnn_conv_backward(
        real *dX, real *dW, real *db, real *col, const real *dY, const real *X,
        const real *W, int64_t N, const fnn_layer *g, const fnn_ctx *ctx,
        bint reference) noexcept nogil:
    if real is float:
        return fnn_ref_conv_backward_f32(dX, dW, db, dY, X, W, N, g) if reference \
            else fnn_conv_backward_f32(dX, dW, db, col, dY, X, W, N, g, ctx)
    else:
        return fnn_ref_conv_backward_f64(dX, dW, db, dY, X, W, N, g) if reference \
            else fnn_conv_backward_f64(dX, dW, db, col, dY, X, W, N, g, ctx)


cdef inline fnn_status fnn_pool_forward(real *Y, const real *X, int64_t N, const fnn_layer *g,
                                        const fnn_ctx *ctx, bint reference) noexcept nogil:
    if real is float:
        return fnn_ref_pool_forward_f32(Y, X, N, g) if reference \
            else fnn_pool_forward_f32(Y, X, N, g, ctx)
    else:
        return fnn_ref_pool_forward_f64(Y, X, N, g) if reference \
            else fnn_pool_forward_f64(Y, X, N, g, ctx)


cdef inline fnn_status fnn_pool_backward(
        real *dX, const real *dY, const real *X, int64_t N, const fnn_layer *g,
        const fnn_ctx *ctx, bint reference) noexcept nogil:
    if real is float:
        return fnn_ref_pool_backward_f32(dX, dY, X, N, g) if reference \
            else fnn_pool_backward_f32(dX, dY, X, N, g, ctx)
    else:
        return fnn_ref_pool_backward_f64(dX, dY, X, N, g) if reference \
            else fnn_pool_backward_f64(dX, dY, X, N, g, ctx)


cdef inline fnn_status fnn_recurrent_forward(
        real *Y, real *work, const real *X, const real *W, const real *b, const real *ids,
        int64_t N, const fnn_layer *g, const fnn_ctx *ctx) noexcept nogil:
    if real is float:
        return fnn_recurrent_forward_f32(Y, work, X, W, b, ids, N, g, ctx)
    else:
        return fnn_recurrent_forward_f64(Y, work, X, W, b, ids, N, g, ctx)


cdef inline fnn_status fnn_recurrent_infer(
        real *Y, real *work, const real *X, const real *W, const real *b, const real *ids,
        int64_t N, const fnn_layer *g, const fnn_ctx *ctx) noexcept nogil:
    if real is float:
        return fnn_recurrent_infer_f32(Y, work, X, W, b, ids, N, g, ctx)
    else:
        return fnn_recurrent_infer_f64(Y, work, X, W, b, ids, N, g, ctx)


cdef inline fnn_status fnn_recurrent_backward(
        real *dX, real *dW, real *db, real *work, const real *dY, const real *X,
        const real *W, const real *ids, int64_t N, const fnn_layer *g,
        const fnn_ctx *ctx) noexcept nogil:
    if real is float:
        return fnn_recurrent_backward_f32(dX, dW, db, work, dY, X, W, ids, N, g, ctx)
    else:
        return fnn_recurrent_backward_f64(dX, dW, db, work, dY, X, W, ids, N, g, ctx)

# ---- the wrappers -------------------------------------------------------

cdef fnn_layer layer_of_kind(spec, kinds) except *:
    if spec.kind not in kinds:
        raise ValueError("a %s layer where %s was expected" % (spec.kind, " or ".join(kinds)))
    return make_layer(spec)


cdef partials_scratch(int n_threads, int64_t n_params):
    """Scratch for every thread's partial weight and bias gradients of a
    layer of n_params (at most doubles)."""
    return np.empty(max(1, n_threads) * n_params * 8, dtype=np.uint8)

cdef check_dense_shapes(int64_t N, int64_t C, int64_t OC, W, b, others):
    if W.shape[0] != C or b.shape[0] != OC or N * C * OC == 0 or any(
            tuple(a.shape) != shape for a, shape in others):
        raise ValueError("inconsistent shapes for a dense layer")


def gemm_bf16(const float[:, ::1] A, const float[:, ::1] B, float[:, ::1] C, bint trans_a,
              bint trans_b, float alpha=1, float beta=0, int n_threads=1):
    """C = alpha op(A) op(B) + beta C through fnn_gemm_bf16 (row-major;
    op: the transpose when trans_*), in place."""
    cdef int64_t M = C.shape[0], N = C.shape[1]
    cdef int64_t K = A.shape[0] if trans_a else A.shape[1]
    if (A.shape[1] if trans_a else A.shape[0]) != M or \
            (B.shape[1] if trans_b else B.shape[0]) != K or \
            (B.shape[0] if trans_b else B.shape[1]) != N:
        raise ValueError("inconsistent shapes for a product")
    cdef fnn_status s
    with nogil:
        s = fnn_gemm_bf16(trans_a, trans_b, M, N, K, alpha, &A[0, 0], A.shape[1], &B[0, 0],
                          B.shape[1], beta, &C[0, 0], C.shape[1], n_threads)
    check(s)


def dense_forward(const real[:, ::1] X, const real[:, ::1] W, const real[::1] b, int n_threads=1,
                  bint reference=False):
    cdef int64_t N = X.shape[0], C = X.shape[1], OC = W.shape[1]
    check_dense_shapes(N, C, OC, W, b, [])
    dtype = np.float32 if real is float else np.float64
    Y = np.empty((N, OC), dtype=dtype)
    cdef real[:, ::1] y = Y
    cdef fnn_ctx ctx = make_ctx(n_threads)
    cdef fnn_status s
    with nogil:
        s = fnn_dense_forward(&y[0, 0], &X[0, 0], &W[0, 0], &b[0], N, C, OC, &ctx, reference)
    check(s)
    return Y


def dense_backward(real[:, ::1] dX, real[:, ::1] dW, real[::1] db,
                   const real[:, ::1] dY, const real[:, ::1] X, const real[:, ::1] W,
                   int n_threads=1, bint reference=False):
    """dX is overwritten, dW and db accumulate (the engine's rule)."""
    cdef int64_t N = X.shape[0], C = X.shape[1], OC = W.shape[1]
    check_dense_shapes(N, C, OC, W, db, [(dX, (N, C)), (dW, (C, OC)), (dY, (N, OC))])
    scratch = partials_scratch(n_threads, dW.shape[0] * dW.shape[1] + db.shape[0])
    cdef fnn_ctx ctx = with_scratch(make_ctx(n_threads), scratch)
    cdef fnn_status s
    with nogil:
        s = fnn_dense_backward(&dX[0, 0], &dW[0, 0], &db[0], &dY[0, 0], &X[0, 0], &W[0, 0],
                               N, C, OC, &ctx, reference)
    check(s)


def activation_forward(real[::1] A, str activation, int n_threads=1,
                       bint reference=False):
    """A is overwritten by f(A): the engine's own wrapper, or the naive
    reference."""
    if not reference:
        return _engine.activation_forward(A, activation, n_threads)
    cdef fnn_activation act = <fnn_activation>ACTIVATIONS[activation]
    cdef int64_t n = A.shape[0]
    if n == 0:
        raise ValueError("empty input")
    cdef fnn_status s
    with nogil:
        if real is float:
            s = fnn_ref_activation_forward_f32(&A[0], n, act)
        else:
            s = fnn_ref_activation_forward_f64(&A[0], n, act)
    check(s)


def activation_backward(real[::1] dZ, const real[::1] dA, const real[::1] A,
                        str activation, int n_threads=1, bint reference=False):
    """dZ = dA * f'(z) from the output A = f(z) (not for gelu)."""
    cdef fnn_activation act = <fnn_activation>ACTIVATIONS[activation]
    cdef fnn_ctx ctx = make_ctx(n_threads)
    cdef int64_t n = A.shape[0]
    if n == 0 or dZ.shape[0] != n or dA.shape[0] != n:
        raise ValueError("dZ, dA and A must have the same non-zero length")
    cdef fnn_status s
    with nogil:
        s = fnn_activation_backward(&dZ[0], &dA[0], &A[0], n, act, &ctx, reference)
    check(s)


def activation_backward_from_input(real[::1] dZ, const real[::1] dA, const real[::1] Z,
                                   str activation, int n_threads=1, bint reference=False):
    """dZ = dA * f'(Z) from the pre-activation Z (any activation)."""
    cdef fnn_activation act = <fnn_activation>ACTIVATIONS[activation]
    cdef fnn_ctx ctx = make_ctx(n_threads)
    cdef int64_t n = Z.shape[0]
    if n == 0 or dZ.shape[0] != n or dA.shape[0] != n:
        raise ValueError("dZ, dA and Z must have the same non-zero length")
    cdef fnn_status s
    with nogil:
        s = fnn_activation_backward_from_input(&dZ[0], &dA[0], &Z[0], n, act, &ctx, reference)
    check(s)


def output_loss(real[:, ::1] Z, const real[:, ::1] Y, sw, str output,
                int n_threads=1):
    """Applies the output activation to Z in place; returns (summed loss,
    gradient with respect to the logits)."""
    cdef int64_t N = Z.shape[0], K = Z.shape[1]
    if N * K == 0 or Y.shape[0] != N or Y.shape[1] != K or (sw is not None and len(sw) != N):
        raise ValueError("Z, Y and sample weights disagree in shape")
    cdef fnn_output out = <fnn_output>OUTPUTS[output]
    cdef fnn_ctx ctx = make_ctx(n_threads)
    cdef const real[::1] w = sw if sw is not None else None
    cdef const real *wp = &w[0] if w is not None else NULL
    dtype = np.float32 if real is float else np.float64
    dZ = np.empty((N, K), dtype=dtype)
    cdef real[:, ::1] d = dZ
    cdef double loss = 0
    cdef fnn_status s
    with nogil:
        s = fnn_output_forward(&Z[0, 0], N, K, out, &ctx)
        if s == FNN_OK:
            s = fnn_loss(&loss, &d[0, 0], &Z[0, 0], &Y[0, 0], wp, N, K, out, &ctx)
    check(s)
    return loss, dZ


def optim_step(real[::1] params, real[::1] state, const real[::1] grad,
               int64_t n_decay, double scale, opt, int n_threads=1, spans=None):
    """One fused update; returns the pre-update squared norm of the
    decayed prefix.  opt.t is advanced for adam and adamw.  spans: None,
    or (k, 2) int64 [start, end) rows, the only values updated, whose state
    is packed."""
    cdef fnn_ctx ctx = make_ctx(n_threads)
    cdef fnn_optim o = make_optim(opt)
    cdef double sq = 0
    cdef int64_t[:, ::1] sp
    cdef const int64_t *span_ptr = NULL
    cdef int n_spans = 0
    cdef int64_t n_values = params.shape[0]
    if spans is not None:
        sp = np.ascontiguousarray(spans, dtype=np.int64).reshape(-1, 2)
        n_spans = sp.shape[0]
        if n_spans:
            span_ptr = &sp[0, 0]
        n_values = int(np.sum(np.asarray(sp)[:, 1] - np.asarray(sp)[:, 0]))
    if (params.shape[0] == 0 or grad.shape[0] != params.shape[0]
            or state.shape[0] != fnn_optim_state_size(&o, n_values)
            or not 0 <= n_decay <= params.shape[0]):
        raise ValueError("parameter, gradient and state sizes disagree")
    cdef fnn_status s
    with nogil:
        s = fnn_optim_step(&params[0], &state[0], &sq, &grad[0], params.shape[0], n_decay,
                           span_ptr, n_spans, scale, &o, &ctx)
    check(s)
    opt.t = o.t
    return sq


def conv_forward(const real[::1] X, const real[::1] W, const real[::1] b, spec,
                 int64_t N, int n_threads=1, bint reference=False):
    """One conv layer on N NHWC samples flattened into X."""
    cdef fnn_layer g = layer_of_kind(spec, ("conv",))
    check_layer_sizes(&g, N, X.shape[0], W.shape[0], b.shape[0])
    dtype = np.float32 if real is float else np.float64
    Y = np.empty(max(1, N * g.oh * g.ow * g.oc), dtype=dtype)
    col = np.empty(max(1, N * fnn_layer_ops_of(g.kind).kept_size(&g)), dtype=dtype)
    cdef real[::1] y = Y, c = col
    cdef fnn_ctx ctx = make_ctx(n_threads)
    cdef fnn_status s
    with nogil:
        s = fnn_conv_forward(&y[0], &c[0], &X[0], &W[0], &b[0], N, &g, &ctx, reference)
    check(s)
    return Y


def conv_backward(real[::1] dX, real[::1] dW, real[::1] db, const real[::1] dY,
                  const real[::1] X, const real[::1] W, spec, int64_t N,
                  int n_threads=1, bint reference=False):
    """dX is overwritten, dW and db accumulate."""
    cdef fnn_layer g = layer_of_kind(spec, ("conv",))
    check_layer_sizes(&g, N, X.shape[0], W.shape[0], db.shape[0])
    if (dX.shape[0] != X.shape[0] or dW.shape[0] != W.shape[0]
            or dY.shape[0] != N * g.oh * g.ow * g.oc):
        raise ValueError("gradient sizes disagree with the layer")
    dtype = np.float32 if real is float else np.float64
    cdef real[::1] c = np.empty(max(1, N * fnn_layer_ops_of(g.kind).kept_size(&g)), dtype=dtype)
    scratch = partials_scratch(n_threads, dW.shape[0] + db.shape[0])
    cdef fnn_ctx ctx = with_scratch(make_ctx(n_threads), scratch)
    cdef fnn_status s = FNN_OK
    with nogil:  # the fast kernel reuses the forward pass's columns
        if not reference and fnn_layer_ops_of(g.kind).kept_size(&g) > 0:  # pointwise layers have no columns
            s = fnn_im2col(&c[0], &X[0], N, &g, &ctx)
        if s == FNN_OK:
            s = fnn_conv_backward(&dX[0], &dW[0], &db[0], &c[0], &dY[0], &X[0], &W[0], N, &g,
                                  &ctx, reference)
    check(s)


def pool_forward(const real[::1] X, spec, int64_t N, int n_threads=1,
                 bint reference=False):
    """One pooling layer (spec.kind 'maxpool' or 'avgpool')."""
    cdef fnn_layer g = layer_of_kind(spec, ("maxpool", "avgpool"))
    check_layer_sizes(&g, N, X.shape[0], 0, 0)
    dtype = np.float32 if real is float else np.float64
    Y = np.empty(max(1, N * g.oh * g.ow * g.oc), dtype=dtype)
    cdef real[::1] y = Y
    cdef fnn_ctx ctx = make_ctx(n_threads)
    cdef fnn_status s
    with nogil:
        s = fnn_pool_forward(&y[0], &X[0], N, &g, &ctx, reference)
    check(s)
    return Y


def pool_backward(real[::1] dX, const real[::1] dY, const real[::1] X, spec,
                  int64_t N, int n_threads=1, bint reference=False):
    cdef fnn_layer g = layer_of_kind(spec, ("maxpool", "avgpool"))
    check_layer_sizes(&g, N, X.shape[0], 0, 0)
    if dX.shape[0] != X.shape[0] or dY.shape[0] != N * g.oh * g.ow * g.oc:
        raise ValueError("gradient sizes disagree with the layer")
    cdef fnn_ctx ctx = make_ctx(n_threads)
    cdef fnn_status s
    with nogil:
        s = fnn_pool_backward(&dX[0], &dY[0], &X[0], N, &g, &ctx, reference)
    check(s)


cdef check_layer_sizes(const fnn_layer *g, int64_t N, int64_t x_size,
                       int64_t w_size, int64_t b_size):
    # Only what the engine cannot see: the arrays' lengths against the
    # sizes the layer declares.  Whether those sizes make sense (positive,
    # consistent, small enough) the kernel checks itself, so a bad layer
    # reaches it and must come back as an error status.
    if N < 1 or x_size != N * g.h * g.w * g.c:
        raise ValueError("inconsistent layer geometry or input size")
    cdef const fnn_layer_ops *ops = fnn_layer_ops_of(g.kind)
    if ops != NULL and (w_size != ops.weight_count(g) or b_size != ops.bias_count(g)):
        raise ValueError("weights or biases do not fit the layer")


def recurrent_forward(const real[::1] X, const real[::1] W, const real[::1] b, spec,
                      int64_t N, int n_threads=1, bint infer=False):
    """One recurrent layer on N samples of spec.h steps flattened into X;
    returns (Y, work), work being what backward needs (infer: the
    inference kernel, whose work backward cannot use)."""
    cdef fnn_layer g = layer_of_kind(spec, ("recurrent",))
    check_layer_sizes(&g, N, X.shape[0], W.shape[0], b.shape[0])
    dtype = np.float32 if real is float else np.float64
    Y = np.empty(max(1, N * g.oh * g.oc), dtype=dtype)
    work = np.empty(max(1, N * fnn_layer_ops_of(g.kind).kept_size(&g)), dtype=dtype)
    cdef real[::1] y = Y, wk = work
    cdef fnn_ctx ctx = make_ctx(n_threads)
    cdef fnn_status s
    with nogil:
        if infer:
            s = fnn_recurrent_infer(&y[0], &wk[0], &X[0], &W[0], &b[0], NULL, N, &g, &ctx)
        else:
            s = fnn_recurrent_forward(&y[0], &wk[0], &X[0], &W[0], &b[0], NULL, N, &g, &ctx)
    check(s)
    return Y, work


def recurrent_backward(real[::1] dX, real[::1] dW, real[::1] db, real[::1] work,
                       const real[::1] dY, const real[::1] X, const real[::1] W, spec,
                       int64_t N, int n_threads=1):
    """dX is overwritten, dW and db accumulate; work (from
    recurrent_forward) is destroyed."""
    cdef fnn_layer g = layer_of_kind(spec, ("recurrent",))
    check_layer_sizes(&g, N, X.shape[0], W.shape[0], db.shape[0])
    if (dX.shape[0] != X.shape[0] or dW.shape[0] != W.shape[0]
            or dY.shape[0] != N * g.oh * g.oc
            or work.shape[0] != N * fnn_layer_ops_of(g.kind).kept_size(&g)):
        raise ValueError("gradient or workspace sizes disagree with the layer")
    scratch = partials_scratch(n_threads, dW.shape[0] + db.shape[0])
    cdef fnn_ctx ctx = with_scratch(make_ctx(n_threads), scratch)
    cdef fnn_status s
    with nogil:
        s = fnn_recurrent_backward(&dX[0], &dW[0], &db[0], &work[0], &dY[0], &X[0], &W[0], NULL,
                                   N, &g, &ctx)
    check(s)


def gather_rows(const real[:, ::1] X, const int64_t[::1] rows, int n_threads=1):
    """Rows `rows` of X as one block (a training batch's gather); the engine
    checks every row number against X's rows."""
    cdef int64_t n = rows.shape[0], C = X.shape[1]
    dtype = np.float32 if real is float else np.float64
    out = np.zeros((n, C), dtype=dtype)
    cdef real[:, ::1] o = out
    cdef fnn_ctx ctx = make_ctx(n_threads)
    cdef fnn_status s
    with nogil:
        s = fnn_gather_rows(&o[0, 0], &X[0, 0], &rows[0], n, C, X.shape[0], &ctx)
    check(s)
    return out


def gather_csr(X, const int64_t[::1] rows, cap=None):
    """The CSR rows `rows` of X as (indptr, indices, values), with room for
    cap stored values (None: exactly enough); the engine checks the row
    numbers and that room."""
    cdef int64_t n = rows.shape[0], n_src = X.indptr.shape[0] - 1
    cdef const int32_t[::1] ptr = X.indptr, ind = X.indices
    if cap is None:
        cap = int(sum(int(ptr[r + 1] - ptr[r]) for r in rows if 0 <= r < n_src))
    cdef int64_t room = cap
    bptr = np.zeros(n + 1, dtype=np.int32)
    bind = np.zeros(max(room, 1), dtype=np.int32)
    pos = np.zeros(max(room, 1), dtype=np.int64)
    vals = np.zeros(max(room, 1), dtype=X.data.dtype)
    cdef int32_t[::1] bp = bptr, bi = bind
    cdef int64_t[::1] ps = pos
    cdef fnn_status s
    with nogil:
        s = fnn_gather_csr_index(&bp[0], &bi[0], &ps[0], &ptr[0], &ind[0], &rows[0], n,
                                 n_src, room)
    check(s)
    gather_values(vals, X.data, pos, bptr[n])
    return bptr, bind[:bptr[n]], vals[:bptr[n]]


def gather_values(real[::1] out, const real[::1] src, const int64_t[::1] pos, int64_t nnz):
    """out[:nnz] = src[pos[:nnz]], every position checked by the engine."""
    if nnz > out.shape[0] or nnz > pos.shape[0]:
        raise ValueError("more values than room for them")
    cdef fnn_status s
    with nogil:
        s = fnn_gather_values(&out[0], &src[0], &pos[0], nnz, src.shape[0])
    check(s)
