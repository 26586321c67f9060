/* Select double for the next inclusion of a generic .inc file. */
#undef fnn_real
#undef FNN_FN
#undef FNN_GEMM
#define fnn_real double
#define FNN_FN(name) name##_f64
#define FNN_GEMM fnn_gemm_f64
#undef FNN_EXP
#undef FNN_LOG
#undef FNN_TANH
#undef FNN_SQRT
#undef FNN_EPS
#define FNN_EXP exp
#define FNN_LOG log
#define FNN_TANH tanh
#define FNN_SQRT sqrt
#define FNN_EPS DBL_EPSILON
