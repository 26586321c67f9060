/* Self-attention's softmax (the CPU engine's attention.inc); the
 * projections and each head's two products are cuBLAS's.  Included once
 * per dtype by kernels.cu. */

/* S: rows of T scores, a row per (sample, head, query step i), N H T rows;
 * each becomes the softmax of scale * its scores over the keys it may see:
 * [0, i] when causal, else all, less padding (ids, N x T: 0; NULL: none);
 * zeros where it may see none.  A thread per row. */
FNN_KERNEL FNN_FN(attention_softmax)(fnn_real *S, const fnn_real *ids, fnn_i64 N, fnn_i64 H,
                                     fnn_i64 T, int causal, fnn_real scale) {
    FNN_EACH(row, N * H * T) {
        const fnn_i64 n = row / (H * T), i = row % T;
        fnn_real *p = S + row * T;
        const fnn_real *id = ids ? ids + n * T : 0;
        const fnn_i64 last = causal ? i + 1 : T;
        fnn_real top = 0;
        int any = 0;
        for (fnn_i64 j = 0; j < last; j++) {
            if (id && id[j] == 0) continue;
            const fnn_real v = scale * p[j];
            top = any && top > v ? top : v;
            any = 1;
        }
        double sum = 0;
        for (fnn_i64 j = 0; j < T; j++) {
            const fnn_real e = j < last && !(id && id[j] == 0) ? FNN_EXP(scale * p[j] - top) : 0;
            p[j] = e;
            sum += e;
        }
        const fnn_real inv = sum > 0 ? (fnn_real)(1 / sum) : 0;
        for (fnn_i64 j = 0; j < T; j++) p[j] *= inv;
    }
}

/* dS: rows of T, dP in, the scores' gradient out: P (dP - sum(P dP))
 * scale.  A thread per row. */
FNN_KERNEL FNN_FN(attention_softmax_back)(fnn_real *dS, const fnn_real *P, fnn_i64 rows,
                                          fnn_i64 T, fnn_real scale) {
    FNN_EACH(row, rows) {
        const fnn_real *p = P + row * T;
        fnn_real *ds = dS + row * T;
        double mean = 0;
        for (fnn_i64 j = 0; j < T; j++) mean += (double)p[j] * ds[j];
        for (fnn_i64 j = 0; j < T; j++) ds[j] = p[j] * (ds[j] - (fnn_real)mean) * scale;
    }
}
