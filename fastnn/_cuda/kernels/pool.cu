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

/* Global pooling over the steps that are not padding (ids, N x T: 0):
 * Y: N x c, X: N x T x c; a sequence of padding only gives 0.  A thread
 * per output value. */
FNN_KERNEL FNN_FN(pool_masked_forward)(fnn_real *Y, const fnn_real *X, const fnn_real *ids,
                                       fnn_i64 N, fnn_i64 T, fnn_i64 c, int is_max) {
    FNN_EACH(i, N * c) {
        const fnn_i64 n = i / c, ci = i % c;
        fnn_real y = 0;
        fnn_i64 seen = 0;
        for (fnn_i64 t = 0; t < T; t++) {
            if (ids[n * T + t] == 0) continue;
            const fnn_real x = X[(n * T + t) * c + ci];
            y = seen++ == 0 ? x : (is_max ? (x > y ? x : y) : y + x);
        }
        Y[i] = seen == 0 ? 0 : (is_max ? y : y / (fnn_real)seen);
    }
}

/* dX: N x T x c (overwritten): max, to the first unmasked maximum;
 * average, evenly over the unmasked steps; padding steps get 0.  A thread
 * per (sample, channel). */
FNN_KERNEL FNN_FN(pool_masked_backward)(fnn_real *dX, const fnn_real *dY, const fnn_real *X,
                                        const fnn_real *ids, fnn_i64 N, fnn_i64 T, fnn_i64 c,
                                        int is_max) {
    FNN_EACH(i, N * c) {
        const fnn_i64 n = i / c, ci = i % c;
        const fnn_real *id = ids + n * T, *x = X + n * T * c + ci;
        const fnn_real dy = dY[i];
        fnn_i64 seen = 0, at = -1;
        for (fnn_i64 t = 0; t < T; t++) {
            seen += id[t] != 0;
            if (is_max && id[t] != 0 && (at < 0 || x[t * c] > x[at * c])) at = t;
        }
        for (fnn_i64 t = 0; t < T; t++)
            dX[(n * T + t) * c + ci] =
                id[t] == 0 ? 0 : (is_max ? (t == at ? dy : 0) : dy / (fnn_real)seen);
    }
}
