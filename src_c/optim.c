/* Optimizer steps (sgd with momentum / nesterov, adam) as one fused loop
 * over the flat parameter buffer. */
#include "fastnn.h"
#include <math.h>

int64_t fnn_optim_state_size(const fnn_optim *opt, int64_t n_params) {
    return opt->solver == FNN_ADAM ? 2 * n_params : n_params;
}

#include "fnn_dtype_f32.h"
#include "optim.inc"
#include "fnn_dtype_f64.h"
#include "optim.inc"
