"""Each kernel's float and double twins (fnn_*_f32 / fnn_*_f64) behind
one name over the fused type `real`: the only place that picks a twin
(included by _engine.pyx).  Cython resolves the choice at compile time."""

# ---- the network ----------------------------------------------------------

cdef inline fnn_status fnn_net_forward(
        real *out, real *work, const real *params, const real *x, const fnn_csr *xs,
        int64_t n, int64_t n_params, int64_t work_size, const fnn_net *net,
        const fnn_ctx *ctx) noexcept nogil:
    if real is float:
        return fnn_net_forward_f32(out, work, params, x, xs, n, n_params, work_size, net, ctx)
    else:
        return fnn_net_forward_f64(out, work, params, x, xs, n, n_params, work_size, net, ctx)


cdef inline fnn_status fnn_net_loss_grad(
        double *loss, real *grad, real *work, const real *params, const real *x,
        const fnn_csr *xs, const real *Y, const real *sw, int64_t n, int64_t n_params,
        int64_t work_size, uint64_t seed, const fnn_net *net,
        const fnn_ctx *ctx) noexcept nogil:
    if real is float:
        return fnn_net_loss_grad_f32(loss, grad, work, params, x, xs, Y, sw, n, n_params,
                                     work_size, seed, net, ctx)
    else:
        return fnn_net_loss_grad_f64(loss, grad, work, params, x, xs, Y, sw, n, n_params,
                                     work_size, seed, net, ctx)


cdef inline fnn_status fnn_net_train_step(
        double *loss, double *sq, real *params, real *grad, real *state, real *work,
        const real *x, const fnn_csr *xs, const real *Y, const real *sw, int64_t n,
        int64_t n_params, int64_t state_size, int64_t work_size, double sw_sum,
        uint64_t seed, const fnn_net *net, fnn_optim *opt,
        const fnn_ctx *ctx) noexcept nogil:
    if real is float:
        return fnn_net_train_step_f32(loss, sq, params, grad, state, work, x, xs, Y, sw, n,
                                      n_params, state_size, work_size, sw_sum, seed, net,
                                      opt, ctx)
    else:
        return fnn_net_train_step_f64(loss, sq, params, grad, state, work, x, xs, Y, sw, n,
                                      n_params, state_size, work_size, sw_sum, seed, net,
                                      opt, ctx)


cdef inline fnn_status fnn_gather_rows(real *out, const real *src, const int64_t *rows,
                                       int64_t n, int64_t width, int64_t n_src,
                                       const fnn_ctx *ctx) noexcept nogil:
    if real is float:
        return fnn_gather_rows_f32(out, src, rows, n, width, n_src, ctx)
    else:
        return fnn_gather_rows_f64(out, src, rows, n, width, n_src, ctx)


cdef inline fnn_status fnn_gather_values(real *out, const real *src, const int64_t *pos,
                                         int64_t n, int64_t n_src) noexcept nogil:
    if real is float:
        return fnn_gather_values_f32(out, src, pos, n, n_src)
    else:
        return fnn_gather_values_f64(out, src, pos, n, n_src)


# ---- single kernels and their naive references (for the tests) -------------

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


cdef inline fnn_status fnn_activation_forward(
        real *A, int64_t n, fnn_activation act, const fnn_ctx *ctx,
        bint reference) noexcept nogil:
    if real is float:
        return fnn_ref_activation_forward_f32(A, n, act) if reference \
            else fnn_activation_forward_f32(A, n, act, ctx)
    else:
        return fnn_ref_activation_forward_f64(A, n, act) if reference \
            else fnn_activation_forward_f64(A, n, act, ctx)


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
        int64_t n_decay, double scale, fnn_optim *opt, const fnn_ctx *ctx) noexcept nogil:
    if real is float:
        return fnn_optim_step_f32(params, state, sq, grad, n, n_decay, scale, opt, ctx)
    else:
        return fnn_optim_step_f64(params, state, sq, grad, n, n_decay, scale, opt, ctx)


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
