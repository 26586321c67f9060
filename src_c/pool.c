/* Max and average pooling over non-overlapping windows, NHWC. */
#include "fastnn.h"
#include <string.h>

/* The checks every pooling kernel makes before touching memory. */
static int pool_ok(const fnn_layer *g, int64_t N) {
    return N >= 0 && g != NULL && (g->kind == FNN_MAXPOOL || g->kind == FNN_AVGPOOL) &&
           fnn_layer_check(g) == FNN_OK;
}

#include "fnn_dtype_f32.h"
#include "pool.inc"
#include "fnn_dtype_f64.h"
#include "pool.inc"
