"""Convolution on the device: im2col (kernels/conv.cu), one cuBLAS
product over every output pixel of the batch, the bias and activation in
one pass; backward is the product's two gradients and col2im.  A 1x1
convolution of stride 1 without padding is a dense layer over pixels."""
import numpy as np


def pointwise(spec):
    return (spec.kh, spec.kw, spec.sh, spec.sw, spec.ph, spec.pw) == (1, 1, 1, 1, 0, 0) \
        and (spec.oh, spec.ow) == (spec.h, spec.w)


def geometry(spec):
    """The kernels' size arguments after N: h, w, c, oh, ow, kh, kw, sh, sw,
    ph, pw."""
    return tuple(np.int64(v) for v in (spec.h, spec.w, spec.c, spec.oh, spec.ow, spec.kh,
                                        spec.kw, spec.sh, spec.sw, spec.ph, spec.pw))


class Conv:
    def forward(self, net, spec, x, W, b, z, ids):
        """(y = f(conv(x) + b), n x (oh ow oc); the columns, kept)."""
        xp, n = net.xp, x.shape[0]
        pixels = n * spec.oh * spec.ow
        if pointwise(spec):
            col = x.reshape(pixels, spec.c)
        else:
            col = xp.empty((pixels, W.shape[0]), dtype=x.dtype)
            net.launch("im2col", x.dtype, col.size, col, x, np.int64(n), *geometry(spec))
        y = xp.empty((pixels, spec.oc), dtype=x.dtype)
        net.backend.matmul(col, W, y)
        net.epilogue(y, None if z is None else z.reshape(pixels, spec.oc), b, spec)
        return y.reshape(n, -1), col

    def backward(self, net, spec, x, W, col, dZ, dW, db, need_dx, add, ids):
        xp, n = net.xp, x.shape[0]
        dZ = dZ.reshape(col.shape[0], spec.oc)
        if dW is not None:
            net.weight_grads(col, dZ, dW, db, add)
        if not need_dx:
            return None
        dcol = xp.empty(col.shape, dtype=x.dtype)
        net.backend.matmul(dZ, W.T, dcol)
        if pointwise(spec):
            return dcol.reshape(x.shape)
        dX = xp.empty(x.shape, dtype=x.dtype)
        net.launch("col2im", x.dtype, dX.size, dX, dcol, np.int64(n), *geometry(spec))
        return dX
