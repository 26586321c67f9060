/* Embedding lookups (the CPU engine's embedding.inc): ids, which the host
 * has checked to be whole numbers in [0, vocab), pick rows of W.
 * Included once per dtype by kernels.cu. */

/* Y: steps x D, the rows of W (vocab x D) that the steps' ids name */
FNN_KERNEL FNN_FN(embedding_forward)(fnn_real *Y, const fnn_real *ids, const fnn_real *W,
                                     fnn_i64 steps, fnn_i64 D) {
    FNN_EACH(i, steps * D) Y[i] = W[(fnn_i64)ids[i / D] * D + i % D];
}

/* dW += dY's rows, each into its id's row.  The steps come grouped by id,
 * in step order within an id (pos: steps, the step of each place;
 * starts: n_ids + 1 bounds of the groups; id_of: each group's id), so a
 * thread per (group, feature) adds its group's rows in the CPU engine's
 * order, and no two threads write one value. */
FNN_KERNEL FNN_FN(embedding_backward)(fnn_real *dW, const fnn_real *dY, const fnn_i64 *pos,
                                      const fnn_i64 *starts, const fnn_i64 *id_of,
                                      fnn_i64 n_ids, fnn_i64 D) {
    FNN_EACH(i, n_ids * D) {
        const fnn_i64 grp = i / D, j = i % D;
        fnn_real *row = dW + id_of[grp] * D + j;
        fnn_real sum = *row;
        for (fnn_i64 p = starts[grp]; p < starts[grp + 1]; p++) sum += dY[pos[p] * D + j];
        *row = sum;
    }
}
