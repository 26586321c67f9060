/* Select float for the next inclusion of a generic .inc file. */
#include "fnn_math.h"
#include <float.h>
#undef fnn_real
#undef FNN_FN
#undef FNN_GEMM
#undef FNN_OP
#define fnn_real float
#define FNN_FN(name) name##_f32
#define FNN_GEMM fnn_gemm_f32
/* a layer kind's operation of this dtype (fnn_layer_ops) */
#define FNN_OP(ops, name) ((ops)->name##_f32)
#undef FNN_EXP
#undef FNN_LOG
#undef FNN_TANH
#undef FNN_SQRT
#undef FNN_EPS
#undef FNN_LOWEST
#undef FNN_EXPM1
#undef FNN_LOG1P
#undef FNN_ERFC
#define FNN_EXP fnn_expf
#define FNN_LOG logf
#define FNN_TANH fnn_tanhf
#define FNN_SQRT sqrtf
#define FNN_EPS FLT_EPSILON
#define FNN_LOWEST -FLT_MAX /* the lowest finite value */
#define FNN_EXPM1 fnn_expm1f
#define FNN_LOG1P fnn_log1pf /* float: for 0 <= x <= 1 only */
#define FNN_ERFC fnn_erfcf
