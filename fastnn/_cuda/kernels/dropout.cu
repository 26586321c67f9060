/* Inverted dropout with masks recomputed from a seed, the CPU engine's
 * (same seed, same masks).  threshold: rate * 2^64 (the caller's, as
 * dropout.c computes it).  Included once per dtype by kernels.cu. */

/* Y: n values in place; element i is numbered first + i in the mask */
FNN_KERNEL FNN_FN(dropout_forward)(fnn_real *Y, fnn_i64 n, fnn_u64 threshold, fnn_real scale,
                                   fnn_u64 seed, fnn_i64 first) {
    FNN_EACH(i, n) Y[i] = fnn_kept(seed, first + i, threshold) ? Y[i] * scale : 0;
}

/* dY in place; Y (or NULL) back to its value before the scaling
 * (unscale: 1 - rate) */
FNN_KERNEL FNN_FN(dropout_backward)(fnn_real *dY, fnn_real *Y, fnn_i64 n, fnn_u64 threshold,
                                    fnn_real scale, fnn_real unscale, fnn_u64 seed,
                                    fnn_i64 first) {
    FNN_EACH(i, n) {
        const int k = fnn_kept(seed, first + i, threshold);
        dY[i] = k ? dY[i] * scale : 0;
        if (Y) Y[i] = k ? Y[i] * unscale : 0;
    }
}
