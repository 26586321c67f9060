"""The dense layer on the device: a cuBLAS product, then the bias and the
activation in one pass (kernels/bias.cu)."""


class Dense:
    def forward(self, net, spec, x, W, b, z, ids):
        """(y = f(x W + b) for the n rows of x, what backward keeps: none)."""
        y = net.xp.empty((x.shape[0], spec.oc), dtype=x.dtype)
        net.backend.matmul(x, W, y)
        net.epilogue(y, z, b, spec)
        return y, None

    def backward(self, net, spec, x, W, kept, dZ, dW, db, need_dx, add, ids):
        """Weight and bias gradients from dZ (n x oc) unless frozen (dW
        None); returns dX, or None when not needed."""
        if dW is not None:
            net.weight_grads(x, dZ, dW, db, add)
        if not need_dx:
            return None
        dX = net.xp.empty(x.shape, dtype=x.dtype)
        net.backend.matmul(dZ, W.T, dX)
        return dX
