"""Indexing: ``x[index]`` (getitem), ``x[index] = v`` (setitem) and index_put, their derivative."""

import builtins

from .. import views
from ._common import Tensor, _dt, _wrap, check_tensor, grad_mode, record
from .registry import defop


def _raw_index(x, index):
    """`index` as a tuple of ints, slices, None, Ellipsis and raw arrays, checked against x."""
    if not isinstance(index, tuple):
        index = (index,)
    be = x._backend
    shape = x._data.shape
    out = []
    consumed = 0
    for item in index:
        if item is None or item is Ellipsis or isinstance(item, slice):
            if isinstance(item, slice):
                item = slice(*(_as_int(v) if v is not None else None
                               for v in (item.start, item.stop, item.step)))
                if item.step is not None and item.step <= 0:
                    raise ValueError("step must be greater than zero")
                consumed += 1
            out.append(item)
        elif isinstance(item, builtins.bool):
            out.append(item)
        elif isinstance(item, int) or (hasattr(item, "__index__") and not isinstance(item, Tensor)
                                       and not hasattr(item, "shape")):
            out.append(_as_int(item))
            consumed += 1
        elif isinstance(item, Tensor):
            if item._backend is not be:
                raise RuntimeError(f"indices are on the {item._backend.name} backend, but the "
                                   f"indexed tensor is on {be.name}")
            raw = item._data
            if item._dtype is _dt.bool or item._dtype is _dt.uint8:
                consumed += max(item.dim(), 1)
                if item._dtype is _dt.uint8:  # a byte tensor is a mask, as in PyTorch
                    raw = be.kernels["astype"](raw, be.dtype_native(_dt.bool))
            elif item._dtype.category == 1:
                consumed += 1
            else:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(raw)
        elif isinstance(item, (list, tuple)) or hasattr(item, "__array__"):
            from .creation import tensor as _tensor

            t = _tensor(item, _backend=be)
            if t._dtype.is_floating_point:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            consumed += max(t.dim(), 1) if t._dtype is _dt.bool else 1
            out.append(t._data)
        else:
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or "
                             f"byte Variables are valid indices (got {type(item).__name__})")
    if consumed > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    _check_int_bounds(out, shape)
    return tuple(out)


def _as_int(v):
    try:
        return v.__index__()
    except AttributeError:
        raise TypeError(f"slice indices must be integers or None, not {type(v).__name__}") from None


def _check_int_bounds(index, shape):
    # JAX clamps out-of-range integers silently; PyTorch raises, so core checks them here
    n_ell = builtins.sum(1 for i in index if i is Ellipsis)
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    dim = 0
    for pos, item in enumerate(index):
        if item is Ellipsis:
            rest = builtins.sum(1 for i in index[pos + 1:]
                                if i is not None and i is not Ellipsis and not isinstance(i, bool))
            dim = len(shape) - rest
            continue
        if item is None or isinstance(item, builtins.bool):
            continue
        if isinstance(item, int):
            size = shape[dim]
            if item >= size or item < -size:
                raise IndexError(f"index {item} is out of bounds for dimension {dim} with size "
                                 f"{size}")
        dim += len(item.shape) if hasattr(item, "dtype") and str(item.dtype) == "bool" and \
            len(item.shape) > 1 else 1


def _check_values_shape(be, raw, raw_index, vshape):
    """PyTorch's RuntimeError for values that do not broadcast to the indexed shape (NumPy would
    raise ValueError, and other backends something else)."""
    if not vshape:
        return
    target = tuple(be.kernels["getitem"](raw, raw_index).shape)
    lead = len(target) - len(vshape)
    if lead < 0 or any(v not in (1, t) for v, t in zip(vshape, target[lead:])):
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(vshape)} cannot be "
                           f"broadcast to indexing result of shape {list(target)}")


def _getitem_backward(node, g):
    shape, index = node.ctx
    from .creation import zeros

    base = zeros(shape, dtype=g._dtype, _backend=g._backend)
    return (index_put(base, index, g, accumulate=True, _raw=True),)


@defop("getitem", "indexing", "same",
       kernel="getitem(a, index) -> array  (index: tuple of int, slice, None, Ellipsis, raw "
              "int or bool arrays)",
       grad_fn="IndexBackward0", backward=_getitem_backward, function=False, method="__getitem__")
def getitem(input, index):
    """``input[index]`` with PyTorch's basic and advanced indexing."""
    raw_index = index if _is_raw(index) else _raw_index(input, index)
    out = _wrap(input._backend.kernels["getitem"](input._data, raw_index), input._backend,
                input._dtype)
    if not input._backend.mutable and not any(hasattr(i, "shape") for i in raw_index):
        views.track(out, input, "getitem", (raw_index,))  # basic indexing gives a view
    if input._rg and grad_mode.enabled:
        record(getitem.op.node, out, (input,), (), (input._data.shape, raw_index))
    return out


class _Raw(tuple):
    """An index already converted by _raw_index (used inside derivatives)."""


def _is_raw(index):
    return type(index) is _Raw


def _index_put_backward(node, g):
    index, accumulate, vshape = node.ctx
    from .elementwise import sum_to

    ng, nv = node.needs_input_grad
    ga = index_put(g, index, 0.0, accumulate=False, _raw=True) if ng and not accumulate else \
        (g if ng else None)
    gv = sum_to(getitem(g, _Raw(index)), vshape) if nv else None
    return ga, gv


@defop("index_put", "indexing", "the input's",
       kernel="index_put(a, index, values, accumulate) -> new array  (a is not modified)",
       grad_fn="IndexPutBackward0", backward=_index_put_backward, inplace=True)
def index_put(input, indices, values, accumulate=False, *, _raw=False):
    """A copy of `input` with ``input[indices] = values`` (or ``+=`` with `accumulate`)."""
    check_tensor(input, "input", "index_put")
    be = input._backend
    raw_index = _Raw(indices) if _raw else _Raw(_raw_index(input, indices))
    if isinstance(values, Tensor):
        vraw = values._data if values._dtype is input._dtype else \
            be.kernels["astype"](values._data, be.dtype_native(input._dtype))
        vshape = values._data.shape
    else:
        vraw, vshape = values, ()
    if not _raw:
        _check_values_shape(be, input._data, raw_index, vshape)
    out = _wrap(be.kernels["index_put"](input._data, raw_index, vraw, accumulate), be,
                input._dtype)
    tracked = isinstance(values, Tensor) and values._rg
    if grad_mode.enabled and (input._rg or tracked):
        record(index_put.op.node, out, (input, values if tracked else None), (),
               (raw_index, accumulate, vshape))
    return out


@defop("setitem", "indexing", "the input's",
       kernel="setitem(a, index, values) -> array  (writes into a where arrays are mutable, "
              "and returns the array the tensor holds afterwards)",
       function=False, method="__setitem__")
def setitem(input, index, value):
    """``input[index] = value``: an in-place write that keeps the tensor object."""
    be = input._backend
    if grad_mode.enabled and (input._rg or (isinstance(value, Tensor) and value._rg)):
        from .inplace import commit

        return commit(input, index_put(input, index, value))
    raw_index = _raw_index(input, index)
    if isinstance(value, Tensor):
        if value._backend is not be:
            raise RuntimeError(f"cannot assign a tensor on {value._backend.name} into one on "
                               f"{be.name}")
        vraw = value._data if value._dtype is input._dtype else \
            be.kernels["astype"](value._data, be.dtype_native(input._dtype))
        _check_values_shape(be, input._data, raw_index, value._data.shape)
    else:
        vraw = value
    input._data = be.kernels["setitem"](input._data, raw_index, vraw)
    input._version += 1
    if not be.mutable:
        views.written(input)
    return None
