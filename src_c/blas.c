/* Row-major GEMM on top of a column-major BLAS handed in through fnn_ctx,
 * plus the OpenMP probes.  A row-major C = op(A) op(B) is, read as
 * column-major, C^T = op(B)^T op(A)^T: swap the operands, keep the flags. */
#include "fastnn.h"
#include <limits.h>
#ifdef _OPENMP
#include <omp.h>
#endif

int fnn_max_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

int fnn_has_openmp(void) {
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

/* BLAS takes int sizes: refuse anything that would not fit. */
static int fits_int(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e,
                    int64_t f) {
    return a >= 0 && b >= 0 && c >= 0 && a <= INT_MAX && b <= INT_MAX &&
           c <= INT_MAX && d <= INT_MAX && e <= INT_MAX && f <= INT_MAX;
}

#include "fnn_dtype_f32.h"
#define FNN_BLAS_GEMM sgemm
#include "blas.inc"
#undef FNN_BLAS_GEMM
#include "fnn_dtype_f64.h"
#define FNN_BLAS_GEMM dgemm
#include "blas.inc"
