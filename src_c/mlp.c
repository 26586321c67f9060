/* A dense network end to end: forward, loss, backward, optimizer step. */
#include "fastnn.h"
#include <math.h>
#include <string.h>

int64_t fnn_mlp_n_coefs(const fnn_mlp *net) {
    int64_t n = 0;
    for (int l = 0; l < net->n_layers; l++)
        n += net->units[l] * net->units[l + 1];
    return n;
}

int64_t fnn_mlp_n_params(const fnn_mlp *net) {
    int64_t n = fnn_mlp_n_coefs(net);
    for (int l = 0; l < net->n_layers; l++) n += net->units[l + 1];
    return n;
}

/* Layer outputs A_1 .. A_L (A_L holds the network output), then one buffer
 * for the input gradient of the widest hidden layer. */
int64_t fnn_mlp_workspace_size(const fnn_mlp *net, int64_t n) {
    int64_t total = 0, widest = 0;
    for (int l = 1; l <= net->n_layers; l++) {
        total += n * net->units[l];
        if (l < net->n_layers && net->units[l] > widest) widest = net->units[l];
    }
    return total + n * widest;
}

/* The checks every entry point makes: a real network, threads, and one
 * input form (dense X or CSR Xs, not both). */
static int mlp_valid(const fnn_mlp *net, const fnn_ctx *ctx, int64_t n,
                     const void *X, const fnn_csr *Xs) {
    if (net == NULL || ctx == NULL || net->units == NULL ||
        ctx->n_threads < 1 || net->n_layers < 1 || n < 0 ||
        (X == NULL) == (Xs == NULL))
        return 0;
    for (int l = 0; l <= net->n_layers; l++)
        if (net->units[l] < 1) return 0;
    return 1;
}

#include "fnn_dtype_f32.h"
#include "mlp.inc"
#include "fnn_dtype_f64.h"
#include "mlp.inc"
