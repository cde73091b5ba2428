"""nn.functional and its modules against PyTorch: activations, softmax, normalisation, dropout,
embedding, losses and attention (values, gradients, grad_fn names, running statistics, reprs)."""

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember import nn

RNG = np.random.default_rng(0)


def _arr(*shape, low=-3.0, high=3.0):
    return RNG.uniform(low, high, shape)


def _idx(*values):
    return np.asarray(values, dtype=np.int64)


def _pair(torch, value, grad):
    """The same array as an ember tensor and a torch tensor (float64; grad for floats)."""
    value = np.asarray(value)
    floating = value.dtype.kind == "f"
    e = ember.tensor(value, requires_grad=grad and floating)
    t = torch.tensor(value, requires_grad=grad and floating)
    return e, t


def _check_against_torch(torch, call, args, grad=True, rtol=1e-7, atol=1e-9):
    """call(F, *args) on ember and on torch: same values, and the same gradients of a weighted
    sum of the result for every floating input."""
    import torch.nn.functional as TF

    pairs = [_pair(torch, a, grad) if isinstance(a, np.ndarray) else (a, a) for a in args]
    out_e = call(F, *[p[0] for p in pairs])
    out_t = call(TF, *[p[1] for p in pairs])
    np.testing.assert_allclose(out_e.detach().numpy(), out_t.detach().numpy(), rtol=rtol,
                               atol=atol)
    leaves = [(e, t) for e, t in pairs if isinstance(e, ember.Tensor) and e.requires_grad]
    if not grad or not leaves:
        return
    w = RNG.uniform(0.5, 1.5, tuple(out_t.shape))
    (out_e * ember.tensor(w)).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    for e, t in leaves:
        want = np.zeros(tuple(t.shape)) if t.grad is None else t.grad.numpy()
        got = np.zeros(tuple(e.shape)) if e.grad is None else e.grad.numpy()
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


ACTIVATIONS = {
    "leaky_relu": lambda f, x: f.leaky_relu(x, 0.2),
    "elu": lambda f, x: f.elu(x, alpha=0.7),
    "gelu": lambda f, x: f.gelu(x),
    "gelu_tanh": lambda f, x: f.gelu(x, approximate="tanh"),
    "silu": lambda f, x: f.silu(x),
    "softplus": lambda f, x: f.softplus(x, beta=2.0, threshold=3.0),
    "hardtanh": lambda f, x: f.hardtanh(x, -0.5, 2.0),
    "softmax": lambda f, x: f.softmax(x, dim=1),
    "log_softmax": lambda f, x: f.log_softmax(x, dim=0),
    "softmax_dtype": lambda f, x: f.softmax(x.float(), -1, dtype=x.dtype),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_torch(torch, backend, name):
    x = _arr(3, 4)
    _check_against_torch(torch, ACTIVATIONS[name], (x,), rtol=1e-5 if "dtype" in name else 1e-7,
                         atol=1e-6 if "dtype" in name else 1e-9)


LOSSES = {
    "cross_entropy": (lambda f, x, t: f.cross_entropy(x, t), (_arr(4, 5), _idx(0, 4, 2, 1))),
    "cross_entropy_weight_ignore": (
        lambda f, x, t, w: f.cross_entropy(x, t, weight=w.detach(), ignore_index=2),
        (_arr(4, 5), _idx(0, 4, 2, 1), _arr(5, low=0.5, high=2))),
    "cross_entropy_smoothing": (
        lambda f, x, t: f.cross_entropy(x, t, label_smoothing=0.25, ignore_index=4),
        (_arr(4, 5), _idx(0, 4, 2, 1))),
    "cross_entropy_smoothing_weight": (
        lambda f, x, t, w: f.cross_entropy(x, t, w.detach(), ignore_index=1,
                                           label_smoothing=0.1),
        (_arr(4, 5), _idx(0, 4, 2, 1), _arr(5, low=0.5, high=2))),
    "cross_entropy_smoothing_sum": (
        lambda f, x, t: f.cross_entropy(x, t, label_smoothing=0.3, reduction="sum"),
        (_arr(4, 5), _idx(0, 4, 2, 1))),
    "cross_entropy_kdim_none": (lambda f, x, t: f.cross_entropy(x, t, reduction="none"),
                                (_arr(2, 3, 4), np.asarray([[0, 1, 2, 2], [1, 0, 0, 2]]))),
    "cross_entropy_probs": (
        lambda f, x, p, w: f.cross_entropy(x, p, w.detach(), label_smoothing=0.2),
        (_arr(3, 4), _arr(3, 4, low=0, high=1), _arr(4, low=0.5, high=2))),
    "cross_entropy_1d": (lambda f, x, t: f.cross_entropy(x, t), (_arr(5), _idx(3).reshape(()))),
    "nll_loss_sum": (lambda f, x, t: f.nll_loss(x, t, reduction="sum"),
                     (_arr(4, 5), _idx(0, 4, 2, 1))),
    "nll_loss_weight": (lambda f, x, t, w: f.nll_loss(x, t, w.detach()),
                        (_arr(4, 5), _idx(0, 4, 2, 1), _arr(5, low=0.5, high=2))),
    "binary_cross_entropy": (
        lambda f, x, t, w: f.binary_cross_entropy(x, t, w.detach()),
        (_arr(2, 3, low=0.05, high=0.95), _arr(2, 3, low=0, high=1), _arr(3, low=0.5, high=2))),
    "binary_cross_entropy_with_logits": (
        lambda f, x, t, w, pw: f.binary_cross_entropy_with_logits(x, t, w.detach(),
                                                                  pos_weight=pw.detach()),
        (_arr(2, 3), _arr(2, 3, low=0, high=1), _arr(3, low=0.5, high=2),
         _arr(3, low=0.5, high=2))),
    "kl_div_batchmean": (lambda f, x, t: f.kl_div(x, t, reduction="batchmean"),
                         (_arr(3, 4), _arr(3, 4, low=0.1, high=1))),
    "kl_div_log_target": (lambda f, x, t: f.kl_div(x, t, reduction="sum", log_target=True),
                          (_arr(3, 4), _arr(3, 4))),
    "smooth_l1_loss": (lambda f, x, t: f.smooth_l1_loss(x, t, beta=0.7),
                       (_arr(3, 4), _arr(3, 4))),
    "huber_loss": (lambda f, x, t: f.huber_loss(x, t, reduction="none", delta=0.8),
                   (_arr(3, 4), _arr(3, 4))),
    "mse_loss": (lambda f, x, t: f.mse_loss(x, t, reduction="sum"), (_arr(3, 4), _arr(3, 4))),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_matches_torch(torch, name):
    call, args = LOSSES[name]
    _check_against_torch(torch, call, args)


LAYERS = {
    "layer_norm": (lambda f, x, w, b: f.layer_norm(x, (3, 4), w, b, eps=1e-3),
                   (_arr(2, 3, 4), _arr(3, 4), _arr(3, 4))),
    "group_norm": (lambda f, x, w, b: f.group_norm(x, 2, w, b), (_arr(2, 4, 3), _arr(4), _arr(4))),
    "batch_norm_train": (lambda f, x, w, b: f.batch_norm(x, None, None, w, b, training=True),
                         (_arr(5, 3, 2), _arr(3), _arr(3))),
    "batch_norm_eval": (lambda f, x, m, v: f.batch_norm(x, m.detach(), v.detach()),
                        (_arr(5, 3), _arr(3), _arr(3, low=0.5, high=2))),
    "embedding": (lambda f, i, w: f.embedding(i, w, padding_idx=1),
                  (np.asarray([[0, 1], [3, 1]]), _arr(4, 3))),
    "sdpa_bool_mask": (
        lambda f, q, k, v, m: f.scaled_dot_product_attention(q, k, v, attn_mask=m),
        (_arr(2, 3, 4), _arr(2, 5, 4), _arr(2, 5, 2), RNG.random((3, 5)) < 0.7)),
    "sdpa_float_mask_scale": (
        lambda f, q, k, v, m: f.scaled_dot_product_attention(q, k, v, m.detach(), scale=0.3),
        (_arr(3, 4), _arr(5, 4), _arr(5, 2), _arr(3, 5))),
    "sdpa_causal": (lambda f, q, k, v: f.scaled_dot_product_attention(q, k, v, is_causal=True),
                    (_arr(2, 4, 3), _arr(2, 4, 3), _arr(2, 4, 3))),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_function_matches_torch(torch, name):
    call, args = LAYERS[name]
    _check_against_torch(torch, call, args)


def test_grad_fn_names_match_torch(torch):
    import torch.nn.functional as TF

    x = _arr(3, 4)
    t = _idx(0, 3, 1)
    calls = [lambda f, a: f.leaky_relu(a), lambda f, a: f.elu(a), lambda f, a: f.gelu(a),
             lambda f, a: f.silu(a), lambda f, a: f.softplus(a), lambda f, a: f.hardtanh(a),
             lambda f, a: f.softmax(a, 1), lambda f, a: f.log_softmax(a, 1),
             lambda f, a: f.nll_loss(a, (ember if f is F else torch).tensor(t)),
             lambda f, a: f.cross_entropy(a, (ember if f is F else torch).tensor(t)),
             lambda f, a: f.binary_cross_entropy(a.sigmoid(), a.sigmoid().detach())]
    for call in calls:
        got = call(F, ember.tensor(x, requires_grad=True)).grad_fn.name()
        want = call(TF, torch.tensor(x, requires_grad=True)).grad_fn.name()
        assert got == want


def test_cross_entropy_is_finite_at_logits_of_1000(backend):
    x = ember.tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], requires_grad=True)
    loss = F.cross_entropy(x, ember.tensor([1, 2]))
    loss.backward()
    assert abs(loss.item() - (2001.0 + np.log1p(np.exp(-1.0))) / 2) < 1e-3
    g = x.grad.numpy()
    assert np.isfinite(g).all()
    np.testing.assert_allclose(g[0], [0.5, -0.5, 0.0], atol=1e-6)


def test_bce_with_logits_is_finite_at_logits_of_100(torch, backend):
    import torch.nn.functional as TF

    x = np.array([100.0, -100.0, 100.0, -100.0])
    t = np.array([1.0, 0.0, 0.0, 1.0])
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    le = F.binary_cross_entropy_with_logits(xe, ember.tensor(t), reduction="sum")
    lt = TF.binary_cross_entropy_with_logits(xt, torch.tensor(t), reduction="sum")
    le.backward()
    lt.backward()
    assert abs(le.item() - lt.item()) < 1e-9
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), atol=1e-12)


def test_binary_cross_entropy_bounds_logs_at_probabilities_0_and_1(torch):
    import torch.nn.functional as TF

    x = np.array([0.0, 1.0, 0.3])
    t = np.array([1.0, 0.0, 0.5])
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    le, lt = F.binary_cross_entropy(xe, ember.tensor(t)), TF.binary_cross_entropy(xt,
                                                                                 torch.tensor(t))
    le.backward()
    lt.backward()
    assert abs(le.item() - lt.item()) < 1e-9
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-6)


def test_embedding_padding_row_gets_no_gradient(backend):
    w = ember.randn(4, 3, requires_grad=True)
    F.embedding(ember.tensor([[0, 2], [2, 1]]), w, padding_idx=2).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[1] * 3, [1] * 3, [0] * 3, [0] * 3])


def test_one_hot_matches_torch(torch):
    import torch.nn.functional as TF

    t = np.array([[0, 3], [2, 1]])
    assert F.one_hot(ember.tensor(t)).tolist() == TF.one_hot(torch.tensor(t)).tolist()
    assert F.one_hot(ember.tensor(t), 6).dtype is ember.int64


def test_batch_norm_updates_running_statistics_like_torch(torch, backend):
    x = _arr(6, 3, 2).astype(np.float32)
    ours, theirs = nn.BatchNorm1d(3, momentum=0.3), torch.nn.BatchNorm1d(3, momentum=0.3)
    for _ in range(2):
        out_e, out_t = ours(ember.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(out_e.detach().numpy(), out_t.detach().numpy(), rtol=1e-5,
                               atol=1e-5)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(ours, name).numpy(), getattr(theirs, name).numpy(),
                                   rtol=1e-5, atol=1e-6)
    assert ours.num_batches_tracked.item() == 2
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(ember.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_batch_norm_cumulative_average_without_momentum(torch):
    ours, theirs = nn.BatchNorm2d(2, momentum=None), torch.nn.BatchNorm2d(2, momentum=None)
    for _ in range(3):
        x = _arr(3, 2, 2, 2).astype(np.float32)
        ours(ember.tensor(x))
        theirs(torch.tensor(x))
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), rtol=1e-5)
    with pytest.raises(ValueError, match="expected 4D input"):
        ours(ember.zeros(2, 2))


def test_dropout_is_reproducible_with_manual_seed(backend):
    x = ember.ones(200)
    ember.manual_seed(7)
    a = F.dropout(x, 0.25)
    ember.manual_seed(7)
    b = F.dropout(x, 0.25)
    assert a.tolist() == b.tolist()
    kept = a.numpy()[a.numpy() != 0]
    np.testing.assert_allclose(kept, 1 / 0.75, rtol=1e-6)
    assert 0 < kept.size < 200
    assert F.dropout(x, 0.25, training=False) is x


def test_dropout_module_scales_in_training_and_is_identity_in_eval(backend):
    drop = nn.Dropout(0.5)
    x = ember.ones(4, 50)
    kept = drop(x).numpy()
    assert set(np.unique(kept).tolist()) <= {0.0, 2.0}
    drop.eval()
    assert drop(x).tolist() == x.tolist()


@pytest.mark.parametrize("call", [lambda x: F.leaky_relu(x, 0.1, inplace=True),
                                  lambda x: F.elu(x, inplace=True),
                                  lambda x: F.hardtanh(x, inplace=True),
                                  lambda x: F.silu(x, inplace=True),
                                  lambda x: F.dropout(x, 0.5, inplace=True)],
                         ids=["leaky_relu", "elu", "hardtanh", "silu", "dropout"])
def test_inplace_activations_write_into_the_input(backend, call):
    x = ember.tensor([-2.0, -0.5, 0.5, 2.0])
    ident, version = id(x), x._version
    out = call(x)
    assert out is x and id(x) == ident and x._version > version


def test_inplace_activation_keeps_the_graph(backend):
    a = ember.tensor([-2.0, 3.0], requires_grad=True)
    b = a * 1
    F.leaky_relu(b, 0.1, inplace=True)
    b.sum().backward()
    assert a.grad.tolist() == pytest.approx([0.1, 1.0])


def test_softmax_method_and_implicit_dim_warning(torch):
    x = _arr(2, 3)
    np.testing.assert_allclose(ember.tensor(x).softmax(0).numpy(),
                               torch.tensor(x).softmax(0).numpy(), rtol=1e-12)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        got = F.softmax(ember.tensor(x))
    np.testing.assert_allclose(got.numpy(), np.exp(x) / np.exp(x).sum(1, keepdims=True))


@pytest.mark.parametrize("make", [
    lambda m: m.LeakyReLU(), lambda m: m.LeakyReLU(0.2, inplace=True), lambda m: m.ELU(),
    lambda m: m.GELU(approximate="tanh"), lambda m: m.SiLU(), lambda m: m.SiLU(inplace=True),
    lambda m: m.Softmax(dim=1), lambda m: m.LogSoftmax(), lambda m: m.Softplus(beta=2),
    lambda m: m.Hardtanh(-2.0, 2.0), lambda m: m.CrossEntropyLoss(), lambda m: m.NLLLoss(),
    lambda m: m.BCELoss(), lambda m: m.BCEWithLogitsLoss(), lambda m: m.KLDivLoss(),
    lambda m: m.SmoothL1Loss(), lambda m: m.HuberLoss(), lambda m: m.BatchNorm1d(3),
    lambda m: m.BatchNorm2d(4, eps=1e-3, momentum=None, affine=False),
    lambda m: m.LayerNorm(5), lambda m: m.LayerNorm((2, 3), elementwise_affine=False),
    lambda m: m.GroupNorm(2, 4), lambda m: m.GroupNorm(2, 4, bias=False),
    lambda m: m.BatchNorm1d(2, bias=False), lambda m: m.Dropout(),
    lambda m: m.Dropout(0.1, inplace=True),
    lambda m: m.Embedding(10, 3), lambda m: m.Embedding(10, 3, padding_idx=0),
])
def test_module_repr_and_state_dict_keys_match_torch(torch, make):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_modules_compute_their_functional(torch):
    x = _arr(4, 3).astype(np.float32)
    t = _idx(0, 2, 1, 1)
    pairs = [(nn.CrossEntropyLoss(label_smoothing=0.1), torch.nn.CrossEntropyLoss(
        label_smoothing=0.1)), (nn.NLLLoss(reduction="sum"), torch.nn.NLLLoss(reduction="sum"))]
    for ours, theirs in pairs:
        got = ours(ember.tensor(x), ember.tensor(t)).item()
        assert got == pytest.approx(theirs(torch.tensor(x), torch.tensor(t)).item(), rel=1e-5)
    ln, tln = nn.LayerNorm(3), torch.nn.LayerNorm(3)
    np.testing.assert_allclose(ln(ember.tensor(x)).detach().numpy(),
                               tln(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    emb = nn.Embedding(5, 2, padding_idx=3)
    assert emb.weight[3].tolist() == [0.0, 0.0]
    assert tuple(emb(ember.tensor([[1, 3]])).shape) == (1, 2, 2)


@pytest.mark.parametrize("call, exc", [
    (lambda: F.cross_entropy(ember.randn(3, 4), ember.tensor([0, 1, 4])), IndexError),
    (lambda: F.nll_loss(ember.randn(3, 4), ember.tensor([0.0, 1.0, 2.0])), RuntimeError),
    (lambda: F.cross_entropy(ember.randn(3, 4), ember.tensor([0, 1])), ValueError),
    (lambda: F.binary_cross_entropy(ember.tensor([1.5]), ember.tensor([1.0])), RuntimeError),
    (lambda: F.layer_norm(ember.randn(2, 3), (4,)), RuntimeError),
    (lambda: F.dropout(ember.randn(2), 2.0), ValueError),
    (lambda: F.embedding(ember.tensor([0.0]), ember.randn(2, 2)), RuntimeError),
    (lambda: F.softplus(ember.tensor([1, 2])), NotImplementedError),
    (lambda: F.gelu(ember.randn(2), approximate="x"), RuntimeError),
    (lambda: nn.GroupNorm(3, 4), ValueError),
    (lambda: F.mse_loss(ember.randn(2), ember.randn(2), reduction="avg"), ValueError),
])
def test_errors_match_torch_types(call, exc):
    with pytest.raises(exc):
        call()


def test_embedding_max_norm_renormalises_rows_like_torch(torch):
    import torch.nn.functional as TF

    w = _arr(5, 3) * 2
    i = np.array([[0, 2], [2, 4]])
    we, wt = ember.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    out_e = F.embedding(ember.tensor(i), we, max_norm=1.5)
    out_t = TF.embedding(torch.tensor(i), wt, max_norm=1.5)
    np.testing.assert_allclose(out_e.detach().numpy(), out_t.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(we.detach().numpy(), wt.detach().numpy(), rtol=1e-12)


def test_attention_with_grouped_query_heads_matches_torch(torch):
    _check_against_torch(
        torch, lambda f, q, k, v: f.scaled_dot_product_attention(q, k, v, enable_gqa=True),
        (_arr(2, 4, 3, 5), _arr(2, 2, 6, 5), _arr(2, 2, 6, 4)))
