"""Results that were silently wrong (issue 15): each checked against PyTorch where it is installed,
and on every backend. Derivatives at degenerate points, dtypes of mixed bool arithmetic, inputs
PyTorch refuses, errors raised in PyTorch's order, and kernel results that do not match what core
wraps them as."""

import math
import warnings

import numpy as np
import pytest

import ember
from ember import backends


def _error(fn, *args, **kwargs):
    """(type, message) of the exception `fn` raises, or None."""
    try:
        fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e), str(e)
    return None


def _same_error(lib_fn, torch):
    """`lib_fn(lib)` raises the same exception type and message on ember as on PyTorch."""
    want = _error(lib_fn, torch)
    got = _error(lib_fn, ember)
    assert want is not None, "PyTorch accepts this: the test is wrong"
    assert got == want


# -- derivatives at degenerate points ----------------------------------------------------------
@pytest.mark.parametrize("fn", ["std", "var"])
@pytest.mark.parametrize("n", [1, 3])
@pytest.mark.parametrize("correction", [0, 1, None])
def test_std_var_backward_of_equal_values(backend, torch, fn, n, correction):
    kw = {} if correction is None else {"correction": correction}
    grads = []
    for lib in (ember, torch):
        x = lib.ones(n, requires_grad=True)
        with warnings.catch_warnings():  # PyTorch warns where n <= correction
            warnings.simplefilter("ignore")
            getattr(x, fn)(**kw).backward()
        grads.append(np.asarray(x.grad.tolist(), dtype=np.float64))
    np.testing.assert_array_equal(grads[0], grads[1])  # 0, or NaN where PyTorch gives NaN


def test_std_backward_along_a_dim_with_a_constant_row(backend, torch):
    data = [[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]]
    grads = []
    for lib in (ember, torch):
        x = lib.tensor(data, requires_grad=True)
        x.std(dim=1).sum().backward()
        grads.append(np.asarray(x.grad.tolist()))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)
    assert not np.isnan(grads[0]).any()


def test_abs_backward_at_nan_is_zero(backend, torch):
    grads = []
    for lib in (ember, torch):
        x = lib.tensor([math.nan, 1.0, -2.0, 0.0], requires_grad=True)
        x.abs().sum().backward()
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1] == [0.0, 1.0, -1.0, 0.0]


def test_sign_of_nan_is_zero(backend, torch):
    values = [math.nan, -3.0, 0.0, 2.5]
    assert ember.sign(ember.tensor(values)).tolist() == torch.sign(torch.tensor(values)).tolist()


# -- bool arithmetic with alpha ----------------------------------------------------------------
@pytest.mark.parametrize("alpha", [2, 0, -1, True])
def test_bool_plus_bool_with_alpha_stays_bool(backend, torch, alpha):
    a, b = [True, False, False], [True, True, False]
    want = torch.add(torch.tensor(a), torch.tensor(b), alpha=alpha)
    got = ember.add(ember.tensor(a), ember.tensor(b), alpha=alpha)
    assert got.dtype is ember.bool and want.dtype == torch.bool
    assert got.tolist() == want.tolist()


@pytest.mark.parametrize("case", [
    lambda lib: lib.add(lib.tensor([1, 2]), lib.tensor([1, 1]), alpha=2.5),
    lambda lib: lib.add(lib.tensor([True]), lib.tensor([True]), alpha=2.5),
    lambda lib: lib.add(lib.tensor([1, 2]), lib.tensor([1, 1]), alpha=True),
    lambda lib: lib.sub(lib.ones(2), lib.ones(2), alpha=True),
], ids=["int-float-alpha", "bool-float-alpha", "int-bool-alpha", "float-bool-alpha-sub"])
def test_alpha_refused_as_pytorch_does(backend, torch, case):
    _same_error(case, torch)


def test_mixed_bool_alpha_promotes_as_pytorch(backend, torch):
    for case in (lambda lib: lib.add(lib.tensor([True, False]), lib.tensor([1, 1]), alpha=2),
                 lambda lib: lib.add(lib.tensor([True, False]), 1, alpha=2),
                 lambda lib: lib.add(lib.tensor([True, False]), True, alpha=2)):
        got, want = case(ember), case(torch)
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
        assert got.tolist() == want.tolist()


# -- inputs PyTorch refuses --------------------------------------------------------------------
@pytest.mark.parametrize("case", [
    lambda lib: lib.ones(2) - lib.tensor([True, False]),
    lambda lib: lib.tensor([True, False]) - lib.ones(2),
    lambda lib: lib.ones(2) - True,
    lambda lib: True - lib.ones(2),
    lambda lib: lib.ones(2, dtype=lib.int64) - lib.tensor([True, False]),
    lambda lib: lib.sub(lib.ones(2), lib.tensor([True, False]), alpha=2),
], ids=["float-bool", "bool-float", "float-True", "True-float", "int-bool", "alpha"])
def test_subtraction_with_a_bool_is_refused(backend, torch, case):
    _same_error(case, torch)


@pytest.mark.parametrize("case", [
    lambda lib: lib.argmax(lib.tensor([True, False])),
    lambda lib: lib.argmin(lib.tensor([True, False])),
    lambda lib: lib.argmax(lib.tensor([True, False]), dim=5),
    lambda lib: lib.tensor([[True]]).argmin(dim=0),
], ids=["argmax", "argmin", "argmax-bad-dim", "argmin-method"])
def test_argmax_argmin_refuse_bool(backend, torch, case):
    _same_error(case, torch)


def test_max_along_a_dim_still_takes_bool(backend, torch):
    got = ember.max(ember.tensor([[False, True], [True, True]]), 1)
    want = torch.max(torch.tensor([[False, True], [True, True]]), 1)
    assert got.values.tolist() == want.values.tolist()
    assert got.indices.tolist() == want.indices.tolist()


@pytest.mark.parametrize("case", [
    lambda lib: lib.matmul(lib.tensor([[True, False]]), lib.tensor([[True], [True]])),
    lambda lib: lib.tensor([[True, False]]) @ lib.tensor([True, True]),
    lambda lib: lib.matmul(lib.tensor([True, False]), lib.tensor([True, True])),
    lambda lib: lib.matmul(lib.tensor([[[True]]]), lib.tensor([[[True]]])),
    lambda lib: lib.mm(lib.tensor([[True]]), lib.tensor([[True]])),
    lambda lib: lib.mv(lib.tensor([[True]]), lib.tensor([True])),
    lambda lib: lib.bmm(lib.tensor([[[True]]]), lib.tensor([[[True]]])),
    lambda lib: lib.dot(lib.tensor([True]), lib.tensor([True])),
], ids=["matmul-2d", "matmul-2d-1d", "matmul-1d", "matmul-3d", "mm", "mv", "bmm", "dot"])
def test_bool_matrix_products_are_refused(backend, torch, case):
    _same_error(case, torch)


def test_backward_through_floor_divide_raises(backend, torch):
    for lib in (torch, ember):
        x = lib.tensor([3.0, 4.0], requires_grad=True)
        y = x // 2
        assert y.requires_grad and type(y.grad_fn).__name__ == "NotImplemented"
        assert y.tolist() == [1.0, 2.0]
    want = _error(lambda: (torch.ones(2, requires_grad=True) // 2).sum().backward())
    got = _error(lambda: (ember.ones(2, requires_grad=True) // 2).sum().backward())
    assert got == want == (RuntimeError, "derivative for aten::floor_divide is not implemented")


def test_floor_rounding_div_keeps_its_zero_gradient(backend):
    x = ember.tensor([3.0, 4.0], requires_grad=True)
    ember.div(x, 2, rounding_mode="floor").sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("dtype", ["float32", "complex64"])
def test_invert_of_float_is_a_type_error(backend, torch, dtype):
    _same_error(lambda lib: ~lib.ones(2, dtype=getattr(lib, dtype)), torch)
    _same_error(lambda lib: lib.ones(2).bitwise_not(), torch)  # the function keeps its error
    assert (~ember.tensor([True, False])).tolist() == [False, True]
    assert (~ember.tensor([0, 5])).tolist() == [-1, -6]


# -- indexing ----------------------------------------------------------------------------------
@pytest.mark.parametrize("case", [
    lambda lib: lib.ones(1)[-1:1:-1, 0],
    lambda lib: lib.ones(2, 2)[::-1, 5],
    lambda lib: lib.ones(2, 2)[5, ::-1],
    lambda lib: lib.ones(2, 2)[::-1, 5, 1],
    lambda lib: lib.ones(2, 2)[::0],
], ids=["too-many-then-step", "step-then-bound", "bound-then-step", "too-many", "zero-step"])
def test_index_errors_in_pytorchs_order(backend, torch, case):
    _same_error(case, torch)


def test_empty_list_index_selects_nothing(backend, torch):
    for shape in ((3,), (3, 2)):
        got, want = ember.ones(*shape)[[]], torch.ones(*shape)[[]]
        assert tuple(got.shape) == tuple(want.shape) and got.dtype is ember.float32
        x = ember.arange(3.0).reshape(3, 1).expand(3, 2).clone()
        y = torch.arange(3.0).reshape(3, 1).expand(3, 2).clone()
        x[[]] = 5
        y[[]] = 5
        assert x.tolist() == y.tolist()
    assert tuple(ember.ones(3, 2)[0, []].shape) == tuple(torch.ones(3, 2)[0, []].shape)


@pytest.mark.parametrize("case", [
    lambda lib: lib.ones(3, 3)[[0, 1], [0, 1, 2]],
    lambda lib: lib.ones(3, 3, 3)[[0, 1], :, [0, 1, 2]],
    lambda lib: lib.ones(3, 3)[lib.tensor([[0, 1]]), lib.tensor([0, 1, 2])],
    lambda lib: lib.ones(3, 3)[lib.tensor([True, False, True]), lib.tensor([0, 1, 2])],
], ids=["lists", "around-a-slice", "tensors", "mask-and-ints"])
def test_advanced_indices_that_do_not_broadcast(backend, torch, case):
    _same_error(case, torch)


def test_advanced_indices_that_do_not_broadcast_in_setitem(backend, torch):
    def assign(lib):
        x = lib.zeros(3, 3)
        x[[0, 1], [0, 1, 2]] = 1.0
    _same_error(assign, torch)


# -- frac --------------------------------------------------------------------------------------
def test_frac_matches_pytorch(backend, torch):
    values = [1.5, -1.5, 2.0, -0.25, 0.0, math.inf, -math.inf, math.nan]
    got = ember.frac(ember.tensor(values)).tolist()
    want = torch.frac(torch.tensor(values)).tolist()
    np.testing.assert_array_equal(np.array(got), np.array(want))
    x = ember.tensor([1.5, -2.25], requires_grad=True)
    y = x.frac()
    assert type(y.grad_fn).__name__ == "FracBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    _same_error(lambda lib: lib.frac(lib.tensor([1])), torch)
    _same_error(lambda lib: lib.frac(lib.tensor([True])), torch)


# -- kernel results core would wrap as something they are not ---------------------------------
def _kernels(name):
    return backends.installed()[name].kernels


def test_kernel_result_of_the_wrong_shape_is_refused(backend, monkeypatch):
    k = _kernels(backend)
    add = k["add"]
    monkeypatch.setitem(k, "add", lambda a, b: k["reshape"](add(a, b), (-1,)))
    with pytest.raises(RuntimeError, match=rf"the {backend} backend's kernel for 'add' returned "
                                           r"an array of shape \[6\].*shape \[2, 3\]"):
        ember.ones(2, 3) + ember.ones(2, 3)


def test_kernel_result_of_the_wrong_dtype_is_refused(backend, monkeypatch):
    k = _kernels(backend)
    exp = k["exp"]
    f64 = backends.installed()[backend].dtype_native(ember.float64)
    monkeypatch.setitem(k, "exp", lambda a: k["astype"](exp(a), f64))
    with pytest.raises(RuntimeError, match=r"kernel for 'exp' returned an array of dtype "
                                           r"float64, but the result must be ember.float32"):
        ember.exp(ember.ones(3))


def test_reduction_result_of_the_wrong_shape_is_refused(backend, monkeypatch):
    k = _kernels(backend)
    total = k["sum"]
    monkeypatch.setitem(k, "sum", lambda a, dims, keepdim: total(a, dims, True))
    with pytest.raises(RuntimeError, match=r"kernel for 'sum' returned an array of shape "
                                           r"\[1, 3\], but the result must have shape \[3\]"):
        ember.ones(2, 3).sum(0)


def test_kernel_result_that_is_not_an_array_is_refused(backend, monkeypatch):
    k = _kernels(backend)
    monkeypatch.setitem(k, "mul", lambda a, b: [1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"kernel for 'mul' returned a builtins.list, not an "
                                           r"array"):
        ember.ones(2) * ember.ones(2)


def test_abs_of_complex_is_labelled_real_from_the_start(backend):
    out = ember.tensor([3 + 4j]).abs()
    assert out.dtype is ember.float32 and out.tolist() == [5.0]


def test_integer_apart_from_an_array_index(backend, torch):
    # PyTorch applies integer indices first (as selects), NumPy would move the array dims first
    for index in ((0, slice(None), [0, 1]), ([0, 1], 0, [1, 2]), (0, None, slice(None), [2]),
                  (slice(None), 1, [True, False, True, True])):
        got = ember.arange(24).reshape(2, 3, 4)[index]
        want = torch.arange(24).reshape(2, 3, 4)[index]
        assert tuple(got.shape) == tuple(want.shape) and got.tolist() == want.tolist(), index
        x, y = ember.zeros(2, 3, 4), torch.zeros(2, 3, 4)
        value = torch.arange(want.numel()).reshape(want.shape).float()
        x[index] = ember.tensor(value.tolist())
        y[index] = value
        assert x.tolist() == y.tolist(), index
    x = ember.ones(2, 3, 4, requires_grad=True)
    (x[0, :, [0, 1]] * ember.arange(6.0).reshape(3, 2)).sum().backward()
    y = torch.ones(2, 3, 4, requires_grad=True)
    (y[0, :, [0, 1]] * torch.arange(6.0).reshape(3, 2)).sum().backward()
    assert x.grad.tolist() == y.grad.tolist()


def test_a_second_ellipsis_stands_for_no_dims(backend, torch):
    for index in ((Ellipsis, Ellipsis), (Ellipsis, 0, Ellipsis), (None, Ellipsis, None, Ellipsis)):
        got = ember.arange(6).reshape(2, 3)[index]
        want = torch.arange(6).reshape(2, 3)[index]
        assert tuple(got.shape) == tuple(want.shape) and got.tolist() == want.tolist()
