/* The device engine's one translation unit: every kernel family, once per
 * dtype (names end in _f32 and _f64).  fastnn/_cuda/_compile.py compiles it
 * with NVRTC; the tests compile it as C too (fnn_cuda.h). */
#include "fnn_cuda.h"

#include "real_f32.h"
#include "activation.cu"
#include "bias.cu"
#include "conv.cu"
#include "dropout.cu"
#include "embedding.cu"
#include "loss.cu"
#include "optim.cu"
#include "pool.cu"
#include "recurrent.cu"

#include "real_f64.h"
#include "activation.cu"
#include "bias.cu"
#include "conv.cu"
#include "dropout.cu"
#include "embedding.cu"
#include "loss.cu"
#include "optim.cu"
#include "pool.cu"
#include "recurrent.cu"
