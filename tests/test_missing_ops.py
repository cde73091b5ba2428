"""Ops added for unmodified PyTorch programs (issue 14), checked against PyTorch: values,
gradients, result dtypes, the function/method/in-place forms, errors, and axis= for dim=."""

import numpy as np
import pytest

import ember
import ember.nn.functional as F

_X = [[-2.5, -0.3, 0.0, 0.7], [1.5, 3.0, -1e-4, 0.2], [0.4, -0.9, 2.2, -7.0]]


def _pair(torch, data, dtype="float64", grad=True):
    """The same values as an ember tensor and a torch tensor (float64 by default)."""
    a = np.asarray(data, dtype=dtype)
    return (ember.tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad))


def _close(e, t, **kw):
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(e.shape) == tuple(t.shape)
    single = e.dtype in (ember.float32, ember.complex64)
    tol = {"rtol": 1e-6, "atol": 1e-7} if single else {"rtol": 1e-10, "atol": 1e-12}
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), equal_nan=True,
                               **(tol | kw))


def _same_grads(torch, fn_e, fn_t, data):
    """fn on ember and on torch: same values, same gradient of sum(out * w)."""
    xe, xt = _pair(torch, data)
    ye, yt = fn_e(xe), fn_t(xt)
    _close(ye, yt)
    w = np.linspace(0.5, 1.5, ye.numel()).reshape(tuple(ye.shape))
    (ye * ember.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    _close(xe.grad, xt.grad)


@pytest.mark.parametrize("name", ["acosh", "asinh", "atanh"])
def test_inverse_hyperbolic_functions_match_torch(torch, name):
    data = {"acosh": [[1.0, 1.5, 3.0, 1e6], [2.0, 1.0001, 0.5, np.inf]],
            "asinh": _X + [[1e-300, -1e300, np.inf, np.nan]],
            "atanh": [[0.0, 0.5, -0.99, 1e-8], [0.3, -0.3, 1.0, 2.0]]}[name]
    xe, xt = _pair(torch, data, grad=False)
    _close(getattr(ember, name)(xe), getattr(torch, name)(xt))
    _close(getattr(xe, name)(), getattr(xt, name)())
    ie = ember.tensor([1, 2, 3]) if name == "acosh" else ember.tensor([0, 1, -1])
    _close(getattr(ember, name)(ie), getattr(torch, name)(torch.tensor(ie.tolist())))
    z = np.array([0.5 + 0.25j, -1.5 - 2j, 3 + 0.1j])
    _close(getattr(ember, name)(ember.tensor(z)), getattr(torch, name)(torch.tensor(z)),
           rtol=1e-6)
    before = id(xe)
    getattr(xe, name + "_")()
    getattr(xt, name + "_")()
    assert id(xe) == before
    _close(xe, xt)
    inside = {"acosh": [[1.5, 3.0], [2.0, 10.0]], "asinh": _X,
              "atanh": [[0.1, -0.5], [0.9, 0.0]]}[name]
    _same_grads(torch, getattr(ember, name), getattr(torch, name), inside)
    assert getattr(ember, name)(ember.tensor([1.5], requires_grad=True)).grad_fn.name() == \
        name.capitalize() + "Backward0"
    alias = "arc" + name[1:]  # PyTorch's NumPy-style names: function, method, in-place
    y = ember.tensor([0.5 if name == "atanh" else 1.5])
    assert getattr(ember, alias)(y).tolist() == getattr(y, alias)().tolist() == \
        getattr(ember, name)(y).tolist() == getattr(y.clone(), alias + "_")().tolist()


@pytest.mark.parametrize("call", [
    lambda m, F, x: F.celu(x), lambda m, F, x: F.celu(x, 0.5), lambda m, F, x: m.celu(x, 2.0),
    lambda m, F, x: F.selu(x), lambda m, F, x: m.selu(x),
    lambda m, F, x: F.normalize(x), lambda m, F, x: F.normalize(x, p=1.0, dim=0),
    lambda m, F, x: F.normalize(x, 3.0, -1, 1e-3)],
    ids=["celu", "celu alpha", "ember.celu", "selu", "ember.selu", "normalize", "normalize p=1",
         "normalize p=3 eps"])
def test_activations_and_normalize_match_torch(torch, call):
    import torch.nn.functional as TF

    _same_grads(torch, lambda x: call(ember, F, x), lambda x: call(torch, TF, x), _X)


def test_activation_errors_and_nodes_match_torch(torch):
    x = ember.tensor([-1.0, 2.0], requires_grad=True)
    assert F.celu(x).grad_fn.name() == "CeluBackward0"
    assert F.selu(x).grad_fn.name() == "EluBackward0"
    with pytest.raises(RuntimeError, match="alpha cannot be 0 for CELU"):
        F.celu(x, 0.0)
    with pytest.raises(NotImplementedError, match="\"elu_cpu\" not implemented for 'Long'"):
        F.selu(ember.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match="\"elu_cpu\" not implemented for 'Int'"):
        ember.celu(ember.tensor([1, 2], dtype=ember.int32))
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as "
                                           "input. Got Long"):
        F.normalize(ember.tensor([[1, 2]]))
    y = ember.tensor([-1.0, 2.0])
    out = F.celu(y, inplace=True)
    assert out is y and y.tolist() == pytest.approx([np.expm1(-1.0), 2.0])
    half = F.selu(ember.tensor([-1.0, 0.5], dtype=ember.float16))
    assert half.dtype is ember.float16


@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
@pytest.mark.parametrize("args,kwargs", [((), {}), ((1,), {}), ((0,), {"keepdim": True}),
                                         (((0, 1),), {"correction": 0}), ((True,), {}),
                                         ((1, False), {})])
def test_moments_with_mean_match_torch(torch, name, args, kwargs):
    xe, xt = _pair(torch, _X)
    (se, me), (st, mt) = getattr(ember, name)(xe, *args, **kwargs), \
        getattr(torch, name)(xt, *args, **kwargs)
    _close(se, st)
    _close(me, mt)
    (se.sum() + 2 * me.sum()).backward()
    (st.sum() + 2 * mt.sum()).backward()
    _close(xe.grad, xt.grad)


def test_moments_with_mean_errors_and_complex(torch):
    with pytest.raises(RuntimeError, match="std and var only support floating point"):
        ember.var_mean(ember.tensor([1, 2]))
    z = np.array([1 + 2j, -0.5j, 3.0])
    for e, t in zip(ember.std_mean(ember.tensor(z)), torch.std_mean(torch.tensor(z))):
        _close(e, t)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_logcumsumexp_matches_torch(torch, dim):
    data = [[-1000.0, 0.0, 1.0, -np.inf], [2.0, -np.inf, 1e3, -1e3], [0.1, 0.2, 0.3, 0.4]]
    xe, xt = _pair(torch, data, grad=False)
    _close(ember.logcumsumexp(xe, dim), torch.logcumsumexp(xt, dim))
    _close(xe.logcumsumexp(dim), xt.logcumsumexp(dim))
    _same_grads(torch, lambda x: ember.logcumsumexp(x, dim),
                lambda x: torch.logcumsumexp(x, dim), _X)
    x32 = ember.tensor(_X, dtype=ember.float32)
    assert ember.logcumsumexp(x32, dim).dtype is ember.float32
    with pytest.raises(NotImplementedError, match="logcumsumexp_out_cpu"):
        ember.logcumsumexp(ember.tensor([1, 2]), 0)


@pytest.mark.parametrize("call", [
    lambda m, x: m.diag(x), lambda m, x: m.diag(x, 1), lambda m, x: m.diag(x, -2),
    lambda m, x: m.diag(x[0]), lambda m, x: m.diag(x[1], -1), lambda m, x: x[2].diag(2),
    lambda m, x: m.diag_embed(x), lambda m, x: m.diag_embed(x, 1, 0, 2),
    lambda m, x: x.diag_embed(-1, -1, 0), lambda m, x: m.diagflat(x),
    lambda m, x: x.diagflat(-3)],
    ids=["diag", "diag above", "diag below", "diag of vector", "vector below",
         "method above", "diag_embed", "diag_embed dims", "diag_embed reversed", "diagflat",
         "diagflat method"])
def test_diagonals_match_torch(torch, call):
    _same_grads(torch, lambda x: call(ember, x), lambda x: call(torch, x), _X)


def test_diagonals_are_copies_and_refuse_like_torch():
    x = ember.ones(3, 3)
    d = ember.diag(x)
    d.add_(1)
    assert x.tolist() == [[1.0] * 3] * 3
    assert ember.diag(ember.tensor([True, False])).dtype is ember.bool
    with pytest.raises(RuntimeError, match=r"diag\(\): Supports 1D or 2D tensors. Got 3D"):
        ember.diag(ember.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical -2, -2"):
        ember.diag_embed(x, 0, -2, -2)


@pytest.mark.parametrize("repeats,dim", [(2, None), (3, 0), (0, 1), ([1, 0, 2, 1], 1),
                                         ([2], 0), ([1, 2, 3], 0), (2, -1)])
def test_repeat_interleave_matches_torch(torch, repeats, dim):
    def run(m, x):
        r = m.tensor(repeats) if isinstance(repeats, list) else repeats
        return m.repeat_interleave(x, r, dim)

    _same_grads(torch, lambda x: run(ember, x), lambda x: run(torch, x), _X)
    xe = ember.tensor(_X)
    r = ember.tensor(repeats) if isinstance(repeats, list) else repeats
    assert xe.repeat_interleave(r, dim=dim).tolist() == run(torch, torch.tensor(_X)).tolist()


def test_repeat_interleave_forms_and_errors(torch):
    assert ember.repeat_interleave(ember.tensor([1, 3, 0])).tolist() == \
        torch.repeat_interleave(torch.tensor([1, 3, 0])).tolist()
    assert ember.repeat_interleave(ember.tensor(3.0), 2).tolist() == [3.0, 3.0]
    x = ember.ones(2, 3)
    with pytest.raises(RuntimeError, match="Repeats must be non-negative"):
        ember.repeat_interleave(x, -1)
    with pytest.raises(RuntimeError, match="repeats can not be negative"):
        ember.repeat_interleave(x, ember.tensor([1, -2]), 0)
    with pytest.raises(RuntimeError, match=r"repeats.size\(0\) = 2 and input.size\(1\) = 3"):
        ember.repeat_interleave(x, ember.tensor([1, 2]), 1)
    with pytest.raises(NotImplementedError, match="not implemented for 'Float'"):
        ember.repeat_interleave(x, ember.tensor([1.0, 2.0]), 0)
    with pytest.raises(IndexError):
        ember.repeat_interleave(x, 2, 3)


@pytest.mark.parametrize("call", [
    lambda m, x: m.sum(x, axis=0), lambda m, x: x.sum(axis=1, keepdims=True),
    lambda m, x: m.mean(x, axis=-1), lambda m, x: m.cumsum(x, axis=1),
    lambda m, x: x.argmax(axis=0), lambda m, x: m.max(x, axis=1)[0],
    lambda m, x: m.std(x, axis=0, keepdims=True), lambda m, x: m.cat([x, x], axis=1),
    lambda m, x: m.softmax(x, axis=0), lambda m, x: m.logsumexp(x, axis=1),
    lambda m, x: m.unsqueeze(x, axis=0), lambda m, x: m.stack([x, x], axis=2)],
    ids=["sum", "method keepdims", "mean", "cumsum", "argmax", "max", "std", "cat", "softmax",
         "logsumexp", "unsqueeze", "stack"])
def test_axis_and_keepdims_are_dim_and_keepdim(torch, call):
    e, t = call(ember, ember.tensor(_X)), call(torch, torch.tensor(_X))
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)


def test_axis_refused_where_torch_refuses_it():
    x = ember.ones(2, 3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'axis'"):
        ember.sum(x, dim=0, axis=0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'axis'"):
        ember.sum(x, 0, axis=0)
    with pytest.raises(TypeError, match="axis"):  # PyTorch's split is Python: no NumPy names
        ember.split(x, 1, axis=0)
    with pytest.raises(TypeError, match="axis"):
        F.normalize(x, axis=0)
