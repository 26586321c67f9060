"""MultiHeadAttention: the engine against PyTorch's nn.MultiheadAttention
on the same weights (forward and every parameter's gradient, with the
padding and causal masks), and what it learns.  Its gradient by central
differences and its values against a NumPy reference, in stacks, are in
tests/test_net.py (STACKS); ONNX in tests/test_onnx.py."""
import numpy as np
import pytest

from fastnn import NetClassifier, _engine
from fastnn import layers as L

from conftest import rand

pytestmark = pytest.mark.usefixtures("quiet")

T, D, VOCAB, N = 6, 8, 7, 200  # enough rows that 2 threads split the work


def assert_close(actual, expected, dtype, f32=2e-4):
    """float64 to 1e-10 relative; float32 to PyTorch's own error: a
    relative bound, and an absolute one scaled by the array's largest
    value, as a sum of many terms rounds by the terms' size, not the sum's
    (the key biases' gradient is 0 exactly, a float32 sum of 200 rows'
    terms is not)."""
    rtol = 1e-10 if dtype == np.float64 else f32
    expected = np.asarray(expected)
    np.testing.assert_allclose(actual, expected, rtol=rtol,
                               atol=rtol * max(np.abs(expected).max(), 1e-30))


def ids_with_padding(rng, T=T):
    """Ids with padding (0) inside and at the end; step 0 never padding, so
    that every query sees a key even under the causal mask (PyTorch gives
    NaN for a query that sees none)."""
    ids = rng.integers(1, VOCAB, (N, T)).astype(np.float64)
    ids[rng.random(ids.shape) < 0.3] = 0
    ids[:, 0] = rng.integers(1, VOCAB, N)
    ids[1, -3:] = 0
    return ids


@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
# 6 steps of heads of 8, 4 or 2 features, and 21 steps of heads of 16: rows
# longer than a vector register, with a tail (the softmax's partial sums)
@pytest.mark.parametrize("heads, causal, T, D", [(1, False, 6, 8), (2, True, 6, 8),
                                                 (4, False, 6, 8), (2, True, 21, 32)])
def test_matches_pytorch_forward_and_gradients(heads, causal, T, D, dtype, n_threads):
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    tdtype = getattr(torch, np.dtype(dtype).name)
    rng = np.random.default_rng(heads)
    specs = L.build([L.Embedding(VOCAB, D), L.MultiHeadAttention(heads, causal=causal),
                     L.Flatten()], ("sequence", T, 1), T * D)[:-1]
    net = _engine.Network(specs, "identity", n_threads)
    params = rand(rng, net.n_params, dtype=dtype) * 0.5
    table, W = params[:VOCAB * D].reshape(VOCAB, D), params[VOCAB * D:VOCAB * D + 4 * D * D]
    W, b = W.reshape(D, 4 * D), params[VOCAB * D + 4 * D * D:]
    ids = ids_with_padding(rng, T)
    Y = rand(rng, N, T * D, dtype=dtype)
    grad = np.zeros_like(params)
    net.loss_grad(params, grad, ids.astype(dtype), Y, None)  # half the squared error, summed

    embed = torch.nn.Embedding(VOCAB, D, dtype=tdtype)
    mha = torch.nn.MultiheadAttention(D, heads, batch_first=True, dtype=tdtype)
    with torch.no_grad():
        embed.weight.copy_(torch.from_numpy(table.copy()))
        mha.in_proj_weight.copy_(torch.from_numpy(W[:, :3 * D].T.copy()))
        mha.in_proj_bias.copy_(torch.from_numpy(b[:3 * D].copy()))
        mha.out_proj.weight.copy_(torch.from_numpy(W[:, 3 * D:].T.copy()))
        mha.out_proj.bias.copy_(torch.from_numpy(b[3 * D:].copy()))
    x = embed(torch.from_numpy(ids.astype(np.int64)))
    mask = torch.ones(T, T, dtype=torch.bool).triu(1) if causal else None
    out, _ = mha(x, x, x, key_padding_mask=torch.from_numpy(ids == 0), attn_mask=mask,
                 need_weights=False)
    (0.5 * ((out.reshape(N, -1) - torch.from_numpy(Y)) ** 2).sum()).backward()

    assert_close(net.forward(params, ids.astype(dtype)), out.detach().numpy().reshape(N, -1),
                 dtype)
    got = grad[VOCAB * D:VOCAB * D + 4 * D * D].reshape(D, 4 * D)
    assert_close(got[:, :3 * D], mha.in_proj_weight.grad.numpy().T, dtype)
    assert_close(got[:, 3 * D:], mha.out_proj.weight.grad.numpy().T, dtype)
    assert_close(grad[VOCAB * D + 4 * D * D:][:3 * D], mha.in_proj_bias.grad.numpy(), dtype)
    assert_close(grad[VOCAB * D + 4 * D * D:][3 * D:], mha.out_proj.bias.grad.numpy(), dtype)
    # and through to the embedding: the gradient of the attention's input
    assert_close(grad[:VOCAB * D].reshape(VOCAB, D), embed.weight.grad.numpy(), dtype)


def test_one_and_two_threads_agree():
    rng = np.random.default_rng(5)
    specs = L.build([L.MultiHeadAttention(2), L.Flatten()], ("sequence", 12, 8), 3)
    params = rand(rng, _engine.Network(specs, "softmax", 1).n_params) * 0.5
    X = rand(rng, 200, 12 * 8)
    Y = np.eye(3)[rng.integers(0, 3, 200)]
    grads = []
    for threads in (1, 2):
        net = _engine.Network(specs, "softmax", threads)
        grad = np.zeros_like(params)
        net.loss_grad(params, grad, X, Y, None)
        grads.append(grad)
        np.testing.assert_allclose(net.forward(params, X),
                                   _engine.Network(specs, "softmax", 1).forward(params, X),
                                   rtol=1e-12)
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-9, atol=1e-12)


def test_features_must_split_into_the_heads():
    with pytest.raises(ValueError, match="multiple of the heads"):
        L.build([L.MultiHeadAttention(3)], ("sequence", 4, 8), 2)
    with pytest.raises(ValueError, match="heads must be a positive int"):
        L.MultiHeadAttention(0)


def test_attention_finds_the_token_that_decides():
    """The label is the id right after the one marker id, wherever it is:
    a position-independent lookup that attention over the embeddings (with
    the marker's neighbour read through a 2-step convolution) learns."""
    rng = np.random.default_rng(0)
    n, steps = 1500, 10
    ids = rng.integers(3, 8, (n, steps))
    where = rng.integers(0, steps - 1, n)
    ids[np.arange(n), where] = 1  # the marker
    y = ids[np.arange(n), where + 1] % 2
    layers = [L.Embedding(8, 16, mask_padding=False), L.Conv1D(16, 2),
              L.Residual([L.LayerNorm(), L.MultiHeadAttention(2)]), L.GlobalMaxPool(),
              L.Dense(16)]
    model = NetClassifier(layers, max_iter=40, learning_rate_init=0.01,
                          random_state=0).fit(ids[:1200], y[:1200])
    assert model.score(ids[1200:], y[1200:]) > 0.9


@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_encoder_block_matches_pytorchs_pre_norm_layer(dtype, n_threads):
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    from fastnn._network import Layout

    tdtype = getattr(torch, np.dtype(dtype).name)
    steps, d, heads, ff, n = 5, 8, 2, 12, 100  # rows enough for 2 threads to split
    rng = np.random.default_rng(9)
    specs = L.build([L.TransformerEncoder(heads=heads, ff=ff, dropout=0.0), L.Flatten()],
                    ("sequence", steps, d), steps * d)[:-1]
    net = _engine.Network(specs, "identity", n_threads)
    params = rand(rng, net.n_params, dtype=dtype) * 0.5
    X = rand(rng, n, steps * d, dtype=dtype)
    Y = rand(rng, n, steps * d, dtype=dtype)
    grad = np.zeros_like(params)
    net.loss_grad(params, grad, X, Y, None)
    coefs, intercepts, _ = Layout(specs).views(params)
    dcoefs, dintercepts, _ = Layout(specs).views(grad)
    layer = torch.nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, batch_first=True,
                                             norm_first=True, dtype=tdtype)
    # fastnn's weighted layers in order: LayerNorm, attention, LayerNorm,
    # the two per-step dense layers (1x1 convolutions)
    torch_params = [(layer.norm1.weight, layer.norm1.bias, lambda w: w),
                    (None, None, None),
                    (layer.norm2.weight, layer.norm2.bias, lambda w: w),
                    (layer.linear1.weight, layer.linear1.bias, lambda w: w.reshape(d, ff).T),
                    (layer.linear2.weight, layer.linear2.bias, lambda w: w.reshape(ff, d).T)]
    attn = layer.self_attn
    with torch.no_grad():
        for (weight, bias, to_torch), coef, intercept in zip(torch_params, coefs, intercepts):
            if weight is None:
                attn.in_proj_weight.copy_(torch.from_numpy(coef[:, :3 * d].T.copy()))
                attn.in_proj_bias.copy_(torch.from_numpy(intercept[:3 * d].copy()))
                attn.out_proj.weight.copy_(torch.from_numpy(coef[:, 3 * d:].T.copy()))
                attn.out_proj.bias.copy_(torch.from_numpy(intercept[3 * d:].copy()))
            else:
                weight.copy_(torch.from_numpy(np.ascontiguousarray(to_torch(coef))))
                bias.copy_(torch.from_numpy(intercept.copy()))
    out = layer(torch.from_numpy(X.reshape(n, steps, d)))
    (0.5 * ((out.reshape(n, -1) - torch.from_numpy(Y)) ** 2).sum()).backward()
    assert_close(net.forward(params, X), out.detach().numpy().reshape(n, -1), dtype, 5e-4)
    for (weight, bias, to_torch), dcoef, dintercept in zip(torch_params, dcoefs, dintercepts):
        if weight is None:
            assert_close(dcoef[:, :3 * d], attn.in_proj_weight.grad.numpy().T, dtype, 5e-4)
            assert_close(dcoef[:, 3 * d:], attn.out_proj.weight.grad.numpy().T, dtype, 5e-4)
        else:
            assert_close(to_torch(dcoef), weight.grad.numpy(), dtype, 5e-4)
            assert_close(dintercept, bias.grad.numpy(), dtype, 5e-4)


def test_encoder_settings():
    specs = L.build([L.TransformerEncoder(d_model=8, heads=2, layers=2), L.Flatten()],
                    ("sequence", 4, 6), 1)
    kinds = [s.kind for s in specs]
    assert kinds.count("attention") == 2 and kinds.count("layernorm") == 4
    assert specs[0].kind == "conv" and specs[0].oc == 8  # the projection to d_model
    assert max(s.oc for s in specs if s.kind == "conv") == 32  # ff = 4 * d_model
    assert all(s.dropout == 0.1 for s in specs if s.kind == "attention")
    with pytest.raises(ValueError, match="multiple of the heads"):
        L.build([L.TransformerEncoder(heads=4)], ("sequence", 4, 6), 1)
    with pytest.raises(ValueError, match="rate must be in"):
        L.TransformerEncoder(dropout=1.5)
