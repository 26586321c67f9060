"""Layer widths -> where each parameter lives in the one flat buffer.

The layout is scikit-learn's `_pack` order: every weight matrix in layer
order, then every bias vector.  The weights therefore form a prefix of the
buffer, which is what the engine's fused L2 penalty relies on, and
`coefs_` / `intercepts_` are plain views into it.
"""
import numpy as np


class DenseLayout:
    """Offsets of W_l (units[l] x units[l+1]) and b_l in a flat buffer."""

    def __init__(self, units):
        self.units = [int(u) for u in units]
        self.coef_shapes = [(a, b) for a, b in zip(self.units[:-1], self.units[1:])]
        sizes = [a * b for a, b in self.coef_shapes] + self.units[1:]
        self._bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.n_layers = len(self.coef_shapes)
        self.n_coefs = int(self._bounds[self.n_layers])
        self.n_params = int(self._bounds[-1])

    def views(self, flat):
        """(coefs, intercepts): lists of arrays sharing memory with flat."""
        b = self._bounds
        coefs = [
            flat[b[i] : b[i + 1]].reshape(shape)
            for i, shape in enumerate(self.coef_shapes)
        ]
        intercepts = [
            flat[b[self.n_layers + i] : b[self.n_layers + i + 1]]
            for i in range(self.n_layers)
        ]
        return coefs, intercepts

    def pack(self, coefs, intercepts, dtype):
        """A new flat buffer holding copies of coefs and intercepts."""
        shapes = [np.shape(c) for c in coefs]
        if shapes != self.coef_shapes or [np.shape(i) for i in intercepts] != [
            (u,) for u in self.units[1:]
        ]:
            raise ValueError(
                "The fitted coefficients have shapes %s, which do not match the "
                "layer sizes %s; fit again without warm_start." % (shapes, self.units)
            )
        flat = np.empty(self.n_params, dtype=dtype)
        for dst, src in zip(self.views(flat)[0] + self.views(flat)[1], coefs + intercepts):
            dst[...] = src
        return flat
