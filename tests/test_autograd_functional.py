"""``autograd.functional``: jacobian, hessian, vjp, jvp, vhp, hvp (checked against PyTorch)."""

import numpy as np
import pytest

import ember
from ember.autograd import functional as F


def _np(x):
    if isinstance(x, tuple):
        return tuple(_np(v) for v in x)
    return x.detach().numpy()


def _close(got, want):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            _close(g, w)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def _both(torch, lib_fn, *arrays):
    """Run ``lib_fn(lib, *tensors)`` with ember and torch on float64 copies of `arrays`."""
    out = []
    for lib in (ember, torch):
        tensors = tuple(lib.tensor(a, dtype=lib.float64) for a in arrays)
        out.append(_np(lib_fn(lib, *tensors)))
    return out


A = np.array([0.5, -1.0, 2.0])
B = np.array([1.5, 0.25, -0.5])


def test_jacobian_single_input_and_output(backend, torch):
    got, want = _both(torch, lambda lib, x: lib.autograd.functional.jacobian(
        lambda t: t.sin() * t ** 2, x), A)
    assert got.shape == (3, 3)
    _close(got, want)


def test_jacobian_tuples_in_and_out(backend, torch):
    got, want = _both(torch, lambda lib, x, y: lib.autograd.functional.jacobian(
        lambda a, b: (a * b, (a + b).sum()), (x, y)), A, B)
    _close(got, want)
    assert got[1][0].shape == (3,) and got[0][1].shape == (3, 3)


def test_jacobian_of_an_unused_input_is_zero_or_strict_error(backend):
    x = ember.tensor(A)
    y = ember.tensor(B)
    ja, jb = F.jacobian(lambda a, b: a * 2, (x, y))
    assert jb.tolist() == np.zeros((3, 3)).tolist()
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function is independent "
                                           "of input 1. This is not allowed in strict mode."):
        F.jacobian(lambda a, b: a * 2, (x, y), strict=True)
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function does not "
                                           "require gradients"):
        F.jacobian(lambda a: ember.ones(2), x, strict=True)


def test_jacobian_create_graph(backend):
    x = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    j = F.jacobian(lambda t: t ** 3, x, create_graph=True)
    assert j.requires_grad
    (g,) = ember.autograd.grad(j.sum(), x)
    assert g.tolist() == [6.0, 12.0]
    assert not F.jacobian(lambda t: t ** 3, x).requires_grad


def test_hessian(backend, torch):
    f = lambda lib: (lambda a, b: (a ** 2 * b.sin()).sum() + (a * b).sum() ** 2)  # noqa: E731
    got, want = _both(torch, lambda lib, x, y: lib.autograd.functional.hessian(f(lib), (x, y)),
                      A, B)
    _close(got, want)
    got, want = _both(torch, lambda lib, x: lib.autograd.functional.hessian(
        lambda t: (t ** 3).sum(), x), A)
    _close(got, want)


def test_hessian_needs_a_single_element(backend):
    with pytest.raises(RuntimeError, match="The Tensor returned by the function given to hessian "
                                           "should contain a single element"):
        F.hessian(lambda t: t ** 3, ember.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="The jacobian of the user-provided function is "
                                           "independent of input 0"):
        F.hessian(lambda t: t.sum(), ember.tensor([1.0, 2.0]), strict=True)


def test_vjp_jvp_vhp_hvp(backend, torch):
    v = np.array([1.0, -2.0, 0.5])
    for name in ("vjp", "jvp"):
        got, want = _both(torch, lambda lib, x, u: getattr(lib.autograd.functional, name)(
            lambda t: t.exp() * t, x, u), A, v)
        _close(got, want)
    for name in ("vhp", "hvp"):
        got, want = _both(torch, lambda lib, x, u: getattr(lib.autograd.functional, name)(
            lambda t: (t.exp() * t ** 2).sum(), x, u), A, v)
        _close(got, want)


def test_vector_errors(backend):
    x = ember.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="The vector v can only be None if the user-provided "
                                           "function returns a single Tensor with a single "
                                           "element"):
        F.vjp(lambda t: t * 2, x)
    with pytest.raises(TypeError, match="The inputs given to jacobian must be either a Tensor or a "
                                        "tuple of Tensors"):
        F.jacobian(lambda t: t, [1.0, 2.0])
