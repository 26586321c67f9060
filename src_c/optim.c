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

#include "fnn_dtype_f32.h"
#include "optim.inc"
#include "fnn_dtype_f64.h"
#include "optim.inc"
