/* The recurrent cells (rnn, lstm, gru) of the CPU engine's recurrent.inc,
 * one step of one direction at a time, a thread per (row, unit).  The
 * products are cuBLAS's: the input projection of every step at once into
 * gates before the loop, and each step's recurrent product into gh.
 * Layouts (T steps, D directions, H units, G gates, GH = G H):
 *   gates N x T x D x GH: the input projection, then the gates'
 *         activations (rnn: its pre-activation less the bias), then in
 *         backward their pre-activation gradients;
 *   hid   N x T x D x H hidden states;
 *   aux   N x T x D x H lstm: cell states; gru: h Wh_n + b_hn, then its
 *         gradient.
 * A padding step (ids, the network's input, N x T: id 0) keeps the state
 * of the step before it and passes gradients through.  Included once per
 * dtype by kernels.cu. */

FNN_INLINE fnn_real FNN_FN(sigm)(fnn_real x) { return 1 / (1 + FNN_EXP(-x)); }

/* Step t of direction d; tp: the step before it in the walk, -1 at the
 * first; gh: N x GH, h_prev Wh (NULL at the first step); b: the layer's
 * biases (D GH, then the gru's D H b_hn); cell 0 rnn, 1 lstm, 2 gru. */
FNN_KERNEL FNN_FN(recurrent_step)(fnn_real *gates, fnn_real *hid, fnn_real *aux,
                                  const fnn_real *gh, const fnn_real *b, const fnn_real *ids,
                                  fnn_i64 N, fnn_i64 T, fnn_i64 D, fnn_i64 H, fnn_i64 t,
                                  fnn_i64 tp, fnn_i64 d, int cell) {
    const fnn_i64 G = cell == 1 ? 4 : (cell == 2 ? 3 : 1), GH = G * H;
    FNN_EACH(i, N * H) {
        const fnn_i64 n = i / H, j = i % H;
        fnn_real *g = gates + ((n * T + t) * D + d) * GH;
        fnn_real *h = hid + ((n * T + t) * D + d) * H, *a = aux + ((n * T + t) * D + d) * H;
        const fnn_real *hp = tp >= 0 ? hid + ((n * T + tp) * D + d) * H : 0;
        const fnn_real *ap = tp >= 0 ? aux + ((n * T + tp) * D + d) * H : 0;
        const fnn_real *hs = gh ? gh + n * GH : 0, *bi = b + d * GH;
        if (cell == 0) {
            h[j] = FNN_TANH(g[j] + bi[j] + (hs ? hs[j] : 0));
        } else if (cell == 1) {
            const fnn_real ig = FNN_FN(sigm)(g[j] + bi[j] + (hs ? hs[j] : 0));
            const fnn_real f = FNN_FN(sigm)(g[H + j] + bi[H + j] + (hs ? hs[H + j] : 0));
            const fnn_real u = FNN_TANH(g[2 * H + j] + bi[2 * H + j] + (hs ? hs[2 * H + j] : 0));
            const fnn_real o = FNN_FN(sigm)(g[3 * H + j] + bi[3 * H + j] + (hs ? hs[3 * H + j] : 0));
            const fnn_real c = ig * u + (ap ? f * ap[j] : 0);
            g[j] = ig;
            g[H + j] = f;
            g[2 * H + j] = u;
            g[3 * H + j] = o;
            a[j] = c;
            h[j] = o * FNN_TANH(c);
        } else {
            const fnn_real aj = (hs ? hs[2 * H + j] : 0) + b[D * GH + d * H + j];
            const fnn_real r = FNN_FN(sigm)(g[j] + bi[j] + (hs ? hs[j] : 0));
            const fnn_real z = FNN_FN(sigm)(g[H + j] + bi[H + j] + (hs ? hs[H + j] : 0));
            const fnn_real nn = FNN_TANH(g[2 * H + j] + bi[2 * H + j] + r * aj);
            g[j] = r;
            g[H + j] = z;
            g[2 * H + j] = nn;
            a[j] = aj;
            h[j] = nn + z * ((hp ? hp[j] : 0) - nn);
        }
        if (ids && ids[n * T + t] == 0) { /* padding: the state before it */
            h[j] = hp ? hp[j] : 0;
            if (cell == 1) a[j] = ap ? ap[j] : 0;
        }
    }
}

/* Backward through step t of direction d (the walk's step k, tp as in
 * forward).  dh, dc: N x H, the hidden and (lstm) cell states' gradients
 * from later steps; dy: the output's gradient at this step (row stride
 * dy_stride) or NULL.  The gates become their pre-activation gradients
 * (gru: aux its candidate term's); dc becomes the previous cell's; dh the
 * part of h_prev's gradient that bypasses the recurrent product (0 for
 * rnn and lstm, dh z for gru), or at a padding step all of it. */
FNN_KERNEL FNN_FN(recurrent_step_back)(fnn_real *gates, fnn_real *aux, fnn_real *dh,
                                       fnn_real *dc, const fnn_real *hid,
                                       const fnn_real *dy, fnn_i64 dy_stride,
                                       const fnn_real *ids, fnn_i64 N, fnn_i64 T, fnn_i64 D,
                                       fnn_i64 H, fnn_i64 t, fnn_i64 tp, fnn_i64 d, int cell) {
    const fnn_i64 G = cell == 1 ? 4 : (cell == 2 ? 3 : 1), GH = G * H;
    FNN_EACH(i, N * H) {
        const fnn_i64 n = i / H, j = i % H;
        fnn_real *g = gates + ((n * T + t) * D + d) * GH, *a = aux + ((n * T + t) * D + d) * H;
        const fnn_real *h = hid + ((n * T + t) * D + d) * H;
        const fnn_real *hp = tp >= 0 ? hid + ((n * T + tp) * D + d) * H : 0;
        const fnn_real *ap = tp >= 0 ? aux + ((n * T + tp) * D + d) * H : 0;
        const fnn_real dd = dh[i] + (dy ? dy[n * dy_stride + j] : 0);
        if (ids && ids[n * T + t] == 0) {
            for (fnn_i64 q = 0; q < G; q++) g[q * H + j] = 0;
            if (cell == 2) a[j] = 0;
            dh[i] = dd;
            continue;
        }
        if (cell == 0) {
            g[j] = dd * (1 - h[j] * h[j]);
            dh[i] = 0;
        } else if (cell == 1) {
            const fnn_real ig = g[j], f = g[H + j], u = g[2 * H + j], o = g[3 * H + j];
            const fnn_real tc = FNN_TANH(a[j]);
            const fnn_real dcj = dc[i] + dd * o * (1 - tc * tc);
            g[j] = dcj * u * ig * (1 - ig);
            g[H + j] = (ap ? dcj * ap[j] : 0) * f * (1 - f);
            g[2 * H + j] = dcj * ig * (1 - u * u);
            g[3 * H + j] = dd * tc * o * (1 - o);
            dc[i] = dcj * f;
            dh[i] = 0;
        } else {
            const fnn_real r = g[j], z = g[H + j], nn = g[2 * H + j];
            const fnn_real dn = dd * (1 - z) * (1 - nn * nn);
            g[j] = dn * a[j] * r * (1 - r);
            g[H + j] = dd * ((hp ? hp[j] : 0) - nn) * z * (1 - z);
            g[2 * H + j] = dn;
            a[j] = dn * r;
            dh[i] = dd * z;
        }
    }
}
