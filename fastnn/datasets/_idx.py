"""The IDX format of the MNIST family of data sets."""
import gzip

import numpy as np


def read_idx(path):
    """An array from an IDX file of unsigned bytes, gzipped or not."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    return parse_idx(data, path)


def parse_idx(data, name="data"):
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError("%s is not an IDX file of unsigned bytes" % name)
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise ValueError("%s holds %d values, its header promises %r" % (name, body.size, shape))
    return body.reshape(shape).copy()  # writable, not a view of the file bytes
