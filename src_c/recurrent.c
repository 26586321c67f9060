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

int64_t fnn_recurrent_gates(const fnn_layer *g) {
    return g->cell == FNN_CELL_LSTM ? 4 : g->cell == FNN_CELL_GRU ? 3 : 1;
}

int64_t fnn_recurrent_units(const fnn_layer *g) {
    return g->dirs > 0 ? g->oc / g->dirs : 0;
}

int64_t fnn_recurrent_weight_count(const fnn_layer *g) {
    const int64_t H = fnn_recurrent_units(g);
    return (g->c + H) * g->dirs * fnn_recurrent_gates(g) * H;
}

/* the gru keeps the recurrent bias of its candidate apart (it sits inside
 * the reset gate's product) */
int64_t fnn_recurrent_bias_count(const fnn_layer *g) {
    const int64_t H = fnn_recurrent_units(g);
    return g->dirs * H * (fnn_recurrent_gates(g) + (g->cell == FNN_CELL_GRU));
}

/* Per-row scratch of the time loop: backward's hidden and cell gradients
 * (2 units); forward's step input [x_t, h_prev] (rnn, lstm: inputs +
 * units) or recurrent products (gru: 3 units). */
static int64_t scratch_stride(const fnn_layer *g) {
    const int64_t H = fnn_recurrent_units(g);
    if (g->cell == FNN_CELL_GRU) return 3 * H;
    return g->c + H > 2 * H ? g->c + H : 2 * H;
}

/* Per sample: the gates of every step and direction (pre-activations, then
 * activations, then their gradients), the hidden states, the cell states
 * (lstm) or the recurrent candidate term h Wh_n + b_hn (gru), and the
 * scratch row of the time loop. */
int64_t fnn_recurrent_work_size(const fnn_layer *g) {
    if (g->kind != FNN_RECURRENT) return 0;
    const int64_t H = fnn_recurrent_units(g), steps = g->h * g->dirs;
    return steps * H * (fnn_recurrent_gates(g) + 1 + (g->cell != FNN_CELL_RNN)) +
           scratch_stride(g);
}

#include "fnn_dtype_f32.h"
#include "recurrent.inc"
#include "fnn_dtype_f64.h"
#include "recurrent.inc"
