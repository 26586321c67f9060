/* Prototypes of every kernel, declared once per dtype from fnn_kernels.inc. */
#ifndef FNN_KERNELS_H
#define FNN_KERNELS_H
#include "fnn_dtype_f32.h"
#include "fnn_kernels.inc"
#include "fnn_dtype_f64.h"
#include "fnn_kernels.inc"
#undef fnn_real
#undef FNN_FN
#undef FNN_GEMM
#undef FNN_OP
#undef FNN_EXP
#undef FNN_LOG
#undef FNN_TANH
#undef FNN_SQRT
#undef FNN_EPS
#endif
