/* Hidden-layer activations, element-wise (the CPU engine's
 * activation.inc, one element at a time): f itself, which the layers
 * apply in their epilogue (dense.cu), and the backward kernels.
 * Included once per dtype by kernels.cu. */

/* f(z) */
FNN_INLINE fnn_real FNN_FN(activate)(fnn_real z, int act) {
    switch (act) {
    case FNN_ACT_LOGISTIC: return 1 / (1 + FNN_EXP(-z));
    case FNN_ACT_TANH: return FNN_TANH(z);
    case FNN_ACT_RELU: return z < 0 ? 0 : z; /* NaN stays NaN */
    case FNN_ACT_LEAKY_RELU: return z < 0 ? (fnn_real)FNN_LEAKY_SLOPE * z : z;
    case FNN_ACT_ELU: return z > 0 ? z : FNN_EXPM1(z);
    case FNN_ACT_GELU: { /* z Phi(z) with Phi(z) = erfc(-z / sqrt 2) / 2 */
        const fnn_real cdf = (fnn_real)0.5 * FNN_ERFC(z * (fnn_real)-0.70710678118654752440);
        return cdf == 0 ? 0 : z * cdf;
    }
    case FNN_ACT_SOFTPLUS: { /* max(z, 0) + log1p(e^-|z|) */
        const fnn_real pos = z > 0 ? z : 0, neg = z < 0 ? z : -z;
        return pos + FNN_LOG1P(FNN_EXP(neg));
    }
    default: return z; /* identity */
    }
}

/* d f'(z), written from the output a = f(z); not for gelu */
FNN_INLINE fnn_real FNN_FN(slope_from_output)(fnn_real d, fnn_real a, int act) {
    switch (act) {
    case FNN_ACT_LOGISTIC: return d * a * (1 - a);
    case FNN_ACT_TANH: return d * (1 - a * a);
    case FNN_ACT_RELU: return a > 0 ? d : 0;
    case FNN_ACT_LEAKY_RELU: return a > 0 ? d : (fnn_real)FNN_LEAKY_SLOPE * d;
    case FNN_ACT_ELU: return a > 0 ? d : d * (a + 1);
    case FNN_ACT_SOFTPLUS: return -d * FNN_EXPM1(-a);
    default: return d;
    }
}

/* d f'(z), from the pre-activation z; any activation */
FNN_INLINE fnn_real FNN_FN(slope_from_input)(fnn_real d, fnn_real z, int act) {
    switch (act) {
    case FNN_ACT_LOGISTIC: {
        const fnn_real s = 1 / (1 + FNN_EXP(-z));
        return d * s * (1 - s);
    }
    case FNN_ACT_SOFTPLUS: return d * (1 / (1 + FNN_EXP(-z))); /* logistic(z) */
    case FNN_ACT_TANH: {
        const fnn_real t = FNN_TANH(z);
        return d * (1 - t * t);
    }
    case FNN_ACT_RELU: return z > 0 ? d : 0;
    case FNN_ACT_LEAKY_RELU: return z > 0 ? d : (fnn_real)FNN_LEAKY_SLOPE * d;
    case FNN_ACT_ELU: return z > 0 ? d : d * FNN_EXP(z);
    case FNN_ACT_GELU: { /* Phi(z) + z phi(z) */
        const fnn_real cdf = (fnn_real)0.5 * FNN_ERFC(z * (fnn_real)-0.70710678118654752440);
        const fnn_real pdf = (fnn_real)0.39894228040143267794 * FNN_EXP((fnn_real)-0.5 * z * z);
        return d * (cdf + (pdf == 0 ? 0 : z * pdf));
    }
    default: return d;
    }
}

/* dZ = dA f'(z) from the output A (dZ may alias dA or A) */
FNN_KERNEL FNN_FN(activation_backward)(fnn_real *dZ, const fnn_real *dA, const fnn_real *A,
                                       fnn_i64 n, int act) {
    FNN_EACH(i, n) dZ[i] = FNN_FN(slope_from_output)(dA[i], A[i], act);
}

/* dZ = dA f'(Z) from the pre-activation Z (dZ may alias dA or Z) */
FNN_KERNEL FNN_FN(activation_backward_from_input)(fnn_real *dZ, const fnn_real *dA,
                                                  const fnn_real *Z, fnn_i64 n, int act) {
    FNN_EACH(i, n) dZ[i] = FNN_FN(slope_from_input)(dA[i], Z[i], act);
}
