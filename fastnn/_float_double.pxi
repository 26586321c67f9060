"""Each engine function's float and double twins (fnn_*_f32 / fnn_*_f64)
behind one name over the fused type `real`: the only place that picks a
twin (included by _engine.pxd, so the tests' kernel extension shares them;
it adds the single kernels' twins).  Cython resolves the choice at compile time."""

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
