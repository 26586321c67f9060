/* Mini-batch assembly: copy the (shuffled) rows of a batch into one
 * contiguous block, so every kernel after it sees plain row-major data. */
#include "fastnn.h"
#include <string.h>

/* out_indptr: n + 1, out_indices and src_pos: cap, the batch's stored
 * values (src_pos: where each came from in X), indptr: n_src + 1 and
 * indices: X's CSR structure, rows: n row numbers in [0, n_src).  Row
 * rows[r] of X becomes row r of the batch.  A row number out of range, a
 * decreasing indptr or more stored values than cap return FNN_ERR_ARG
 * before anything is written past the end. */
fnn_status fnn_gather_csr_index(int32_t *out_indptr, int32_t *out_indices,
                                int64_t *src_pos, const int32_t *indptr,
                                const int32_t *indices, const int64_t *rows,
                                int64_t n, int64_t n_src, int64_t cap) {
    if (n < 0 || n_src < 0 || cap < 0) return FNN_ERR_ARG;
    int64_t nnz = 0;
    out_indptr[0] = 0;
    for (int64_t r = 0; r < n; r++) {
        if (rows[r] < 0 || rows[r] >= n_src) return FNN_ERR_ARG;
        int64_t a = indptr[rows[r]], b = indptr[rows[r] + 1];
        if (a < 0 || b < a || nnz + (b - a) > cap || nnz + (b - a) > INT32_MAX)
            return FNN_ERR_ARG;
        for (int64_t p = a; p < b; p++, nnz++) {
            out_indices[nnz] = indices[p];
            src_pos[nnz] = p;
        }
        out_indptr[r + 1] = (int32_t)nnz;
    }
    return FNN_OK;
}

#include "fnn_dtype_f32.h"
#include "gather.inc"
#include "fnn_dtype_f64.h"
#include "gather.inc"
