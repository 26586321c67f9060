/* Selects double for the next inclusion of a kernel family's source. */
#undef fnn_real
#undef FNN_FN
#undef FNN_EXP
#undef FNN_TANH
#undef FNN_SQRT
#undef FNN_EXPM1
#undef FNN_LOG1P
#undef FNN_ERFC
#undef FNN_EPS
#define fnn_real double
#define FNN_FN(name) name##_f64
#define FNN_EXP exp
#define FNN_TANH tanh
#define FNN_SQRT sqrt
#define FNN_EXPM1 expm1
#define FNN_LOG1P log1p
#define FNN_ERFC erfc
#define FNN_EPS 2.220446049250313e-16 /* DBL_EPSILON */
