/* Inverted dropout with masks recomputed from a seed (no mask storage). */
#include "fastnn.h"
#include <math.h>

/* An element is kept when its hash is at least rate * 2^64. */
static uint64_t keep_threshold(double rate) {
    if (rate <= 0) return 0;
    const double t = ldexp(rate, 64);
    return t >= 18446744073709549568.0 ? UINT64_MAX : (uint64_t)t;
}

static inline int kept(uint64_t seed, int64_t i, uint64_t threshold) {
    return fnn_mix64(seed + 0x9e3779b97f4a7c15ULL * (uint64_t)i) >= threshold;
}

#include "fnn_dtype_f32.h"
#include "dropout.inc"
#include "fnn_dtype_f64.h"
#include "dropout.inc"
