/* Naive reference versions of the kernels: plain loops, no BLAS, no
 * threads, written for reading.  The tests hold the fast kernels to them. */
#include "reference.h"
#include <math.h>

/* The references check their sizes as the fast kernels do. */
static int layer_ok(const fnn_layer *g, int64_t N, int is_pool) {
    return N >= 0 && g != NULL && fnn_layer_check(g) == FNN_OK &&
           (is_pool ? g->kind == FNN_MAXPOOL || g->kind == FNN_AVGPOOL
                    : g->kind == FNN_CONV);
}

#include "fnn_dtype_f32.h"
#include "reference.inc"
#include "fnn_dtype_f64.h"
#include "reference.inc"
