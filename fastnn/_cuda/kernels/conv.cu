/* Convolution's reshaping around its product (the CPU engine's conv.inc):
 * im2col before it, col2im after the input gradient's product.  Images
 * are NHWC; a receptive field's row of col is in (ky, kx, ci) order.
 * Included once per dtype by kernels.cu. */

/* col: (N oh ow) x (kh kw c), zeros where a field hangs over the padding;
 * X: N x h x w x c.  A thread per value of col. */
FNN_KERNEL FNN_FN(im2col)(fnn_real *col, const fnn_real *X, fnn_i64 N, fnn_i64 h, fnn_i64 w,
                          fnn_i64 c, fnn_i64 oh, fnn_i64 ow, fnn_i64 kh, fnn_i64 kw,
                          fnn_i64 sh, fnn_i64 sw, fnn_i64 ph, fnn_i64 pw) {
    const fnn_i64 K = kh * kw * c;
    FNN_EACH(i, N * oh * ow * K) {
        const fnn_i64 r = i / K, k = i % K;
        const fnn_i64 ky = k / (kw * c), kx = (k / c) % kw, ci = k % c;
        const fnn_i64 n = r / (oh * ow), oy = (r / ow) % oh, ox = r % ow;
        const fnn_i64 iy = oy * sh + ky - ph, ix = ox * sw + kx - pw;
        col[i] = iy >= 0 && iy < h && ix >= 0 && ix < w ? X[((n * h + iy) * w + ix) * c + ci]
                                                         : 0;
    }
}

/* dX: N x h x w x c (overwritten) = for each pixel, the sum of the values
 * of col that the fields covering it took from it.  A thread per pixel
 * value, gathering (no two threads write one value). */
FNN_KERNEL FNN_FN(col2im)(fnn_real *dX, const fnn_real *col, fnn_i64 N, fnn_i64 h, fnn_i64 w,
                          fnn_i64 c, fnn_i64 oh, fnn_i64 ow, fnn_i64 kh, fnn_i64 kw,
                          fnn_i64 sh, fnn_i64 sw, fnn_i64 ph, fnn_i64 pw) {
    const fnn_i64 K = kh * kw * c;
    FNN_EACH(i, N * h * w * c) {
        const fnn_i64 ci = i % c, ix = (i / c) % w, iy = (i / (c * w)) % h, n = i / (c * w * h);
        fnn_real sum = 0;
        for (fnn_i64 ky = 0; ky < kh; ky++) {
            const fnn_i64 ty = iy + ph - ky;
            if (ty < 0 || ty % sh != 0 || ty / sh >= oh) continue;
            for (fnn_i64 kx = 0; kx < kw; kx++) {
                const fnn_i64 tx = ix + pw - kx;
                if (tx < 0 || tx % sw != 0 || tx / sw >= ow) continue;
                const fnn_i64 r = (n * oh + ty / sh) * ow + tx / sw;
                sum += col[r * K + (ky * kw + kx) * c + ci];
            }
        }
        dX[i] = sum;
    }
}
