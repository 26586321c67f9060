"""Joins on the device (residual blocks, branches, column ranges): take,
add and concat read an earlier tensor S of the network besides their
input, as the CPU engine's join.inc does; copies and additions of whole
arrays, so CuPy's own element-wise kernels do them.  The network gathers
a join's gradient for S and adds it in when the walk back reaches S."""


class Join:
    joins = True

    def forward(self, net, spec, x, S, z):
        """y (n x oh ow oc) from the input x and the earlier tensor S."""
        xp, n = net.xp, x.shape[0]
        M = spec.oh * spec.ow
        s = S.reshape(n, M, -1)
        if spec.kind == "take":
            y = s[:, :, spec.src_at:spec.src_at + spec.oc]
        elif spec.kind == "add":
            y = x.reshape(n, M, spec.c) + s
        else:
            y = xp.concatenate([s, x.reshape(n, M, spec.c)], axis=2)
        y = xp.ascontiguousarray(y).reshape(n, M * spec.oc)
        net.epilogue(y, z, None, spec)
        return y

    def backward(self, net, spec, x_shape, S_shape, dZ, need_dx):
        """(dX or None, dS): the gradients of the input and of S."""
        xp, n = net.xp, dZ.shape[0]
        M = spec.oh * spec.ow
        dy = dZ.reshape(n, M, spec.oc)
        if spec.kind == "take":
            dS = xp.zeros((n, M, S_shape[1] // M), dtype=dZ.dtype)
            dS[:, :, spec.src_at:spec.src_at + spec.oc] = dy
            dX = xp.zeros(x_shape, dtype=dZ.dtype) if need_dx else None
        elif spec.kind == "add":
            dS, dX = dy, (dy.copy() if need_dx else None)
        else:
            width = spec.oc - spec.c
            dS = dy[:, :, :width]
            dX = xp.ascontiguousarray(dy[:, :, width:]) if need_dx else None
        dX = None if dX is None else dX.reshape(x_shape)
        return dX, xp.ascontiguousarray(dS).reshape(S_shape)
