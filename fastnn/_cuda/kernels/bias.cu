/* What every layer with a bias does after its forward product (cuBLAS):
 * the bias and the activation in one pass (the bias gradient is a column
 * sum, reduce.cu).  Included once per dtype by kernels.cu. */

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
