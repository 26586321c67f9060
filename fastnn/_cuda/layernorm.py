"""Layer normalisation on the device (kernels/layernorm.cu): each
position's features normalised, scaled and shifted."""
import numpy as np


class LayerNorm:
    def forward(self, net, spec, x, W, b, z, ids):
        n, F = x.shape[0], spec.c
        M = n * spec.h * spec.w
        y = net.xp.empty(x.shape, dtype=x.dtype)
        hat = net.xp.empty(x.shape, dtype=x.dtype)
        inv = net.xp.empty(M, dtype=x.dtype)
        net.launch("layernorm_forward", x.dtype, M, y, hat, inv, net.xp.ascontiguousarray(x),
                   W.reshape(F), b, np.int64(M), np.int64(F))
        net.epilogue(y, z, None, spec)
        return y, (hat, inv)

    def backward(self, net, spec, x, W, kept, dZ, dW, db, need_dx, add, ids):
        hat, inv = kept
        F = spec.c
        M = hat.size // F
        if dW is not None:  # dW: the sums of dY hat, db: those of dY
            sums = net.column_sums(dZ.reshape(M, F), hat.reshape(M, F))
            dW += sums[1].astype(x.dtype).reshape(dW.shape)
            if db is not None:
                db += sums[0].astype(x.dtype)
        if not need_dx:
            return None
        dX = net.xp.empty(x.shape, dtype=x.dtype)
        net.launch("layernorm_input_grad", x.dtype, M, dX, dZ, hat, inv, W.reshape(F),
                   np.int64(M), np.int64(F))
        return dX
