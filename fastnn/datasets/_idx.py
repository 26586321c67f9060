"""The IDX format of the MNIST family of data sets."""
import gzip

import numpy as np


def read_idx(path):
    """An array from an IDX file of unsigned bytes, gzipped or not.

    IDX is the format of MNIST and Fashion-MNIST: a magic number giving
    the element type and the number of dimensions, each dimension's size
    (big-endian), then the values.

    Parameters
    ----------
    path : str or path-like
        The file; a name ending in ``.gz`` is read through gzip.

    Returns
    -------
    ndarray of uint8
        The values in the header's shape, e.g. (n, 28, 28) for images.

    Raises
    ------
    ValueError
        If the file is not an IDX file of unsigned bytes, or holds fewer or
        more values than its header promises.

    See Also
    --------
    fastnn.datasets.load_fashion_mnist : Reads the Fashion-MNIST files with it.

    Examples
    --------
    >>> import os, tempfile
    >>> from fastnn.datasets import read_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "two-by-three.idx")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]))
    >>> read_idx(path)
    array([[1, 2, 3],
           [4, 5, 6]], dtype=uint8)
    """
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
