/* A sequential network end to end: forward, loss, backward, optimizer
 * step, over embedding, dense, conv, pooling and recurrent layers. */
#include "fastnn.h"
#include <math.h>
#include <string.h>

static int64_t in_size(const fnn_layer *g) { return g->h * g->w * g->c; }
static int64_t out_size(const fnn_layer *g) { return g->oh * g->ow * g->oc; }

/* A layer's operations (fnn_layer_ops).  Every entry point checks the
 * network first; the size functions below also answer 0 for a kind that
 * does not exist, as they may be asked before that check. */
static const fnn_layer_ops *ops_of(const fnn_layer *g) { return fnn_layer_ops_of(g->kind); }
static int64_t weight_count(const fnn_layer *g) {
    return ops_of(g) ? ops_of(g)->weight_count(g) : 0;
}
static int64_t bias_count(const fnn_layer *g) {
    return ops_of(g) ? ops_of(g)->bias_count(g) : 0;
}

/* Where, per sample, a layer's kept pre-activation z starts in what it
 * keeps (below).  gelu's derivative cannot be written from its output (it
 * is not monotone), and the output is all the walk back otherwise has:
 * the next layer reads it, and z itself is overwritten by the activation
 * in place.  So a layer whose activation needs its input
 * (fnn_activation_needs_input) copies z after its kind's own kept data
 * before activating, and backward differentiates from that copy.  Only
 * those layers pay the extra out_size per sample; recomputing z from the
 * layer's input instead would mean a second GEMM (or conv) per layer. */
static int64_t kept_z_at(const fnn_layer *g) {
    const fnn_layer_ops *ops = ops_of(g);
    return ops && ops->kept_size ? ops->kept_size(g) : 0;
}

/* Where, per sample, a batch-normalised layer's normalised values start
 * (then, in the next oc per sample, its 1 / std per feature). */
static int64_t kept_norm_at(const fnn_layer *g) {
    return kept_z_at(g) +
           (fnn_activation_needs_input(g->activation) ? out_size(g) : 0);
}

/* What a layer keeps from forward to backward, per sample: its kind's own
 * data (conv columns, recurrent gates and states), then z where kept_z_at says, then batch
 * norm's values where kept_norm_at says. */
static int64_t kept_size(const fnn_layer *g) {
    return kept_norm_at(g) + (g->batch_norm ? out_size(g) + g->oc : 0);
}

/* Parameters of a layer's batch norm block: scale, running mean and
 * variance. */
static int64_t norm_count(const fnn_layer *g) {
    return g->batch_norm ? 3 * g->oc : 0;
}

/* Tensor t of a network: 0 its input, t >= 1 the output of layer t - 1;
 * per sample H x W x C. */
static void tensor_shape(const fnn_net *net, int64_t t, int64_t *H, int64_t *W, int64_t *C) {
    const fnn_layer *g = net->layers + (t ? t - 1 : 0);
    *H = t ? g->oh : g->h, *W = t ? g->ow : g->w, *C = t ? g->oc : g->c;
}

static int is_join(const fnn_layer *g) { return ops_of(g) && ops_of(g)->src_fits; }

/* Whether a join reads tensor t. */
static int joined(const fnn_net *net, int64_t t) {
    for (int l = 0; l < net->n_layers; l++)
        if (is_join(net->layers + l) && net->layers[l].src == t) return 1;
    return 0;
}

/* A tensor t >= 1 that a join reads gets more than one gradient in the
 * walk back: its own layer's next one hands its share through the usual
 * buffer, each join adds its share into a buffer of t's own.  Where that
 * buffer starts (per row, from the first of them; t = n_layers: their
 * total). */
static int64_t gathered_at(const fnn_net *net, int64_t t) {
    int64_t at = 0;
    for (int64_t u = 1; u < t; u++)
        if (joined(net, u)) at += out_size(net->layers + u - 1);
    return at;
}

fnn_status fnn_net_check(const fnn_net *net) {
    if (net == NULL || net->layers == NULL || net->n_layers < 1 ||
        (int)net->output < 0 || (int)net->output > FNN_OUT_LAST)
        return FNN_ERR_ARG;
    for (int l = 0; l < net->n_layers; l++) {
        const fnn_layer *g = net->layers + l;
        if (fnn_layer_check(g) != FNN_OK) return FNN_ERR_ARG;
        if (l > 0 && in_size(g) != out_size(g - 1)) return FNN_ERR_ARG;
        if (g->batch_norm && l == net->n_layers - 1) return FNN_ERR_ARG;
        /* ids are the network's input, or columns of it taken just before */
        if (ops_of(g)->reads_ids && l != 0 &&
            !(g[-1].kind == FNN_TAKE && g[-1].src == 0))
            return FNN_ERR_ARG;
        if (is_join(g)) { /* an earlier tensor, of a shape the join reads */
            int64_t H, W, C;
            if (g->src > l) return FNN_ERR_ARG;
            tensor_shape(net, g->src, &H, &W, &C);
            if (!ops_of(g)->src_fits(g, H, W, C)) return FNN_ERR_ARG;
        } else if (g->src || g->src_at)
            return FNN_ERR_ARG;
        /* padding is read from the first layer's ids, step for step (a
         * kind's own check says whether it can be masked) */
        if (g->masked && (!ops_of(net->layers)->reads_ids || g->h != net->layers[0].h))
            return FNN_ERR_ARG;
    }
    /* the output activation belongs to fnn_output, not to the last layer */
    if (net->layers[net->n_layers - 1].activation != FNN_ACT_IDENTITY)
        return FNN_ERR_ARG;
    return FNN_OK;
}

int64_t fnn_net_n_coefs(const fnn_net *net) {
    int64_t n = 0;
    for (int l = 0; l < net->n_layers; l++) n += weight_count(net->layers + l);
    return n;
}

/* Where the batch norm blocks start: after every weight and bias. */
static int64_t norm_offset(const fnn_net *net) {
    int64_t n = fnn_net_n_coefs(net);
    for (int l = 0; l < net->n_layers; l++) n += bias_count(net->layers + l);
    return n;
}

int64_t fnn_net_n_params(const fnn_net *net) {
    int64_t n = norm_offset(net);
    for (int l = 0; l < net->n_layers; l++) n += norm_count(net->layers + l);
    return n;
}

fnn_status fnn_layer_param_counts(int64_t *counts, const fnn_layer *g) {
    if (fnn_layer_check(g) != FNN_OK) return FNN_ERR_ARG;
    counts[0] = weight_count(g), counts[1] = bias_count(g), counts[2] = norm_count(g);
    return FNN_OK;
}

fnn_status fnn_net_param_blocks(int64_t *blocks, const fnn_net *net) {
    if (fnn_net_check(net) != FNN_OK) return FNN_ERR_ARG;
    int64_t w = 0, b = fnn_net_n_coefs(net), n = norm_offset(net);
    for (int l = 0; l < net->n_layers; l++) {
        const fnn_layer *g = net->layers + l;
        int64_t *row = blocks + 6 * l;
        row[0] = w, row[1] = weight_count(g);
        row[2] = b, row[3] = bias_count(g);
        row[4] = n, row[5] = norm_count(g);
        w += row[1], b += row[3], n += row[5];
    }
    return FNN_OK;
}

int fnn_net_trainable_spans(int64_t *spans, const fnn_net *net) {
    if (fnn_net_check(net) != FNN_OK) return -1;
    int n = 0;
    /* the weights of every layer, then the biases, then the norm blocks */
    for (int part = 0; part < 3; part++) {
        int64_t at = part == 0 ? 0 : part == 1 ? fnn_net_n_coefs(net) : norm_offset(net);
        for (int l = 0; l < net->n_layers; l++) {
            const fnn_layer *g = net->layers + l;
            const int64_t count = part == 0   ? weight_count(g)
                                  : part == 1 ? bias_count(g)
                                              : norm_count(g);
            if (count > 0 && !g->frozen) {
                if (n > 0 && spans[2 * n - 1] == at)
                    spans[2 * n - 1] = at + count; /* joins the last span */
                else
                    spans[2 * n] = at, spans[2 * n + 1] = at + count, n++;
            }
            at += count;
        }
    }
    return n;
}

int64_t fnn_net_n_trainable(const fnn_net *net) {
    if (net->spans == NULL) return fnn_net_n_params(net);
    int64_t n = 0;
    for (int i = 0; i < net->n_spans; i++) n += net->spans[2 * i + 1] - net->spans[2 * i];
    return n;
}

/* work for n rows: every layer's output back to back (the last one's at
 * *last), then tmp at *tmp (the widest input of any layer but the first,
 * for input gradients), then what each layer keeps from forward to
 * backward (kept_size), layer after layer, from *kept on, then the
 * gathered gradients of the tensors joins read (gathered_at) from
 * *gathered on; *end is the total.  All in elements. */
static void work_layout(const fnn_net *net, int64_t n, int64_t *last, int64_t *tmp,
                        int64_t *kept, int64_t *gathered, int64_t *end) {
    int64_t outs = 0, widest = 0, keeps = 0;
    for (int l = 0; l < net->n_layers; l++) {
        const fnn_layer *g = net->layers + l;
        if (l == net->n_layers - 1) *last = n * outs;
        outs += out_size(g);
        if (l > 0 && in_size(g) > widest) widest = in_size(g);
        keeps += kept_size(g);
    }
    *tmp = n * outs;
    *kept = n * (outs + widest);
    *gathered = n * (outs + widest + keeps);
    *end = *gathered + n * gathered_at(net, net->n_layers);
}

/* Where, per row, layer l's output starts in work (the last layer's is
 * written to the caller's output instead). */
static int64_t out_at(const fnn_net *net, int l) {
    int64_t at = 0;
    for (int k = 0; k < l; k++) at += out_size(net->layers + k);
    return at;
}

int64_t fnn_net_scratch_bytes(const fnn_net *net, int n_threads) {
    int64_t params = 0, norm = 0;
    for (int l = 0; l < net->n_layers; l++) {
        const fnn_layer *g = net->layers + l;
        const int64_t p = weight_count(g) + bias_count(g);
        if (p > params) params = p;
        if (g->batch_norm && g->oc > norm) norm = g->oc;
    }
    const int64_t t = n_threads > 1 ? n_threads : 1;
    const int64_t split = t > 1 ? t * params : 0; /* reals, at most doubles */
    return (int64_t)sizeof(double) * (split > 2 * (t + 1) * norm ? split : 2 * (t + 1) * norm);
}

/* Most bands a batch is split into (net.inc, loss_grad_split). */
#define FNN_MAX_BANDS 64

/* Multiply-adds of one row through a layer's forward pass (backward does
 * about twice as many). */
static double layer_macs(const fnn_layer *g) { return ops_of(g) ? ops_of(g)->macs(g) : 0; }

/* Bands of rows a training pass over n rows is split into, one per
 * thread: one for every FNN_PAR_GEMM multiply-adds of forward and
 * backward work, at most n_threads (and n rows).  Batch norm normalises by
 * the whole batch's statistics, so a network that has it is not split
 * (its kernels split each operation instead). */
static int batch_parts(const fnn_net *net, int64_t n, int n_threads) {
    double macs = 0;
    for (int l = 0; l < net->n_layers; l++) {
        if (net->layers[l].batch_norm) return 1;
        macs += layer_macs(net->layers + l);
    }
    double parts = 3.0 * macs * (double)n / FNN_PAR_GEMM;
    if (parts > n_threads) parts = n_threads;
    if (parts > FNN_MAX_BANDS) parts = FNN_MAX_BANDS;
    if (parts > (double)n) parts = (double)n;
    return parts < 1 ? 1 : (int)parts;
}

/* What band p of `parts` over n rows runs with: a one-thread context with
 * its share of the scratch (whole cache lines), and, for CSR input, its
 * rows' view of it in *rows (indptr counts from the start of data);
 * returns that view, or NULL for dense input. */
static const fnn_csr *band_setup(fnn_ctx *mine, fnn_csr *rows, int p, int parts,
                                 int64_t lo, const fnn_csr *Xs, const fnn_ctx *ctx) {
    const int64_t share = ctx->scratch ? ctx->scratch_bytes / parts / 64 * 64 : 0;
    *mine = *ctx;
    mine->n_threads = 1;
    mine->scratch = share ? (char *)ctx->scratch + p * share : NULL;
    mine->scratch_bytes = share;
    if (!Xs) return NULL;
    *rows = *Xs;
    rows->indptr = Xs->indptr + lo;
    return rows;
}

int64_t fnn_net_workspace_size(const fnn_net *net, int64_t n, int n_threads) {
    int64_t last, tmp, kept, gathered, end;
    work_layout(net, n, &last, &tmp, &kept, &gathered, &end);
    const int parts = n_threads > 1 ? batch_parts(net, n, n_threads) : 1;
    return end + (parts - 1) * fnn_net_n_params(net);
}

/* Each layer's dropout mask comes from its own stream of the seed. */
static uint64_t layer_seed(uint64_t seed, int layer) {
    return fnn_mix64(seed ^ (0xd1b54a32d192ed03ULL * (uint64_t)(layer + 1)));
}

/* The checks every entry point makes: a valid network, threads, one input
 * form (dense X or CSR Xs, and CSR only into a dense first layer and no
 * join). */
static int net_usable(const fnn_net *net, const fnn_ctx *ctx, int64_t n,
                      const void *X, const fnn_csr *Xs) {
    return fnn_net_check(net) == FNN_OK && ctx != NULL && ctx->n_threads >= 1 &&
           n >= 0 && (X == NULL) != (Xs == NULL) &&
           (Xs == NULL || (ops_of(net->layers)->reads_csr && !joined(net, 0)));
}

#include "fnn_dtype_f32.h"
#include "net.inc"
#include "fnn_dtype_f64.h"
#include "net.inc"
