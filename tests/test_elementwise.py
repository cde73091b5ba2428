"""Elementwise math beyond the per-op conformance samples: PyTorch's dtypes, grad_fn names and
errors (torch as the oracle), the operators and their reflected and in-place forms, aliases,
div's rounding modes, erf's accuracy and NumPy's silenced warnings."""

import math
import warnings

import numpy as np
import pytest

import ember

UNARY_FLOAT = ["reciprocal", "rsqrt", "exp2", "expm1", "log2", "log10", "log1p", "tan", "asin",
               "acos", "atan", "sinh", "cosh", "erf"]
ROUNDING = ["floor", "ceil", "trunc", "round"]
DTYPES = ["bool", "uint8", "int64", "float16", "float32", "float64", "complex64"]


def _pair(torch, name, values):
    """The same values as an ember and a torch tensor of dtype `name`."""
    return ember.tensor(values, dtype=getattr(ember, name)), torch.tensor(
        values, dtype=getattr(torch, name))


def _outcome(fn):
    """The result dtype's name, or the exception type's name."""
    try:
        r = fn()
    except Exception as exc:  # noqa: BLE001 - the exception type is the outcome
        return type(exc).__name__
    return str(r.dtype).replace("torch.", "").replace("ember.", "")


@pytest.mark.parametrize("name", UNARY_FLOAT + ROUNDING + ["square", "isnan", "isinf",
                                                          "isfinite", "logical_not",
                                                          "bitwise_not", "nan_to_num"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_unary_dtype_or_error_matches_torch(torch, name, dtype):
    e, t = _pair(torch, name=dtype, values=[1, 0])
    assert _outcome(lambda: getattr(ember, name)(e)) == \
        _outcome(lambda: getattr(torch, name)(t))


BINARY = ["atan2", "remainder", "fmod", "floor_divide", "logical_and", "logical_or",
          "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
          "bitwise_right_shift"]


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("da, db", [("int64", "int64"), ("uint8", "int64"), ("bool", "bool"),
                                    ("int32", "float16"), ("float32", "float64"),
                                    ("complex64", "complex64")])
def test_binary_dtype_or_error_matches_torch(torch, name, da, db):
    ea, ta = _pair(torch, da, [1, 2])
    eb, tb = _pair(torch, db, [1, 1])
    assert _outcome(lambda: getattr(ember, name)(ea, eb)) == \
        _outcome(lambda: getattr(torch, name)(ta, tb))


@pytest.mark.parametrize("name", ["remainder", "fmod", "floor_divide", "bitwise_and",
                                  "bitwise_left_shift", "atan2", "logical_or"])
@pytest.mark.parametrize("scalar", [2, 2.5, True])
def test_binary_with_python_scalar_matches_torch(torch, name, scalar):
    e, t = _pair(torch, "int32", [3, -4])
    assert _outcome(lambda: getattr(ember, name)(e, scalar)) == \
        _outcome(lambda: getattr(torch, name)(t, scalar))


def _grad_fn(x, fn):
    out = fn(x)
    return type(out.grad_fn).__name__ if out.grad_fn is not None else None


GRAD_FNS = {
    "div trunc": lambda m, x: m.div(x, 0.7, rounding_mode="trunc"),
    "div floor": lambda m, x: m.div(x, x.detach() + 1, rounding_mode="floor"),
    "true_divide": lambda m, x: m.true_divide(x, 2),
    "remainder scalar": lambda m, x: m.remainder(x, 2),
    "remainder tensor": lambda m, x: m.remainder(x, x.detach() + 1),
    "fmod scalar": lambda m, x: m.fmod(x, 2),
    "fmod tensor": lambda m, x: m.fmod(x, x.detach() + 1),
    "square": lambda m, x: m.square(x),
    "round": lambda m, x: m.round(x),
    "round decimals": lambda m, x: m.round(x, decimals=1),
    "lerp scalar": lambda m, x: m.lerp(x, x.detach() * 2, 0.3),
    "lerp tensor": lambda m, x: m.lerp(x, x.detach() * 2, x.detach()),
    "clamp scalars": lambda m, x: m.clamp(x, 0, 1),
    "clamp tensor": lambda m, x: m.clamp(x, x.detach() - 1),
    "clip": lambda m, x: m.clip(x, max=1),
    "nan_to_num": lambda m, x: m.nan_to_num(x),
    "masked_fill": lambda m, x: x.masked_fill(x.detach() > 0, 2.0),
    "masked_fill tensor value": lambda m, x: x.masked_fill(x.detach() > 0, x[0]),
    "atan2": lambda m, x: m.atan2(x, x.detach() + 1),
    "arctan2": lambda m, x: m.arctan2(x, x.detach() + 1),
    **{n: (lambda m, x, n=n: getattr(m, n)(x)) for n in UNARY_FLOAT + ROUNDING[:3]},
}


@pytest.mark.parametrize("case", list(GRAD_FNS))
def test_grad_fn_name_matches_torch(torch, case):
    fn = GRAD_FNS[case]
    e = ember.tensor([0.25, -0.5], requires_grad=True)
    t = torch.tensor([0.25, -0.5], requires_grad=True)
    assert _grad_fn(e, lambda x: fn(ember, x)) == _grad_fn(t, lambda x: fn(torch, x))


@pytest.mark.parametrize("mode", ["trunc", "floor"])
@pytest.mark.parametrize("dtype", ["int64", "int8", "float32", "float64"])
def test_div_rounding_mode_matches_torch(torch, backend, mode, dtype):
    values = [7, -7, 5, -5, 0, 3]
    divisors = [2, 2, -3, -3, 4, 7]
    ea, ta = _pair(torch, dtype, values)
    eb, tb = _pair(torch, dtype, divisors)
    got = ember.div(ea, eb, rounding_mode=mode)
    want = torch.div(ta, tb, rounding_mode=mode)
    assert str(got.dtype) == str(want.dtype).replace("torch", "ember")
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    np.testing.assert_array_equal(ember.div(ea, 2, rounding_mode=mode).numpy(),
                                  torch.div(ta, 2, rounding_mode=mode).numpy())


def test_div_rounded_gradient_is_zero(backend):
    x = ember.tensor([1.5, -2.5], dtype=ember.float64, requires_grad=True)
    ember.div(x, 0.7, rounding_mode="floor").sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_div_rejects_unknown_rounding_mode():
    with pytest.raises(RuntimeError, match="rounding_mode"):
        ember.div(ember.tensor([1.0]), 2, rounding_mode="round")


@pytest.mark.parametrize("op", ["floor_divide", "remainder", "fmod"])
def test_integer_division_by_zero_raises(backend, op):
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        getattr(ember, op)(ember.tensor([1, 2]), ember.tensor([1, 0]))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        getattr(ember, op)(ember.tensor([1, 2]), 0)


def test_float_division_by_zero_is_nan_or_inf(backend):
    x = ember.tensor([1.0, -1.0, 0.0])
    assert np.isnan(ember.remainder(x, 0).numpy()).all()
    assert ember.floor_divide(x, 0).tolist()[:2] == [math.inf, -math.inf]


OPERATORS = [
    ("//", lambda a, b: a // b), ("%", lambda a, b: a % b), ("&", lambda a, b: a & b),
    ("|", lambda a, b: a | b), ("^", lambda a, b: a ^ b), ("<<", lambda a, b: a << b),
    (">>", lambda a, b: a >> b),
]


@pytest.mark.parametrize("symbol, fn", OPERATORS, ids=[s for s, _ in OPERATORS])
def test_operators_and_reflected_forms_match_torch(torch, backend, symbol, fn):
    ea, ta = _pair(torch, "int64", [7, -7, 5, 12])
    eb, tb = _pair(torch, "int64", [2, 3, 1, 2])
    for got, want in ((fn(ea, eb), fn(ta, tb)), (fn(ea, 3), fn(ta, 3)), (fn(9, eb), fn(9, tb))):
        np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("symbol, fn", OPERATORS, ids=[s for s, _ in OPERATORS])
def test_augmented_assignment_keeps_the_tensor(backend, symbol, fn):
    x = ember.tensor([7, -7, 5, 12])
    want = fn(x, 2).tolist()
    ident, version = id(x), x._version
    y = x
    exec(f"y {symbol}= 2")
    assert id(y) == ident and y is x
    assert x._version > version
    assert x.tolist() == want


def test_invert_on_integers_and_bool(backend):
    assert (~ember.tensor([0, 5, -1])).tolist() == [-1, -6, 0]
    assert (~ember.tensor([True, False])).tolist() == [False, True]


def test_shifts_out_of_range_match_torch(torch, backend):
    for dtype in ("int8", "uint8", "int64"):
        ea, ta = _pair(torch, dtype, [5, 100])
        for shift in (0, 3, 7, 8, 9, 64, 70):
            eb, tb = _pair(torch, dtype, [shift, shift])
            assert (ea << eb).tolist() == (ta << tb).tolist()
            assert (ea >> eb).tolist() == (ta >> tb).tolist()
            assert (ea << shift).tolist() == (ta << shift).tolist()
    ea, ta = _pair(torch, "int64", [-5, 5])
    eb, tb = _pair(torch, "int64", [-1, 70])
    assert (ea << eb).tolist() == (ta << tb).tolist()
    assert (ea >> eb).tolist() == (ta >> tb).tolist()


@pytest.mark.parametrize("alias, name", [("true_divide", "div"), ("arctan2", "atan2"),
                                         ("clip", "clamp")])
def test_aliases_are_the_op(alias, name):
    assert getattr(ember, alias) is getattr(ember, name)
    assert getattr(ember.Tensor, alias) is getattr(ember.Tensor, name)
    assert getattr(ember.Tensor, alias + "_") is getattr(ember.Tensor, name + "_")


def test_clamp_in_place_keeps_the_tensor(backend):
    x = ember.tensor([-2.0, 0.5, 3.0])
    assert x.clamp_(-1, 1) is x
    assert x.tolist() == [-1.0, 0.5, 1.0]
    assert x.clip_(max=0).tolist() == [-1.0, 0.0, 0.0]


def test_clamp_dtypes_and_errors_match_torch(torch):
    e, t = _pair(torch, "int64", [1, 5])
    ef, tf = _pair(torch, "float32", [2.0])
    assert _outcome(lambda: ember.clamp(e, 0.5)) == _outcome(lambda: torch.clamp(t, 0.5))
    assert _outcome(lambda: ember.clamp(e, ef)) == _outcome(lambda: torch.clamp(t, tf))
    assert ember.clamp(e, ef).tolist() == torch.clamp(t, tf).tolist()
    assert _outcome(lambda: ember.clamp(e)) == _outcome(lambda: torch.clamp(t)) == "RuntimeError"
    assert ember.clamp(ember.tensor([0.0, 5.0]), 3, 1).tolist() == [1.0, 1.0]  # min > max


def test_clamp_tensor_bound_gradients(backend):
    x = ember.tensor([0.0, 2.0, 5.0], dtype=ember.float64, requires_grad=True)
    lo = ember.tensor([1.0, 1.0, 1.0], dtype=ember.float64, requires_grad=True)
    hi = ember.tensor([4.0, 4.0, 4.0], dtype=ember.float64, requires_grad=True)
    ember.clamp(x, lo, hi).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]
    assert lo.grad.tolist() == [1.0, 0.0, 0.0]
    assert hi.grad.tolist() == [0.0, 0.0, 1.0]


def test_masked_fill_in_place_and_value_gradient(backend):
    x = ember.tensor([1.0, 2.0, 3.0])
    assert x.masked_fill_(ember.tensor([True, False, True]), 0.0) is x
    assert x.tolist() == [0.0, 2.0, 0.0]
    a = ember.tensor([1.0, 2.0, 3.0], dtype=ember.float64, requires_grad=True)
    v = ember.tensor(5.0, dtype=ember.float64, requires_grad=True)
    a.masked_fill(ember.tensor([True, False, True]), v).sum().backward()
    assert a.grad.tolist() == [0.0, 1.0, 0.0]
    assert v.grad.item() == 2.0


def test_masked_fill_casts_the_value_as_torch(torch):
    e, t = _pair(torch, "int64", [1, 2])
    assert e.masked_fill(ember.tensor([True, False]), 2.7).tolist() == \
        t.masked_fill(torch.tensor([True, False]), 2.7).tolist()


def test_isclose_allclose_equal_match_torch(torch, backend):
    a = [1.0, math.nan, math.inf, 1.0, 0.0]
    b = [1.0 + 1e-9, math.nan, math.inf, 1.1, 1e-9]
    ea, ta = _pair(torch, "float32", a)
    eb, tb = _pair(torch, "float32", b)
    for kw in ({}, {"equal_nan": True}, {"rtol": 0.2}, {"atol": 0.0, "rtol": 0.0}):
        assert ember.isclose(ea, eb, **kw).tolist() == torch.isclose(ta, tb, **kw).tolist()
        assert ember.allclose(ea, eb, **kw) == torch.allclose(ta, tb, **kw)
    eu, tu = _pair(torch, "uint8", [1, 2])
    ev, tv = _pair(torch, "uint8", [2, 1])
    assert ember.isclose(eu, ev, atol=1).tolist() == torch.isclose(tu, tv, atol=1).tolist()
    assert ember.equal(ea, ea) is torch.equal(ta, ta) is False  # NaN is not equal to itself
    assert ember.equal(eb[:1], eb[:1]) is True
    assert ember.equal(ea, ea[:2]) is False


def test_lerp_is_exact_at_both_ends(backend):
    a = ember.tensor([1.0, -3.0])
    b = ember.tensor([1e8, 7.0])
    assert ember.lerp(a, b, 1.0).tolist() == b.tolist()
    assert ember.lerp(a, b, 0.0).tolist() == a.tolist()
    assert ember.lerp(a, b, ember.tensor([1.0, 0.0])).tolist() == [1e8, -3.0]


def test_round_halves_to_even_and_decimals_match_torch(torch, backend):
    e, t = _pair(torch, "float64", [0.5, 1.5, 2.5, -0.5, 1.2345, -2.675])
    assert ember.round(e).tolist() == torch.round(t).tolist()
    assert ember.round(e, decimals=2).tolist() == torch.round(t, decimals=2).tolist()


def test_nan_to_num_defaults_match_torch(torch, backend):
    for dtype in ("float16", "float32", "float64"):
        e, t = _pair(torch, dtype, [math.nan, math.inf, -math.inf, 1.0])
        assert ember.nan_to_num(e).tolist() == torch.nan_to_num(t).tolist()
        assert ember.nan_to_num(e, 1.0, 2.0, -2.0).tolist() == \
            torch.nan_to_num(t, 1.0, 2.0, -2.0).tolist()


def test_erf_is_accurate_in_float64(backend):
    xs = np.concatenate([np.linspace(-7, 7, 20001), [0.0, 1e-300, 2.99999, 3.0, 26.0]])
    got = ember.erf(ember.tensor(xs, dtype=ember.float64)).numpy()
    want = np.array([math.erf(v) for v in xs])
    rel = np.abs(got - want) / np.maximum(np.abs(want), 1e-300)
    assert rel.max() < 4e-15
    specials = ember.erf(ember.tensor([math.inf, -math.inf, math.nan], dtype=ember.float64))
    assert specials.tolist()[:2] == [1.0, -1.0] and math.isnan(specials.tolist()[2])


def test_numpy_backend_is_silent_on_nan_inf_and_zero():
    """PyTorch computes these without warnings; so does the NumPy backend."""
    with ember.default_backend("numpy"), warnings.catch_warnings():
        warnings.simplefilter("error")
        x = ember.tensor([0.0, -1.0, math.inf, -math.inf, math.nan])
        for fn in (ember.log, ember.sqrt, ember.log2, ember.log10, ember.log1p, ember.asin,
                   ember.acos, ember.tan, ember.sin, ember.cos, ember.exp, ember.exp2,
                   ember.sinh, ember.cosh, ember.expm1, ember.reciprocal, ember.rsqrt,
                   ember.erf, ember.sigmoid):
            fn(x)
        x / 0, x % 0, x // 0, ember.fmod(x, 0), x * 0, x - x, x + (-x), x ** -1
        ember.tensor([1e6]).half(), x.long()
        x.sum(), ember.tensor([]).mean(), x.reshape(1, 5) @ x.reshape(5, 1)
