/* Embedding: integer ids in, their learned vectors out. */
#include "fastnn.h"
#include <string.h>

/* h ids per sample (c = 1) to h rows of oc values. */
static fnn_status embedding_check(const fnn_layer *g) {
    return fnn_layer_common_ok(g, FNN_EMBED, 0, 0) && g->vocab >= 1 && g->c == 1 &&
                   g->w == 1 && g->oh == g->h && g->ow == 1 && fnn_fits3(g->vocab, g->oc, 1)
               ? FNN_OK
               : FNN_ERR_ARG;
}

#include "fnn_dtype_f32.h"
#include "embedding.inc"
#include "fnn_dtype_f64.h"
#include "embedding.inc"

static int64_t embedding_weight_count(const fnn_layer *g) { return g->vocab * g->oc; }
static int64_t embedding_bias_count(const fnn_layer *g) { (void)g; return 0; }
/* a copy per output value */
static double embedding_macs(const fnn_layer *g) { return (double)(g->oh * g->oc); }

const fnn_layer_ops fnn_embedding_ops = {
    .check = embedding_check, .weight_count = embedding_weight_count,
    .bias_count = embedding_bias_count, .macs = embedding_macs, .reads_ids = 1,
    .forward_f32 = embedding_layer_forward_f32, .forward_f64 = embedding_layer_forward_f64,
    .backward_f32 = embedding_layer_backward_f32,
    .backward_f64 = embedding_layer_backward_f64};
