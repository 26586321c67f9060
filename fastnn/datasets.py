"""Loaders for well-known data sets stored on the machine (nothing is
downloaded)."""
import gzip
import os

import numpy as np

# Where Debian's dataset-fashion-mnist package puts the original files.
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")


def read_idx(path):
    """An array from an IDX file (the MNIST format), gzipped or not."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError("%s is not an IDX file of unsigned bytes" % path)
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise ValueError("%s holds %d values, its header promises %r" % (path, body.size, shape))
    return body.reshape(shape).copy()  # writable, not a view of the file bytes


def load_fashion_mnist(data_home=None, kind="train"):
    """Fashion-MNIST: (images uint8 (n, 28, 28), labels uint8 (n,)).

    kind: 'train' (60000 images) or 'test' (10000).  data_home defaults to
    where Debian's ``dataset-fashion-mnist`` package installs the files;
    a missing file raises FileNotFoundError saying how to get it.
    """
    if kind not in ("train", "test"):
        raise ValueError("kind must be 'train' or 'test', got %r" % (kind,))
    home = data_home or FASHION_MNIST_DIR
    prefix = "train" if kind == "train" else "t10k"
    paths = [os.path.join(home, "%s-%s-idx%d-ubyte.gz" % (prefix, what, dims))
             for what, dims in (("images", 3), ("labels", 1))]
    for path in paths:
        if not os.path.exists(path):
            raise FileNotFoundError(
                "%s not found: install Debian's dataset-fashion-mnist package or pass "
                "data_home= pointing at the original gzip files." % path)
    images, labels = (read_idx(p) for p in paths)
    if images.shape[0] != labels.shape[0]:
        raise ValueError("%d images but %d labels" % (images.shape[0], labels.shape[0]))
    return images, labels
