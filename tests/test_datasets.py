"""fastnn.datasets: Bunch objects as scikit-learn's loaders give them, the
bundled and shipped data, and Fashion-MNIST's files found or fetched."""
import functools
import gzip
import http.server
import os
import shutil
import socket
import threading

import numpy as np
import pytest

from fastnn.datasets import (FASHION_MNIST_DIR, get_data_home, load_fashion_mnist,
                             load_python_help, load_sunspots, read_idx)
from fastnn.datasets import _fashion_mnist

TEST_FILES = ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
needs_fashion = pytest.mark.skipif(
    not all(os.path.exists(os.path.join(FASHION_MNIST_DIR, f)) for f in TEST_FILES),
    reason="Fashion-MNIST absent: install Debian's dataset-fashion-mnist")


def test_sunspots_are_bundled():
    spots = load_sunspots()
    assert spots.years[0] == 1700 and spots.years[-1] == 2008 and spots.target.shape == (309,)
    assert np.all(np.diff(spots.years) == 1) and (spots.target >= 0).all()
    np.testing.assert_array_equal(spots.data.ravel(), spots.target)
    assert "public domain" in spots.DESCR
    X, y = load_sunspots(return_X_y=True)
    np.testing.assert_array_equal(y, spots.target)
    sm = pytest.importorskip("statsmodels.api")
    np.testing.assert_array_equal(
        spots.target, sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy())


def test_python_help_splits_by_topic():
    train, test, every = (load_python_help(s) for s in ("train", "test", "all"))
    assert sorted(train.target.tolist() + test.target.tolist()) == every.target.tolist()
    assert every.target.tolist()[4::5] == test.target.tolist()
    assert sum(map(len, every.data)) > 100_000 and all(isinstance(t, str) for t in train.data)
    texts, names = load_python_help("test", return_X_y=True)
    assert texts == test.data
    with pytest.raises(ValueError, match="subset"):
        load_python_help("valid")


def test_data_home_from_the_argument_or_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTNN_DATA", str(tmp_path / "env"))
    assert get_data_home() == str(tmp_path / "env") and os.path.isdir(tmp_path / "env")
    assert get_data_home(tmp_path / "arg") == str(tmp_path / "arg")


@needs_fashion
def test_fashion_mnist_bunch(tmp_path):
    test = load_fashion_mnist("test", data_home=tmp_path)  # found in Debian's folder
    assert test.images.shape == (10000, 28, 28) and test.data.shape == (10000, 784)
    assert test.images.dtype == np.uint8 and np.shares_memory(test.images, test.data)
    assert test.target.dtype == np.int64 and set(test.target) == set(range(10))
    assert test.target_names[9] == "Ankle boot" and "Zalando" in test.DESCR
    X, y = load_fashion_mnist("test", data_home=tmp_path, return_X_y=True)
    np.testing.assert_array_equal(X, test.data)
    with pytest.raises(ValueError, match="subset"):
        load_fashion_mnist("validation")


# ---- fetching from a server -------------------------------------------------------

@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path / 'served'; yields
    (folder, base URL)."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield folder, "http://127.0.0.1:%d/" % httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def upstream(monkeypatch, tmp_path):
    """Point the loader at `url` with no Debian copy to fall back on."""
    monkeypatch.setattr(_fashion_mnist, "FASHION_MNIST_DIR", str(tmp_path / "no-debian"))

    def point_at(url):
        monkeypatch.setattr(_fashion_mnist, "FASHION_MNIST_URL", url)
    return point_at


@needs_fashion
def test_missing_files_are_downloaded_and_checked(server, upstream, tmp_path):
    folder, url = server
    for name in TEST_FILES:
        shutil.copy(os.path.join(FASHION_MNIST_DIR, name), folder / name)
    upstream(url)
    home = tmp_path / "home"
    test = load_fashion_mnist("test", data_home=home)
    assert sorted(os.listdir(home / "fashion-mnist")) == TEST_FILES  # no partial files left
    np.testing.assert_array_equal(
        test.images, read_idx(os.path.join(FASHION_MNIST_DIR, TEST_FILES[0])))
    # the second time the files are found, not fetched
    shutil.rmtree(folder)
    np.testing.assert_array_equal(load_fashion_mnist("test", data_home=home).target,
                                  test.target)


def test_a_file_with_the_wrong_checksum_is_refused(server, upstream, tmp_path):
    folder, url = server
    labels = np.zeros(10000, dtype=np.uint8)  # a valid IDX file, not the real labels
    header = bytes([0, 0, 8, 1]) + (10000).to_bytes(4, "big")
    for name in TEST_FILES:
        (folder / name).write_bytes(gzip.compress(header + labels.tobytes()))
    upstream(url)
    with pytest.raises(ValueError, match="checksum mismatch"):
        load_fashion_mnist("test", data_home=tmp_path / "home")
    assert os.listdir(tmp_path / "home" / "fashion-mnist") == []


def test_no_server_says_where_to_put_the_files(upstream, tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    upstream("http://127.0.0.1:%d/" % port)
    home = tmp_path / "home"
    with pytest.raises(OSError, match="put Fashion-MNIST's original file") as err:
        load_fashion_mnist("test", data_home=home)
    assert str(home / "fashion-mnist") in str(err.value)
    with pytest.raises(OSError, match="is missing"):
        load_fashion_mnist("test", data_home=home, download_if_missing=False)
