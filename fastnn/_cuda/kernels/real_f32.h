/* Selects float for the next inclusion of a kernel family's source. */
#undef fnn_real
#undef FNN_FN
#undef FNN_EXP
#undef FNN_TANH
#undef FNN_SQRT
#undef FNN_EXPM1
#undef FNN_LOG1P
#undef FNN_ERFC
#undef FNN_EPS
#define fnn_real float
#define FNN_FN(name) name##_f32
#define FNN_EXP expf
#define FNN_TANH tanhf
#define FNN_SQRT sqrtf
#define FNN_EXPM1 expm1f
#define FNN_LOG1P log1pf
#define FNN_ERFC erfcf
#define FNN_EPS 1.1920928955078125e-07 /* FLT_EPSILON */
