/* Vectorisable exp and tanh (and expm1, log1p, erfc for the elu,
 * softplus and gelu activations).  libm's exp / tanh are calls the
 * compiler cannot turn into SIMD code, and they dominated logistic and tanh
 * layers (tanh cost 10x a relu) and the recurrent gates.  These are plain
 * arithmetic, so loops over them vectorise.  float has all five; double
 * has exp, expm1 and tanh and keeps libm's log1p and erfc. */
#ifndef FNN_MATH_H
#define FNN_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* The shared part of fnn_expf and fnn_expm1f, for x clamped to the float
 * range: x = n ln2 + r with |r| <= ln2 / 2 (ln2 split in two parts so r is
 * exact); *scale = 2^n, built in the exponent bits, and the result is
 * e^r - 1 by a degree-7 polynomial (p r^2 + r, the usual minimax fit for
 * this interval), kept apart from the 1 for expm1's accuracy near 0. */
static inline float fnn_exp_reduce(float x, float *scale) {
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
    const int32_t bits = ((int32_t)n + 127) * (1 << 23);
    memcpy(scale, &bits, sizeof *scale);
    return p * r * r + r;
}

/* e^x within 2 ulp for finite x; +inf above, 0 below the float range; NaN
 * stays NaN. */
static inline float fnn_expf(float x) {
    float scale;
    const float em = fnn_exp_reduce(x, &scale);
    float out = (em + 1.0f) * scale;
    out = x > 88.3762626647949f ? INFINITY : out;
    out = x < -87.3365447505531f ? 0.0f : out;
    return x != x ? x : out;
}

/* tanh(x) = sign(x) (1 - e) / (1 + e), e = e^(-2|x|): no overflow, and
 * within a few ulp of 1 in absolute terms near 0. */
static inline float fnn_tanhf(float x) {
    const float e = fnn_expf(-2.0f * fabsf(x));
    const float t = copysignf((1.0f - e) / (1.0f + e), x);
    return x != x ? x : t;
}

/* e^x - 1, accurate also near 0 (elu, softplus's derivative): the same
 * reduction as fnn_expf, with e^x - 1 = 2^n (e^r - 1) + (2^n - 1) and
 * e^r - 1 = p r^2 + r kept apart from the 1.  For n = 0 (|x| < ln2 / 2)
 * that is the polynomial itself; otherwise |e^x - 1| > 0.29 and the
 * addition loses no more than a bit.  Within 2 ulp (tests/test_engine.py
 * checks elu against float64); -1 below the float range, +inf from
 * 88.3763 on (like fnn_expf: a hair before float's overflow at 88.7228;
 * the activations only take x <= 0). */
static inline float fnn_expm1f(float x) {
    float scale;
    const float em = fnn_exp_reduce(x, &scale);
    float out = scale * em + (scale - 1.0f);
    out = x > 88.3762626647949f ? INFINITY : out;
    out = x < -87.3365447505531f ? -1.0f : out;
    return x != x ? x : out;
}

/* log(1 + x) for 0 <= x <= 1 only (softplus's log1p(e^-|z|)); outside
 * that interval use logf.  log1p(x) = 2 atanh(s), s = x / (2 + x) in
 * [0, 1/3]; atanh(s) / s = 1 + t q(t), t = s^2, q a degree-3 fit over
 * [0, 1/9] (relative error 4.5e-9).  Within 2 ulp, exact as x -> 0 (no
 * 1 + x is formed); NaN stays NaN. */
static inline float fnn_log1pf(float x) {
    const float s = x / (2.0f + x), t = s * s;
    float q = 0.14005994f;
    q = q * t + 0.14000903f;
    q = q * t + 0.20010764f;
    q = q * t + 0.33333208f;
    const float s2 = s + s;
    return s2 + s2 * (t * q);
}

/* erfc(x) for every x, by Numerical Recipes' erfcc: t = 1 / (1 + |x| / 2),
 * erfc(|x|) = t e^(P(t) - x^2), P a degree-9 Chebyshev fit whose own
 * relative error is below 1.2e-7; erfc(-x) = 2 - erfc(x).  The error
 * stays relative deep in the tail, where 1 - erf(x) would be all rounding
 * (gelu's Phi(z) for z << 0); what adds to it is the rounding of the
 * exponent, about x^2 * 6e-8: measured over float32 inputs, 1.6e-6 for
 * |x| < 4 and 8e-6 down to erfc(x) ~ 1e-37.  0 past the float range, 2 at
 * -inf; NaN stays NaN. */
static inline float fnn_erfcf(float x) {
    const float z = fabsf(x);
    const float t = 1.0f / (1.0f + 0.5f * z);
    float p = 0.17087277f;
    p = p * t - 0.82215223f;
    p = p * t + 1.48851587f;
    p = p * t - 1.13520398f;
    p = p * t + 0.27886807f;
    p = p * t - 0.18628806f;
    p = p * t + 0.09678418f;
    p = p * t + 0.37409196f;
    p = p * t + 1.00002368f;
    p = p * t - 1.26551223f;
    const float e = t * fnn_expf(p - z * z);
    return x >= 0 ? e : 2.0f - e; /* NaN: e is NaN */
}

/* ---- double ------------------------------------------------------------ */

/* The double counterpart of fnn_exp_reduce, for x clamped to the double
 * range: x = n ln2 + r, |r| <= ln2 / 2, ln2 in two parts (the high one has
 * trailing zero bits, so n * hi is exact); e^r - 1 by its Taylor series to
 * r^13 / 13!, whose remainder there is below 1e-17.  *scale = 2^n. */
static inline double fnn_exp_reduce_f64(double x, double *scale) {
    const double hi = 709.436138962571, lo = -708.742991782011; /* (+-1023.5) ln2 */
    const double xc = x >= lo ? (x <= hi ? x : hi) : lo; /* NaN -> lo */
    const double shifted = xc * 1.4426950408889634 + 6755399441055744.0;
    const double n = shifted - 6755399441055744.0; /* round(x / ln2) */
    const double r = (xc - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10;
    double p = 1.0 / 6227020800.0; /* 1 / 13! */
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    /* n from the shifted value's low bits rather than a double-to-integer
     * conversion, which AVX2 lacks (the loop would not vectorise) */
    int64_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    bits = (bits - 0x4338000000000000LL + 1023) * ((int64_t)1 << 52);
    memcpy(scale, &bits, sizeof *scale);
    return p * r * r + r;
}

/* e^x within 2 ulp for finite x; +inf from 709.436 on (a hair before
 * double's overflow at 709.78), 0 below -708.743 (no subnormal results);
 * NaN stays NaN. */
static inline double fnn_exp(double x) {
    double scale;
    const double em = fnn_exp_reduce_f64(x, &scale);
    double out = (em + 1.0) * scale;
    out = x > 709.436138962571 ? INFINITY : out;
    out = x < -708.742991782011 ? 0.0 : out;
    return x != x ? x : out;
}

/* e^x - 1, accurate near 0 as fnn_expm1f is; -1 below the range, +inf
 * above it. */
static inline double fnn_expm1(double x) {
    double scale;
    const double em = fnn_exp_reduce_f64(x, &scale);
    double out = scale * em + (scale - 1.0);
    out = x > 709.436138962571 ? INFINITY : out;
    out = x < -708.742991782011 ? -1.0 : out;
    return x != x ? x : out;
}

/* tanh(x) = -sign(x) m / (2 + m), m = e^(-2|x|) - 1: relative accuracy
 * also near 0, where (1 - e) / (1 + e) would lose the leading digits. */
static inline double fnn_tanh(double x) {
    const double m = fnn_expm1(-2.0 * fabs(x));
    const double t = copysign(-m / (2.0 + m), x);
    return x != x ? x : t;
}

#endif
