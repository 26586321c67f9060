/* Dense (fully connected) layer: Y = X W + b, from dense or CSR input. */
#include "fastnn.h"
#include <stdlib.h>
#include <string.h>

#include "fnn_dtype_f32.h"
#include "dense.inc"
#include "fnn_dtype_f64.h"
#include "dense.inc"
