"""Max and average pooling on the device (kernels/pool.cu): windows of
stride = window, or global over the steps that are not padding (a masked
pool); max pooling's gradient to the first maximum, found again from the
input (nothing kept)."""
import numpy as np


class Pool:
    def forward(self, net, spec, x, W, b, z, ids):
        n = x.shape[0]
        y = net.xp.empty((n, spec.oh * spec.ow * spec.c), dtype=x.dtype)
        if spec.masked:  # global, over the steps whose id is not 0
            net.launch("pool_masked_forward", x.dtype, y.size, y, x, ids, np.int64(n),
                       np.int64(spec.h), np.int64(spec.c), np.int32(spec.kind == "maxpool"))
        else:
            net.launch("pool_forward", x.dtype, y.size, y, x, *self.sizes(spec, n))
        net.epilogue(y, z, None, spec)  # an activation moved behind the pool
        return y, None

    def backward(self, net, spec, x, W, kept, dZ, dW, db, need_dx, add, ids):
        if not need_dx:
            return None
        n = x.shape[0]
        dX = net.xp.empty(x.shape, dtype=x.dtype)
        if spec.masked:
            net.launch("pool_masked_backward", x.dtype, n * spec.c, dX, dZ, x, ids,
                       np.int64(n), np.int64(spec.h), np.int64(spec.c),
                       np.int32(spec.kind == "maxpool"))
        else:
            net.launch("pool_backward", x.dtype, dX.size, dX, dZ, x, *self.sizes(spec, n))
        return dX

    @staticmethod
    def sizes(spec, n):
        return (np.int64(n), np.int64(spec.h), np.int64(spec.w), np.int64(spec.c),
                np.int64(spec.kh), np.int64(spec.kw), np.int32(spec.kind == "maxpool"))
