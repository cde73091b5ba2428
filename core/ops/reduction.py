"""Reductions: sum, mean, amax/amin, max/min (with indices along a dim), argmax/argmin."""

import collections

from . import creation as C
from . import elementwise as E
from . import shape as S
from ._common import (Tensor, _dt, _wrap, _wrap_dim, check_tensor, grad_mode, normalize_dims,
                      record)
from .registry import defop

_INT = 1


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
    out = _wrap(be.kernels[op.name](raw, dims, keepdim), be, out_dtype)
    if op.nodes and input._rg and grad_mode.enabled:
        saved = (input, out) if op.name in ("amax", "amin") else ()
        record(op.nodes[node_index], out, (input,), saved, (shape, dims, keepdim))
    return out


def _sum_backward(node, g):
    shape, dims, keepdim = node.ctx
    return (_expand_back(g, shape, dims, keepdim),)


@defop("sum", "reduction", "integers and bool to int64, else the input's",
       kernel="sum(a, dims, keepdim) -> array  (dims: tuple of distinct dims in [0, ndim))",
       grad_fn=("SumBackward0", "SumBackward1"), backward=_sum_backward)
def sum(input, dim=None, keepdim=False, *, dtype=None):
    """The sum over `dim` (an int, a tuple of ints, or None for all)."""
    check_tensor(input, "input", "sum")
    if dtype is None:
        dtype = _dt.int64 if input._dtype.category <= _INT else input._dtype
    return _reduce(sum.op, input, dim, keepdim, dtype, 0 if dim is None else 1, "sum")


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


@defop("mean", "reduction", "floating or complex input only",
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


@defop("amax", "reduction", "same", kernel="amax(a, dims, keepdim) -> array",
       grad_fn="AmaxBackward0", backward=_extreme_backward)
def amax(input, dim=(), keepdim=False):
    """The maximum over `dim` (all dims when empty); ties share the gradient evenly."""
    _check_nonempty(input, None if dim in ((), None) else dim, "amax")
    return _reduce(amax.op, input, None if dim == () else dim, keepdim, input._dtype, 0, "amax")


@defop("amin", "reduction", "same", kernel="amin(a, dims, keepdim) -> array",
       grad_fn="AminBackward0", backward=_extreme_backward)
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


@defop("argmax", "reduction", "int64",
       kernel="argmax(a, dim, keepdim) -> int array  (dim None: index into the flattened array)")
def argmax(input, dim=None, keepdim=False):
    """The index of the (first) maximum, over the flattened input or along `dim`."""
    return _arg(argmax.op, input, dim, keepdim, "argmax")


@defop("argmin", "reduction", "int64", kernel="argmin(a, dim, keepdim) -> int array")
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
        return (f"ember.return_types.{self._name}(\nvalues={self[0]!r},\n"
                f"indices={self[1]!r})")


def _return_type(name):
    return type(name, (_ReturnType,), {"__slots__": (), "_name": name})


return_types = collections.namedtuple("return_types", "max min")(_return_type("max"),
                                                                  _return_type("min"))


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
        indices = arg_op(input, dim, keepdim)
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


@defop("max", "reduction", "same (indices int64)", grad_fn=("MaxBackward0", "MaxBackward1"),
       backward=_max_min_backward)
def max(input, dim=None, keepdim=False, *, other=None):
    """The maximum: of all elements; or ``(values, indices)`` along `dim`; or with a tensor,
    the elementwise maximum."""
    return _max_min("max", input, dim, keepdim, other)


@defop("min", "reduction", "same (indices int64)", grad_fn=("MinBackward0", "MinBackward1"),
       backward=_max_min_backward)
def min(input, dim=None, keepdim=False, *, other=None):
    """The minimum: of all elements; or ``(values, indices)`` along `dim`; or with a tensor,
    the elementwise minimum."""
    return _max_min("min", input, dim, keepdim, other)
