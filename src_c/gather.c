/* Mini-batch assembly: copy the (shuffled) rows of a batch into one
 * contiguous block, so every kernel after it sees plain row-major data. */
#include "fastnn.h"
#include <string.h>

/* out_indptr: n + 1, out_indices and src_pos: the batch's stored values
 * (src_pos: where each came from in X), indptr, indices: X's CSR structure,
 * rows: n row numbers.  Row rows[r] of X becomes row r of the batch. */
fnn_status fnn_gather_csr_index(int32_t *out_indptr, int32_t *out_indices,
                                int64_t *src_pos, const int32_t *indptr,
                                const int32_t *indices, const int64_t *rows,
                                int64_t n) {
    int64_t nnz = 0;
    out_indptr[0] = 0;
    for (int64_t r = 0; r < n; r++) {
        int64_t a = indptr[rows[r]], b = indptr[rows[r] + 1];
        for (int64_t p = a; p < b; p++, nnz++) {
            out_indices[nnz] = indices[p];
            src_pos[nnz] = p;
        }
        if (nnz > INT32_MAX) return FNN_ERR_ARG;
        out_indptr[r + 1] = (int32_t)nnz;
    }
    return FNN_OK;
}

#include "fnn_dtype_f32.h"
#include "gather.inc"
#include "fnn_dtype_f64.h"
#include "gather.inc"
