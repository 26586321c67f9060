/* Batch normalisation over the rows of a layer's output: per feature
 * (a dense unit, or a conv channel over every pixel of the batch). */
#include "fastnn.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fnn_dtype_f32.h"
#include "norm.inc"
#include "fnn_dtype_f64.h"
#include "norm.inc"
