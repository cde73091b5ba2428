"""interpolate and the Upsample modules, cummax/cummin and ember.special, against PyTorch:
values for each mode and option, gradients, and PyTorch's errors."""

import warnings

import numpy as np
import pytest

import ember
import ember.nn.functional as F
import ember.special

RNG = np.random.default_rng(0)

# (mode, input dims): every mode on every input rank it accepts
_MODE_DIMS = [("nearest", 3), ("nearest", 4), ("nearest", 5), ("nearest-exact", 3),
              ("nearest-exact", 4), ("nearest-exact", 5), ("linear", 3), ("bilinear", 4),
              ("bicubic", 4), ("trilinear", 5), ("area", 3), ("area", 4), ("area", 5)]
_SIZES = [dict(size=7), dict(size=2), dict(scale_factor=2), dict(scale_factor=1.7),
          dict(scale_factor=0.6), dict(scale_factor=2.3, recompute_scale_factor=True),
          dict(scale_factor=1.1)]


def _input(ndim):
    return RNG.standard_normal((2, 3) + (5, 4, 3)[:ndim - 2])


@pytest.mark.parametrize("mode,ndim", _MODE_DIMS)
def test_interpolate_matches_torch(torch, mode, ndim):
    a = _input(ndim)
    corners = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
    for kw in _SIZES:
        for align in corners:
            k = dict(kw, mode=mode) if align is None else dict(kw, mode=mode, align_corners=align)
            want = torch.nn.functional.interpolate(torch.tensor(a), **k).numpy()
            got = F.interpolate(ember.tensor(a), **k).numpy()
            assert got.shape == want.shape, k
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=str(k))


def test_interpolate_nearest_index_rule_in_float32(torch):
    """PyTorch computes nearest's source index in float32: sizes where float64 would differ."""
    for n_in, shape in [(n, s) for n in range(1, 14) for s in ((1, 1, n), (1, 1, 1, n))]:
        a = np.arange(n_in, dtype=np.float32).reshape(shape)
        for mode in ("nearest", "nearest-exact"):
            for kw in [dict(size=s) for s in range(1, 30)] + \
                      [dict(scale_factor=s) for s in (0.3, 0.7, 1.1, 1.3, 2.5, 3.3)]:
                if int(min(shape[2:]) * kw.get("scale_factor", 1)) == 0:
                    continue
                want = torch.nn.functional.interpolate(torch.tensor(a), mode=mode, **kw)
                got = F.interpolate(ember.tensor(a), mode=mode, **kw)
                assert np.array_equal(got.numpy(), want.numpy()), (n_in, mode, kw)


@pytest.mark.parametrize("mode,ndim", [("nearest", 4), ("nearest-exact", 3), ("linear", 3),
                                       ("bilinear", 4), ("bicubic", 4), ("trilinear", 5),
                                       ("area", 4)])
def test_interpolate_gradient_matches_torch(torch, mode, ndim):
    a = _input(ndim)
    k = dict(size=(3, 7, 2)[:ndim - 2], mode=mode)
    if mode in ("linear", "bilinear", "bicubic", "trilinear"):
        k["align_corners"] = mode == "bilinear"
    w = RNG.standard_normal(torch.nn.functional.interpolate(torch.tensor(a), **k).shape)
    x = ember.tensor(a, requires_grad=True)
    (F.interpolate(x, **k) * ember.tensor(w)).sum().backward()
    xt = torch.tensor(a, requires_grad=True)
    (torch.nn.functional.interpolate(xt, **k) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(size=4, scale_factor=2), ValueError, "only one of size or scale_factor"),
    (dict(), ValueError, "either size or scale_factor"),
    (dict(size=4, align_corners=True), ValueError, "align_corners option can only be set"),
    (dict(size=4, mode="area", align_corners=False), ValueError, "align_corners option"),
    (dict(size=(4, 4)), ValueError, "same number of spatial dimensions"),
    (dict(scale_factor=(2, 2)), ValueError, "same number of spatial dimensions"),
    (dict(size=4, recompute_scale_factor=True), ValueError, "not meaningful with an explicit"),
    (dict(size=4, mode="bilinear"), NotImplementedError, "Got 3D input, but bilinear mode"),
    (dict(size=4, mode="trilinear"), NotImplementedError, "Got 3D input, but trilinear mode"),
    (dict(size=4, mode="bicubic"), NotImplementedError, "Only 3D, 4D and 5D"),
    (dict(size=4, mode="cubic"), NotImplementedError, "got cubic"),
    (dict(size=4, mode="linear", antialias=True), ValueError, "Anti-alias option"),
    (dict(size=0), RuntimeError, "should be greater than 0"),
])
def test_interpolate_errors_match_torch(torch, kwargs, exc, match):
    a = np.ones((1, 2, 4))
    with pytest.raises(exc, match=match):
        torch.nn.functional.interpolate(torch.tensor(a), **kwargs)
    with pytest.raises(exc, match=match):
        F.interpolate(ember.tensor(a), **kwargs)


def test_interpolate_refuses_antialias_and_integer_inputs():
    with pytest.raises(NotImplementedError, match="antialias"):
        F.interpolate(ember.ones(1, 1, 4, 4), size=2, mode="bilinear", antialias=True)
    with pytest.raises(NotImplementedError, match="Long"):
        F.interpolate(ember.ones(1, 1, 4, 4, dtype=ember.int64), size=2)
    with pytest.raises(NotImplementedError, match="Got 4D input, but linear mode"):
        F.interpolate(ember.ones(1, 1, 4, 4), size=2, mode="linear")


def test_interpolate_same_size_is_a_new_tensor():
    x = ember.ones(1, 1, 3)
    y = F.interpolate(x, size=3)
    assert y is not x and np.array_equal(y.numpy(), x.numpy())


def test_upsample_modules_match_torch(torch):
    a = _input(4)
    pairs = [(ember.nn.Upsample(scale_factor=2, mode="bilinear"),
              torch.nn.Upsample(scale_factor=2, mode="bilinear")),
             (ember.nn.Upsample(size=(3, 5), mode="bicubic", align_corners=True),
              torch.nn.Upsample(size=(3, 5), mode="bicubic", align_corners=True)),
             (ember.nn.UpsamplingNearest2d(scale_factor=3), torch.nn.UpsamplingNearest2d(
                 scale_factor=3)),
             (ember.nn.UpsamplingBilinear2d(size=(7, 2)), torch.nn.UpsamplingBilinear2d(
                 size=(7, 2)))]
    for mine, theirs in pairs:
        assert repr(mine) == repr(theirs)
        np.testing.assert_allclose(mine(ember.tensor(a)).numpy(),
                                   theirs(torch.tensor(a)).numpy(), rtol=1e-12, atol=1e-12)


def test_deprecated_upsample_functions_warn_and_match(torch):
    a = _input(4)
    for name, kw in [("upsample", dict(size=6, mode="bilinear")),
                     ("upsample_nearest", dict(scale_factor=2)),
                     ("upsample_bilinear", dict(size=(3, 3)))]:
        with pytest.warns(UserWarning, match=f"nn.functional.{name}` is deprecated"):
            got = getattr(F, name)(ember.tensor(a), **kw).numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = getattr(torch.nn.functional, name)(torch.tensor(a), **kw).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


# -- cummax / cummin -------------------------------------------------------------------------------
_CUM_INPUTS = [RNG.integers(0, 3, (4, 9)).astype(np.float64),
               np.array([1.0, 3.0, 3.0, 2.0, 3.0, np.nan, 1.0, np.nan, 5.0]),
               RNG.integers(0, 3, (3, 5, 7)), np.array([True, False, True, True]),
               np.float64(2.0), np.zeros((0, 3))]


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_cummin_match_torch_ties_and_nan(torch, name):
    for a in _CUM_INPUTS:
        for d in range(-max(a.ndim, 1), max(a.ndim, 1)):
            want = getattr(torch, name)(torch.tensor(a), d)
            got = getattr(ember, name)(ember.tensor(a), d)
            assert np.array_equal(got.values.numpy(), want.values.numpy(), equal_nan=True)
            assert np.array_equal(got.indices.numpy(), want.indices.numpy()), (a, d)
            method = getattr(ember.tensor(a), name)(dim=d)
            assert np.array_equal(method[1].numpy(), got.indices.numpy())


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_cummin_gradient_and_repr(torch, name):
    a = RNG.integers(0, 4, (3, 6)).astype(np.float64)
    w = RNG.standard_normal((3, 6))
    x = ember.tensor(a, requires_grad=True)
    out = getattr(ember, name)(x, 1)
    (out.values * ember.tensor(w)).sum().backward()
    xt = torch.tensor(a, requires_grad=True)
    (getattr(torch, name)(xt, 1).values * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())
    assert type(out.values.grad_fn).__name__ == f"Cum{name[3:]}Backward0"
    assert repr(out).startswith(f"ember.return_types.{name}(")
    values, indices = out
    assert indices.dtype is ember.int64 and out.indices is indices


def test_cummax_errors():
    with pytest.raises(IndexError):
        ember.cummax(ember.ones(2, 3), 2)
    with pytest.raises(NotImplementedError, match="cummax_cpu"):
        ember.cummax(ember.ones(3, dtype=ember.complex64), 0)


# -- ember.special ---------------------------------------------------------------------------------
_X = np.concatenate([RNG.uniform(-10, 10, 300), RNG.uniform(0, 3, 100),
                     [0.0, -0.0, -1.0, -2.5, 1.0, 2.0, np.inf, -np.inf, np.nan, 1e-300, 200.0,
                      1.4616321449683622]])
_Y = np.concatenate([RNG.uniform(-1, 1, 300), 1 - 10.0 ** -RNG.uniform(1, 16, 100),
                     [0.0, -0.0, 1.0, -1.0, 1.5, np.nan, -0.3, 1e-300]])


@pytest.mark.parametrize("backend", ["numpy", "jax", "frozen"])
@pytest.mark.parametrize("name,data,rtol,atol", [
    ("erfc", _X, 1e-10, 0), ("erfinv", _Y, 1e-10, 0), ("gammaln", _X, 1e-12, 1e-13),
    ("digamma", _X, 1e-10, 1e-13), ("psi", _X, 1e-10, 1e-13), ("i0", _X, 1e-13, 0),
    ("expit", _X, 1e-15, 0), ("logit", (_Y + 1) / 2, 1e-14, 0), ("sinc", _X, 1e-14, 1e-16),
    ("entr", _X, 1e-14, 0), ("ndtr", _X, 1e-10, 1e-16), ("ndtri", (_Y + 1) / 2, 1e-9, 0),
    ("erf", _X, 1e-14, 0), ("log1p", _X, 1e-13, 0), ("expm1", _X, 1e-13, 0),
    ("exp2", _X, 1e-13, 0)])
def test_special_matches_torch_in_float64(torch, backend, name, data, rtol, atol):
    try:
        ember.backends.get_backend(backend)
    except RuntimeError as e:
        pytest.skip(f"backend {backend!r} cannot run here: {e}")
    with ember.default_backend(backend):
        got = getattr(ember.special, name)(ember.tensor(data)).numpy()
    want = getattr(torch.special, name)(torch.tensor(data)).numpy()
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", ["erfinv", "lgamma", "digamma", "i0", "erfc"])
def test_special_dtypes_methods_and_errors(torch, name):
    for dtype in (ember.int64, ember.bool, ember.float16, ember.float32):
        x = ember.ones(2, dtype=dtype)
        want = getattr(torch, name)(torch.ones(2, dtype=getattr(torch, dtype.name))).dtype
        assert getattr(ember, name)(x).dtype.name == str(want).split(".")[1]
    x = ember.tensor([0.25, 0.5])
    np.testing.assert_allclose(getattr(x, name)().numpy(), getattr(ember, name)(x).numpy())
    getattr(x, name + "_")()
    np.testing.assert_allclose(x.numpy(), getattr(torch, name)(torch.tensor([0.25, 0.5])),
                               rtol=1e-6)
    with pytest.raises(NotImplementedError, match="ComplexFloat"):
        getattr(ember, name)(ember.ones(2, dtype=ember.complex64))


@pytest.mark.parametrize("name", ["erfc", "erfinv", "gammaln", "digamma", "i0", "logit", "sinc",
                                  "entr", "ndtr", "ndtri"])
def test_special_gradients_match_torch(torch, name):
    x = np.array([0.3, -0.7, 2.5, -3.2, 0.05, 12.0, 35.0, -45.5])
    if name in ("erfinv", "logit", "ndtri", "entr"):
        x = np.abs(np.clip(x / 50, -0.9, 0.9)) + 0.01
    a = ember.tensor(x, requires_grad=True)
    getattr(ember.special, name)(a).sum().backward()
    t = torch.tensor(x, requires_grad=True)
    getattr(torch.special, name)(t).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-9)


def test_xlogy_matches_torch(torch):
    xs = np.array([0.0, 0.0, 1.0, 0.0, 2.0, -1.5])
    ys = np.array([0.0, np.nan, 0.0, -1.0, 3.0, 0.5])
    for got, want in [
            (ember.xlogy(ember.tensor(xs), ember.tensor(ys)), torch.xlogy(torch.tensor(xs),
                                                                       torch.tensor(ys))),
            (ember.special.xlogy(2, ember.tensor([1, 2, 3])), torch.xlogy(2, torch.tensor([1, 2,
                                                                                       3]))),
            (ember.tensor([1, 2, 0]).xlogy(2), torch.tensor([1, 2, 0]).xlogy(2))]:
        assert got.dtype.name == str(want.dtype).split(".")[1]
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    a = ember.tensor([0.0, 1.0, 2.0], requires_grad=True)
    b = ember.tensor([0.5, 0.25, 3.0], requires_grad=True)
    ember.xlogy(a, b).sum().backward()
    ta = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
    tb = torch.tensor([0.5, 0.25, 3.0], requires_grad=True)
    torch.xlogy(ta, tb).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-6)


def test_logit_eps_and_special_softmax(torch):
    x = np.array([0.0, 0.05, 0.5, 1.0])
    a = ember.tensor(x, requires_grad=True)
    ember.logit(a, eps=0.1).sum().backward()
    t = torch.tensor(x, requires_grad=True)
    torch.logit(t, eps=0.1).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy())
    np.testing.assert_allclose(ember.logit(ember.tensor(x), 0.1).numpy(),
                               torch.logit(torch.tensor(x), 0.1).numpy())
    m = RNG.standard_normal((2, 3))
    for name in ("softmax", "log_softmax"):
        np.testing.assert_allclose(getattr(ember.special, name)(ember.tensor(m), 1).numpy(),
                                   getattr(torch.special, name)(torch.tensor(m), 1).numpy())


def test_special_module_is_importable_and_mapped_for_torch():
    import importlib
    import subprocess
    import sys

    assert importlib.import_module("ember.special") is ember.special
    code = ("import ember; ember.as_torch(); import torch.special, torch; "
            "print(torch.special.gammaln is ember.special.gammaln, "
            "torch.special.expit is ember.sigmoid)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.split() == ["True", "True"], out.stderr
