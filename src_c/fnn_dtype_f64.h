/* Select double for the next inclusion of a generic .inc file. */
#include <float.h>
#undef fnn_real
#undef FNN_FN
#undef FNN_GEMM
#undef FNN_OP
#define fnn_real double
#define FNN_FN(name) name##_f64
#define FNN_GEMM fnn_gemm_f64
/* a layer kind's operation of this dtype (fnn_layer_ops) */
#define FNN_OP(ops, name) ((ops)->name##_f64)
#undef FNN_EXP
#undef FNN_LOG
#undef FNN_TANH
#undef FNN_SQRT
#undef FNN_EPS
#undef FNN_LOWEST
#undef FNN_EXPM1
#undef FNN_LOG1P
#undef FNN_ERFC
#define FNN_EXP fnn_exp
#define FNN_LOG log
#define FNN_TANH fnn_tanh
#define FNN_SQRT sqrt
#define FNN_EPS DBL_EPSILON
#define FNN_LOWEST -DBL_MAX /* the lowest finite value */
#define FNN_EXPM1 fnn_expm1
#define FNN_LOG1P log1p
#define FNN_ERFC erfc
