/* Layer normalisation over the last axis: each row of F values (a flat
 * row's features, a pixel's channels, a step's features) to zero mean and
 * unit variance, then scaled and shifted per feature, as PyTorch's
 * LayerNorm(F).  Its scale is the layer's weights, its shift its biases. */
#include "fastnn.h"
#include <math.h>

/* The rows of one sample and their width. */
static int64_t ln_rows(const fnn_layer *g) { return g->h * g->w; }

/* Any shape in, the same shape out. */
static fnn_status layernorm_check(const fnn_layer *g) {
    return fnn_layer_common_ok(g, FNN_LAYERNORM, 0, 0) && g->oh == g->h && g->ow == g->w &&
                   g->oc == g->c
               ? FNN_OK
               : FNN_ERR_ARG;
}

static int layernorm_ok(const fnn_layer *g, int64_t N) {
    return N >= 0 && layernorm_check(g) == FNN_OK;
}

#include "fnn_dtype_f32.h"
#include "layernorm.inc"
#include "fnn_dtype_f64.h"
#include "layernorm.inc"

static int64_t layernorm_weight_count(const fnn_layer *g) { return g->c; }
static int64_t layernorm_bias_count(const fnn_layer *g) { return g->c; }
/* kept for backward, per sample: the normalised values, then 1 / std of
 * each row */
static int64_t layernorm_kept_size(const fnn_layer *g) { return ln_rows(g) * (g->c + 1); }
/* a few operations per value */
static double layernorm_macs(const fnn_layer *g) { return 4.0 * (double)(ln_rows(g) * g->c); }

const fnn_layer_ops fnn_layernorm_ops = {
    .check = layernorm_check, .weight_count = layernorm_weight_count,
    .bias_count = layernorm_bias_count, .kept_size = layernorm_kept_size,
    .macs = layernorm_macs, .forward_f32 = layernorm_forward_f32,
    .forward_f64 = layernorm_forward_f64, .backward_f32 = layernorm_backward_f32,
    .backward_f64 = layernorm_backward_f64};
