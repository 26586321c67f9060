"""Recurrent layers (rnn, lstm, gru; one or two directions) on the
device.  The input projection of every step is one cuBLAS product before
the time loop; each step is a cuBLAS product of the previous hidden
states with the recurrent weights and one kernel for the cell
(kernels/recurrent.cu).  Backward walks the steps back the same way, and
the weight gradients are products over every step at once after the
loop.  Weights are the CPU engine's: (c + H) x (D G H), input weights
above recurrent ones, a block of columns per direction."""
import numpy as np

CELLS = {"rnn": (0, 1), "lstm": (1, 4), "gru": (2, 3)}  # cell: (code, gates)


class Recurrent:
    @staticmethod
    def weight_shape(spec):
        T, D, H, G = Recurrent.shape(spec)
        return spec.c + H, D * G * H

    @staticmethod
    def shape(spec):
        """(T, D, H, G)."""
        return spec.h, spec.dirs, spec.oc // spec.dirs, CELLS[spec.cell][1]

    def forward(self, net, spec, x, W, b, z, ids):
        xp, n, dtype = net.xp, x.shape[0], x.dtype
        T, D, H, G = self.shape(spec)
        GH, c, code = G * H, spec.c, np.int32(CELLS[spec.cell][0])
        gates = xp.empty((n, T, D, GH), dtype=dtype)
        hid = xp.empty((n, T, D, H), dtype=dtype)
        aux = xp.empty((n, T, D, H), dtype=dtype)
        net.backend.matmul(x.reshape(n * T, c), W[:c], gates.reshape(n * T, D * GH))
        gh = xp.empty((n, GH), dtype=dtype)
        sizes = (np.int64(n), np.int64(T), np.int64(D), np.int64(H))
        for d in range(D):
            Wh = W[c:, d * GH:(d + 1) * GH]
            for k in range(T):
                t, tp = (T - 1 - k, T - k) if d else (k, k - 1)
                if k:
                    net.backend.matmul(hid[:, tp, d], Wh, gh)
                net.launch("recurrent_step", dtype, n * H, gates, hid, aux, gh if k else None,
                           b, ids if spec.masked else None, *sizes, np.int64(t),
                           np.int64(tp if k else -1), np.int64(d), code)
        if spec.oh == T:
            y = hid.reshape(n, T * D * H).copy()  # the states stay for backward
        else:  # each direction's last step: t = T - 1 forward, t = 0 backward
            y = xp.concatenate([hid[:, T - 1 if d == 0 else 0, d] for d in range(D)], axis=1)
        net.epilogue(y, z, None, spec)
        return y, (gates, hid, aux)

    def backward(self, net, spec, x, W, kept, dZ, dW, db, need_dx, add, ids):
        xp, n, dtype = net.xp, x.shape[0], x.dtype
        gates, hid, aux = kept
        T, D, H, G = self.shape(spec)
        GH, c, code = G * H, spec.c, np.int32(CELLS[spec.cell][0])
        gru = spec.cell == "gru"
        seq = spec.oh == T and T > 1
        dY = dZ.reshape(n, T, D, H) if seq else dZ.reshape(n, D, H)
        dh = xp.empty((n, H), dtype=dtype)
        dc = xp.empty((n, H), dtype=dtype)
        part = xp.empty((n, H), dtype=dtype)  # a step's recurrent product
        sizes = (np.int64(n), np.int64(T), np.int64(D), np.int64(H))
        for d in range(D):
            Wh = W[c:, d * GH:(d + 1) * GH]
            dh.fill(0)
            dc.fill(0)
            for k in range(T - 1, -1, -1):
                t, tp = (T - 1 - k, T - k) if d else (k, k - 1)
                dy = (xp.ascontiguousarray(dY[:, t, d]) if seq else
                      xp.ascontiguousarray(dY[:, d]) if k == T - 1 else None)
                net.launch("recurrent_step_back", dtype, n * H, gates, aux, dh, dc, hid, dy,
                           np.int64(H), ids if spec.masked else None, *sizes, np.int64(t),
                           np.int64(tp if k else -1), np.int64(d), code)
                if k == 0:
                    break
                # h_prev's gradient through the recurrent weights
                g_t = gates[:, t, d]
                if gru:
                    net.backend.matmul(g_t[:, :2 * H], Wh[:, :2 * H].T, part)
                    dh += part
                    net.backend.matmul(aux[:, t, d], Wh[:, 2 * H:].T, part)
                else:
                    net.backend.matmul(g_t, Wh.T, part)
                dh += part
        grads = gates.reshape(n * T, D * GH)
        if dW is not None:
            self.weight_grads(net, spec, x, grads, aux, hid, dW, db)
        if not need_dx:
            return None
        dX = xp.empty((n, T * c), dtype=dtype)
        net.backend.matmul(grads, W[:c].T, dX.reshape(n * T, c))
        return dX

    def weight_grads(self, net, spec, x, grads, aux, hid, dW, db):
        """Adds the layer's weight and bias gradients from every step's gate
        gradients: biases and input weights over all steps, recurrent
        weights over the steps that had a previous state."""
        xp, n = net.xp, x.shape[0]
        T, D, H, G = self.shape(spec)
        GH, c = G * H, spec.c
        gru = spec.cell == "gru"
        db[:D * GH] += net.column_sums(grads).astype(grads.dtype)
        if gru:
            db[D * GH:] += net.column_sums(aux.reshape(n * T, D * H)).astype(grads.dtype)
        part = xp.empty((c, D * GH), dtype=grads.dtype)
        net.backend.matmul(x.reshape(n * T, c).T, grads, part)
        dW[:c] += part
        if T < 2:
            return
        g4 = grads.reshape(n, T, D, GH)
        part = xp.empty((H, GH), dtype=grads.dtype)
        for d in range(D):
            # forward: h at t - 1 meets gates at t; backward: h at t + 1
            prev, now = (slice(1, T), slice(0, T - 1)) if d else (slice(0, T - 1), slice(1, T))
            h_prev = xp.ascontiguousarray(hid[:, prev, d]).reshape(n * (T - 1), H)
            g_now = xp.ascontiguousarray(g4[:, now, d]).reshape(n * (T - 1), GH)
            cols = slice(d * GH, (d + 1) * GH)
            if gru:  # the candidate's recurrent weights meet aux's gradient
                g_now[:, 2 * H:] = aux[:, now, d].reshape(n * (T - 1), H)
            net.backend.matmul(h_prev.T, g_now, part)
            dW[c:, cols] += part
