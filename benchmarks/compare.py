"""Side-by-side timings of fastnn, scikit-learn and PyTorch (CPU).

Usage::

    python benchmarks/compare.py                      # mlp workload, 2 threads, best of 3
    python benchmarks/compare.py --workload gemm      # the GEMM ceiling
    python benchmarks/compare.py --workload lstm      # RNNRegressor vs torch.nn.LSTM
    python benchmarks/compare.py --workload transformer  # TransformerClassifier vs torch
    python benchmarks/compare.py --workload all --threads 2 --repeat 1
    python benchmarks/compare.py --workload small --threads 1,2   # thread scaling
    python benchmarks/compare.py --workload grid      # GridSearchCV on digits
    python benchmarks/compare.py --workload serving   # one-row predict_proba latency
    python benchmarks/compare.py --workload mlp --precision bf16  # fastnn's bfloat16 products
    python benchmarks/compare.py --device cuda        # fastnn and PyTorch on the GPU
    python benchmarks/compare.py --isolate            # one subprocess per library,
                                                      # adds peak RSS per library
    python benchmarks/compare.py --contention         # with another process keeping
                                                      # one core busy throughout

Every library gets the same data (fixed seed), same
architecture, batch size, epoch count and thread count for every library.
By default everything runs in ONE process, so all libraries see the same
machine state; ratios (other / fastnn) are what to quote, not absolute times.

PyTorch is a comparison only: when ``import torch`` fails it is skipped with a
note. fastnn is skipped the same way if it is not importable (so the script
still shows the torch vs scikit-learn baseline), but then no ratio is printed.

To add a workload, write ``def workload_NAME(args, libs) -> list[dict]`` that
returns one dict (table row) per library and register it in ``WORKLOADS``.
Row keys ending in ``_s`` are times in seconds and ``_mb`` memory in MiB; the
ratio section divides each of them by fastnn's.

With --isolate, ``peak_rss_mb`` is the child's whole high-water mark
(interpreter, imports and data included) and ``work_peak_mb`` that minus the
RSS just before the library's first fit, i.e. what the work itself added.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

LIBRARIES = ("fastnn", "sklearn", "torch")

# The project's speed goals (the speed issue's table, docs/performance.md):
# (other library, time column) -> minimum ratio other_time / fastnn_time;
# (workload, library, column) for one workload only.
GOALS = {
    ("torch", "fit_s"): 2.0,
    ("torch", "predict_s"): 2.0,
    ("sklearn", "fit_s"): 3.0,
    ("mlp", "torch", "fit_s"): 2.5,
    ("mlp", "torch", "predict_s"): 1.4,
    # fastnn's fit within 1.4x of the time the workload's multiply-adds take
    # at the 2048^3 sgemm rate measured in the same run
    ("mlp", "blas-ceiling", "fit_s"): 1 / 1.4,
    ("conv", "torch", "predict_s"): 5.0,
    ("transformer", "torch", "fit_s"): 1.5,
    ("transformer", "torch", "predict_s"): 1.5,
    ("small", "sklearn", "fit_s"): 4.0,
    ("small", "sklearn", "one_row_predict_s"): 2.0,
    ("serving", "sklearn", "mlp_one_row_s"): 2.0,
    ("grid", "sklearn", "fit_s"): 3.0,
    # peak memory no higher than PyTorch's (only measured with --isolate)
    ("torch", "work_peak_mb"): 1.0,
}
# Seconds no fastnn figure of the column may exceed.
LIMITS = {col: 50e-6 for col in ("one_row_predict_s", "mlp_one_row_s", "conv_one_row_s",
                                  "rnn_one_row_s")}
# fastnn's speed-up from the first thread count to the second: at least
# this on the large workloads' fits, and never below the floor anywhere.
SCALING_LARGE, SCALING_FLOOR = 1.6, 0.95


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

class Skip(Exception):
    """A library is not available; the message is printed as a note."""


def note(message):
    # stdout, flushed, so notes stay in order with the tables.
    print(f"note: {message}", flush=True)


def best_of(repeat, fn):
    """Run ``fn()`` ``repeat`` times; return (best seconds, last result).

    The minimum is the least noisy estimate on a shared machine: noise only
    ever adds time.
    """
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def current_rss_mb():
    """Resident set size now (Linux /proc), or None elsewhere."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def peak_rss_mb():
    """Process-wide high-water RSS. Only per-library when run via --isolate."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0


def other_cpu_use(seconds=1.0):
    """Fraction of all CPUs busy over ``seconds`` while we sleep (Linux)."""
    def sample():
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, total

    try:
        idle0, total0 = sample()
        time.sleep(seconds)
        idle1, total1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1.0 - (idle1 - idle0) / max(total1 - total0, 1)


def quiet_convergence():
    """Silence the 'max_iter reached' warning that a 1-epoch fit triggers.

    Only looks at modules already imported, so a torch-only run does not
    pull scikit-learn into its memory figures.
    """
    if "sklearn" in sys.modules:
        from sklearn.exceptions import ConvergenceWarning

        warnings.simplefilter("ignore", ConvergenceWarning)


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------

def make_blobs_data(n_samples, n_features, n_classes, dtype=np.float32,
                    seed=0, spread=0.08):
    """Learnable classification data: a random centroid per class plus noise.

    Built in chunks and in place so that generating the data never holds
    more than one extra chunk; this keeps the process high-water mark
    (used by --isolate) about the benchmarked work, not the data set-up.
    With ``spread=0.08`` a 1-epoch MLP reaches well above chance but not
    trivially 100%, so a broken fit shows up in the accuracy column.
    """
    rng = np.random.default_rng(seed)
    centroids = rng.standard_normal((n_classes, n_features)).astype(dtype)
    centroids *= spread * np.sqrt(n_features / 784.0)
    y = rng.integers(0, n_classes, size=n_samples).astype(np.int64)
    X = np.empty((n_samples, n_features), dtype=dtype)
    chunk = 8192
    for start in range(0, n_samples, chunk):
        stop = min(start + chunk, n_samples)
        block = X[start:stop]
        block[...] = rng.standard_normal((stop - start, n_features), dtype=dtype)
        block += centroids[y[start:stop]]
    return X, y


# --------------------------------------------------------------------------
# mlp workload
# --------------------------------------------------------------------------

MLP = dict(n_samples=60000, n_features=784, n_classes=10,
           hidden=(256, 128), batch_size=128, lr=1e-3, alpha=1e-4, epochs=1)


def _sk_style_params(cfg, seed):
    """Constructor arguments shared by scikit-learn and fastnn (drop-in)."""
    return dict(
        hidden_layer_sizes=cfg["hidden"], activation="relu", solver="adam",
        alpha=cfg["alpha"], batch_size=cfg["batch_size"],
        learning_rate_init=cfg["lr"], max_iter=cfg["epochs"], shuffle=True,
        random_state=seed,
        # Nothing may stop the epoch early: no validation split, and a
        # tolerance/patience that can never trigger.
        early_stopping=False, tol=0.0, n_iter_no_change=10**9,
    )


def _mlp_sk_like(make_estimator, X, y, repeat):
    """Fit/predict timing for an estimator with the scikit-learn API."""
    # Untimed warm-up on a small slice: thread pools, lazy imports and first
    # allocations, so even --repeat 1 measures the steady state.
    make_estimator().fit(X[:1024], y[:1024]).predict_proba(X[:1024])

    state = {}

    def fit():
        est = make_estimator()  # fresh model each repeat: no warm start
        est.fit(X, y)
        state["est"] = est

    fit_s, _ = best_of(repeat, fit)
    est = state["est"]
    predict_s, proba = best_of(repeat, lambda: est.predict_proba(X))
    pred = np.asarray(est.classes_)[np.argmax(proba, axis=1)]
    return fit_s, predict_s, float(np.mean(pred == y))


def mlp_fastnn(cfg, X, y, args):
    try:
        from fastnn import MLPClassifier
    except Exception as exc:  # not built / not installed yet
        raise Skip(f"fastnn not importable ({exc.__class__.__name__}: {exc})")
    params = _sk_style_params(cfg, args.seed)
    return _mlp_sk_like(
        lambda: MLPClassifier(n_threads=args.threads,
                               precision=args.precision, device=args.device, **params),
        X, y, args.repeat)


def mlp_sklearn(cfg, X, y, args):
    from sklearn.neural_network import MLPClassifier

    params = _sk_style_params(cfg, args.seed)
    return _mlp_sk_like(lambda: MLPClassifier(**params), X, y, args.repeat)


def dense_head(nn, width, cfg):
    """cfg's hidden relu layers and its output layer, from `width` inputs."""
    layers = []
    for h in cfg["hidden"]:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    return layers + [nn.Linear(width, cfg["n_classes"])]


def mlp_layers(nn, cfg):
    """The mlp workload's network as torch modules."""
    return dense_head(nn, cfg["n_features"], cfg)


def mlp_torch(cfg, X, y, args):
    return torch_run(cfg, X, y, args, mlp_layers)


def torch_run(cfg, X, y, args, make_layers, regression=False):
    """Fit/predict timing of the torch twin of a workload's network.

    Classification (cross-entropy, softmax, accuracy) by default; with
    ``regression=True`` scikit-learn's squared error, raw outputs and R^2.
    """
    try:
        import torch
    except Exception as exc:
        raise Skip(f"torch not importable ({exc.__class__.__name__}); "
                   "install the CPU build with: pip install torch==2.13.0")
    from torch import nn
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    Xt = torch.from_numpy(X).to(device)  # on the CPU: a zero-copy view, made once
    n, bs = Xt.shape[0], cfg["batch_size"]
    if regression:  # float32 column(s), the shape of the network's output
        yt = torch.from_numpy(np.ascontiguousarray(y, dtype=np.float32).reshape(n, -1))
    else:
        yt = torch.from_numpy(y)  # int64, as cross_entropy wants
    yt = yt.to(device)
    gen = torch.Generator().manual_seed(args.seed)

    def build():
        model = nn.Sequential(*make_layers(nn, cfg)).to(device, torch.float32)
        # Same objective as scikit-learn: its L2 term adds alpha * W / n_batch
        # to each weight gradient (biases excluded), which is what Adam's
        # weight_decay does with weight_decay = alpha / batch_size.
        # Split on the last name component: nn.LSTM calls its parameters
        # weight_ih_l0, bias_hh_l0, ... rather than weight and bias.
        named = [(name.rsplit(".", 1)[-1], p) for name, p in model.named_parameters()]
        weights = [p for name, p in named if not name.startswith("bias")]
        biases = [p for name, p in named if name.startswith("bias")]
        groups = [{"params": weights, "weight_decay": cfg["alpha"] / bs},
                  {"params": biases, "weight_decay": 0.0}]
        try:  # the fused CPU Adam is the fastest step torch offers
            opt = torch.optim.Adam(groups, lr=cfg["lr"], eps=1e-8, fused=True)
        except (RuntimeError, TypeError, ValueError):
            opt = torch.optim.Adam(groups, lr=cfg["lr"], eps=1e-8, foreach=True)
        return model, opt

    def train(rows, epochs):
        model, opt = build()
        model.train()
        for _ in range(epochs):
            # Shuffle indices, not data: one small randperm per epoch and a
            # 128-row gather per batch (no DataLoader, no collate).
            perm = torch.randperm(rows, generator=gen).to(device)
            for start in range(0, rows, bs):
                idx = perm[start:start + bs]
                xb = Xt.index_select(0, idx)
                yb = yt.index_select(0, idx)
                opt.zero_grad(set_to_none=True)
                if regression:  # scikit-learn's squared_error is half the MSE
                    loss = 0.5 * F.mse_loss(model(xb), yb)
                else:
                    loss = F.cross_entropy(model(xb), yb)
                loss.backward()
                opt.step()
        if device.type == "cuda":  # the timing ends when the GPU is done
            torch.cuda.synchronize()
        return model.eval()

    def predict_on(model, rows):
        with torch.inference_mode():
            out = model(Xt[:rows])
            return (out if regression else torch.softmax(out, dim=1)).cpu().numpy()

    # Untimed warm-up (oneDNN/MKL set-up, allocator, thread pool), as for
    # the other libraries.
    predict_on(train(1024, 1), 1024)

    state = {}

    def fit():
        state["model"] = train(n, cfg["epochs"])

    fit_s, _ = best_of(args.repeat, fit)
    model = state["model"]

    def predict():
        return predict_on(model, n)

    predict_s, out = best_of(args.repeat, predict)
    if regression:
        return fit_s, predict_s, r2_score(y, out.reshape(y.shape))
    return fit_s, predict_s, float(np.mean(np.argmax(out, axis=1) == y))


def mlp_flops(cfg):
    """Floating-point operations of one mlp epoch: forward and both
    backward products for every layer, less the input's gradient."""
    widths = [cfg["n_features"], *cfg["hidden"], cfg["n_classes"]]
    macs = sum(3 * a * b for a, b in zip(widths[:-1], widths[1:]))
    macs -= widths[0] * widths[1]  # no gradient for X
    return 2.0 * macs * cfg["n_samples"] * cfg["epochs"]


def sgemm_rate(args, n=2048):
    """float32 FLOP/s of a 2048^3 product through scipy's sgemm (fastnn's
    BLAS) at the run's thread count."""
    from scipy.linalg.blas import sgemm

    rng = np.random.default_rng(args.seed)
    A = rng.standard_normal((n, n), dtype=np.float32)
    F = A.T  # Fortran order: sgemm multiplies it without a copy
    with threadpool_limits(args.threads):
        sgemm(1.0, F, F)
        t, _ = best_of(3, lambda: sgemm(1.0, F, F))
    return 2.0 * n ** 3 / t


def workload_mlp(args, libs):
    cfg = MLP
    X, y = make_blobs_data(cfg["n_samples"], cfg["n_features"],
                           cfg["n_classes"], np.float32, seed=args.seed)
    runners = {"fastnn": mlp_fastnn, "sklearn": mlp_sklearn, "torch": mlp_torch}
    rows = run_libraries(cfg, X, y, args, libs, runners)
    if any(r["library"] == "fastnn" for r in rows):
        # the time the epoch's products alone would take at full BLAS speed
        rows.append({"library": "blas-ceiling", "fit_s": mlp_flops(cfg) / sgemm_rate(args)})
    return rows


def run_libraries(cfg, X, y, args, libs, runners, score="train_acc"):
    """One table row per library that has a runner and can run.

    Each runner returns (fit seconds, predict seconds, a training-set score);
    ``score`` names that score's column.
    """
    rows = []
    for lib in libs:
        if lib not in runners:
            note(f"{lib} has no version of this workload")
            continue
        rss_before = current_rss_mb()
        try:
            fit_s, predict_s, acc = runners[lib](cfg, X, y, args)
        except Skip as reason:
            note(f"skipping {lib}: {reason}")
            continue
        except Exception as exc:  # a broken build should not hide the others
            note(f"{lib} FAILED: {exc.__class__.__name__}: {exc}")
            continue
        rows.append({"library": lib, "fit_s": fit_s, "predict_s": predict_s,
                     score: acc, "rss_before_mb": rss_before})
    return rows


# --------------------------------------------------------------------------
# conv workload
# --------------------------------------------------------------------------

CONV = dict(n_samples=10000, side=28, n_features=784, n_classes=10, filters=(32, 64),
            kernel=3, pool=2, hidden=(128,), batch_size=128, lr=1e-3, alpha=1e-4,
            epochs=1)


def conv_fastnn(cfg, X, y, args):
    try:
        from fastnn import ConvClassifier
    except Exception as exc:
        raise Skip(f"fastnn not importable ({exc.__class__.__name__}: {exc})")
    params = _sk_style_params(cfg, args.seed)
    return _mlp_sk_like(
        lambda: ConvClassifier(filters=cfg["filters"], kernel_size=cfg["kernel"],
                               padding="valid", pool_size=cfg["pool"],
                               n_threads=args.threads,
                               precision=args.precision, device=args.device, **params),
        X, y, args.repeat)


def conv_layers(nn, cfg):
    """conv 32@3x3 valid + relu + maxpool 2, conv 64@3x3 valid + relu +
    maxpool 2, dense 128 + relu, dense 10 (torch takes NCHW input)."""
    layers, channels, side = [nn.Unflatten(1, (1, cfg["side"], cfg["side"]))], 1, cfg["side"]
    for f in cfg["filters"]:
        layers += [nn.Conv2d(channels, f, cfg["kernel"]), nn.ReLU(), nn.MaxPool2d(cfg["pool"])]
        channels, side = f, (side - cfg["kernel"] + 1) // cfg["pool"]
    return layers + [nn.Flatten()] + dense_head(nn, channels * side * side, cfg)


def conv_torch(cfg, X, y, args):
    return torch_run(cfg, X, y, args, conv_layers)


def workload_conv(args, libs):
    """The conv workload on 28x28 single-channel blobs (flat rows:
    fastnn reads 784 as 28x28, torch unflattens)."""
    cfg = CONV
    X, y = make_blobs_data(cfg["n_samples"], cfg["n_features"], cfg["n_classes"],
                           np.float32, seed=args.seed)
    return run_libraries(cfg, X, y, args, libs, {"fastnn": conv_fastnn, "torch": conv_torch})


# --------------------------------------------------------------------------
# lstm workload
# --------------------------------------------------------------------------

LSTM = dict(n_samples=10000, n_steps=50, n_features=8, units=64, hidden=(),
            batch_size=64, lr=1e-3, alpha=1e-4, epochs=1)


def r2_score(y, pred):
    """Coefficient of determination (written out: a torch-only run should
    not import scikit-learn)."""
    y, pred = np.asarray(y, dtype=np.float64), np.asarray(pred, dtype=np.float64)
    return float(1.0 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2))


def make_sequence_data(n_samples, n_steps, n_features, dtype=np.float32, seed=0,
                       lags=3, noise=0.1):
    """Learnable sequence regression: X standard normal (n, t, f); y a fixed
    random linear function of the last ``lags`` steps, scaled to unit
    variance, plus noise.

    The target needs a memory of several steps (not just the last input)
    but no long-range credit assignment, so one epoch of a small LSTM gets
    well above R^2 = 0 and a broken fit shows in the R^2 column.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_steps, n_features), dtype=dtype)
    weights = rng.standard_normal((lags, n_features))
    y = np.einsum("ntf,tf->n", X[:, -lags:, :], weights, dtype=np.float64)
    y = y / y.std() + noise * rng.standard_normal(n_samples)
    return X, y.astype(dtype)


def _regressor_sk_like(make_estimator, X, y, repeat):
    """Fit/predict timing and training R^2 of a scikit-learn-style regressor."""
    make_estimator().fit(X[:1024], y[:1024]).predict(X[:1024])  # untimed warm-up

    state = {}

    def fit():
        state["est"] = make_estimator().fit(X, y)  # fresh model each repeat

    fit_s, _ = best_of(repeat, fit)
    est = state["est"]
    predict_s, pred = best_of(repeat, lambda: est.predict(X))
    return fit_s, predict_s, r2_score(y, pred)


def lstm_fastnn(cfg, X, y, args):
    try:
        from fastnn import RNNRegressor
    except Exception as exc:  # not built yet, or a build from before RNNs
        raise Skip(f"fastnn.RNNRegressor not importable ({exc.__class__.__name__}: {exc})")
    params = _sk_style_params(cfg, args.seed)
    return _regressor_sk_like(
        lambda: RNNRegressor(cell="lstm", recurrent_layer_sizes=(cfg["units"],),
                             n_threads=args.threads,
                               precision=args.precision, device=args.device, **params),
        X, y, args.repeat)


def lstm_layers(nn, cfg):
    """LSTM 64 (batch first) -> its output at the last time step -> linear 1."""

    class LastStep(nn.Module):
        # nn.LSTM returns (every step's output, (h_n, c_n)): keep the last step.
        def forward(self, lstm_result):
            return lstm_result[0][:, -1, :]

    return [nn.LSTM(cfg["n_features"], cfg["units"], batch_first=True), LastStep(),
            nn.Linear(cfg["units"], 1)]


def lstm_torch(cfg, X, y, args):
    return torch_run(cfg, X, y, args, lstm_layers, regression=True)


def workload_lstm(args, libs):
    """The lstm workload: one LSTM layer on (n, t, f) sequences, a
    scalar target; no scikit-learn row (it has no recurrent network)."""
    cfg = LSTM
    X, y = make_sequence_data(cfg["n_samples"], cfg["n_steps"], cfg["n_features"],
                              np.float32, seed=args.seed)
    return run_libraries(cfg, X, y, args, libs, {"fastnn": lstm_fastnn, "torch": lstm_torch},
                         score="train_r2")


# --------------------------------------------------------------------------
# transformer workload
# --------------------------------------------------------------------------

TRANSFORMER = dict(n_samples=10000, n_steps=64, vocab=1000, d_model=64, heads=4, ff=256,
                   layers=2, n_classes=2, hidden=(), batch_size=128, lr=1e-3, alpha=1e-4,
                   epochs=1)


def make_token_data(cfg, seed):
    """Token ids 1 to vocab - 1 (no padding), as float32 rows; the class:
    whether a sequence holds more low ids (below vocab / 10) than the
    median sequence."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, cfg["vocab"], (cfg["n_samples"], cfg["n_steps"]))
    low = (ids < cfg["vocab"] // 10).sum(axis=1)
    return ids.astype(np.float32), (low > np.median(low)).astype(np.int64)


def transformer_fastnn(cfg, X, y, args):
    try:
        from fastnn import TransformerClassifier
    except Exception as exc:
        raise Skip(f"fastnn.TransformerClassifier not importable ({exc.__class__.__name__})")
    params = _sk_style_params(cfg, args.seed)
    return _mlp_sk_like(
        lambda: TransformerClassifier(vocab_size=cfg["vocab"], d_model=cfg["d_model"],
                                      heads=cfg["heads"], ff=cfg["ff"],
                                      encoder_layers=cfg["layers"], positions="learned",
                                      pooling="avg", encoder_dropout=0.0,
                                      n_threads=args.threads,
                               precision=args.precision, device=args.device, **params),
        X, y, args.repeat)


def transformer_layers(nn, cfg):
    """ids -> embedding + learned positions -> 2 pre-norm encoder layers
    (PyTorch's own, no dropout) -> mean over the steps -> linear."""
    import torch

    class Embed(nn.Module):
        def __init__(self):
            super().__init__()
            self.tokens = nn.Embedding(cfg["vocab"], cfg["d_model"])
            self.positions = nn.Parameter(torch.zeros(cfg["n_steps"], cfg["d_model"]))

        def forward(self, x):  # float32 ids, as fastnn reads them
            return self.tokens(x.long()) + self.positions

    class Mean(nn.Module):
        def forward(self, x):
            return x.mean(dim=1)

    layer = nn.TransformerEncoderLayer(cfg["d_model"], cfg["heads"], cfg["ff"], dropout=0.0,
                                       batch_first=True, norm_first=True)
    return [Embed(), nn.TransformerEncoder(layer, cfg["layers"], enable_nested_tensor=False),
            Mean()] + dense_head(nn, cfg["d_model"], cfg)


def transformer_torch(cfg, X, y, args):
    return torch_run(cfg, X, y, args, transformer_layers)


def workload_transformer(args, libs):
    """A text classifier: 10,000 sequences of 64 token ids through an
    embedding, learned positions and a 2-layer Transformer encoder
    (d_model 64, 4 heads); no scikit-learn row."""
    cfg = TRANSFORMER
    X, y = make_token_data(cfg, args.seed)
    return run_libraries(cfg, X, y, args, libs,
                         {"fastnn": transformer_fastnn, "torch": transformer_torch})


# --------------------------------------------------------------------------
# gemm workload: the physical ceiling for everything above
# --------------------------------------------------------------------------

def workload_gemm(args, libs, n=2048):
    rng = np.random.default_rng(args.seed)
    A = rng.standard_normal((n, n), dtype=np.float32)
    B = rng.standard_normal((n, n), dtype=np.float32)
    flops = 2.0 * n ** 3
    rows = []

    # numpy's BLAS is what scikit-learn's MLP multiplies with.
    if "fastnn" in libs or "sklearn" in libs:
        C = np.empty((n, n), dtype=np.float32)
        np.matmul(A, B, out=C)  # warm-up: thread pool start, page faults
        t, _ = best_of(max(args.repeat, 3), lambda: np.matmul(A, B, out=C))
        rows.append(dict(library="numpy", gemm_s=t, gflops=flops / t / 1e9))

    # scipy's sgemm is fastnn's GEMM (docs/design.md); scipy may bundle
    # a different BLAS build from numpy's. C = A @ B is computed as
    # C^T = B^T A^T so the Fortran routine sees its own layout: no copies.
    if "fastnn" in libs:
        from scipy.linalg.blas import sgemm

        sgemm(1.0, B.T, A.T)
        t, _ = best_of(max(args.repeat, 3), lambda: sgemm(1.0, B.T, A.T))
        rows.append(dict(library="scipy-sgemm", gemm_s=t, gflops=flops / t / 1e9))

    if "torch" in libs:
        try:
            import torch
        except Exception as exc:
            note(f"skipping torch: not importable ({exc.__class__.__name__})")
        else:
            torch.set_num_threads(args.threads)
            At, Bt = torch.from_numpy(A), torch.from_numpy(B)
            Ct = torch.empty((n, n), dtype=torch.float32)
            torch.mm(At, Bt, out=Ct)
            t, _ = best_of(max(args.repeat, 3), lambda: torch.mm(At, Bt, out=Ct))
            rows.append(dict(library="torch", gemm_s=t, gflops=flops / t / 1e9))
    return rows


# --------------------------------------------------------------------------
# small and grid workloads: the fits users run most
# --------------------------------------------------------------------------

SMALL = dict(hidden=(128, 64), epochs=60)
GRID = {"mlpclassifier__hidden_layer_sizes": [(64,), (128,), (128, 64)],
        "mlpclassifier__alpha": [1e-4, 1e-2]}


def digits_scaled():
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X).astype(np.float32), y


def mlp_classes(args):
    """{library: (MLPClassifier class, extra constructor arguments)}."""
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    classes = {"sklearn": (SklearnMLP, {})}
    try:
        from fastnn import MLPClassifier
        classes["fastnn"] = (MLPClassifier, {"n_threads": args.threads})
    except Exception as exc:
        note(f"skipping fastnn: not importable ({exc.__class__.__name__}: {exc})")
    return classes


def one_row_seconds(model, row, calls=300):
    """Median seconds of one predict_proba call on one row (serving)."""
    for _ in range(20):
        model.predict_proba(row)
    samples = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(calls):
            model.predict_proba(row)
        samples.append((time.perf_counter() - start) / calls)
    return sorted(samples)[len(samples) // 2]


def workload_small(args, libs):
    """scikit-learn's digits, hidden (128, 64), default adam and batch, 60
    epochs, one fit; and one-row predict_proba latency of that model."""
    X, y = digits_scaled()
    rows = []
    for lib, (cls, extra) in mlp_classes(args).items():
        if lib not in libs:
            continue
        make = lambda: cls(hidden_layer_sizes=SMALL["hidden"], max_iter=SMALL["epochs"],
                           random_state=args.seed, **extra)
        state = {}
        fit_s, _ = best_of(args.repeat, lambda: state.update(model=make().fit(X, y)))
        model = state["model"]
        rows.append({"library": lib, "fit_s": fit_s,
                     "one_row_predict_s": one_row_seconds(model, X[:1]),
                     "train_acc": float(model.score(X, y))})
    return rows


def workload_grid(args, libs):
    """GridSearchCV(Pipeline(StandardScaler, MLPClassifier(max_iter=60))),
    6 candidates, cv=3, on digits."""
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = digits_scaled()
    rows = []
    for lib, (cls, extra) in mlp_classes(args).items():
        if lib not in libs:
            continue
        pipe = make_pipeline(StandardScaler(), cls(max_iter=SMALL["epochs"],
                                                   random_state=args.seed, **extra))
        state = {}
        fit_s, _ = best_of(args.repeat, lambda: state.update(
            search=GridSearchCV(pipe, GRID, cv=3).fit(X, y)))
        rows.append({"library": lib, "fit_s": fit_s,
                     "best_cv_acc": float(state["search"].best_score_)})
    return rows


def workload_serving(args, libs):
    """One-row predict_proba latency, serving one request at a time, on
    digits (pixels / 16, float64 as a user passes them): MLPClassifier
    with hidden (256, 128), and the conv and recurrent classifiers with
    their defaults (8x8 images; sequences of 64 steps of one value)."""
    import warnings

    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    rows = []
    for lib, (cls, extra) in mlp_classes(args).items():
        if lib not in libs:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a few epochs: not converged
            models = {"mlp": cls(hidden_layer_sizes=(256, 128), max_iter=5,
                                 random_state=args.seed, **extra).fit(X, y)}
            if lib == "fastnn":
                from fastnn import ConvClassifier, RNNClassifier

                for name, net in (("conv", ConvClassifier), ("rnn", RNNClassifier)):
                    models[name] = net(max_iter=2, random_state=args.seed,
                                       **extra).fit(X, y)
        rows.append({"library": lib, **{f"{name}_one_row_s": one_row_seconds(model, X[:1])
                                        for name, model in models.items()}})
    return rows


WORKLOADS = {
    "small": workload_small,
    "serving": workload_serving,
    "grid": workload_grid,
    "mlp": workload_mlp,
    "conv": workload_conv,
    "lstm": workload_lstm,
    "transformer": workload_transformer,
    "gemm": workload_gemm,
}


# --------------------------------------------------------------------------
# running, isolation, printing
# --------------------------------------------------------------------------

def preload(libs):
    """Import the libraries (and the BLAS/OpenMP runtimes they bring) now.

    threadpool_limits only limits runtimes already loaded when it is entered;
    scipy's BLAS (which fastnn's GEMMs use) or torch's OpenMP, loaded later,
    would escape the limit.
    """
    modules = {"fastnn": ["scipy.linalg", "fastnn"],
               "sklearn": ["scipy.linalg", "sklearn.neural_network"],
               "torch": ["torch"]}
    for lib in libs:
        for module in modules.get(lib, []):
            try:
                __import__(module)
            except Exception:
                pass  # reported as a skip by the workload itself


def run_in_process(args, name, libs):
    """Run one workload for ``libs`` here, under one thread limit for all."""
    preload(libs)
    with threadpool_limits(limits=args.threads), warnings.catch_warnings():
        quiet_convergence()
        return WORKLOADS[name](args, libs)


def run_isolated(args, name, libs):
    """Run each library in its own subprocess so peak RSS is per library.

    ru_maxrss is a process-wide high-water mark, so it only says something
    about a library when that library is the only thing the process did.
    """
    rows = []
    for lib in libs:
        cmd = [sys.executable, os.path.abspath(__file__), "--workload", name,
               "--threads", str(args.threads), "--repeat", str(args.repeat),
               "--seed", str(args.seed), "--libs", lib, "--_child"] + (
                   ["--precision", args.precision] if args.precision else []) + [
                   "--device", args.device]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        sys.stderr.write(proc.stderr)
        for line in proc.stdout.splitlines():  # pass the child's notes on
            if line.startswith("note: "):
                print(line, flush=True)
        if proc.returncode != 0:
            note(f"{lib} subprocess failed (exit {proc.returncode})")
            continue
        # The child prints its rows as one JSON line after a marker.
        seen = {row["library"] for row in rows}
        for line in proc.stdout.splitlines():
            if line.startswith("ROWS "):
                # gemm's numpy row comes from several children: keep one.
                rows.extend(r for r in json.loads(line[5:])
                            if r["library"] not in seen)
    return rows


def child_main(args, name, libs):
    rows = run_in_process(args, name, libs)
    peak = peak_rss_mb()
    for row in rows:
        row["peak_rss_mb"] = peak
        before = row.get("rss_before_mb")
        if before is not None:  # memory the work itself added over data+imports
            row["work_peak_mb"] = peak - before
    print("ROWS " + json.dumps(rows))


def format_cell(value):
    if isinstance(value, float):
        if value >= 100:
            return f"{value:.0f}"
        if 0 < value < 0.01:  # a per-call latency: 3 significant digits
            return f"{value:.3g}"
        return f"{value:.3f}" if value < 10 else f"{value:.2f}"
    return "-" if value is None else str(value)


def print_table(name, rows, args):
    print(f"\n== {name}  (threads={args.threads}, best of {args.repeat}) ==")
    if not rows:
        print("(no results)")
        return
    hidden = {"rss_before_mb"}
    cols = [c for c in rows[0] if c not in hidden]
    for row in rows[1:]:
        cols += [c for c in row if c not in cols and c not in hidden]
    cells = [[format_cell(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)))

    # Ratios: other library's time (or memory) / fastnn's; > 1 means fastnn
    # is faster (or smaller).
    base = next((r for r in rows if r["library"] == "fastnn"), None)
    if base is None:
        return
    print()
    for row in rows:
        if row is base:
            continue
        for col, value in row.items():
            if col in hidden or not col.endswith(("_s", "_mb")):
                continue
            if not base.get(col) or value is None:
                continue
            ratio = value / base[col]
            short = col.rsplit("_", 1)[0]
            label = f"{row['library']}_{short} / fastnn_{short}"
            goal = GOALS.get((name, row["library"], col), GOALS.get((row["library"], col)))
            verdict = ""
            if goal is not None:
                verdict = f"  (goal >= {goal:.3g}: {'ok' if ratio >= goal else 'BELOW'})"
            print(f"{label:38s} {ratio:6.2f}x{verdict}")
    for col, limit in LIMITS.items():
        if base.get(col):
            verdict = "ok" if base[col] <= limit else "ABOVE"
            print(f"{'fastnn_' + col.rsplit('_', 1)[0]:38s} {format_cell(base[col])} s"
                  f"  (goal <= {limit:g}: {verdict})")


def print_thread_scaling(name, rows_by_threads):
    """fastnn's times at the first thread count over those at the others."""
    counts = [t for t, row in rows_by_threads.items() if row]
    if len(counts) < 2:
        return
    first = rows_by_threads[counts[0]]
    print(f"\n== {name}: fastnn's speed-up over {counts[0]} thread(s) ==")
    for col in (c for c in first if c.endswith("_s") and first[c]):
        ups = [(t, first[col] / rows_by_threads[t][col])
               for t in counts[1:] if rows_by_threads[t].get(col)]
        text = ", ".join(f"{t} threads {up:.2f}x" for t, up in ups)
        if col in ("fit_s", "predict_s"):  # throughput; a one-row call stays on one
            goal = SCALING_LARGE if name in LARGE_WORKLOADS and col == "fit_s" else SCALING_FLOOR
            verdict = "ok" if all(up >= goal for _, up in ups) else "BELOW"
            text += f"  (goal >= {goal:g}: {verdict})"
        print(f"{col:20s} {text}")


LARGE_WORKLOADS = ("mlp", "conv", "lstm")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workload", default="mlp", choices=[*WORKLOADS, "all"])
    p.add_argument("--threads", default="2",
                   help="threads for every library (BLAS, OpenMP, torch); a "
                        "comma-separated list (1,2) runs each workload at each "
                        "and prints fastnn's speed-up over the first")
    p.add_argument("--repeat", type=int, default=3,
                   help="runs per measurement; the best is reported")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--libs", default=",".join(LIBRARIES),
                   help="comma-separated subset of " + ",".join(LIBRARIES))
    p.add_argument("--isolate", action="store_true",
                   help="one subprocess per library; reports peak RSS")
    p.add_argument("--contention", action="store_true",
                   help="run everything while another process keeps one core busy, "
                        "as on a shared machine (compare with a run without it)")
    p.add_argument("--precision", default=None, choices=["bf16"],
                   help="fastnn's precision: 'bf16' multiplies bfloat16 operands (CPUs with "
                        "AVX512-BF16); the other libraries stay float32")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                   help="where fastnn and PyTorch run (scikit-learn: the CPU); 'cuda' needs "
                        "a GPU, fastnn's 'cuda' extra and a CUDA build of PyTorch")
    p.add_argument("--_child", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    libs = [lib.strip() for lib in args.libs.split(",") if lib.strip()]
    unknown = set(libs) - set(LIBRARIES)
    if unknown:
        sys.exit(f"unknown libraries: {', '.join(sorted(unknown))}")
    names = list(WORKLOADS) if args.workload == "all" else [args.workload]
    if args.device == "cuda" and "fastnn" in libs:
        import fastnn
        found = fastnn.cuda_available()
        if not found:
            sys.exit(f"--device cuda: {found.reason}")

    if args._child:
        args.threads = int(args.threads)
        for name in names:
            child_main(args, name, libs)
        return

    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs visible")
    busy = other_cpu_use()
    if busy is not None and busy > 0.15:
        # Two busy threads per core make OpenMP barriers and BLAS spin-waits
        # very slow; such timings say little about the libraries.
        note(f"other processes use {busy:.0%} of the CPUs right now: "
             "timings will be noisy")
    hog = None
    if args.contention:
        # a plain busy loop in its own process, left to the OS to place
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.5)
        note("contention: another process keeps one core busy")
    thread_counts = [int(t) for t in str(args.threads).split(",")]
    try:
        for name in names:
            fastnn_rows = {}
            for args.threads in thread_counts:
                if args.isolate:
                    rows = run_isolated(args, name, libs)
                else:
                    rows = run_in_process(args, name, libs)
                print_table(name, rows, args)
                fastnn_rows[args.threads] = next(
                    (r for r in rows if r["library"] == "fastnn"), None)
            print_thread_scaling(name, fastnn_rows)
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()


if __name__ == "__main__":
    main()
