/* The naive reference kernels the tests hold the engine's kernels to:
 * plain loops, no BLAS, no threads.  Built only into the tests' extension
 * (tests/kernels/build_kernels.py), never shipped. */
#ifndef FNN_REFERENCE_H
#define FNN_REFERENCE_H
#include "fastnn.h"
#include "fnn_dtype_f32.h"
#include "reference_prototypes.inc"
#include "fnn_dtype_f64.h"
#include "reference_prototypes.inc"
#undef fnn_real
#undef FNN_FN
#endif
