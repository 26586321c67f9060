/* Layer normalisation over each row's F features (the CPU engine's
 * layernorm.inc): y = (x - mean) / sqrt(var + eps) * W + b, mean and
 * variance in double.  Included once per dtype by kernels.cu. */

/* Y: M x F; hat: M x F normalised values and inv: M values of 1 / std,
 * kept for backward (NULL: inference); b NULL: no shift.  A thread per
 * row. */
FNN_KERNEL FNN_FN(layernorm_forward)(fnn_real *Y, fnn_real *hat, fnn_real *inv,
                                     const fnn_real *X, const fnn_real *W, const fnn_real *b,
                                     fnn_i64 M, fnn_i64 F) {
    FNN_EACH(r, M) {
        const fnn_real *x = X + r * F;
        double mean = 0, var = 0;
        for (fnn_i64 j = 0; j < F; j++) mean += x[j];
        mean /= (double)F;
        for (fnn_i64 j = 0; j < F; j++) var += ((double)x[j] - mean) * ((double)x[j] - mean);
        const double s = 1 / sqrt(var / (double)F + FNN_NORM_EPS);
        for (fnn_i64 j = 0; j < F; j++) {
            const fnn_real h = (fnn_real)(((double)x[j] - mean) * s);
            if (hat) hat[r * F + j] = h;
            Y[r * F + j] = h * W[j] + (b ? b[j] : 0);
        }
        if (inv) inv[r] = (fnn_real)s;
    }
}

/* dX: M x F; with g = dY W, dx = inv / F (F g - sum(g) - hat sum(g hat)).
 * A thread per row. */
FNN_KERNEL FNN_FN(layernorm_input_grad)(fnn_real *dX, const fnn_real *dY, const fnn_real *hat,
                                        const fnn_real *inv, const fnn_real *W, fnn_i64 M,
                                        fnn_i64 F) {
    FNN_EACH(r, M) {
        const fnn_real *dy = dY + r * F, *h = hat + r * F;
        double sg = 0, sgh = 0;
        for (fnn_i64 j = 0; j < F; j++) {
            const double g = (double)dy[j] * W[j];
            sg += g;
            sgh += g * h[j];
        }
        const double s = inv[r] / (double)F;
        for (fnn_i64 j = 0; j < F; j++)
            dX[r * F + j] = (fnn_real)(s * ((double)F * dy[j] * W[j] - sg - h[j] * sgh));
    }
}
