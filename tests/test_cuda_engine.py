"""The CUDA engine held to the CPU engine: the same outputs, gradients,
dropout masks and optimizer steps, to rounding, and the same fits through
the estimators.

Every test runs twice: on the host (the engine's code with its kernels
compiled for the CPU, tests/cuda_host.py), everywhere; and on the GPU,
where one is usable (else skipped with the reason; tools/gpu_check.sh
runs them on a GPU machine)."""
import dataclasses
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits

import fastnn
from fastnn import _cuda, _engine
from fastnn._network import LayerSpec
from fastnn._optimizer import StepSettings
from fastnn._cuda._device_network import DeviceNetwork

from cuda_host import HostBackend
from test_net import STACKS, stack_input, stack_specs

ACTIVATIONS = list(_engine.ACTIVATIONS)
OUTPUTS = list(_engine.OUTPUTS)
# float32 results are held to a few units of float32 rounding of the
# largest value, float64 to as many of float64's; on the GPU, cuBLAS sums
# in other orders and its compiler fuses multiply-adds
TOL = {np.float32: 2e-5, np.float64: 1e-12}
GPU_TOL = {np.float32: 1e-4, np.float64: 1e-11}
GPU = fastnn.cuda_available()


@pytest.fixture(scope="module", params=["host", "gpu"])
def where(request):
    """(backend, tolerances) of the host's kernels or of the GPU."""
    if request.param == "host":
        return HostBackend(), TOL
    if not GPU:
        pytest.skip("no usable GPU: %s" % GPU.reason)
    return _cuda.backend(), GPU_TOL


def dense(n_in, n_out, activation="identity", **kw):
    return LayerSpec("dense", 1, 1, n_in, 1, 1, n_out, activation=activation, **kw)


def conv_stack(activation="relu", dropout=0.0):
    """Images of 7 x 6 x 2 through a padded stride-2 convolution, a max
    pool (ragged: 4 x 3 into 2 x 1), a padded 2 x 1 and a 1 x 1
    convolution, an average pool and a dense layer: every conv and pool
    path of the kernels."""
    return [LayerSpec("conv", 7, 6, 2, 4, 3, 5, kh=3, kw=3, sh=2, sw=2, ph=1, pw=1,
                      activation="identity", declared_activation=activation),
            LayerSpec("maxpool", 4, 3, 5, 2, 1, 5, kh=2, kw=2, sh=2, sw=2,
                      activation=activation, dropout=dropout),
            LayerSpec("conv", 2, 1, 5, 2, 1, 6, kh=2, ph=1, activation=activation),
            LayerSpec("conv", 2, 1, 6, 2, 1, 4, activation=activation),
            LayerSpec("avgpool", 2, 1, 4, 1, 1, 4, kh=2, kw=1, sh=2, sw=1),
            dense(4, 3)]


def targets(output, rng, n, k, dtype):
    if output == "softmax":
        return np.eye(k, dtype=dtype)[rng.integers(0, k, n)]
    if output == "logistic":
        return (rng.random((n, k)) > 0.5).astype(dtype)
    if output == "exp":
        return rng.poisson(2.0, (n, k)).astype(dtype)
    return rng.standard_normal((n, k)).astype(dtype)


def close(a, b, tol):
    scale = max(np.abs(a).max(), np.abs(b).max(), 1e-30)
    np.testing.assert_array_less(np.abs(a - b).max() / scale, tol)


def random_params(net, rng, dtype, scale=0.5):
    """Values for net's buffer; batch norm's running variances positive."""
    p = (scale * rng.standard_normal(net.n_params)).astype(dtype)
    for start, count in net.param_blocks()[:, 4:6]:
        p[start + 2 * count // 3:start + count] = 0.5 + rng.random(count // 3)
    return p


def pair(specs, output, backend):
    return _engine.Network(specs, output, 1), DeviceNetwork(specs, output, backend)


CASES = ([(act, "softmax") for act in ACTIVATIONS]
         + [(act, out) for act in ("relu", "gelu") for out in OUTPUTS if out != "softmax"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("activation,output", CASES)
def test_outputs_losses_and_gradients_are_the_cpu_engines(activation, output, dtype, where):
    backend, tol = where[0], where[1][dtype]
    rng = np.random.default_rng(len(activation) * 7 + len(output))
    specs = [dense(5, 7, activation), dense(7, 6, activation), dense(6, 3)]
    cpu, dev = pair(specs, output, backend)
    p = (0.5 * rng.standard_normal(cpu.n_params)).astype(dtype)
    X = rng.standard_normal((40, 5)).astype(dtype)
    Y = targets(output, rng, 40, 3, dtype)
    sw = rng.random(40).astype(dtype)
    close(cpu.forward(p, X), dev.forward(p, X), tol)
    g_cpu, g_dev = np.zeros_like(p), np.zeros_like(p)
    loss_cpu = cpu.loss_grad(p, g_cpu, X, Y, sw)
    loss_dev = dev.loss_grad(p, g_dev, X, Y, sw)
    assert loss_dev == pytest.approx(loss_cpu, rel=tol)
    close(g_cpu, g_dev, tol)
    assert np.abs(g_cpu).max() > 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu"])
def test_convolutions_and_pools_are_the_cpu_engines(activation, dtype, where):
    backend, tol = where[0], where[1][dtype]
    rng = np.random.default_rng(11)
    cpu, dev = pair(conv_stack(activation, dropout=0.3), "softmax", backend)
    p = (0.5 * rng.standard_normal(cpu.n_params)).astype(dtype)
    X, Y = rng.standard_normal((20, 7 * 6 * 2)).astype(dtype), targets("softmax", rng, 20, 3,
                                                                        dtype)
    close(cpu.forward(p, X), dev.forward(p, X), tol)
    for seed in (0, 17):  # inference mode, then training mode with dropout
        g_cpu, g_dev = np.zeros_like(p), np.zeros_like(p)
        loss_cpu = cpu.loss_grad(p, g_cpu, X, Y, None, seed=seed)
        assert dev.loss_grad(p, g_dev, X, Y, None, seed=seed) == pytest.approx(loss_cpu,
                                                                               rel=tol)
        close(g_cpu, g_dev, tol)
    # the first layer's weights have a gradient: col2im and both pools ran
    assert np.abs(g_dev[:cpu.param_blocks()[0, 1]]).max() > 0


def sequence_stack(cell, dirs, masked):
    """Ids of 6 steps (0: padding when masked) through an embedding, a
    recurrent layer returning every step in `dirs` directions, one
    returning the last step, and a dense layer."""
    return [LayerSpec("embedding", 6, 1, 1, 6, 1, 4, vocab=7),
            LayerSpec("recurrent", 6, 1, 4, 6, 1, 5 * dirs, cell=cell, dirs=dirs,
                      masked=masked, dropout=0.2),
            LayerSpec("recurrent", 6, 1, 5 * dirs, 1, 1, 3, cell=cell, masked=masked),
            dense(3, 2)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("dirs,masked", [(1, False), (2, True)], ids=["one-way", "two-masked"])
def test_embeddings_and_recurrent_layers_are_the_cpu_engines(cell, dirs, masked, dtype, where):
    backend, tol = where[0], where[1][dtype]
    rng = np.random.default_rng(13)
    cpu, dev = pair(sequence_stack(cell, dirs, masked), "softmax", backend)
    p = (0.5 * rng.standard_normal(cpu.n_params)).astype(dtype)
    X = rng.integers(1, 7, (12, 6)).astype(dtype)
    X[::3, :2] = 0  # padding at the start of some sequences, and ids 0 elsewhere
    X[1::3, 4:] = 0
    Y = targets("softmax", rng, 12, 2, dtype)
    close(cpu.forward(p, X), dev.forward(p, X), tol)
    for seed in (0, 5):
        g_cpu, g_dev = np.zeros_like(p), np.zeros_like(p)
        loss_cpu = cpu.loss_grad(p, g_cpu, X, Y, None, seed=seed)
        assert dev.loss_grad(p, g_dev, X, Y, None, seed=seed) == pytest.approx(loss_cpu,
                                                                               rel=tol)
        close(g_cpu, g_dev, tol)
    assert np.abs(g_dev[:cpu.param_blocks()[0, 1]]).max() > 0  # the embedding learns
    with pytest.raises(ValueError, match="token ids"):
        dev.forward(p, X + 0.5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("stack", list(STACKS))
def test_every_stack_of_the_engines_tests_runs_as_on_the_cpu(stack, dtype, where):
    """tests/test_net.py's stacks, which use every layer kind with masks,
    joins, dropout and batch norm: the same outputs, losses and gradients
    in inference and training mode, or a refusal that names the layer."""
    backend, tol = where[0], where[1][dtype]
    specs = stack_specs(stack)
    why = _cuda.unsupported(specs)
    if why:
        with pytest.raises(ValueError, match="does not run yet"):
            DeviceNetwork(specs, "softmax", backend)
        raise AssertionError(why)
    cpu, dev = pair(specs, "softmax", backend)
    rng = np.random.default_rng(7)
    p = random_params(cpu, rng, dtype)
    X = stack_input(stack, rng, 7).astype(dtype)
    Y = targets("softmax", rng, 7, 3, dtype)
    close(cpu.forward(p, X), dev.forward(p, X), tol)
    # training mode; and inference mode where no layer is batch-normalised
    # (the engine has no gradient through the running statistics but a
    # frozen layer's, and no solver asks for one)
    for seed in (9,) if any(s.batch_norm for s in specs) else (0, 9):
        g_cpu, g_dev = np.zeros_like(p), np.zeros_like(p)
        loss_cpu = cpu.loss_grad(p, g_cpu, X, Y, None, seed=seed)
        assert dev.loss_grad(p, g_dev, X, Y, None, seed=seed) == pytest.approx(loss_cpu,
                                                                               rel=tol)
        close(g_cpu, g_dev, tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_dropout_masks_are_the_cpu_engines(dtype, where):
    """The same seed drops the same values; another seed drops others."""
    backend, tol = where[0], where[1][dtype]
    rng = np.random.default_rng(3)
    specs = [dense(6, 32, "tanh", dropout=0.4), dense(32, 16, "relu", dropout=0.2),
             dense(16, 2)]
    cpu, dev = pair(specs, "softmax", backend)
    p = (0.5 * rng.standard_normal(cpu.n_params)).astype(dtype)
    X, Y = rng.standard_normal((30, 6)).astype(dtype), targets("softmax", rng, 30, 2, dtype)
    grads = []
    for net, seed in ((cpu, 99), (dev, 99), (dev, 100)):
        g = np.zeros_like(p)
        net.loss_grad(p, g, X, Y, None, seed=seed)
        grads.append(g)
    close(grads[0], grads[1], tol)
    assert np.abs(grads[1] - grads[2]).max() > 1e-3 * np.abs(grads[1]).max()


SOLVERS = [dict(solver="sgd", nesterov=True), dict(solver="sgd", nesterov=False, momentum=0.5),
           dict(solver="adam"), dict(solver="adamw", alpha=0.01), dict(solver="rmsprop"),
           dict(solver="adagrad"), dict(solver="adam", clip_norm=0.05)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("settings", SOLVERS, ids=lambda s: "-".join(map(str, s.values())))
def test_an_epoch_of_steps_is_the_cpu_engines(settings, dtype, where):
    """train_epoch: batches gathered on the device, dropout, sample
    weights, a frozen layer and every update rule (clipping included):
    the same weights, optimizer state, loss and step count."""
    backend, tol = where[0], where[1][dtype]
    rng = np.random.default_rng(5)
    specs = [dense(8, 16, "relu", frozen=True), dense(16, 12, "gelu", dropout=0.25),
             dense(12, 3)]
    cpu, dev = pair(specs, "softmax", backend)
    start = (0.3 * rng.standard_normal(cpu.n_params)).astype(dtype)
    X, Y = rng.standard_normal((90, 8)).astype(dtype), targets("softmax", rng, 90, 3, dtype)
    sw = (0.5 + rng.random(90)).astype(dtype)
    order = rng.permutation(90).astype(np.int64)
    ends = []
    for net in (cpu, dev):
        params = start.copy()
        opt = StepSettings(learning_rate=0.01, **{"alpha": 1e-3, **settings})
        state = np.full(_engine.optim_state_size(opt.solver, net.n_trainable), 0.01, dtype)
        total = net.train_epoch(params, np.empty_like(params), state, X, Y, sw, order, 16,
                                opt, 1.0, seed=7)
        ends.append((params, state, total, opt.t))
    (p0, s0, t0, n0), (p1, s1, t1, n1) = ends
    close(p0, p1, tol)
    close(s0, s1, tol)
    assert t1 == pytest.approx(t0, rel=tol)
    assert n0 == n1
    frozen = slice(*cpu.param_blocks()[0, :2].cumsum()[[0, 1]] - [cpu.param_blocks()[0, 1], 0])
    assert np.array_equal(p1[frozen], start[frozen])  # the frozen weights stayed
    assert np.abs(p1 - start).max() > 1e-4


def test_these_networks_launch_every_kernel_the_sources_define():
    """Each kernel is reached by the kinds of network tested above: every
    stack of tests/test_net.py in inference, training and a training step,
    and batch norm frozen."""
    from test_cuda_sources import kernel_names
    host, rng = HostBackend(), np.random.default_rng(0)
    frozen_norm = [dataclasses.replace(s, frozen=s.batch_norm) for s in stack_specs("dense")]
    stacks = [(stack_specs(name), stack_input(name, rng, 6)) for name in STACKS]
    for dtype in (np.float32, np.float64):
        Y = targets("softmax", rng, 6, 3, dtype)
        for solver, (specs, X) in zip(["sgd", "adam", "rmsprop"] * len(stacks),
                                      stacks + [(frozen_norm, stacks[0][1])]):
            dev = DeviceNetwork(specs, "softmax", host)
            X = X.astype(dtype)
            params = random_params(dev, rng, dtype, 0.3)
            dev.forward(params, X)
            opt = StepSettings(solver=solver, learning_rate=0.1)
            state = np.zeros(_engine.optim_state_size(solver, dev.n_trainable), dtype)
            dev.train_epoch(params, np.empty_like(params), state, X, Y, None,
                            np.arange(6), 3, opt, 1.0, seed=1)
    assert kernel_names() == host.launched


@pytest.fixture(params=["host", "gpu"])
def on_device(request, monkeypatch):
    """device='cuda' estimators: on the host's kernels, or on the GPU."""
    if request.param == "gpu":
        if not GPU:
            pytest.skip("no usable GPU: %s" % GPU.reason)
        return
    host = HostBackend()
    monkeypatch.setattr(_cuda, "availability",
                        lambda: _cuda.Availability(True, "the host's build of the kernels"))
    monkeypatch.setattr(_cuda, "backend", lambda: host)


@pytest.mark.parametrize("kw", [dict(solver="adam", dropout=0.1),
                                dict(solver="sgd", early_stopping=True),
                                dict(solver="lbfgs", max_iter=10)],
                         ids=["adam-dropout", "sgd-early-stopping", "lbfgs"])
def test_an_mlp_fits_and_predicts_as_on_the_cpu(kw, on_device):
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    kw = {"max_iter": 3, **kw}
    models = [fastnn.MLPClassifier((32, 16), random_state=0, device=device, **kw).fit(X, y)
              for device in ("cpu", "cuda")]
    cpu, dev = models
    assert dev.n_iter_ == cpu.n_iter_
    assert dev.loss_ == pytest.approx(cpu.loss_, rel=1e-4)
    for a, b in zip(cpu.coefs_ + cpu.intercepts_, dev.coefs_ + dev.intercepts_):
        np.testing.assert_allclose(a, b, atol=2e-4)
    assert (dev.predict(X) == cpu.predict(X)).mean() > 0.99
    np.testing.assert_allclose(dev.predict_proba(X), cpu.predict_proba(X), atol=1e-3)


def test_a_regressor_with_its_loss_and_sample_weights_fits_as_on_the_cpu(on_device):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 6))
    y = X @ rng.standard_normal((6, 2)) + 0.1 * rng.standard_normal((300, 2))
    w = rng.random(300)
    cpu, dev = (fastnn.MLPRegressor(hidden_layer_sizes=(16,), loss="huber", max_iter=5, random_state=1,
                                    device=device).fit(X, y, sample_weight=w)
                for device in ("cpu", "cuda"))
    np.testing.assert_allclose(dev.loss_curve_, cpu.loss_curve_, rtol=1e-9)
    np.testing.assert_allclose(dev.predict(X), cpu.predict(X), rtol=1e-9, atol=1e-12)


def test_a_diverging_fit_keeps_finite_weights_as_on_the_cpu(on_device):
    X, y = load_digits(return_X_y=True)
    for device in ("cpu", "cuda"):
        model = fastnn.MLPRegressor(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=1e6, max_iter=5,
                                    random_state=0, device=device)
        with pytest.raises(ValueError, match="non-finite"):
            model.fit(X, y.astype(float))
        assert all(np.isfinite(c).all() for c in model.coefs_)


def test_a_conv_net_fits_and_predicts_as_on_the_cpu(on_device):
    X, y = load_digits(return_X_y=True)
    X = (X[:600] / 16).astype(np.float32)
    cpu, dev = (fastnn.ConvClassifier(max_iter=2, random_state=0, device=device).fit(X, y[:600])
                for device in ("cpu", "cuda"))
    assert dev.loss_ == pytest.approx(cpu.loss_, rel=1e-4)
    for a, b in zip(cpu.coefs_, dev.coefs_):
        np.testing.assert_allclose(a, b, atol=2e-4)
    np.testing.assert_allclose(dev.predict_proba(X), cpu.predict_proba(X), atol=1e-3)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_recurrent_model_fits_and_predicts_as_on_the_cpu(cell, on_device):
    X, y = load_digits(return_X_y=True)
    X = (X[:400] / 16).reshape(-1, 8, 8)  # rows as steps, float64
    cpu, dev = (fastnn.RNNClassifier(cell=cell, recurrent_layer_sizes=(16,), bidirectional=True,
                                     max_iter=2, random_state=0,
                                     device=device).fit(X, y[:400])
                for device in ("cpu", "cuda"))
    assert dev.loss_ == pytest.approx(cpu.loss_, rel=1e-9)
    np.testing.assert_allclose(dev.predict_proba(X), cpu.predict_proba(X), atol=1e-9)


def test_a_transformer_and_a_batch_normalised_mlp_fit_and_predict_as_on_the_cpu(on_device):
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 20, (240, 8)).astype(np.float32)
    y = (ids[:, :4] > 10).sum(axis=1) > 2
    models = [(fastnn.TransformerClassifier(vocab_size=20, d_model=16, heads=2, ff=32,
                                            encoder_dropout=0.1, max_iter=2, random_state=0,
                                            device=device), ids)
              for device in ("cpu", "cuda")]
    X, yd = load_digits(return_X_y=True)
    models += [(fastnn.MLPClassifier((32,), batch_norm=True, dropout=0.1, max_iter=2,
                                     random_state=0, device=device), X[:500] / 16)
               for device in ("cpu", "cuda")]
    for (cpu, Xc), (dev, _) in (models[:2], models[2:]):
        target = y if Xc is ids else yd[:500]
        cpu.fit(Xc, target)
        dev.fit(Xc, target)
        assert dev.loss_ == pytest.approx(cpu.loss_, rel=1e-4)
        np.testing.assert_allclose(dev.predict_proba(Xc), cpu.predict_proba(Xc), atol=1e-3)


def test_a_layer_stack_and_an_autoencoder_fit_and_transform_as_on_the_cpu(on_device):
    from fastnn import layers as L
    rng = np.random.default_rng(1)
    X = np.hstack([rng.integers(0, 6, (300, 4)), rng.standard_normal((300, 3))])
    y = X[:, 4] * (X[:, 0] > 2) + 0.1 * rng.standard_normal(300)
    stack = [L.Parallel([[L.Columns(0, 4), L.Embedding(6, 3, mask_padding=False), L.GRU(4)],
                         [L.Columns(4, 7), L.Dense(8, "tanh"),
                          L.Residual([L.Dense(8, "gelu"), L.Dense(8)], "relu")]]),
             L.Dense(4)]
    cpu, dev = (fastnn.NetRegressor(stack, max_iter=3, random_state=0, device=device).fit(X, y)
                for device in ("cpu", "cuda"))
    assert dev.loss_ == pytest.approx(cpu.loss_, rel=1e-9)
    np.testing.assert_allclose(dev.predict(X), cpu.predict(X), rtol=1e-9, atol=1e-12)
    digits = load_digits().data[:300] / 16
    cpu, dev = (fastnn.AutoencoderTransformer([L.Dense(32, "relu"), L.Dense(8)], max_iter=3,
                                              random_state=0, device=device).fit(digits)
                for device in ("cpu", "cuda"))
    np.testing.assert_allclose(dev.transform(digits), cpu.transform(digits), rtol=1e-9,
                               atol=1e-12)
    np.testing.assert_allclose(dev.inverse_transform(dev.transform(digits)),
                               cpu.inverse_transform(cpu.transform(digits)), atol=1e-9)


def test_every_layer_kind_of_the_engine_has_its_device_twin():
    from fastnn._cuda._device_network import KINDS
    assert set(KINDS) == set(_engine.LAYER_KINDS)


def test_sparse_input_fits_as_on_the_cpu(on_device):
    X, y = load_digits(return_X_y=True)
    X = sp.csr_matrix(X[:400] / 16)
    cpu, dev = (fastnn.MLPClassifier((16,), max_iter=3, random_state=0,
                                     device=device).fit(X, y[:400])
                for device in ("cpu", "cuda"))
    assert dev.loss_ == pytest.approx(cpu.loss_, rel=1e-9)
    np.testing.assert_allclose(dev.predict_proba(X), cpu.predict_proba(X), atol=1e-9)


@pytest.mark.parametrize("Estimator", [fastnn.MLPClassifier, fastnn.MLPRegressor],
                         ids=lambda e: e.__name__)
def test_scikit_learns_estimator_checks_pass_on_the_device(Estimator, on_device):
    from sklearn.utils.estimator_checks import check_estimator
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(Estimator(device="cuda"), on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:300]) for r in results
              if r["status"] == "failed"]
    assert not failed
    assert len(results) > 50


def test_what_the_cuda_engine_does_not_run_is_refused_before_the_fit(on_device):
    X, y = load_digits(return_X_y=True)
    with pytest.raises(ValueError, match="bf16"):
        fastnn.MLPClassifier(device="cuda", precision="bf16").fit(X, y)
