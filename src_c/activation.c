/* Hidden-layer activations: identity, logistic, tanh, relu, leaky_relu,
 * elu, gelu, softplus. */
#include "fastnn.h"
#include <math.h>
#include <string.h>

#include "fnn_dtype_f32.h"
#include "activation.inc"
#include "fnn_dtype_f64.h"
#include "activation.inc"
