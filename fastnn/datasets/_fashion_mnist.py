"""Fashion-MNIST: Zalando's 70,000 28x28 grey images of clothing."""
import gzip
import os

import numpy as np
from sklearn.utils import Bunch

from ._home import fetch, get_data_home
from ._idx import read_idx

# Where Debian's dataset-fashion-mnist package puts the original files.
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")
# SHA-256 of each file's content once gunzipped: a copy compressed again
# (as Debian's) passes too.
FILES = {
    "train-images-idx3-ubyte.gz":
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz":
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz":
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz":
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

DESCR = """Fashion-MNIST
=============

70,000 grey images of 28x28 pixels (0: background, 255: ink), each one of
10 kinds of clothing (target_names): 60,000 to train on and 10,000 to test
(subset='train', 'test' or 'all', in that order).  Made by Zalando Research
(Xiao, Rasul and Vollgraf, 2017, arXiv:1708.07747) as a harder drop-in for
MNIST; MIT licence.  Read from the original IDX files.
"""


def _find(name, folders):
    for folder in folders:
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return path
    return None


def load_fashion_mnist(subset="train", *, data_home=None, download_if_missing=True,
                       return_X_y=False):
    """Load Fashion-MNIST as a Bunch, in scikit-learn's way.

    The original gzipped IDX files are looked for in ``data_home/fashion-mnist``
    (data_home: the argument, else the FASTNN_DATA environment variable,
    else ~/fastnn_data), then in Debian's ``dataset-fashion-mnist`` folder
    (/usr/share/datasets/fashion-mnist).  Missing files are downloaded from
    the upstream source into data_home and kept only if their checksums
    match.

    Parameters
    ----------
    subset : {'train', 'test', 'all'}, default='train'
        The 60,000 training images, the 10,000 test images, or both (train
        first).
    data_home : str or path, default=None
        Where to look for and keep the files (see above).
    download_if_missing : bool, default=True
        Download what is missing; if False, a missing file raises OSError
        saying where to put it.
    return_X_y : bool, default=False
        Return (data, target) instead of the Bunch.

    Returns
    -------
    Bunch with ``data`` (n, 784) uint8 rows, ``images`` (n, 28, 28) uint8
    (the same memory), ``target`` (n,) int64 in 0..9, ``target_names``
    and ``DESCR``; or (data, target).

    See Also
    --------
    fastnn.datasets.get_data_home : Where the files are looked for and downloaded to.
    fastnn.ConvClassifier : A model for these images.

    Examples
    --------
    >>> from fastnn.datasets import load_fashion_mnist
    >>> test = load_fashion_mnist("test")          # doctest: +SKIP
    >>> test.images.shape, test.target_names[0]    # doctest: +SKIP
    ((10000, 28, 28), 'T-shirt/top')
    """
    if subset not in ("train", "test", "all"):
        raise ValueError("subset must be 'train', 'test' or 'all', got %r." % (subset,))
    home = os.path.join(get_data_home(data_home), "fashion-mnist")
    parts = ["train", "t10k"] if subset == "all" else ["train" if subset == "train" else "t10k"]
    images, labels = [], []
    for prefix in parts:
        arrays = []
        for what, dims in (("images", 3), ("labels", 1)):
            name = "%s-%s-idx%d-ubyte.gz" % (prefix, what, dims)
            path = _find(name, [home, FASHION_MNIST_DIR])
            if path is None:
                path = os.path.join(home, name)
                if not download_if_missing:
                    raise OSError("%s is missing: put Fashion-MNIST's original file %s there "
                                  "(or in %s, where Debian's dataset-fashion-mnist package "
                                  "installs it), or pass download_if_missing=True."
                                  % (path, name, FASHION_MNIST_DIR))
                try:
                    fetch(FASHION_MNIST_URL + name, path, FILES[name], decode=gzip.decompress)
                except OSError as err:
                    raise OSError("%s; with no network, put Fashion-MNIST's original file %s "
                                  "in %s (or install Debian's dataset-fashion-mnist)."
                                  % (err, name, home)) from err
            arrays.append(read_idx(path))
        if arrays[0].shape[0] != arrays[1].shape[0]:
            raise ValueError("%d images but %d labels" % (arrays[0].shape[0], arrays[1].shape[0]))
        images.append(arrays[0])
        labels.append(arrays[1])
    images = np.concatenate(images) if len(images) > 1 else images[0]
    target = np.concatenate(labels).astype(np.int64)
    data = images.reshape(images.shape[0], -1)
    if return_X_y:
        return data, target
    return Bunch(data=data, images=images, target=target,
                 target_names=np.array(FASHION_MNIST_CLASSES), DESCR=DESCR)

