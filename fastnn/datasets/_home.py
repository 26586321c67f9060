"""Where data set files live, and fetching one that is missing."""
import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request

ENV = "FASTNN_DATA"


def get_data_home(data_home=None):
    """The folder for fastnn's data files, created if missing.

    Parameters
    ----------
    data_home : str, path-like or None, default=None
        The folder; None: the FASTNN_DATA environment variable, else
        ~/fastnn_data.

    Returns
    -------
    str
        The folder's path, ``~`` expanded.

    See Also
    --------
    fastnn.datasets.load_fashion_mnist : Looks for its files here, and downloads them here.

    Examples
    --------
    >>> import tempfile
    >>> from fastnn.datasets import get_data_home
    >>> folder = tempfile.mkdtemp()
    >>> get_data_home(folder) == folder
    True
    """
    home = data_home or os.environ.get(ENV) or os.path.join("~", "fastnn_data")
    home = os.path.expanduser(str(home))
    os.makedirs(home, exist_ok=True)
    return home


def content_sha256(path, decode=None):
    """SHA-256 of the file's bytes, or of decode(bytes) (e.g. gunzipped)."""
    with open(path, "rb") as f:
        data = f.read()
    return hashlib.sha256(decode(data) if decode else data).hexdigest()


def fetch(url, path, sha256, decode=None, timeout=60):
    """Download url to path, keeping it only if content_sha256 matches.
    Raises OSError naming the URL on a network failure, ValueError on a
    checksum mismatch (nothing is left at path either way)."""
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            shutil.copyfileobj(response, out)
        got = content_sha256(partial, decode)
        if got != sha256:
            raise ValueError("%s: checksum mismatch (sha256 %s, expected %s); the download "
                             "was discarded." % (url, got, sha256))
        os.replace(partial, path)
    except (urllib.error.URLError, OSError) as err:
        raise OSError("could not download %s: %s" % (url, err)) from err
    finally:
        if os.path.exists(partial):
            os.remove(partial)
