/* Row-major GEMM on top of a column-major BLAS handed in through fnn_ctx,
 * plus the OpenMP probes.  A row-major C = op(A) op(B) is, read as
 * column-major, C^T = op(B)^T op(A)^T: swap the operands, keep the flags.
 *
 * Threads: the engine has one thread pool, OpenMP's.  Large products are
 * split into blocks of C, one single-threaded BLAS call per thread (the
 * caller keeps BLAS's own threads at 1, as scikit-learn's KMeans does), so
 * OpenMP and BLAS workers never fight over the cores. */
#include "fastnn.h"
#include <limits.h>
#include <stdlib.h>
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

int fnn_num_procs(void) {
#ifdef _OPENMP
    return omp_get_num_procs();
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
    return a >= 0 && b >= 0 && c >= 0 && d >= 0 && e >= 0 && f >= 0 &&
           a <= INT_MAX && b <= INT_MAX && c <= INT_MAX && d <= INT_MAX &&
           e <= INT_MAX && f <= INT_MAX;
}

/* How many threads a product of this size is worth: each must get at least
 * about 256k multiply-adds and 16 rows or columns of C. */
static int gemm_parts(int64_t M, int64_t N, int64_t K, int n_threads) {
    int64_t longer = M > N ? M : N;
    double by_work = (double)M * (double)N * (double)K / FNN_PAR_GEMM;
    int64_t by_size = longer / 16;
    int64_t parts = n_threads;
    if (parts > by_work) parts = (int64_t)by_work;
    if (parts > by_size) parts = by_size;
    return parts < 1 ? 1 : (int)parts;
}

/* Split along K when it is at least 8 times the longer side of C and C is
 * small enough for every thread to hold a partial copy. */
static int gemm_split_k(int64_t M, int64_t N, int64_t K) {
    int64_t longer = M > N ? M : N;
    return K >= 8 * longer && M * N <= (1 << 20);
}

#include "fnn_dtype_f32.h"
#define FNN_BLAS_GEMM sgemm
#define FNN_BLAS_GEMV sgemv
#define FNN_BF16_PRODUCTS 1 /* float32 products may take bfloat16 operands */
#include "blas.inc"
#undef FNN_BLAS_GEMM
#undef FNN_BLAS_GEMV
#undef FNN_BF16_PRODUCTS
#include "fnn_dtype_f64.h"
#define FNN_BLAS_GEMM dgemm
#define FNN_BLAS_GEMV dgemv
#define FNN_BF16_PRODUCTS 0
#include "blas.inc"
