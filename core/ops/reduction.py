"""Reductions: sum, mean, prod, var/std, logsumexp, amax/amin, max/min (with indices along a
dim), argmax/argmin, all/any, count_nonzero; scans (cumsum, cumprod); sort, argsort, topk and
unique."""

import builtins
import collections
import functools
import math

from . import creation as C
from . import elementwise as E
from . import shape as S
from .._compile import is_compiling
from ..backends import ember_dtype
from ._common import (Tensor, _dt, _wrap, _wrap_dim, check_result, check_tensor, grad_mode,
                      normalize_dims, record)
from .registry import BOOL, COMPLEX, FLOATING, INTEGRAL, REAL, defop

_INT, _FLOAT = 1, 2


def _keep_shape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _expand_back(g, in_shape, dims, keepdim):
    """Gradient of a reduction, broadcast back to the input's shape."""
    if not keepdim:
        g = S.reshape(g, _keep_shape(in_shape, dims))
    return S.expand(g, in_shape)


def _reduce(op, input, dim, keepdim, out_dtype, node_index, fn):
    check_tensor(input, "input", fn)
    be = input._backend
    shape = input._data.shape
    dims = normalize_dims(dim, len(shape))
    if not shape:
        dims = ()  # a 0-d input: dim 0 (or -1) is valid and reduces over nothing
    raw = input._data
    if out_dtype is not input._dtype:
        raw = be.kernels["astype"](raw, be.dtype_native(out_dtype))
    result = be.kernels[op.name](raw, dims, keepdim)
    if out_dtype.category <= _INT:  # NumPy sums and multiplies small integers in int64
        native = be.dtype_native(out_dtype)
        if result.dtype != native:
            result = be.kernels["astype"](result, native)
    want = tuple(1 if i in dims else s for i, s in enumerate(shape)) if keepdim else \
        tuple(s for i, s in enumerate(shape) if i not in dims)
    try:  # the kernel's result checked cheaply: same native dtype object, same shape
        bad = result.dtype is not be.native[out_dtype] or result.shape != want
    except AttributeError:
        bad = True
    if bad:
        check_result(result, be, out_dtype, want, op.name)
    out = _wrap(result, be, out_dtype)
    if op.nodes and input._rg and grad_mode.enabled:
        saved = tuple(input if name == "input" else out for name in op.saves)
        record(op.nodes[node_index], out, (input,), saved, (shape, dims, keepdim))
    return out


def _sum_backward(node, g):
    shape, dims, keepdim = node.ctx
    return (_expand_back(g, shape, dims, keepdim),)


@defop("sum", "reduction", "sum",
       kernel="sum(a, dims, keepdim) -> array  (dims: tuple of distinct dims in [0, ndim))",
       grad_fn=("SumBackward0", "SumBackward1"), backward=_sum_backward)
def sum(input, dim=None, keepdim=False, *, dtype=None):
    """The sum over `dim` (an int, a tuple of ints, or None for all)."""
    check_tensor(input, "input", "sum")
    return _reduce(sum.op, input, dim, keepdim, _default_sum_dtype(input, dtype),
                   0 if dim is None else 1, "sum")


def _mean_backward(node, g):
    shape, dims, keepdim = node.ctx
    n = 1
    for d in dims:
        n *= shape[d]
    return (_expand_back(E.div(g, n), shape, dims, keepdim),)


def _mean_kernel(k, a, dims, keepdim):
    n = 1
    for d in dims:
        n *= a.shape[d]
    return k["div"](k["sum"](a, dims, keepdim), n)


@defop("mean", "reduction", "same", dtypes=FLOATING + COMPLEX, dtype_args=(),  # dtype= counts
       kernel="mean(a, dims, keepdim) -> array", decomposition=_mean_kernel,
       grad_fn=("MeanBackward0", "MeanBackward1"), backward=_mean_backward)
def mean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean over `dim`; the input (or `dtype`) must be floating point or complex."""
    check_tensor(input, "input", "mean")
    target = dtype or input._dtype
    if target.category <= _INT:
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           "floating point or complex dtype. Got: "
                           f"{E._dtype_title(input._dtype)}")
    return _reduce(mean.op, input, dim, keepdim, target, 0 if dim is None else 1, "mean")


def _extreme_backward(node, g):
    shape, dims, keepdim = node.ctx
    x, out = node.saved_tensors
    if not keepdim:
        out = S.reshape(out, _keep_shape(shape, dims))
        g = S.reshape(g, _keep_shape(shape, dims))
    mask = E.eq(x, out)
    count = sum(mask, dims, keepdim=True)
    return (E.where(mask, E.div(g, count), 0.0),)


def _check_nonempty(input, dim, fn, error=RuntimeError):
    check_tensor(input, "input", fn)
    if input.numel() != 0:
        return
    if dim is None:
        raise error(f"{fn}(): Expected reduction dim to be specified for input.numel() == 0. "
                    "Specify the reduction dim with the 'dim' argument.")
    for d in normalize_dims(dim, input.dim()):
        if input.dim() and input._data.shape[d] == 0:
            raise IndexError(f"{fn}(): Expected reduction dim {d} to have non-zero size.")


@defop("amax", "reduction", "same", saves=("input", "result"), dtypes=BOOL + INTEGRAL + FLOATING,
       kernel="amax(a, dims, keepdim) -> array", grad_fn="AmaxBackward0",
       backward=_extreme_backward)
def amax(input, dim=(), keepdim=False):
    """The maximum over `dim` (all dims when empty); ties share the gradient evenly."""
    _check_nonempty(input, None if dim in ((), None) else dim, "amax")
    return _reduce(amax.op, input, None if dim == () else dim, keepdim, input._dtype, 0, "amax")


@defop("amin", "reduction", "same", saves=("input", "result"), dtypes=BOOL + INTEGRAL + FLOATING,
       kernel="amin(a, dims, keepdim) -> array", grad_fn="AminBackward0",
       backward=_extreme_backward)
def amin(input, dim=(), keepdim=False):
    """The minimum over `dim` (all dims when empty); ties share the gradient evenly."""
    _check_nonempty(input, None if dim in ((), None) else dim, "amin")
    return _reduce(amin.op, input, None if dim == () else dim, keepdim, input._dtype, 0, "amin")


def _arg(op, input, dim, keepdim, fn):
    _check_nonempty(input, dim, fn, IndexError)
    be = input._backend
    if dim is not None:
        dim = _wrap_dim(dim, input.dim())
        if input.dim() == 0:  # the one element is the answer: index 0
            dim = None
    out = be.kernels[op.name](input._data, dim, keepdim)
    return _wrap(_as_int64(be, out), be, _dt.int64)


def _as_int64(be, raw):
    return be.kernels["astype"](raw, be.dtype_native(_dt.int64))


def _no_bool(fn):
    """argmax's and argmin's own error for bool (other refused dtypes get the generated one)."""
    return lambda d: RuntimeError(f"{fn}(): does not support bool input") if d is _dt.bool \
        else None


@defop("argmax", "reduction", "int64", dtypes=REAL, dtype_error=_no_bool("argmax"),
       kernel="argmax(a, dim, keepdim) -> int array  (dim None: index into the flattened array)")
def argmax(input, dim=None, keepdim=False):
    """The index of the (first) maximum, over the flattened input or along `dim`."""
    return _arg(argmax.op, input, dim, keepdim, "argmax")


@defop("argmin", "reduction", "int64", dtypes=REAL, dtype_error=_no_bool("argmin"),
       kernel="argmin(a, dim, keepdim) -> int array")
def argmin(input, dim=None, keepdim=False):
    """The index of the (first) minimum, over the flattened input or along `dim`."""
    return _arg(argmin.op, input, dim, keepdim, "argmin")


class _ReturnType(tuple):
    """A (values, indices) pair, like ``torch.return_types.max``."""

    __slots__ = ()
    _name = "max"

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])

    def __repr__(self):
        return (f"{_dt._repr_prefix}.return_types.{self._name}(\nvalues={self[0]!r},\n"
                f"indices={self[1]!r})")


def _return_type(name):
    return type(name, (_ReturnType,), {"__slots__": (), "_name": name})


_RETURN_TYPES = ("max", "min", "sort", "topk", "cummax", "cummin")
return_types = collections.namedtuple("return_types", _RETURN_TYPES)(
    *(_return_type(n) for n in _RETURN_TYPES))


def _max_min_backward(node, g):
    if len(node.saved_tensors) == 2:  # the whole-tensor max/min: like amax
        return _extreme_backward(node, g)
    shape, dim, keepdim = node.ctx
    (indices,) = node.saved_tensors
    if not shape:  # a 0-d input: its one element is the extreme
        return (g,)
    if not keepdim:
        g = S.unsqueeze(g, dim)
        indices = S.unsqueeze(indices, dim)
    pos = C.arange(shape[dim], device=None, _backend=g._backend)
    pos = S.reshape(pos, tuple(shape[dim] if i == dim else 1 for i in range(len(shape))))
    return (E.where(E.eq(pos, indices), g, 0.0),)


def _extreme_along(name, reduce_op, arg_op, input, dim, keepdim):
    dim = _wrap_dim(dim, input.dim())
    _check_nonempty(input, dim, name)
    with _no_grad():
        values = reduce_op(input, dim, keepdim)
        indices = _arg(arg_op.op, input, dim, keepdim, name)  # bool too: argmax refuses it
    node_op = max.op if name == "max" else min.op
    if input._rg and grad_mode.enabled:
        record(node_op.node, values, (input,), (indices,), (input._data.shape, dim, keepdim))
    return getattr(return_types, name)((values, indices))


def _no_grad():
    from ..autograd.mode import no_grad

    return no_grad()


def _max_min(name, input, dim, keepdim, other):
    check_tensor(input, "input", name)
    if isinstance(dim, Tensor):
        other, dim = dim, None
    if other is not None:
        return (E.maximum if name == "max" else E.minimum)(input, other)
    if dim is None:
        if keepdim:
            raise TypeError(f"{name}(): keepdim=True needs a dim")
        with _no_grad():
            out = (amax if name == "max" else amin)(input)
        if input._rg and grad_mode.enabled:
            node_op = max.op if name == "max" else min.op
            record(node_op.nodes[1], out, (input,), (input, out),
                   (input._data.shape, tuple(range(input.dim())), False))
        return out
    return _extreme_along(name, amax if name == "max" else amin,
                          argmax if name == "max" else argmin, input, dim, keepdim)


@defop("max", "reduction", "same", dtypes=BOOL + INTEGRAL + FLOATING,
       grad_fn=("MaxBackward0", "MaxBackward1"), backward=_max_min_backward)
def max(input, dim=None, keepdim=False, *, other=None):
    """The maximum: of all elements; or ``(values, indices)`` along `dim`; or with a tensor,
    the elementwise maximum."""
    return _max_min("max", input, dim, keepdim, other)


@defop("min", "reduction", "same", dtypes=BOOL + INTEGRAL + FLOATING,
       grad_fn=("MinBackward0", "MinBackward1"), backward=_max_min_backward)
def min(input, dim=None, keepdim=False, *, other=None):
    """The minimum: of all elements; or ``(values, indices)`` along `dim`; or with a tensor,
    the elementwise minimum."""
    return _max_min("min", input, dim, keepdim, other)


# -- prod ------------------------------------------------------------------------------------------
def _default_sum_dtype(input, dtype):
    """sum's and prod's result dtype: `dtype`, else int64 for integers and bool."""
    if dtype is not None:
        return dtype
    return _dt.int64 if input._dtype.category <= _INT else input._dtype


def _prod_backward(node, g):
    """d prod / d x_i: the product of the other elements (out / x when no element is 0)."""
    shape, dims, keepdim = node.ctx
    x, out = node.saved_tensors
    g = _expand_back(g, shape, dims, keepdim)
    with _no_grad():  # traced by ember.compile, the values are unknown: the exact formula
        has_zero = is_compiling() or builtins.bool(any(E.eq(x, 0)).item())
    if not has_zero:
        return (E.mul(g, E.div(_expand_back(out, shape, dims, keepdim), x)),)
    return (E.mul(g, _others_product(x, dims)) if dims else g,)


def _others_product(x, dims):
    """For each element, the product of the other elements of its group over `dims`: the
    exclusive running products from the left and from the right, multiplied."""
    kept = [d for d in range(x.dim()) if d not in dims]
    order = kept + list(dims)
    moved = S.permute(x, order)
    n = _count(x.shape, dims)
    rows = S.reshape(moved, tuple(x.shape[d] for d in kept) + (n,))
    reverse = C.arange(n - 1, -1, -1, device=None, _backend=x._backend)
    one = C.ones(rows.shape[:-1] + (1,), dtype=x._dtype, _backend=x._backend)

    def exclusive(t):
        return S.cat([one, cumprod(t, -1)[..., :n - 1]], -1)

    others = E.mul(exclusive(rows), exclusive(rows[..., reverse])[..., reverse])
    inverse = [order.index(d) for d in range(x.dim())]
    return S.permute(S.reshape(others, moved.shape), inverse)


@defop("prod", "reduction", "sum", saves=("input", "result"),
       kernel="prod(a, dims, keepdim) -> array", grad_fn=("ProdBackward0", "ProdBackward1"),
       backward=_prod_backward)
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """The product of all elements, or along the one dim `dim`."""
    check_tensor(input, "input", "prod")
    if dim is not None and not _is_int(dim):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    return _reduce(prod.op, input, dim, keepdim, _default_sum_dtype(input, dtype),
                   0 if dim is None else 1, "prod")


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


# -- var and std -----------------------------------------------------------------------------------
def _count(shape, dims):
    """The number of elements that dims `dims` of `shape` span."""
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _var_kernel(k, a, dims, correction, keepdim):
    """Sum of squared deviations from the mean over ``max(0, n - correction)``."""
    n = _count(a.shape, dims)
    dev = k["sub"](a, k["div"](k["sum"](a, dims, True), builtins.max(n, 1)))
    sq = k["mul"](k["abs"](dev), k["abs"](dev)) if ember_dtype(a.dtype).is_complex else \
        k["mul"](dev, dev)
    return k["div"](k["sum"](sq, dims, keepdim), float(builtins.max(0, n - correction)))


def _var_args(fn, input, dim, unbiased, keepdim, correction):
    """PyTorch's var/std overloads as (dims, correction, keepdim, ctx dims)."""
    check_tensor(input, "input", fn)
    if isinstance(dim, bool):  # var(input, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{fn}(): cannot specify both unbiased={unbiased} and "
                        f"correction={correction}; pass one of them")
    if correction is None:
        correction = 0 if unbiased is False else 1
    if input._dtype.category <= _INT:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    dims = normalize_dims(dim, input.dim())  # checked on a 0-d input too
    if not input.dim():
        dims = ()
    return dims, correction, keepdim


def _deviation(x, dims):
    return E.sub(x, mean(x, dims, keepdim=True)) if dims else E.sub(x, x)


def _var_backward(node, g):
    shape, dims, keepdim, correction = node.ctx
    (x,) = node.saved_tensors[:1]
    dof = float(builtins.max(0, _count(shape, dims) - correction))
    grad = E.mul(_expand_back(g, shape, dims, keepdim), _deviation(x, dims))
    if node._op_name == "var":
        return (E.div(E.mul(grad, 2.0), dof),)
    # d std = d var / (2 std), taken as 0 where std is 0 (all values equal), as PyTorch does
    out = _expand_back(node.saved_tensors[1], shape, dims, keepdim)
    return (E.where(E.eq(out, 0), 0.0, E.div(grad, E.mul(out, dof))),)


def _spread(op, input, dims, correction, keepdim):
    be = input._backend
    real = _dt.float32 if input._dtype is _dt.complex64 else \
        _dt.float64 if input._dtype is _dt.complex128 else input._dtype
    out = _wrap(be.kernels[op.name](input._data, dims, correction, keepdim), be, real)
    if input._rg and grad_mode.enabled:
        saved = (input,) if op.name == "var" else (input, out)
        record(op.node, out, (input,), saved, (input._data.shape, dims, keepdim, correction))
    return out


def _spread_error(d):
    return RuntimeError("std and var only support floating point and complex dtypes")


@defop("var", "reduction", "real", dtypes=FLOATING + COMPLEX, dtype_error=_spread_error,
       kernel="var(a, dims, correction, keepdim) -> array", decomposition=_var_kernel,
       grad_fn="VarBackward0", backward=_var_backward)
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The variance over `dim`, divided by ``N - correction`` (1 by default; ``unbiased=False``
    is ``correction=0``)."""
    dims, correction, keepdim = _var_args("var", input, dim, unbiased, keepdim, correction)
    return _spread(var.op, input, dims, correction, keepdim)


@defop("std", "reduction", "real", dtypes=FLOATING + COMPLEX, dtype_error=_spread_error,
       kernel="std(a, dims, correction, keepdim) -> array",
       decomposition=lambda k, a, dims, correction, keepdim: k["sqrt"](
           k["var"](a, dims, correction, keepdim)),
       grad_fn="StdBackward0", backward=_var_backward)
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The standard deviation: the square root of :func:`var`."""
    dims, correction, keepdim = _var_args("std", input, dim, unbiased, keepdim, correction)
    return _spread(std.op, input, dims, correction, keepdim)


def _spread_mean(spread, fn, input, dim, unbiased, keepdim, correction):
    """(spread over `dim`, mean over the same dims), as var_mean and std_mean return them."""
    dims, correction, keepdim = _var_args(fn, input, dim, unbiased, keepdim, correction)
    out = _spread(spread.op, input, dims, correction, keepdim)
    return out, mean(input, dims if dims else None, keepdim)


@defop("var_mean", "reduction", "custom", dtypes=FLOATING + COMPLEX, dtype_error=_spread_error,
       differentiable=True, method=False)
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over `dim`, with var's arguments: both moments in one call."""
    return _spread_mean(var, "var_mean", input, dim, unbiased, keepdim, correction)


@defop("std_mean", "reduction", "custom", dtypes=FLOATING + COMPLEX, dtype_error=_spread_error,
       differentiable=True, method=False)
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over `dim`, with std's arguments."""
    return _spread_mean(std, "std_mean", input, dim, unbiased, keepdim, correction)


# -- logsumexp -------------------------------------------------------------------------------------
def _logsumexp_kernel(k, a, dims, keepdim):
    """log(sum(exp(a))) with the maximum taken out first, so that nothing overflows."""
    if builtins.any(a.shape[d] == 0 for d in dims):
        shape = _keep_shape(a.shape, dims) if keepdim else \
            tuple(s for i, s in enumerate(a.shape) if i not in dims)
        return k["full"](shape, -math.inf, a.dtype)
    m = k["amax"](a, dims, True)
    m = k["where"](k["eq"](k["abs"](m), math.inf), k["full"]((), 0, a.dtype), m)
    total = k["sum"](k["exp"](k["sub"](a, m)), dims, keepdim)
    if not keepdim:
        m = k["reshape"](m, total.shape)
    return k["add"](k["log"](total), m)


def _logsumexp_backward(node, g):
    shape, dims, keepdim = node.ctx
    x, out = node.saved_tensors
    g = _expand_back(g, shape, dims, keepdim)
    return (E.mul(g, E.exp(E.sub(x, _expand_back(out, shape, dims, keepdim)))),)


@defop("logsumexp", "reduction", "float", dtypes=BOOL + INTEGRAL + FLOATING,
       kernel="logsumexp(a, dims, keepdim) -> array", decomposition=_logsumexp_kernel,
       grad_fn="LogsumexpBackward0", backward=_logsumexp_backward)
def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(input))) over `dim`, computed stably (-inf for an empty dim)."""
    check_tensor(input, "input", "logsumexp")
    dtype = input._dtype if input._dtype.category >= _FLOAT else _dt.get_default_dtype()
    if input._dtype.is_complex:
        raise RuntimeError("logsumexp(): Expected floating point type for result tensor, but "
                           f"got: {E._dtype_title(input._dtype)}")
    dims = normalize_dims(dim, input.dim())  # checked on a 0-d input too
    if not input.dim():
        dims = ()
    be = input._backend
    raw = input._data if dtype is input._dtype else \
        be.kernels["astype"](input._data, be.dtype_native(dtype))
    out = _wrap(be.kernels["logsumexp"](raw, dims, keepdim), be, dtype)
    if input._rg and grad_mode.enabled:
        record(logsumexp.op.node, out, (input,), (input, out), (input._data.shape, dims, keepdim))
    return out


@defop("logcumsumexp", "reduction", "same", dtypes=FLOATING, cpu_kernel="logcumsumexp_out_cpu",
       differentiable=True)
def logcumsumexp(input, dim):
    """log(cumsum(exp(input))) along `dim`, stable for any spread of values: entry i is the
    logsumexp of entries 0..i (an n-by-n masked table along the dim, so O(n**2) memory)."""
    check_tensor(input, "input", "logcumsumexp")
    dim = _wrap_dim(dim, input.dim())
    if not input.dim() or input.numel() == 0:
        return E.mul(input, 1)
    x = S.transpose(input, dim, -1)
    n = x.shape[-1]
    pos = C.arange(n, device=None, _backend=input._backend)
    upto = E.le(S.unsqueeze(pos, 0), S.unsqueeze(pos, 1))  # [i, j]: j <= i
    table = E.where(upto, S.unsqueeze(x, -2), -math.inf)  # [..., i, j] = x[j] where j <= i
    return S.transpose(logsumexp(table, -1), dim, -1)


# -- all, any, count_nonzero -----------------------------------------------------------------------
def _truth(op, input, dim, keepdim):
    """all/any: bool results (uint8 for a uint8 input, as PyTorch)."""
    out = _reduce(op, input, dim, keepdim, _dt.bool, 0, op.name)
    if input._dtype is _dt.uint8:
        out = _wrap(_cast(out, _dt.uint8), out._backend, _dt.uint8)
    return out


def _cast(t, dtype):
    return t._backend.kernels["astype"](t._data, t._backend.dtype_native(dtype))


@defop("all", "reduction", "logical", kernel="all(a, dims, keepdim) -> bool array")
def all(input, dim=None, keepdim=False):
    """Whether every element over `dim` is nonzero."""
    return _truth(all.op, check_tensor(input, "input", "all"), dim, keepdim)


@defop("any", "reduction", "logical", kernel="any(a, dims, keepdim) -> bool array")
def any(input, dim=None, keepdim=False):
    """Whether any element over `dim` is nonzero."""
    return _truth(any.op, check_tensor(input, "input", "any"), dim, keepdim)


@defop("count_nonzero", "reduction", "int64", kernel="count_nonzero(a, dims) -> int array",
       decomposition=lambda k, a, dims: k["sum"](k["ne"](a, 0), dims, False))
def count_nonzero(input, dim=None):
    """The number of nonzero elements over `dim` (an int, a tuple, or None for all)."""
    check_tensor(input, "input", "count_nonzero")
    dims = normalize_dims(dim, input.dim())  # checked on a 0-d input too
    if not input.dim():
        dims = ()
    be = input._backend
    return _wrap(_as_int64(be, be.kernels["count_nonzero"](input._data, dims)), be, _dt.int64)


# -- cumsum and cumprod ----------------------------------------------------------------------------
def _scan(op, input, dim, dtype, fn):
    check_tensor(input, "input", fn)
    dim = _wrap_dim(dim, input.dim())
    dtype = _default_sum_dtype(input, dtype)
    be = input._backend
    raw = input._data if dtype is input._dtype else \
        be.kernels["astype"](input._data, be.dtype_native(dtype))
    out = _wrap(be.kernels[op.name](raw, dim) if input.dim() else raw, be, dtype)
    if input._rg and grad_mode.enabled:
        record(op.node, out, (input,), (input, out) if op.name == "cumprod" else (),
               (dim, input.dim()))
    return out


def _reverse_cumsum(g, dim):
    """sum of g[j] for j >= i along `dim`."""
    return E.add(E.sub(sum(g, dim, keepdim=True), cumsum(g, dim)), g)


def _cumsum_backward(node, g):
    dim, ndim = node.ctx
    return (_reverse_cumsum(g, dim) if ndim else g,)


@defop("cumsum", "reduction", "sum",
       kernel="cumsum(a, dim) -> array", grad_fn="CumsumBackward0", backward=_cumsum_backward)
def cumsum(input, dim, *, dtype=None):
    """The running sum along `dim`."""
    return _scan(cumsum.op, input, dim, dtype, "cumsum")


def _cumprod_backward(node, g):
    """sum over j >= i of g[j] * prod(x[k] for k <= j, k != i); by division when x has no
    zero, else exactly with an n-by-n table along the dim."""
    dim, ndim = node.ctx
    x, out = node.saved_tensors
    if not ndim:
        return (g,)
    with _no_grad():  # traced by ember.compile, the values are unknown: the exact formula
        has_zero = is_compiling() or builtins.bool(any(E.eq(x, 0)).item())
    if not has_zero:
        return (E.div(_reverse_cumsum(E.mul(g, out), dim), x),)
    xl, gl = S.transpose(x, dim, -1), S.transpose(g, dim, -1)
    n = xl.shape[-1]
    pos = C.arange(n, device=None, _backend=x._backend)
    after = E.gt(S.unsqueeze(pos, 0), S.unsqueeze(pos, 1))  # [i, k]: k > i
    rows = S.unsqueeze(xl, -2)  # [..., i, k] = x[k]
    tail = cumprod(E.where(after, rows, 1.0), -1)  # [i, j] = prod of x[k], i < k <= j
    upper = E.ge(S.unsqueeze(pos, 0), S.unsqueeze(pos, 1))  # [i, j]: j >= i
    right = sum(E.where(upper, E.mul(S.unsqueeze(gl, -2), tail), 0.0), -1)
    before = E.lt(S.unsqueeze(pos, 0), S.unsqueeze(pos, 1))  # [i, k]: k < i
    left = _reduce(prod.op, E.where(before, rows, 1.0), -1, False, x._dtype, 1, "prod")
    return (S.transpose(E.mul(left, right), dim, -1),)


@defop("cumprod", "reduction", "sum",
       kernel="cumprod(a, dim) -> array", grad_fn="CumprodBackward0", backward=_cumprod_backward)
def cumprod(input, dim, *, dtype=None):
    """The running product along `dim`."""
    return _scan(cumprod.op, input, dim, dtype, "cumprod")


# -- cummax and cummin ----------------------------------------------------------------------------
def _cum_extreme_scan(later, k, a, dim):
    """(values, indices) of cummax/cummin on a raw array with at least one dim: a log-step scan
    of (value, index) pairs along `dim`, where the later element wins when ``later(b, a)``
    (``ge`` for cummax: ties take the last index, as PyTorch) or when it is NaN (NaN then
    stays, with the index of the latest NaN)."""
    shape = a.shape
    n = shape[dim]
    # the backend's own integer dtype for positions, from a kernel that returns indices
    int_dtype = (k["argsort"](a, dim, False) if 0 in shape else k["argmax"](a, None, False)).dtype
    view = tuple(n if i == dim else 1 for i in range(len(shape)))
    idx = k["expand"](k["reshape"](k["arange"](0, n, 1, int_dtype), view), shape)
    floating = "float" in str(a.dtype)  # NumPy's, JAX's and ml_dtypes' names (bfloat16)
    v, s = a, 1
    while s < n:
        head = (slice(None),) * dim + (slice(0, s),)
        body = (slice(None),) * dim + (slice(0, n - s),)
        pv = k["cat"]([k["getitem"](v, head), k["getitem"](v, body)], dim)
        pi = k["cat"]([k["getitem"](idx, head), k["getitem"](idx, body)], dim)
        take = k[later](v, pv)
        if floating:
            take = k["logical_or"](take, k["isnan"](v))
        v, idx = k["where"](take, v, pv), k["where"](take, idx, pi)
        s *= 2
    return v, idx


def _cum_extreme(op, input, dim):
    """(values, indices) of cummax/cummin along `dim`, from the backend's kernel."""
    check_tensor(input, "input", op.name)
    dim = _wrap_dim(dim, input.dim())
    be = input._backend
    shape = input._data.shape
    if shape:
        v, idx = be.kernels[op.name](input._data, dim)
    else:  # a 0-d input is its own extreme, at index 0
        v, idx = input._data, be.kernels["full"]((), 0, be.dtype_native(_dt.int64))
    values = _wrap(v, be, input._dtype)
    indices = _wrap(_as_int64(be, idx), be, _dt.int64)
    if input._rg and grad_mode.enabled:
        record(op.node, values, (input,), (indices,), (shape, dim))
    return getattr(return_types, op.name)((values, indices))


def _cum_extreme_backward(node, g):
    """The gradient of each output element goes to the element its index names."""
    from .indexing import scatter_add

    shape, dim = node.ctx
    (indices,) = node.saved_tensors
    if not shape:
        return (g,)
    return (scatter_add(C.zeros(shape, dtype=g._dtype, _backend=g._backend), dim, indices, g),)


@defop("cummax", "reduction", "same", dtypes=BOOL + INTEGRAL + FLOATING, cpu_kernel="cummax_cpu",
       kernel="cummax(a, dim) -> (values, int indices)  (a has a dim; ties take the last index, "
              "NaN propagates with the index of the latest NaN)",
       decomposition=functools.partial(_cum_extreme_scan, "ge"),
       grad_fn="CummaxBackward0", backward=_cum_extreme_backward)
def cummax(input, dim):
    """``(values, indices)``: the running maximum along `dim` and where it was found (the
    latest position on ties; NaN propagates)."""
    return _cum_extreme(cummax.op, input, dim)


@defop("cummin", "reduction", "same", dtypes=BOOL + INTEGRAL + FLOATING, cpu_kernel="cummin_cpu",
       kernel="cummin(a, dim) -> (values, int indices)  (as cummax, with the minimum)",
       decomposition=functools.partial(_cum_extreme_scan, "le"),
       grad_fn="CumminBackward0", backward=_cum_extreme_backward)
def cummin(input, dim):
    """``(values, indices)``: the running minimum along `dim` and where it was found (the
    latest position on ties; NaN propagates)."""
    return _cum_extreme(cummin.op, input, dim)


# -- sort, argsort, topk, unique -------------------------------------------------------------------
def _along_index(indices, dim):
    """The advanced index that reads (or writes) position ``indices[..., j, ...]`` of `dim`
    and the matching position of every other dim: NumPy's take_along_axis as an index."""
    be, shape = indices._backend, indices._data.shape
    index = []
    for axis, n in enumerate(shape):
        if axis == dim:
            index.append(indices)
        else:
            pos = C.arange(n, device=None, _backend=be)
            index.append(S.reshape(pos, tuple(n if i == axis else 1 for i in range(len(shape)))))
    return tuple(index)


def _scatter_back(node, g):
    """Gradient of values picked by indices along a dim (sort, topk): g written back there."""
    from .indexing import index_put

    shape, dim = node.ctx
    (indices,) = node.saved_tensors
    if not shape:
        return (g,)
    base = C.zeros(shape, dtype=g._dtype, _backend=g._backend)
    return (index_put(base, _along_index(indices, dim), g),)


def _pick(op, input, dim, kernel_args, fn, node=None):
    """(values, indices) of sort/topk: the kernel's pair, wrapped, with the values' node."""
    check_tensor(input, "input", fn)
    if input._dtype.is_complex:
        raise RuntimeError(f'"{fn}" not implemented for \'{E._dtype_title(input._dtype)}\'')
    dim = _wrap_dim(dim, input.dim())
    be = input._backend
    if input.dim():
        values, indices = be.kernels[op.name](input._data, *kernel_args(dim))
    else:  # a 0-d input is its own sorted self, at index 0
        values, indices = input._data, be.kernels["full"]((), 0, be.dtype_native(_dt.int64))
    values = _wrap(values, be, input._dtype)
    indices = _wrap(_as_int64(be, indices), be, _dt.int64)
    if input._rg and grad_mode.enabled:
        record(node or op.node, values, (input,), (indices,), (input._data.shape, dim))
    return getattr(return_types, op.name)((values, indices))


@defop("sort", "reduction", "same", dtypes=BOOL + INTEGRAL + FLOATING,
       kernel="sort(a, dim, descending) -> (values, int indices)  (stable: ties keep their "
              "order; NaN sorts as the largest)",
       grad_fn=("SortBackward0", "SortBackward1"), backward=_scatter_back)
def sort(input, dim=-1, descending=False, *, stable=None):
    """``(values, indices)``: the elements sorted along `dim` (stable: equal elements keep
    their order), with where each came from."""
    node = sort.op.nodes[0 if stable is None else 1]
    return _pick(sort.op, input, dim, lambda d: (d, builtins.bool(descending)), "sort",
                 node)


@defop("argsort", "reduction", "int64", dtypes=BOOL + INTEGRAL + FLOATING,
       kernel="argsort(a, dim, descending) -> int array",
       decomposition=lambda k, a, dim, descending: k["sort"](a, dim, descending)[1])
def argsort(input, dim=-1, descending=False, *, stable=False):
    """The indices that sort `input` along `dim` (ties in their original order)."""
    check_tensor(input, "input", "argsort")
    if input._dtype.is_complex:
        raise RuntimeError(f"\"sort\" not implemented for '{E._dtype_title(input._dtype)}'")
    dim = _wrap_dim(dim, input.dim())
    be = input._backend
    if not input.dim():
        return _wrap(be.kernels["full"]((), 0, be.dtype_native(_dt.int64)), be, _dt.int64)
    out = be.kernels["argsort"](input._data, dim, builtins.bool(descending))
    return _wrap(_as_int64(be, out), be, _dt.int64)


def _topk_kernel(kt, a, k, dim, largest):
    values, indices = kt["sort"](a, dim, largest)
    first = (slice(None),) * dim + (slice(0, k),)
    return kt["getitem"](values, first), kt["getitem"](indices, first)


@defop("topk", "reduction", "same", dtypes=REAL,
       kernel="topk(a, k, dim, largest) -> (values, int indices)  (sorted, NaN as the largest)",
       decomposition=_topk_kernel, grad_fn="TopkBackward0", backward=_scatter_back)
def topk(input, k, dim=-1, largest=True, sorted=True):
    """``(values, indices)`` of the `k` largest (or smallest) elements along `dim`, in order."""
    check_tensor(input, "input", "topk")
    size = input._data.shape[_wrap_dim(dim, input.dim())] if input.dim() else 1
    if not _is_int(k):
        raise TypeError(f"topk(): argument 'k' must be int, not {type(k).__name__}")
    if input._dtype is _dt.bool:
        raise RuntimeError("\"topk_cpu\" not implemented for 'Bool'")
    if k < 0 or k > size:
        raise RuntimeError(f"selected index k out of range (k={k}, size {size} along dim {dim})")
    return _pick(topk.op, input, dim, lambda d: (k, d, builtins.bool(largest)), "topk")


@defop("unique", "reduction", "same", dtypes=BOOL + INTEGRAL + FLOATING, numpy_names=False,
       kernel="unique(a) -> (sorted distinct values, int inverse, int counts)  (a is 1-d; NaNs "
              "stay distinct)")
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements, sorted; with `return_inverse` where each element went, with
    `return_counts` how often each occurs."""
    check_tensor(input, "input", "unique")
    if dim is not None:
        raise NotImplementedError("unique(dim=...) is not supported by ember; flatten the "
                                  "input or call unique without dim")
    if input._dtype.is_complex:
        raise RuntimeError(f"\"unique\" not implemented for '{E._dtype_title(input._dtype)}'")
    be = input._backend
    flat = be.kernels["reshape"](input._data, (input.numel(),))
    values, inverse, counts = be.kernels["unique"](flat)
    out = [_wrap(values, be, input._dtype)]
    if return_inverse:
        inverse = be.kernels["reshape"](_as_int64(be, inverse), input._data.shape)
        out.append(_wrap(inverse, be, _dt.int64))
    if return_counts:
        out.append(_wrap(_as_int64(be, counts), be, _dt.int64))
    return out[0] if len(out) == 1 else tuple(out)
