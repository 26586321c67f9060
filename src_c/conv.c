/* 2-D convolution, NHWC, as im2col -> GEMM (the dense kernels) -> col2im. */
#include "fastnn.h"
#include <string.h>

/* A 1x1 kernel with stride 1 and no padding reads every pixel once: its
 * "columns" are the input itself, so im2col is skipped. */
static int conv_is_pointwise(const fnn_layer *g) {
    return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 &&
           g->ph == 0 && g->pw == 0 && g->oh == g->h && g->ow == g->w;
}

#include "fnn_dtype_f32.h"
#include "conv.inc"
#include "fnn_dtype_f64.h"
#include "conv.inc"
