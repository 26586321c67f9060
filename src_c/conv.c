/* 2-D convolution, NHWC, as im2col -> GEMM (the dense kernels) -> col2im. */
#include "fastnn.h"
#include <string.h>

/* A 1x1 kernel with stride 1 and no padding reads every pixel once: its
 * "columns" are the input itself, so it runs as a dense layer and im2col is
 * skipped.  (A direct loop over taps for small first layers was tried and
 * lost to im2col + GEMM, even with 9 taps.) */
static int conv_is_pointwise(const fnn_layer *g) {
    return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 &&
           g->ph == 0 && g->pw == 0 && g->oh == g->h && g->ow == g->w;
}

static fnn_status conv_check(const fnn_layer *g) {
    /* every output pixel's window must start inside the padded image; the
     * zero padding below / right is implied by oh, ow */
    return fnn_layer_common_ok(g, FNN_CONV, 1, 0) && g->kh >= 1 && g->kw >= 1 &&
                   g->sh >= 1 && g->sw >= 1 && g->ph >= 0 && g->pw >= 0 &&
                   g->ph < g->kh && g->pw < g->kw && fnn_fits3(g->kh, g->kw, g->c) &&
                   fnn_fits3(g->kh * g->kw, g->c, g->oc) &&
                   fnn_fits3(g->oh * g->ow, g->kh * g->kw, g->c) &&
                   /* in double: a huge stride times oh may not fit in int64 */
                   (double)(g->oh - 1) * (double)g->sh - (double)g->ph < (double)g->h &&
                   (double)(g->ow - 1) * (double)g->sw - (double)g->pw < (double)g->w
               ? FNN_OK
               : FNN_ERR_ARG;
}

/* The checks every conv kernel makes before touching memory. */
static int conv_ok(const fnn_layer *g, int64_t N) {
    return N >= 0 && conv_check(g) == FNN_OK;
}

/* im2col elements per sample (0: a pointwise layer needs none); kept from
 * forward to backward. */
static int64_t conv_col_size(const fnn_layer *g) {
    if (g->kind != FNN_CONV || conv_is_pointwise(g)) return 0;
    return g->oh * g->ow * g->kh * g->kw * g->c;
}

static int64_t conv_weight_count(const fnn_layer *g) { return g->kh * g->kw * g->c * g->oc; }
static int64_t conv_bias_count(const fnn_layer *g) { return g->oc; }
static double conv_macs(const fnn_layer *g) {
    return (double)conv_weight_count(g) * (double)(g->oh * g->ow);
}

/* Samples per im2col and product when a layer runs on one thread (a
 * band of a split batch): a chunk's columns, about FNN_CONV_CHUNK_BYTES
 * (a core's L2 cache), are packed by BLAS just after im2col wrote them,
 * while they are still in cache, and its column gradient goes to col2im
 * the same way.  With more threads the whole batch makes one product,
 * which BLAS splits. */
#ifndef FNN_CONV_CHUNK_BYTES
#define FNN_CONV_CHUNK_BYTES (512 << 10)
#endif
static int64_t conv_chunk(const fnn_layer *g, int64_t N, size_t real_size,
                          const fnn_ctx *ctx) {
    const int64_t per = conv_col_size(g) * (int64_t)real_size;
    if (ctx->n_threads > 1 || per <= 0) return N > 0 ? N : 1;
    const int64_t chunk = FNN_CONV_CHUNK_BYTES / per;
    return chunk < 1 ? 1 : chunk;
}

#include "fnn_dtype_f32.h"
#include "conv.inc"
#include "fnn_dtype_f64.h"
#include "conv.inc"

const fnn_layer_ops fnn_conv_ops = {
    .check = conv_check, .weight_count = conv_weight_count, .bias_count = conv_bias_count,
    .kept_size = conv_col_size, .macs = conv_macs, .batch_norm = 1,
    .forward_f32 = conv_layer_forward_f32, .forward_f64 = conv_layer_forward_f64,
    .backward_f32 = conv_layer_backward_f32, .backward_f64 = conv_layer_backward_f64};
