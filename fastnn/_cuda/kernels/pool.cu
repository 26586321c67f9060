/* Max and average pooling over windows kh x kw with stride = window
 * (the CPU engine's pool.inc); rows and columns past the last whole window
 * are dropped (oh = h / kh) and get no gradient.  NHWC.  Included once per
 * dtype by kernels.cu. */

/* Y: N x oh x ow x c, X: N x h x w x c; a thread per output value */
FNN_KERNEL FNN_FN(pool_forward)(fnn_real *Y, const fnn_real *X, fnn_i64 N, fnn_i64 h,
                                fnn_i64 w, fnn_i64 c, fnn_i64 kh, fnn_i64 kw, int is_max) {
    const fnn_i64 oh = h / kh, ow = w / kw;
    const fnn_real inv = (fnn_real)1 / (fnn_real)(kh * kw);
    FNN_EACH(i, N * oh * ow * c) {
        const fnn_i64 ci = i % c, ox = (i / c) % ow, oy = (i / (c * ow)) % oh;
        const fnn_i64 n = i / (c * ow * oh);
        const fnn_real *x0 = X + ((n * h + oy * kh) * w + ox * kw) * c + ci;
        fnn_real y = x0[0];
        for (fnn_i64 p = 1; p < kh * kw; p++) {
            const fnn_real x = x0[((p / kw) * w + p % kw) * c];
            y = is_max ? (x > y ? x : y) : y + x;
        }
        Y[i] = is_max ? y : y * inv;
    }
}

/* dX: N x h x w x c (overwritten), dY: N x oh x ow x c, X: the forward
 * input.  Max pooling sends a window's gradient to the first position
 * holding its maximum (found again from X), average pooling spreads it
 * evenly.  A thread per input value. */
FNN_KERNEL FNN_FN(pool_backward)(fnn_real *dX, const fnn_real *dY, const fnn_real *X,
                                 fnn_i64 N, fnn_i64 h, fnn_i64 w, fnn_i64 c, fnn_i64 kh,
                                 fnn_i64 kw, int is_max) {
    const fnn_i64 oh = h / kh, ow = w / kw;
    const fnn_real inv = (fnn_real)1 / (fnn_real)(kh * kw);
    FNN_EACH(i, N * h * w * c) {
        const fnn_i64 ci = i % c, ix = (i / c) % w, iy = (i / (c * w)) % h, n = i / (c * w * h);
        const fnn_i64 oy = iy / kh, ox = ix / kw;
        if (oy >= oh || ox >= ow) {
            dX[i] = 0;
            continue;
        }
        const fnn_real d = dY[((n * oh + oy) * ow + ox) * c + ci];
        if (!is_max) {
            dX[i] = d * inv;
            continue;
        }
        const fnn_real *x0 = X + ((n * h + oy * kh) * w + ox * kw) * c + ci;
        fnn_real best = x0[0];
        fnn_i64 at = 0;
        for (fnn_i64 p = 1; p < kh * kw; p++) {
            const fnn_real x = x0[((p / kw) * w + p % kw) * c];
            if (x > best) {
                best = x;
                at = p;
            }
        }
        dX[i] = (iy - oy * kh) * kw + (ix - ox * kw) == at ? d : 0;
    }
}
