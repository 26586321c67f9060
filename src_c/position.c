/* Positions added to a sequence's steps, so that attention, which treats
 * its keys as a set, knows their order: per sample, T steps of D features
 * in and out, y[t] = x[t] + p[t].
 *   position: p is learned, the layer's weights (T x D, no biases);
 *   sinusoid: p is fixed, the Transformer paper's
 *             p[t][2i] = sin(t / 10000^(2i / D)), p[t][2i + 1] = cos(same). */
#include "fastnn.h"
#include <math.h>
#include <string.h>

static fnn_status position_check(const fnn_layer *g) {
    return g != NULL && (g->kind == FNN_POSITION || g->kind == FNN_SINUSOID) &&
                   fnn_layer_common_ok(g, g->kind, 0, 1) && g->w == 1 && g->oh == g->h &&
                   g->ow == 1 && g->oc == g->c
               ? FNN_OK
               : FNN_ERR_ARG;
}

static int position_ok(const fnn_layer *g, int64_t N) {
    return N >= 0 && position_check(g) == FNN_OK;
}

/* The fixed encoding of step t, feature j. */
static double sinusoid(int64_t t, int64_t j, int64_t D) {
    const double angle = (double)t / pow(10000.0, (double)(j - j % 2) / (double)D);
    return j % 2 ? cos(angle) : sin(angle);
}

#include "fnn_dtype_f32.h"
#include "position.inc"
#include "fnn_dtype_f64.h"
#include "position.inc"

static int64_t position_weight_count(const fnn_layer *g) {
    return g->kind == FNN_POSITION ? g->h * g->c : 0;
}
static int64_t position_no_biases(const fnn_layer *g) { (void)g; return 0; }
/* an add per value */
static double position_macs(const fnn_layer *g) { return (double)(g->h * g->c); }

#define POSITION_OPS                                                                   \
    .check = position_check, .weight_count = position_weight_count,                    \
    .bias_count = position_no_biases, .macs = position_macs,                           \
    .forward_f32 = position_forward_f32, .forward_f64 = position_forward_f64,          \
    .backward_f32 = position_backward_f32, .backward_f64 = position_backward_f64
const fnn_layer_ops fnn_position_ops = {POSITION_OPS};
const fnn_layer_ops fnn_sinusoid_ops = {POSITION_OPS};
