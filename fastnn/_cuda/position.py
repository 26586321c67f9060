"""Positions on the device (kernels/position.cu): learned ones are the
layer's weights; the fixed sinusoid table is made on the host, as the CPU
engine computes it, and uploaded once per network."""
import math

import numpy as np


def sinusoid_table(T, D, dtype):
    """p[t][2i] = sin(t / 10000^(2i / D)), p[t][2i + 1] = cos(same): the
    CPU engine's values (position.c), in double, then rounded to dtype."""
    table = np.empty((T, D))
    for t in range(T):
        for j in range(D):
            angle = t / math.pow(10000.0, (j - j % 2) / D)
            table[t, j] = math.cos(angle) if j % 2 else math.sin(angle)
    return table.astype(dtype)


class Position:
    def forward(self, net, spec, x, W, b, z, ids):
        if spec.kind == "sinusoid":
            W = net.constant(("sinusoid", spec.h, spec.c, x.dtype),
                             lambda: sinusoid_table(spec.h, spec.c, x.dtype))
        y = net.xp.empty(x.shape, dtype=x.dtype)
        net.launch("position_forward", x.dtype, y.size, y, net.xp.ascontiguousarray(x), W,
                   np.int64(x.shape[0]), np.int64(spec.h * spec.c))
        net.epilogue(y, z, None, spec)
        return y, None

    def backward(self, net, spec, x, W, kept, dZ, dW, db, need_dx, add, ids):
        if dW is not None:  # learned positions
            net.launch("position_grad", dZ.dtype, dW.size, dW, dZ, np.int64(dZ.shape[0]),
                       np.int64(dW.size))
        return dZ if need_dx else None
