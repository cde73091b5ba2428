"""Reductions and linear algebra beyond the per-op conformance suite: PyTorch's grad_fn names,
result types, overloads, exact gradients at zeros, second derivatives and linalg errors, checked
against PyTorch on every backend."""

import numpy as np
import pytest

import ember

RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 4))
SQUARE = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
WITH_ZEROS = np.array([[1.5, 0.0, 2.0, -1.0], [0.0, 0.0, 3.0, 2.0], [1.0, 2.0, 0.5, -2.0]])


def _pair(torch, values):
    return (ember.tensor(values, requires_grad=True),
            torch.tensor(values, requires_grad=True))


def _first(out):
    return out[0] if isinstance(out, tuple) else out


# (ember call, torch call, input): the ops whose node PyTorch names itself
GRAD_FNS = {
    "prod": (lambda x: x.prod(), X), "prod dim": (lambda x: x.prod(1), X),
    "var": (lambda x: x.var(1), X), "std": (lambda x: x.std(), X),
    "logsumexp": (lambda x: x.logsumexp(1), X), "cumsum": (lambda x: x.cumsum(0), X),
    "cumprod": (lambda x: x.cumprod(1), X), "sort": (lambda x: x.sort(), X),
    "topk": (lambda x: x.topk(2), X), "norm": (lambda x: x.norm(), X),
    "mm": (lambda x: x.mm(x.T), X), "mv": (lambda x: x.mv(x[0]), X),
    "dot": (lambda x: x[0].dot(x[1]), X), "outer": (lambda x: x[0].outer(x[1]), X),
    "inverse": (lambda x: x.inverse(), SQUARE), "det": (lambda x: x.det(), SQUARE),
}


@pytest.mark.parametrize("name", sorted(GRAD_FNS))
def test_grad_fn_names_match_pytorch(backend, torch, name):
    fn, values = GRAD_FNS[name]
    e, t = _pair(torch, values)
    assert _first(fn(e)).grad_fn.name() == _first(fn(t)).grad_fn.name()


def test_linalg_grad_fn_names_match_pytorch(backend, torch):
    e, t = _pair(torch, SQUARE)
    pairs = [(ember.linalg.inv(e), torch.linalg.inv(t)),
             (ember.linalg.solve(e, e[0]), torch.linalg.solve(t, t[0])),
             (ember.linalg.det(e), torch.linalg.det(t)),
             (ember.linalg.vector_norm(e, 3), torch.linalg.vector_norm(t, 3)),
             (ember.linalg.norm(e, float("inf")), torch.linalg.norm(t, float("inf"))),
             (ember.addmm(e, e, e), torch.addmm(t, t, t)),
             (ember.bmm(e[None], e[None]), torch.bmm(t[None], t[None]))]
    for got, want in pairs:
        assert got.grad_fn.name() == want.grad_fn.name()


def test_sort_returns_named_values_and_indices(backend):
    out = ember.tensor([[3.0, 1.0, 2.0]]).sort(descending=True)
    assert type(out).__name__ == "sort" and isinstance(out, tuple)
    assert out.values.tolist() == [[3.0, 2.0, 1.0]] and out.indices.tolist() == [[0, 2, 1]]
    values, indices = ember.topk(ember.tensor([1.0, 5.0, 3.0]), 2)
    assert values.tolist() == [5.0, 3.0] and indices.tolist() == [1, 2]
    assert repr(out).startswith("ember.return_types.sort(\nvalues=")


def test_sum_and_prod_keep_a_requested_small_integer_dtype(backend):
    x = ember.tensor([[1, 2], [3, 4]], dtype=ember.int8)
    for out in (x.sum(dtype=ember.int8), x.prod(1, dtype=ember.int8), x.sum(0)):
        assert out.numpy().dtype == np.dtype(out.dtype.name)
    assert x.sum().dtype is ember.int64
    assert ember.tensor([1, 2]).mean(dtype=ember.float64).dtype is ember.float64


@pytest.mark.parametrize("call", [
    lambda m, x: m.var(x, 1, correction=0), lambda m, x: m.var(x, 0, False),
    lambda m, x: m.std(x, True), lambda m, x: m.std(x, (0, 1), keepdim=True),
    lambda m, x: m.var(x, unbiased=False), lambda m, x: m.std(x, 1, correction=2),
], ids=["correction=0", "dim, unbiased", "unbiased only", "dims, keepdim", "unbiased kw",
        "correction=2"])
def test_var_std_overloads_match_pytorch(backend, torch, call):
    np.testing.assert_allclose(call(ember, ember.tensor(X)).numpy(),
                               call(torch, torch.tensor(X)).numpy(), rtol=1e-12)


@pytest.mark.parametrize("fn", [lambda x: x.prod(), lambda x: x.prod(1), lambda x: x.prod(0),
                                lambda x: x.cumprod(1), lambda x: x.cumprod(0)],
                         ids=["prod", "prod dim 1", "prod dim 0", "cumprod 1", "cumprod 0"])
def test_prod_and_cumprod_derivatives_with_zeros_match_pytorch(backend, torch, fn):
    e, t = _pair(torch, WITH_ZEROS)
    weights = RNG.standard_normal(tuple(fn(t).shape))
    (ge,) = ember.autograd.grad((fn(e) * ember.tensor(weights)).sum(), e, create_graph=True)
    (gt,) = torch.autograd.grad((fn(t) * torch.tensor(weights)).sum(), t, create_graph=True)
    np.testing.assert_allclose(ge.detach().numpy(), gt.detach().numpy(), atol=1e-12)
    (gge,) = ember.autograd.grad((ge * ember.tensor(WITH_ZEROS)).sum(), e)
    (ggt,) = torch.autograd.grad((gt * torch.tensor(WITH_ZEROS)).sum(), t)
    np.testing.assert_allclose(gge.numpy(), ggt.numpy(), atol=1e-12)


def test_vector_norm_gradient_at_zero_is_zero(backend, torch):
    e, t = _pair(torch, np.zeros((2, 3)))
    ember.linalg.vector_norm(e, dim=1).sum().backward()
    torch.linalg.vector_norm(t, dim=1).sum().backward()
    np.testing.assert_array_equal(e.grad.numpy(), t.grad.numpy())


def test_logsumexp_is_stable(backend, torch):
    values = np.array([[1e4, 1e4 - 1.0], [-1e4, -np.inf], [np.inf, 0.0]])
    np.testing.assert_allclose(ember.tensor(values).logsumexp(1).numpy(),
                               torch.tensor(values).logsumexp(1).numpy())


@pytest.mark.parametrize("equation, shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ii->", [(3, 3)]), ("bij,bkj->bik", [(2, 2, 3), (2, 4, 3)]),
    ("...ij,jk->...ik", [(2, 2, 3), (3, 2)]), ("i,i,i->", [(3,), (3,), (3,)]),
    ("ijk->kji", [(2, 3, 4)]), ("ij,ab->ijab", [(2, 1), (1, 3)]), ("iij->j", [(2, 2, 3)]),
])
def test_einsum_values_and_gradients_match_pytorch(backend, torch, equation, shapes):
    values = [RNG.standard_normal(s) for s in shapes]
    es = [ember.tensor(v, requires_grad=True) for v in values]
    ts = [torch.tensor(v, requires_grad=True) for v in values]
    out_e, out_t = ember.einsum(equation, *es), torch.einsum(equation, *ts)
    np.testing.assert_allclose(out_e.detach().numpy(), out_t.detach().numpy(), atol=1e-12)
    out_e.sum().backward()
    out_t.sum().backward()
    for e, t in zip(es, ts):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), atol=1e-12)


def test_singular_matrices_raise_linalg_error_like_pytorch(backend, torch):
    singular = [[1.0, 2.0], [2.0, 4.0]]
    with pytest.raises(torch.linalg.LinAlgError) as want:
        torch.linalg.inv(torch.tensor(singular))
    with pytest.raises(ember.linalg.LinAlgError) as got:
        ember.linalg.inv(ember.tensor(singular))
    assert str(got.value) == str(want.value)
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)
    batch = ember.stack([ember.eye(2), ember.tensor(singular)])
    with pytest.raises(ember.linalg.LinAlgError, match=r"\(Batch element 1\)"):
        ember.inverse(batch)
    with pytest.raises(ember.linalg.LinAlgError, match="input matrix is singular"):
        ember.linalg.solve(ember.zeros(3, 3), ember.ones(3))


def test_solve_det_inv_second_derivatives_match_pytorch(backend, torch):
    b = RNG.standard_normal((3, 2))
    calls = [lambda m, a: m.linalg.solve(a, m.tensor(b)), lambda m, a: m.linalg.det(a),
             lambda m, a: m.linalg.inv(a)]
    for call in calls:
        e, t = _pair(torch, SQUARE)
        (ge,) = ember.autograd.grad(call(ember, e).sum(), e, create_graph=True)
        (gt,) = torch.autograd.grad(call(torch, t).sum(), t, create_graph=True)
        np.testing.assert_allclose(ge.detach().numpy(), gt.detach().numpy(), rtol=1e-10)
        (gge,) = ember.autograd.grad((ge * ge).sum(), e)
        (ggt,) = torch.autograd.grad((gt * gt).sum(), t)
        np.testing.assert_allclose(gge.numpy(), ggt.numpy(), rtol=1e-9)


@pytest.mark.parametrize("call", [
    lambda m, x: m.mm(x, x[:2]), lambda m, x: m.dot(x[0], x[1, :2]),
    lambda m, x: m.bmm(x[None], x[None]), lambda m, x: m.mv(x, x[0, :2]),
    lambda m, x: x.topk(5), lambda m, x: m.einsum("ij,jk->ik", x, x),
    lambda m, x: m.tensordot(x, x, ([0], [0, 1])), lambda m, x: m.linalg.det(x),
    lambda m, x: m.linalg.matrix_norm(x[0]), lambda m, x: m.linalg.norm(x[None], 1),
], ids=["mm", "dot", "bmm", "mv", "topk", "einsum", "tensordot", "det", "matrix_norm",
        "norm"])
def test_shape_errors_match_pytorch(backend, torch, call):
    x = RNG.standard_normal((3, 4))
    with pytest.raises(RuntimeError) as want:
        call(torch, torch.tensor(x))
    with pytest.raises(RuntimeError) as got:
        call(ember, ember.tensor(x))
    assert str(got.value).startswith(str(want.value))  # ember may add the values involved


def test_unique_sorts_and_counts_like_pytorch(backend, torch):
    values = [3.0, float("nan"), 1.0, 3.0, float("nan"), 0.0]
    got = ember.unique(ember.tensor(values), return_inverse=True, return_counts=True)
    want = torch.unique(torch.tensor(values), return_inverse=True, return_counts=True)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.numpy(), w.numpy())


def test_all_any_keep_uint8_and_reduce_tuples(backend):
    x = ember.tensor([[0, 3], [1, 2]], dtype=ember.uint8)
    assert x.all().dtype is ember.uint8 and x.all().item() == 0
    assert x.any((0, 1)).item() == 1
    assert ember.tensor([[0.0, 1.0]]).all(1, keepdim=True).tolist() == [[False]]
    assert ember.count_nonzero(ember.tensor([[0.0, 1.0], [2.0, 0.0]]), 0).tolist() == [1, 1]
