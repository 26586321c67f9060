/* Dense (fully connected) layer: Y = X W + b, from dense or CSR input. */
#include "fastnn.h"
#include <stdlib.h>
#include <string.h>

#include "fnn_dtype_f32.h"
#include "dense.inc"
#include "fnn_dtype_f64.h"
#include "dense.inc"

static fnn_status dense_check(const fnn_layer *g) {
    return fnn_layer_common_ok(g, FNN_DENSE, 1, 0) && g->h == 1 && g->w == 1 &&
                   g->oh == 1 && g->ow == 1 && fnn_fits3(g->c, g->oc, 1)
               ? FNN_OK
               : FNN_ERR_ARG;
}

static int64_t dense_weight_count(const fnn_layer *g) { return g->c * g->oc; }
static int64_t dense_bias_count(const fnn_layer *g) { return g->oc; }
static double dense_macs(const fnn_layer *g) { return (double)g->c * (double)g->oc; }

const fnn_layer_ops fnn_dense_ops = {
    .check = dense_check, .weight_count = dense_weight_count,
    .bias_count = dense_bias_count, .macs = dense_macs, .batch_norm = 1, .reads_csr = 1,
    .forward_f32 = dense_layer_forward_f32, .forward_f64 = dense_layer_forward_f64,
    .backward_f32 = dense_layer_backward_f32, .backward_f64 = dense_layer_backward_f64};
