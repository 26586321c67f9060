/* Naive reference versions of the kernels: plain loops, no BLAS, no
 * threads, written for reading.  The tests hold the fast kernels to them. */
#include "fastnn.h"
#include <math.h>

#include "fnn_dtype_f32.h"
#include "reference.inc"
#include "fnn_dtype_f64.h"
#include "reference.inc"
