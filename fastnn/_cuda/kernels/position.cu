/* Positions added to a sequence's steps (the CPU engine's position.inc):
 * y[t] = x[t] + p[t], p learned (the layer's weights) or the fixed
 * sinusoid table, which the host makes.  Included once per dtype by
 * kernels.cu. */

/* Y, X: N x T x D (Y may be X); P: T x D */
FNN_KERNEL FNN_FN(position_forward)(fnn_real *Y, const fnn_real *X, const fnn_real *P,
                                    fnn_i64 N, fnn_i64 TD) {
    FNN_EACH(i, N * TD) Y[i] = X[i] + P[i % TD];
}

/* dP (T x D, +=): dY summed over the samples, in order; a thread per value */
FNN_KERNEL FNN_FN(position_grad)(fnn_real *dP, const fnn_real *dY, fnn_i64 N, fnn_i64 TD) {
    FNN_EACH(i, TD) {
        fnn_real sum = dP[i];
        for (fnn_i64 n = 0; n < N; n++) sum += dY[n * TD + i];
        dP[i] = sum;
    }
}
