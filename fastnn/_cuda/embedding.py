"""The embedding layer on the device (kernels/embedding.cu): a lookup
forward; backward adds each step's gradient into its id's row, the steps
grouped by id with a sort so that the sums are the CPU engine's, in the
same order, with no atomic additions."""
import numpy as np


class Embedding:
    def check_ids(self, spec, ids):
        """The ValueError the CPU engine gives for ids that are not whole
        numbers in [0, vocab), checked on the host before the upload."""
        if not (np.all((ids >= 0) & (ids < spec.vocab)) and np.all(ids == np.floor(ids))):
            raise ValueError("token ids must be whole numbers from 0 to vocab_size - 1 = %d"
                             % (spec.vocab - 1))

    def forward(self, net, spec, x, W, b, z, ids):
        n = x.shape[0]
        y = net.xp.empty((n, spec.h * spec.oc), dtype=x.dtype)
        net.launch("embedding_forward", x.dtype, y.size, y, net.xp.ascontiguousarray(x),
                   W, np.int64(n * spec.h), np.int64(spec.oc))
        net.epilogue(y, z, None, spec)
        return y, None

    def backward(self, net, spec, x, W, kept, dZ, dW, db, need_dx, add, ids):
        xp = net.xp
        if dW is not None:
            steps = x.shape[0] * spec.h
            # a key per step, unique, so any sort gives the same order:
            # by id, then by step
            key = x.reshape(steps).astype(np.int64) * steps + xp.arange(steps, dtype=np.int64)
            key = xp.sort(key)
            id_sorted, pos = key // steps, key % steps
            change = xp.flatnonzero(id_sorted[1:] != id_sorted[:-1]) + 1
            starts = xp.concatenate([xp.zeros(1, np.int64), change,
                                     xp.full(1, steps, np.int64)]).astype(np.int64)
            id_of = xp.ascontiguousarray(id_sorted[starts[:-1]])
            n_ids = id_of.shape[0]
            net.launch("embedding_backward", dZ.dtype, n_ids * spec.oc, dW, dZ, pos, starts,
                       id_of, np.int64(n_ids), np.int64(spec.oc))
        return xp.zeros(x.shape, dtype=x.dtype) if need_dx else None
