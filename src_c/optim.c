/* Optimizer steps (sgd with momentum / nesterov, adam, adamw, rmsprop,
 * adagrad) as one fused loop over the flat parameter buffer. */
#include "fastnn.h"
#include <math.h>

int64_t fnn_optim_state_size(const fnn_optim *opt, int64_t n_params) {
    /* adam, adamw: first and second moments; sgd: velocity; rmsprop,
     * adagrad: the squared-gradient average or sum */
    return opt->solver == FNN_ADAM || opt->solver == FNN_ADAMW ? 2 * n_params
                                                              : n_params;
}

void fnn_optim_count_step(fnn_optim *opt) {
    if (opt->solver == FNN_ADAM || opt->solver == FNN_ADAMW) opt->t += 1;
}

/* The values spans cover, or -1 unless they are n_spans increasing,
 * disjoint [start, end) pairs within [0, n_params). */
static int64_t spans_size(const int64_t *spans, int n_spans, int64_t n_params) {
    if (spans == NULL) return n_spans == 0 ? n_params : -1;
    int64_t n = 0, last = 0;
    for (int i = 0; i < n_spans; i++) {
        const int64_t a = spans[2 * i], b = spans[2 * i + 1];
        if (a < last || b <= a || b > n_params) return -1;
        n += b - a;
        last = b;
    }
    return n;
}

#include "fnn_dtype_f32.h"
#include "optim.inc"
#include "fnn_dtype_f64.h"
#include "optim.inc"
