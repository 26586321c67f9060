/* Join layers: besides its input X (the previous layer's output) a join
 * reads an earlier tensor S of the network, number g->src (0: the
 * network's input, t: the output of layer t - 1).  They make residual
 * blocks and parallel branches out of a sequence of layers:
 *   take:   Y = S[..., src_at : src_at + oc]  (a branch starts from an
 *           earlier tensor, or from some of the input's columns; X unread)
 *   add:    Y = X + S                          (a residual connection)
 *   concat: Y = [S, X] along the last axis     (branches side by side)
 * Positions (h x w) are kept; the last axis is the features. */
#include "fastnn.h"
#include <string.h>

static int join_kind(int kind) {
    return kind == FNN_TAKE || kind == FNN_ADD || kind == FNN_CONCAT;
}

static fnn_status join_check(const fnn_layer *g) {
    if (g == NULL || !join_kind(g->kind) || !fnn_layer_common_ok(g, g->kind, 0, 0) ||
        g->src < 0 || g->src_at < 0)
        return FNN_ERR_ARG;
    if (g->kind == FNN_TAKE) return FNN_OK; /* its input is unread */
    const int same = g->oh == g->h && g->ow == g->w;
    if (g->kind == FNN_ADD) return same && g->oc == g->c && !g->src_at ? FNN_OK : FNN_ERR_ARG;
    return same && g->oc > g->c && !g->src_at ? FNN_OK : FNN_ERR_ARG;
}

/* Whether a tensor of H x W x C per sample is the S this layer reads. */
static int join_src_fits(const fnn_layer *g, int64_t H, int64_t W, int64_t C) {
    if (H != g->oh || W != g->ow) return 0;
    if (g->kind == FNN_TAKE) return g->src_at <= C && g->oc <= C - g->src_at;
    if (g->kind == FNN_ADD) return C == g->oc;
    return C == g->oc - g->c;
}

static int join_ok(const fnn_layer *g, int64_t N) { return N >= 0 && join_check(g) == FNN_OK; }

/* S's width: its last axis */
static int64_t src_width(const fnn_layer *g) {
    return g->kind == FNN_TAKE ? -1 : g->kind == FNN_ADD ? g->oc : g->oc - g->c;
}

#include "fnn_dtype_f32.h"
#include "join.inc"
#include "fnn_dtype_f64.h"
#include "join.inc"

static int64_t join_no_params(const fnn_layer *g) { (void)g; return 0; }
/* a copy or add per output value */
static double join_macs(const fnn_layer *g) { return (double)(g->oh * g->ow * g->oc); }

#define JOIN_OPS                                                                      \
    .check = join_check, .weight_count = join_no_params, .bias_count = join_no_params, \
    .macs = join_macs, .src_fits = join_src_fits, .join_forward_f32 = join_forward_f32, \
    .join_forward_f64 = join_forward_f64, .join_backward_f32 = join_backward_f32,       \
    .join_backward_f64 = join_backward_f64
const fnn_layer_ops fnn_take_ops = {JOIN_OPS};
const fnn_layer_ops fnn_add_ops = {JOIN_OPS};
const fnn_layer_ops fnn_concat_ops = {JOIN_OPS};
