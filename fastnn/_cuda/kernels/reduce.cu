/* Column sums of a tall matrix, the reduction behind every bias gradient
 * and batch norm's and LayerNorm's statistics.  A thread per (part,
 * column) sums its part's rows in order, in double, so that a few
 * thousand threads share the rows of a batch of images instead of one
 * thread per column walking them all; the host adds the parts.
 * Included once per dtype by kernels.cu. */

/* partial: parts x F sums of A's rows (M x F) in [p R, (p + 1) R), then,
 * with B (M x F, or NULL), parts x F sums of A * B over the same rows. */
FNN_KERNEL FNN_FN(column_sums)(double *partial, const fnn_real *A, const fnn_real *B,
                               fnn_i64 M, fnn_i64 F, fnn_i64 R) {
    const fnn_i64 parts = (M + R - 1) / R;
    FNN_EACH(i, parts * F) {
        const fnn_i64 p = i / F, j = i % F, end = (p + 1) * R < M ? (p + 1) * R : M;
        double s = 0, s2 = 0;
        for (fnn_i64 r = p * R; r < end; r++) {
            s += A[r * F + j];
            if (B) s2 += (double)A[r * F + j] * B[r * F + j];
        }
        partial[i] = s;
        if (B) partial[parts * F + i] = s2;
    }
}
