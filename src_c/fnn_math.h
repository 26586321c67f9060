/* Vectorisable float exp and tanh.  libm's expf / tanhf are calls the
 * compiler cannot turn into SIMD code, and they dominated logistic and tanh
 * layers (tanh cost 10x a relu).  These are plain arithmetic, so loops
 * over them vectorise.  float only: double keeps libm. */
#ifndef FNN_MATH_H
#define FNN_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* e^x within 2 ulp for finite x; +inf above, 0 below the float range; NaN
 * stays NaN.  x = n ln2 + r with |r| <= ln2 / 2 (ln2 split in two parts so
 * r is exact), e^r by a degree-7 polynomial, 2^n built in the exponent
 * bits.  The coefficients are the usual minimax fit for this interval. */
static inline float fnn_expf(float x) {
    const float hi = 88.3762626647949f, lo = -87.3365447505531f;
    /* clamp with selects (fminf is a call); NaN -> lo, so the conversion
     * to int below stays defined */
    const float xc = x >= lo ? (x <= hi ? x : hi) : lo;
    const float shifted = xc * 1.44269504088896341f + 12582912.0f;
    const float n = shifted - 12582912.0f; /* round(x / ln2) */
    const float r = (xc - n * 0.693359375f) - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float er = p * r * r + r + 1.0f;
    const int32_t bits = ((int32_t)n + 127) * (1 << 23);
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    float out = er * scale;
    out = x > hi ? INFINITY : out;
    out = x < lo ? 0.0f : out;
    return x != x ? x : out;
}

/* tanh(x) = sign(x) (1 - e) / (1 + e), e = e^(-2|x|): no overflow, and
 * within a few ulp of 1 in absolute terms near 0. */
static inline float fnn_tanhf(float x) {
    const float e = fnn_expf(-2.0f * fabsf(x));
    const float t = copysignf((1.0f - e) / (1.0f + e), x);
    return x != x ? x : t;
}

#endif
