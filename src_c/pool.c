/* Max and average pooling over non-overlapping windows, NHWC. */
#include "fastnn.h"
#include <string.h>

/* Non-overlapping windows (oh = h / kh); a masked pool is global over the
 * steps of sequences (w = 1, kh = h, oh = 1). */
static int pool_fields_ok(const fnn_layer *g) {
    return g->kh >= 1 && g->kw >= 1 && g->oc == g->c && g->oh == g->h / g->kh &&
           g->ow == g->w / g->kw &&
           (!g->masked || (g->w == 1 && g->kh == g->h && g->oh == 1));
}

/* Max and average pooling share one check: the kind only picks the op. */
static fnn_status pool_check(const fnn_layer *g) {
    return g != NULL && (g->kind == FNN_MAXPOOL || g->kind == FNN_AVGPOOL) &&
                   fnn_layer_common_ok(g, g->kind, 0, 1) && pool_fields_ok(g)
               ? FNN_OK
               : FNN_ERR_ARG;
}

/* The checks every pooling kernel makes before touching memory. */
static int pool_ok(const fnn_layer *g, int64_t N) { return N >= 0 && pool_check(g) == FNN_OK; }

#include "fnn_dtype_f32.h"
#include "pool.inc"
#include "fnn_dtype_f64.h"
#include "pool.inc"

static int64_t pool_no_params(const fnn_layer *g) { (void)g; return 0; }
/* a compare or add per input value */
static double pool_macs(const fnn_layer *g) { return (double)(g->h * g->w * g->c); }

const fnn_layer_ops fnn_maxpool_ops = {
    .check = pool_check, .weight_count = pool_no_params, .bias_count = pool_no_params,
    .macs = pool_macs, .forward_f32 = pool_layer_forward_f32,
    .forward_f64 = pool_layer_forward_f64, .backward_f32 = pool_layer_backward_f32,
    .backward_f64 = pool_layer_backward_f64};

const fnn_layer_ops fnn_avgpool_ops = {
    .check = pool_check, .weight_count = pool_no_params, .bias_count = pool_no_params,
    .macs = pool_macs, .forward_f32 = pool_layer_forward_f32,
    .forward_f64 = pool_layer_forward_f64, .backward_f32 = pool_layer_backward_f32,
    .backward_f64 = pool_layer_backward_f64};
