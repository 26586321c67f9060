"""Every entry point of the engine refuses sizes it cannot honour: zero or
negative dimensions, arrays of the wrong length, a workspace or buffer one
element short, indices past the end.  Each comes back as a ValueError
(the binding's rendering of FNN_ERR_ARG or its own check), never as a
read or write outside an array.

The cases whose check lives in C (the binding passes the sizes through)
run in a child process: were the check missing, the call would touch
memory it does not own and might kill the process instead of failing the
test.  Under tools/sanitize.sh the child runs with the sanitizers too.
"""
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp

from fastnn import _engine
from fastnn._network import LayerSpec
from fastnn._optimizer import StepSettings

import _kernels  # tests/kernels: the single kernels

HERE = os.path.dirname(os.path.abspath(__file__))


def dense(c, oc, activation="identity"):
    return LayerSpec("dense", 1, 1, c, 1, 1, oc, activation=activation)


def small_net(n_threads=1):
    return _engine.Network([dense(4, 3, "relu"), dense(3, 2)], "softmax", n_threads)


def refused(call, *args, **kwargs):
    with pytest.raises(ValueError):
        call(*args, **kwargs)


# ---- cases whose check is the engine's own (run in a child process) -------

def case_forward_workspace_one_short():
    net, X = small_net(), np.ones((5, 4))
    params = np.zeros(net.n_params)
    work = net.workspace(5, np.float64)
    net.forward(params, X, work=work)  # the exact size is enough
    refused(net.forward, params, X, work=work[:-1])


def case_loss_grad_workspace_one_short():
    net, X, Y = small_net(2), np.ones((700, 4)), np.ones((700, 2))
    params = np.zeros(net.n_params)
    # training splits its rows across threads and needs more room
    work = net.workspace(700, np.float64, True)
    net.loss_grad(params, np.zeros_like(params), X, Y, None, work=work)
    refused(net.loss_grad, params, np.zeros_like(params), X, Y, None, work=work[:-1])


def case_optimizer_state_one_short():
    net, X, Y = small_net(), np.ones((4, 4)), np.ones((4, 2))
    params = np.zeros(net.n_params)
    opt = StepSettings(solver="adam", learning_rate=0.1, alpha=0.0)
    order = np.arange(4, dtype=np.int64)
    state = np.zeros(2 * net.n_params)
    net.train_epoch(params, np.zeros_like(params), state, X, Y, None, order, 2, opt, 1.0)
    refused(net.train_epoch, params, np.zeros_like(params), state[:-1], X, Y, None,
            order, 2, opt, 1.0)


def case_embedding_ids_out_of_range():
    emb = LayerSpec("embedding", 3, 1, 1, 3, 1, 2, vocab=5)
    net = _engine.Network([emb, dense(6, 1)], "identity")
    params = np.zeros(net.n_params)
    net.forward(params, np.array([[0.0, 4, 1]]))
    for bad in (5, -1, 2.5, np.nan, 1e30):
        refused(net.forward, params, np.array([[0.0, bad, 1]]))
    Y = np.zeros((1, 1))
    refused(net.loss_grad, params, np.zeros_like(params), np.array([[0.0, 9, 1]]), Y, None)


def case_gather_rows_out_of_range():
    X = np.arange(12.0).reshape(4, 3)
    assert np.array_equal(_kernels.gather_rows(X, np.array([3, 0], dtype=np.int64)), X[[3, 0]])
    for rows in ([4], [-1], [0, 1 << 40]):
        refused(_kernels.gather_rows, X, np.array(rows, dtype=np.int64))


def case_gather_csr_out_of_range_and_short_room():
    X = _engine.CSRBatches(sp.csr_matrix(np.arange(1.0, 13.0).reshape(4, 3)), np.float64)
    rows = np.array([2, 0], dtype=np.int64)
    ptr, ind, vals = _kernels.gather_csr(X, rows)
    assert np.array_equal(vals, [7, 8, 9, 1, 2, 3]) and list(ptr) == [0, 3, 6]
    refused(_kernels.gather_csr, X, rows, cap=5)  # one stored value short
    refused(_kernels.gather_csr, X, np.array([4], dtype=np.int64))
    refused(_kernels.gather_csr, X, np.array([-1], dtype=np.int64))


def case_gather_values_out_of_range():
    src = np.arange(5.0)
    out = np.zeros(2)
    _kernels.gather_values(out, src, np.array([4, 0], dtype=np.int64), 2)
    assert list(out) == [4, 0]
    refused(_kernels.gather_values, out, src, np.array([5, 0], dtype=np.int64), 2)
    refused(_kernels.gather_values, out, src, np.array([0, -1], dtype=np.int64), 2)


def conv_spec(**changes):
    return replace(LayerSpec("conv", 4, 4, 2, 2, 2, 3, kh=3, kw=3, sh=1, sw=1), **changes)


def run_conv(spec, N=2, reference=False):
    k = spec.kh * spec.kw * spec.c * spec.oc
    X = np.ones(N * spec.h * spec.w * spec.c)
    return _kernels.conv_forward(X, np.ones(max(k, 0)), np.ones(spec.oc), spec, N,
                                reference=reference)


def case_conv_bad_geometry():
    for reference in (False, True):
        run_conv(conv_spec(), reference=reference)
        # zero kernel, window starting below the image, zero stride, padding
        # as wide as the kernel, a zero-sized image
        for bad in (dict(kh=0), dict(oh=5), dict(sh=0), dict(ph=3), dict(w=0, ow=0)):
            refused(run_conv, conv_spec(**bad), reference=reference)


def case_conv_backward_bad_geometry():
    spec = conv_spec(oh=5)  # the last row of windows starts past the image
    N, k = 2, spec.kh * spec.kw * spec.c * spec.oc
    X = np.ones(N * spec.h * spec.w * spec.c)
    for reference in (False, True):
        refused(_kernels.conv_backward, np.empty_like(X), np.zeros(k), np.zeros(spec.oc),
                np.ones(N * spec.oh * spec.ow * spec.oc), X, np.ones(k), spec, N,
                reference=reference)


def pool_spec(**changes):
    return replace(LayerSpec("maxpool", 4, 4, 2, 2, 2, 2, kh=2, kw=2, sh=2, sw=2), **changes)


def case_pool_window_past_image():
    N = 3
    for kind in ("maxpool", "avgpool"):
        for reference in (False, True):
            good = pool_spec(kind=kind)
            X = np.ones(N * 4 * 4 * 2)
            _kernels.pool_forward(X, good, N, reference=reference)
            # one more row of windows than the image holds: reads past X
            bad = pool_spec(kind=kind, oh=3)
            refused(_kernels.pool_forward, X, bad, N, reference=reference)
            refused(_kernels.pool_backward, np.empty_like(X), np.ones(N * 3 * 2 * 2), X, bad,
                    N, reference=reference)
            refused(_kernels.pool_forward, X, pool_spec(kind=kind, oc=3), N,
                    reference=reference)


def case_recurrent_bad_geometry():
    N = 2
    for changes in (dict(dirs=3, oc=6), dict(w=2, c=2), dict(oh=2)):
        spec = replace(LayerSpec("recurrent", 3, 1, 2, 3, 1, 4, cell="gru"), **changes)
        H = spec.oc // spec.dirs
        n_w = (spec.c + H) * spec.dirs * 3 * H
        n_b = spec.dirs * H * 4
        X = np.ones(N * spec.h * spec.w * spec.c)
        refused(_kernels.recurrent_forward, X, np.ones(n_w), np.ones(n_b), spec, N)


CASES = sorted(name for name in dir(sys.modules[__name__]) if name.startswith("case_"))


@pytest.mark.parametrize("case", CASES)
def test_engine_refuses_in_a_child_process(case):
    code = "import test_engine_bounds as t; t.%s(); print('refused cleanly')" % case
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [HERE, os.path.join(HERE, "kernels"), os.path.dirname(HERE)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    done = subprocess.run([sys.executable, "-c", code], cwd=os.path.dirname(HERE), env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "refused cleanly" in done.stdout, (
        "%s: exit %d\n%s%s" % (case, done.returncode, done.stdout, done.stderr[-3000:]))


# ---- cases the binding refuses before the engine is called ---------------

def test_network_refuses_bad_layer_sizes():
    for bad in (dense(0, 2), dense(4, 0), dense(-1, 2), dense(4, -3)):
        with pytest.raises(ValueError, match="inconsistent layer sizes"):
            _engine.Network([bad], "identity")
    with pytest.raises(ValueError, match="inconsistent layer sizes"):
        _engine.Network([dense(4, 3), dense(2, 2)], "identity")  # do not chain
    with pytest.raises(ValueError, match="inconsistent layer sizes"):  # overflowing sizes
        _engine.Network([dense(1 << 31, 1 << 31)], "identity")
    with pytest.raises(ValueError, match="inconsistent layer sizes"):
        _engine.Network([conv_spec(h=1 << 22, w=1 << 22, c=1 << 20, oh=1, ow=1)], "identity")


def test_network_refuses_mismatched_buffers():
    net = small_net()
    params, X, Y = np.zeros(net.n_params), np.ones((5, 4)), np.ones((5, 2))
    refused(net.forward, params[:-1], X)
    refused(net.forward, np.zeros(net.n_params + 1), X)
    refused(net.forward, params, np.ones((5, 5)))
    refused(net.loss_grad, params, np.zeros(net.n_params - 1), X, Y, None)
    refused(net.loss_grad, params, np.zeros_like(params), X, np.ones((4, 2)), None)
    refused(net.loss_grad, params, np.zeros_like(params), X, Y, np.ones(6))
    opt = StepSettings(solver="sgd", learning_rate=0.1, alpha=0.0)
    for order in ([0, 5], [-1, 0]):
        refused(net.train_epoch, params, np.zeros_like(params), np.zeros_like(params), X, Y,
                None, np.array(order, dtype=np.int64), 2, opt, 1.0)


def test_kernels_refuse_mismatched_arrays():
    X, W, b = np.ones((5, 4)), np.ones((4, 3)), np.ones(3)
    refused(_kernels.dense_forward, X, W, b[:-1])
    refused(_kernels.dense_forward, X, np.ones((3, 3)), b)
    refused(_kernels.dense_forward, np.ones((0, 4)), W, b)
    dY = np.ones((5, 3))
    refused(_kernels.dense_backward, np.empty((5, 3)), np.zeros((4, 3)), np.zeros(3), dY, X, W)
    refused(_kernels.dense_backward, np.empty((5, 4)), np.zeros((4, 3)), np.zeros(3),
            np.ones((4, 3)), X, W)
    A = np.ones(6)
    refused(_kernels.activation_forward, np.ones(0), "relu")
    refused(_kernels.activation_backward, np.empty(5), A, A, "relu")
    refused(_kernels.activation_backward_from_input, np.empty(6), A[:-1], A, "gelu")
    refused(_kernels.output_loss, np.ones((3, 0)), np.ones((3, 0)), None, "softmax")
    refused(_kernels.output_loss, np.ones((3, 2)), np.ones((3, 2)), np.ones(2), "softmax")
    opt = StepSettings(solver="adam", learning_rate=0.1, alpha=0.0)
    p = np.ones(4)
    refused(_kernels.optim_step, p, np.zeros(7), np.ones(4), 4, 1.0, opt)
    refused(_kernels.optim_step, p, np.zeros(8), np.ones(3), 4, 1.0, opt)
    refused(_kernels.optim_step, p, np.zeros(8), np.ones(4), 5, 1.0, opt)
    spec, N = conv_spec(), 2
    k = spec.kh * spec.kw * spec.c * spec.oc
    Xc = np.ones(N * 4 * 4 * 2)
    refused(_kernels.conv_forward, Xc[:-1], np.ones(k), np.ones(3), spec, N)
    refused(_kernels.conv_forward, Xc, np.ones(k - 1), np.ones(3), spec, N)
    refused(_kernels.conv_forward, Xc, np.ones(k), np.ones(3), spec, 0)
    refused(_kernels.conv_backward, np.empty_like(Xc), np.zeros(k), np.zeros(3),
            np.ones(N * 2 * 2 * 3 - 1), Xc, np.ones(k), spec, N)
    refused(_kernels.pool_backward, np.empty(Xc.size - 1), np.ones(N * 2 * 2 * 2), Xc,
            pool_spec(), N)
    rec = LayerSpec("recurrent", 3, 1, 2, 3, 1, 4, cell="lstm")
    n_w, n_b = (2 + 4) * 16, 16
    Xr = np.ones(N * 3 * 2)
    refused(_kernels.recurrent_forward, Xr, np.ones(n_w - 1), np.ones(n_b), rec, N)
    Y, work = _kernels.recurrent_forward(Xr, np.ones(n_w), np.ones(n_b), rec, N)
    refused(_kernels.recurrent_backward, np.empty_like(Xr), np.zeros(n_w), np.zeros(n_b),
            work[:-1], np.ones_like(Y), Xr, np.ones(n_w), rec, N)
