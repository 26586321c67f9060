/* Max and average pooling over non-overlapping windows, NHWC. */
#include "fastnn.h"
#include <string.h>

#include "fnn_dtype_f32.h"
#include "pool.inc"
#include "fnn_dtype_f64.h"
#include "pool.inc"
