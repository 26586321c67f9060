"""Where a layer's weights start.  Each function draws from random_state
in a fixed order (weights, then biases), so a network starts where
scikit-learn's (or PyTorch's, for recurrent layers) would for the same
draws."""
import numpy as np

from ._network import GATES, bias_size, coef_shape, glorot_fans


def glorot(spec, random_state, factor, dtype):
    """Glorot uniform weights and biases, bound sqrt(factor / (fan_in +
    fan_out)); scikit-learn's MLP uses factor 2 for the logistic, else 6."""
    fan_in, fan_out = glorot_fans(spec)
    bound = np.sqrt(factor / (fan_in + fan_out))
    shape = coef_shape(spec)
    coef = random_state.uniform(-bound, bound, (int(np.prod(shape[:-1])), shape[-1]))
    intercept = random_state.uniform(-bound, bound, shape[-1])
    return coef.reshape(shape).astype(dtype, copy=False), intercept.astype(dtype, copy=False)


def recurrent(spec, random_state, dtype):
    """PyTorch's uniform(-1/sqrt(units), 1/sqrt(units)) for the weights;
    zero biases, except that an LSTM's forget gates start at 1 (open), so
    that early gradients reach back through many steps."""
    units = spec.oc // spec.dirs
    bound = 1.0 / np.sqrt(units)
    coef = random_state.uniform(-bound, bound, coef_shape(spec))
    intercept = np.zeros(bias_size(spec))
    if spec.cell == "lstm":  # gates in PyTorch's order: input, forget, cell, output
        gates = GATES["lstm"]
        for d in range(spec.dirs):
            intercept[(gates * d + 1) * units:(gates * d + 2) * units] = 1.0
    return coef.astype(dtype, copy=False), intercept.astype(dtype, copy=False)


def embedding(spec, random_state, dtype):
    """Each id's vector from uniform(-0.05, 0.05), as Keras starts its
    embeddings: small, so no id dominates the first steps; no biases."""
    coef = random_state.uniform(-0.05, 0.05, coef_shape(spec))
    return coef.astype(dtype, copy=False), np.zeros(0, dtype=dtype)


def layernorm(spec, random_state, dtype):
    """Scale 1 and shift 0, as PyTorch starts them: the identity on
    normalised values.  Draws nothing."""
    return np.ones(spec.oc, dtype=dtype), np.zeros(spec.oc, dtype=dtype)


# The initializer of each layer kind with weights (_network.WEIGHT_SHAPES).
def attention(spec, random_state, dtype):
    """PyTorch's MultiheadAttention start: the query, key and value
    projections from Glorot's uniform bound over their (D, 3D) block, the
    output projection from uniform(-1/sqrt(D), 1/sqrt(D)); zero biases."""
    D = spec.c
    inner = random_state.uniform(-np.sqrt(6.0 / (4 * D)), np.sqrt(6.0 / (4 * D)), (D, 3 * D))
    out = random_state.uniform(-1 / np.sqrt(D), 1 / np.sqrt(D), (D, D))
    coef = np.hstack([inner, out])
    return coef.astype(dtype, copy=False), np.zeros(4 * D, dtype=dtype)


BY_KIND = {
    "dense": glorot,
    "conv": glorot,
    "recurrent": lambda spec, random_state, factor, dtype: recurrent(spec, random_state, dtype),
    "embedding": lambda spec, random_state, factor, dtype: embedding(spec, random_state, dtype),
    "layernorm": lambda spec, random_state, factor, dtype: layernorm(spec, random_state, dtype),
    "attention": lambda spec, random_state, factor, dtype: attention(spec, random_state, dtype),
    "position": lambda spec, random_state, factor, dtype: embedding(spec, random_state, dtype),
}


def initial(spec, random_state, glorot_factor, dtype):
    """(weights, biases) of a layer as its kind starts them; glorot_factor
    for the kinds that use Glorot's bound."""
    return BY_KIND[spec.kind](spec, random_state, glorot_factor, dtype)
