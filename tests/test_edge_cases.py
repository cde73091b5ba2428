"""Edge cases where ember differed from PyTorch (issue 14): gradients of pow at zero and for
non-positive bases, cumprod's gradient near zero, sum's gradient dtype, the exception types of
integer powers and div's rounding_mode, and linspace, hardtanh and cross_entropy on unusual
dtypes. Each is checked against PyTorch's documented result."""

import math

import pytest

import ember
import ember.nn.functional as F


def _grad(fn, values, dtype=ember.float64):
    x = ember.tensor(values, dtype=dtype, requires_grad=True)
    fn(x).sum().backward()
    return x.grad


def test_pow_gradient_for_a_zero_scalar_base(backend):
    # d(0 ** x)/dx is 0 for x >= 0 (PyTorch), not a math domain error
    assert _grad(lambda x: 0.0 ** x, [0.0, 1.0, 2.0]).tolist() == [0.0, 0.0, 0.0]
    assert _grad(lambda x: ember.pow(0, x), [-1.0]).tolist() == [-math.inf]


def test_pow_gradient_for_a_negative_scalar_base_is_nan(backend):
    assert all(math.isnan(v) for v in _grad(lambda x: (-2.0) ** x, [0.0, 1.0, 2.5]).tolist())


def test_pow_gradients_at_zero_base(backend):
    x = ember.tensor([0.0, 0.0, 0.0, 2.0], dtype=ember.float64, requires_grad=True)
    y = ember.tensor([0.0, 1.0, 2.0, 0.0], dtype=ember.float64, requires_grad=True)
    (x ** y).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0, 0.0]  # exponent 0: derivative 0, not 0 * inf
    assert y.grad.tolist() == [0.0, 0.0, 0.0, math.log(2.0)]  # base 0: 0, not 1 * -inf


def test_pow_second_derivative_at_zero_base(backend):
    x = ember.tensor([0.0, 1.5], dtype=ember.float64, requires_grad=True)
    (g,) = ember.autograd.grad((x ** 2).sum(), x, create_graph=True)
    (h,) = ember.autograd.grad(g.sum(), x)
    assert h.tolist() == [2.0, 2.0]


def test_cumprod_gradient_near_zero(backend):
    # a tiny (not zero) element: no division blow-up, PyTorch's values
    g = _grad(lambda x: ember.cumprod(x, 0), [1e-30, 2.0, 3.0], dtype=ember.float32)
    assert g.tolist() == pytest.approx([9.0, 4e-30, 2e-30], rel=1e-5)
    assert _grad(lambda x: ember.cumprod(x, 0), [0.0, 2.0, 0.0, 3.0]).tolist() == \
        [3.0, 0.0, 0.0, 0.0]


def test_sum_with_float64_dtype_gives_the_input_dtype_gradient(backend):
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    x.sum(dtype=ember.float64).backward()
    assert x.grad.dtype is ember.float32


def test_integers_to_negative_powers(backend):
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        ember.tensor([2, 3]) ** -1
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        ember.pow(ember.tensor([2, 3], dtype=ember.int32), -2)
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        ember.tensor([True, False]) ** -1
    # an exponent tensor is computed as PyTorch's integer power: 1, +-1 or 0
    base = ember.tensor([2, 1, -1, -1, 0, 3])
    exponent = ember.tensor([-1, -5, -3, -2, -1, 2])
    assert (base ** exponent).tolist() == [0, 1, -1, 1, 0, 9]
    assert (2 ** ember.tensor([-1, 3])).tolist() == [0, 8]
    assert (ember.tensor([2.0]) ** -1).tolist() == [0.5]


def test_div_rounding_mode_typo_is_a_runtime_error(backend):
    with pytest.raises(RuntimeError, match="found 'flor'"):
        ember.div(ember.tensor([1.0]), 2, rounding_mode="flor")


def test_linspace_refuses_bool(backend):
    with pytest.raises(NotImplementedError, match="\"linspace_cpu\" not implemented for 'Bool'"):
        ember.linspace(0, 1, 3, dtype=ember.bool)


@pytest.mark.parametrize("args,dtype,expected", [
    ((-5, 5, 7), ember.int32, [-5, -3, -1, 0, 1, 3, 5]),
    ((-3.5, 7.9, 6), ember.int64, [-3, -1, 1, 3, 5, 7]),
    ((0, 1, 5), ember.int64, [0, 0, 0, 0, 1]),
    ((10, 0, 4), ember.int16, [10, 6, 3, 0]),
    ((-5, -7, 1), ember.int64, [-5]),
    ((0, 255, 7), ember.uint8, [0, 42, 85, 127, 170, 212, 255])])
def test_linspace_integer_dtypes_truncate_as_torch(backend, args, dtype, expected):
    # PyTorch: the ends made integers, steps in double from the nearer end, truncated to zero
    out = ember.linspace(*args, dtype=dtype)
    assert out.dtype is dtype and out.tolist() == expected


def test_hardtanh_refuses_negative_limits_on_unsigned(backend):
    x = ember.tensor([1, 2], dtype=ember.uint8)
    with pytest.raises(RuntimeError, match="unsigned type with negative limits"):
        F.hardtanh(x)
    assert F.hardtanh(x, 0.0, 1.0).tolist() == [1, 1]
    assert F.hardtanh(ember.tensor([1, 2], dtype=ember.int8)).tolist() == [1, 1]


def test_cross_entropy_refuses_float_class_indices(backend):
    logits = ember.zeros(3, 4)
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got "
                                           "Float"):
        F.cross_entropy(logits, ember.tensor([1.0, 2.0, 0.0]))
    with pytest.raises(RuntimeError, match="multi-target not supported"):
        F.cross_entropy(logits, ember.zeros(3, 2))
    assert F.cross_entropy(logits, ember.full((3, 4), 0.25)).item() == pytest.approx(math.log(4))
