/* The output activation and its loss (the CPU engine's loss.inc), a row
 * per thread.  Included once per dtype by kernels.cu. */

/* P: N x K logits, overwritten by the output activation */
FNN_KERNEL FNN_FN(output_forward)(fnn_real *P, fnn_i64 N, fnn_i64 K, int out) {
    FNN_EACH(i, N) {
        fnn_real *p = P + i * K;
        if (out == FNN_OUT_LOGISTIC) {
            for (fnn_i64 k = 0; k < K; k++) p[k] = 1 / (1 + FNN_EXP(-p[k]));
        } else if (out == FNN_OUT_EXP) {
            for (fnn_i64 k = 0; k < K; k++) p[k] = FNN_EXP(p[k]);
        } else if (out == FNN_OUT_SOFTMAX) {
            fnn_real mx = p[0], s = 0;
            for (fnn_i64 k = 1; k < K; k++) mx = p[k] > mx ? p[k] : mx;
            for (fnn_i64 k = 0; k < K; k++) s += (p[k] = FNN_EXP(p[k] - mx));
            for (fnn_i64 k = 0; k < K; k++) p[k] /= s;
        } /* identity, absolute_error, huber: the logits */
    }
}

/* loss: N, each row's sample_w * (its loss); dZ: N x K (may alias P, NULL
 * to skip) = sample_w * (P - Y), or for the robust losses sample_w *
 * sign(P - Y) and sample_w * clip(P - Y, -1, 1): the gradient of the sum
 * of the rows' losses with respect to the logits.  sample_w: N or NULL
 * for unit weights.  Probabilities enter the log clipped to [eps, 1 -
 * eps] of the dtype, as scikit-learn does. */
FNN_KERNEL FNN_FN(loss_rows)(double *loss, fnn_real *dZ, const fnn_real *P, const fnn_real *Y,
                             const fnn_real *sample_w, fnn_i64 N, fnn_i64 K, int out) {
    const double lo = FNN_EPS, hi = 1 - (double)FNN_EPS;
    FNN_EACH(i, N) {
        const double w = sample_w ? sample_w[i] : 1;
        double row = 0;
        for (fnn_i64 k = 0; k < K; k++) {
            const double p = P[i * K + k], y = Y[i * K + k];
            const double pc = p < lo ? lo : (p > hi ? hi : p);
            double g = p - y, r = fabs(g);
            if (out == FNN_OUT_IDENTITY) {
                row += 0.5 * (p - y) * (p - y);
            } else if (out == FNN_OUT_LOGISTIC) {
                row -= fnn_xlogy(y, pc) + fnn_xlogy(1 - y, 1 - pc);
            } else if (out == FNN_OUT_SOFTMAX) {
                row -= fnn_xlogy(y, pc);
            } else if (out == FNN_OUT_EXP) {
                row += fnn_xlogy(y, y / p) - y + p;
            } else if (out == FNN_OUT_ABSOLUTE_ERROR) {
                row += r;
                g = (g > 0) - (g < 0);
            } else if (out == FNN_OUT_HUBER) {
                row += r <= 1 ? 0.5 * r * r : r - 0.5;
                g = g > 1 ? 1 : (g < -1 ? -1 : g);
            }
            if (dZ) dZ[i * K + k] = (fnn_real)(w * g);
        }
        loss[i] = w * row;
    }
}
