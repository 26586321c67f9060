/* Multi-head self-attention over the steps of a sequence, as PyTorch's
 * nn.MultiheadAttention(D, heads, batch_first=True) with query = key =
 * value = the input: per sample, T steps of D features in and out.
 *
 * Weights: one D x 4D matrix, the columns [Wq | Wk | Wv | Wo] (x Wq gives
 * the queries; Wo maps the heads' outputs side by side back to D); biases
 * [bq | bk | bv | bo], 4D.  Head h owns features [h dh, (h + 1) dh) of the
 * queries, keys and values (dh = D / heads).  Scores are q.k / sqrt(dh);
 * a masked layer leaves out the keys whose input id is 0 (padding), a
 * causal one the keys after the query; a query with no key left gets zero
 * attention (its output is the bias bo). */
#include "fastnn.h"
#include <math.h>
#include <string.h>

static fnn_status attention_check(const fnn_layer *g) {
    return fnn_layer_common_ok(g, FNN_ATTENTION, 0, 1) && g->w == 1 && g->oh == g->h &&
                   g->ow == 1 && g->oc == g->c && g->heads >= 1 && g->c % g->heads == 0 &&
                   fnn_fits3(g->h, g->h, g->heads) && fnn_fits3(g->c, 4, g->c)
               ? FNN_OK
               : FNN_ERR_ARG;
}

static int attention_ok(const fnn_layer *g, int64_t N) {
    return N >= 0 && attention_check(g) == FNN_OK;
}

/* What one sample keeps, from its start: the queries, keys and values (T x
 * 3D), the attention weights (heads x T x T), the heads' outputs side by
 * side (T x D), then room for backward: the queries', keys' and values'
 * gradients (T x 3D) and the scores' (heads x T x T). */
static int64_t qkv_at(const fnn_layer *g) { (void)g; return 0; }
static int64_t probs_at(const fnn_layer *g) { return 3 * g->h * g->c; }
static int64_t heads_at(const fnn_layer *g) { return probs_at(g) + g->heads * g->h * g->h; }
static int64_t dqkv_at(const fnn_layer *g) { return heads_at(g) + g->h * g->c; }
static int64_t dscores_at(const fnn_layer *g) { return dqkv_at(g) + 3 * g->h * g->c; }

#include "fnn_dtype_f32.h"
#include "attention.inc"
#include "fnn_dtype_f64.h"
#include "attention.inc"

static int64_t attention_weight_count(const fnn_layer *g) { return 4 * g->c * g->c; }
static int64_t attention_bias_count(const fnn_layer *g) { return 4 * g->c; }
static int64_t attention_kept_size(const fnn_layer *g) {
    return dscores_at(g) + g->heads * g->h * g->h;
}
/* the four projections and the two T x T products */
static double attention_macs(const fnn_layer *g) {
    return 4.0 * (double)g->h * (double)g->c * (double)g->c +
           2.0 * (double)g->h * (double)g->h * (double)g->c;
}

const fnn_layer_ops fnn_attention_ops = {
    .check = attention_check, .weight_count = attention_weight_count,
    .bias_count = attention_bias_count, .kept_size = attention_kept_size,
    .macs = attention_macs, .forward_f32 = attention_forward_f32,
    .forward_f64 = attention_forward_f64, .backward_f32 = attention_backward_f32,
    .backward_f64 = attention_backward_f64};
