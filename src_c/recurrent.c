/* Recurrent layers (rnn, lstm, gru), one or two directions, forward over
 * all time steps and backpropagation through time.
 *
 * The input projection of every step is one GEMM; then the time loop runs
 * with the batch split across threads (sequences are independent, so a
 * thread walks all the steps of its rows with no barrier between steps),
 * one small GEMM per step for the recurrent product and the gate math
 * element-wise.  Backward collects every step's gate gradients and turns
 * them into the weight gradients with a few large GEMMs after the loop. */
#include "fastnn.h"
#include <math.h>
#include <string.h>

static int64_t recurrent_gates(const fnn_layer *g) { return fnn_cell_gates(g->cell); }

static int64_t recurrent_units(const fnn_layer *g) {
    return g->dirs > 0 ? g->oc / g->dirs : 0;
}

/* h steps in; every step (oh = h) or the last out */
static fnn_status recurrent_check(const fnn_layer *g) {
    return fnn_layer_common_ok(g, FNN_RECURRENT, 0, 1) && g->w == 1 && g->ow == 1 &&
                   (g->oh == g->h || g->oh == 1) && (g->dirs == 1 || g->dirs == 2) &&
                   g->oc % g->dirs == 0 && (int)g->cell >= 0 && (int)g->cell < FNN_CELL_COUNT &&
                   fnn_fits3(g->c + g->oc, 4 * g->oc, 1) && fnn_fits3(g->h, 8 * g->oc + g->c, 1)
               ? FNN_OK
               : FNN_ERR_ARG;
}

static int64_t recurrent_weight_count(const fnn_layer *g) {
    const int64_t H = recurrent_units(g);
    return (g->c + H) * g->dirs * recurrent_gates(g) * H;
}

/* the gru keeps the recurrent bias of its candidate apart (it sits inside
 * the reset gate's product) */
static int64_t recurrent_bias_count(const fnn_layer *g) {
    const int64_t H = recurrent_units(g);
    return g->dirs * H * (recurrent_gates(g) + (g->cell == FNN_CELL_GRU));
}

/* Per-row scratch of the time loop: backward's hidden and cell gradients
 * (2 units); forward's step input [x_t, h_prev] (rnn, lstm: inputs +
 * units) or recurrent products (gru: 3 units). */
static int64_t scratch_stride(const fnn_layer *g) {
    const int64_t H = recurrent_units(g);
    if (g->cell == FNN_CELL_GRU) return 3 * H;
    return g->c + H > 2 * H ? g->c + H : 2 * H;
}

/* Per sample: the gates of every step and direction (pre-activations, then
 * activations, then their gradients), the hidden states, the cell states
 * (lstm) or the recurrent candidate term h Wh_n + b_hn (gru), and the
 * scratch row of the time loop. */
static int64_t recurrent_work_size(const fnn_layer *g) {
    if (g->kind != FNN_RECURRENT) return 0;
    const int64_t H = recurrent_units(g), steps = g->h * g->dirs;
    return steps * H * (recurrent_gates(g) + 1 + (g->cell != FNN_CELL_RNN)) +
           scratch_stride(g);
}

#include "fnn_dtype_f32.h"
#include "recurrent.inc"
#include "fnn_dtype_f64.h"
#include "recurrent.inc"

static double recurrent_macs(const fnn_layer *g) {
    return (double)recurrent_weight_count(g) * (double)g->h;
}

const fnn_layer_ops fnn_recurrent_ops = {
    .check = recurrent_check, .weight_count = recurrent_weight_count,
    .bias_count = recurrent_bias_count, .kept_size = recurrent_work_size,
    .macs = recurrent_macs, .forward_f32 = recurrent_layer_forward_f32,
    .forward_f64 = recurrent_layer_forward_f64, .backward_f32 = recurrent_layer_backward_f32,
    .backward_f64 = recurrent_layer_backward_f64};
