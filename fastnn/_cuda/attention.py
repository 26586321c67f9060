"""Multi-head self-attention on the device: the input and output
projections are cuBLAS products over the batch, each head's two products
batched cuBLAS products, and the masked, scaled softmax and its backward
kernels (kernels/attention.cu).  Weights are the CPU engine's: D x 4D
(queries, keys, values, output), biases 4D."""
import math

import numpy as np


class Attention:
    @staticmethod
    def weight_shape(spec):
        return spec.c, 4 * spec.c

    @staticmethod
    def split(qkv, n, T, H, dh, part):
        """Part 0, 1, 2 (queries, keys, values) of qkv (n x T x 3D) as
        n x H x T x dh."""
        D = H * dh
        return qkv[:, :, part * D:(part + 1) * D].reshape(n, T, H, dh).transpose(0, 2, 1, 3)

    def forward(self, net, spec, x, W, b, z, ids):
        xp, dtype, mm = net.xp, x.dtype, net.backend.matmul
        n, T, D, H = x.shape[0], spec.h, spec.c, spec.heads
        dh = D // H
        qkv = xp.empty((n, T, 3 * D), dtype=dtype)
        mm(x.reshape(n * T, D), W[:, :3 * D], qkv.reshape(n * T, 3 * D))
        qkv += b[:3 * D]
        Q, K, V = (xp.ascontiguousarray(self.split(qkv, n, T, H, dh, i)) for i in range(3))
        P = xp.empty((n, H, T, T), dtype=dtype)
        mm(Q, K.transpose(0, 1, 3, 2), P)
        net.launch("attention_softmax", dtype, n * H * T, P, ids if spec.masked else None,
                   np.int64(n), np.int64(H), np.int64(T), np.int32(spec.causal),
                   dtype.type(1 / math.sqrt(dh)))
        heads = xp.empty((n, H, T, dh), dtype=dtype)
        mm(P, V, heads)
        C = xp.ascontiguousarray(heads.transpose(0, 2, 1, 3)).reshape(n * T, D)
        y = xp.empty((n * T, D), dtype=dtype)
        mm(C, W[:, 3 * D:], y)
        net.epilogue(y, None if z is None else z.reshape(n * T, D), b[3 * D:], spec)
        return y.reshape(n, T * D), (Q, K, V, P, C)

    def backward(self, net, spec, x, W, kept, dZ, dW, db, need_dx, add, ids):
        xp, dtype, mm = net.xp, x.dtype, net.backend.matmul
        Q, K, V, P, C = kept
        n, T, D, H = x.shape[0], spec.h, spec.c, spec.heads
        dh = D // H
        dY = dZ.reshape(n * T, D)
        if dW is not None:  # the output projection's
            net.weight_grads(C, dY, dW[:, 3 * D:], db[3 * D:], True)
        dC = xp.empty((n * T, D), dtype=dtype)
        mm(dY, W[:, 3 * D:].T, dC)
        dO = xp.ascontiguousarray(dC.reshape(n, T, H, dh).transpose(0, 2, 1, 3))
        dS = xp.empty((n, H, T, T), dtype=dtype)
        mm(dO, V.transpose(0, 1, 3, 2), dS)  # dP
        dQKV = xp.empty((n, T, 3 * D), dtype=dtype)
        part = xp.empty((n, H, T, dh), dtype=dtype)
        mm(P.transpose(0, 1, 3, 2), dO, part)  # dV
        self.split(dQKV, n, T, H, dh, 2)[...] = part
        net.launch("attention_softmax_back", dtype, n * H * T, dS, P, np.int64(n * H * T),
                   np.int64(T), dtype.type(1 / math.sqrt(dh)))
        mm(dS, K, part)  # dQ
        self.split(dQKV, n, T, H, dh, 0)[...] = part
        mm(dS.transpose(0, 1, 3, 2), Q, part)  # dK
        self.split(dQKV, n, T, H, dh, 1)[...] = part
        dQKV = dQKV.reshape(n * T, 3 * D)
        if dW is not None:  # the input projections'
            net.weight_grads(x.reshape(n * T, D), dQKV, dW[:, :3 * D], db[:3 * D], True)
        if not need_dx:
            return None
        dX = xp.empty((n * T, D), dtype=dtype)
        mm(dQKV, W[:, :3 * D].T, dX)
        return dX.reshape(n, T * D)
