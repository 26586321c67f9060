/* What every layer with a bias does beside its products (cuBLAS): the
 * bias and the activation after the forward product (one pass), and the
 * bias gradient in backward.  Included once per dtype by kernels.cu. */

/* Y: N x K (a product X W, or a pool's output); becomes f(Y + b), b NULL
 * for none.  Z (N x K, or NULL): gets Y + b, the pre-activation a gelu
 * layer keeps for backward. */
FNN_KERNEL FNN_FN(bias_activation)(fnn_real *Y, fnn_real *Z, const fnn_real *b, fnn_i64 N,
                                   fnn_i64 K, int act) {
    FNN_EACH(i, N * K) {
        const fnn_real z = b ? Y[i] + b[i % K] : Y[i];
        if (Z) Z[i] = z;
        Y[i] = FNN_FN(activate)(z, act);
    }
}

/* db (K) += the column sums of dZ (N x K); a thread per column, its sum in
 * double, rows in order (the CPU engine's sums, to rounding) */
FNN_KERNEL FNN_FN(bias_grad)(fnn_real *db, const fnn_real *dZ, fnn_i64 N, fnn_i64 K) {
    FNN_EACH(j, K) {
        double s = 0;
        for (fnn_i64 r = 0; r < N; r++) s += dZ[r * K + j];
        db[j] += (fnn_real)s;
    }
}
