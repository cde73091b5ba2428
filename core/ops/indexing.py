"""Indexing: ``x[index]`` (getitem), ``x[index] = v`` (setitem), index_put, gather, scatter,
scatter_add, index_select, index_add, masked_select, take, nonzero and their derivatives."""

import builtins

from .. import views
from .._compile import is_compiling
from ..backends import ember_dtype
from ._common import (Tensor, _dt, _wrap, _wrap_dim, broadcast_shapes, check_tensor, grad_mode,
                      record)
from .registry import defop


def _raw_index(x, index):
    """`index` as a tuple of ints, slices, None, Ellipsis and raw arrays, checked against x."""
    if not isinstance(index, tuple):
        index = (index,)
    be = x._backend
    shape = x._data.shape
    out = []
    consumed = 0
    arrays = 0
    ellipsis = False
    for item in index:
        if item is Ellipsis:  # PyTorch takes a second ellipsis as standing for no dims
            if ellipsis:
                continue
            ellipsis = True
        if item is None or item is Ellipsis or isinstance(item, slice):
            if isinstance(item, slice):
                item = slice(*(_as_int(v) if v is not None else None
                               for v in (item.start, item.stop, item.step)))
                consumed += 1  # its step is checked in order with the other items, below
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
            arrays += 1
        elif isinstance(item, (list, tuple)) or hasattr(item, "__array__"):
            from .creation import tensor as _tensor

            t = _tensor(item, _backend=be)
            if not t.numel() and isinstance(item, (list, tuple)):  # x[[]] selects nothing
                t = t.long()
            if t._dtype.is_floating_point:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            consumed += max(t.dim(), 1) if t._dtype is _dt.bool else 1
            out.append(t._data)
            arrays += 1
        else:
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or "
                             f"byte Variables are valid indices (got {type(item).__name__})")
    if consumed > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    _check_int_bounds(out, shape)
    if arrays > 1:
        _check_index_shapes(be, out)
    return tuple(out)


def _check_index_shapes(be, index):
    """PyTorch's IndexError where the advanced indices do not broadcast together (backends
    raise their own exceptions: NumPy an IndexError in its words, JAX a ValueError). A mask
    counts as the 1-D index of its True elements (read on the host: only with two or more)."""
    mask = be.dtype_native(_dt.bool)
    arrays = [i for i in index if hasattr(i, "shape") and (i.shape or i.dtype != mask)]
    if len(arrays) < 2:
        return
    shapes = []
    for a in arrays:
        if a.dtype == mask:
            shapes.append((int(be.kernels["to_numpy"](a).sum()),))
        else:
            shapes.append(tuple(a.shape))
    try:
        common = shapes[0]
        for sh in shapes[1:]:
            common = broadcast_shapes(common, sh)
    except RuntimeError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with "
                         "shapes " + ", ".join(str(list(sh)) for sh in shapes)) from None


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
        if isinstance(item, slice):
            if item.step == 0:
                raise ValueError("slice step cannot be zero")
            if item.step is not None and item.step < 0:
                raise ValueError("step must be greater than zero")
        elif isinstance(item, int):
            size = shape[dim]
            if item >= size or item < -size:
                raise IndexError(f"index {item} is out of bounds for dimension {dim} with size "
                                 f"{size}")
        dim += len(item.shape) if hasattr(item, "dtype") and len(item.shape) > 1 and \
            ember_dtype(item.dtype) is _dt.bool else 1


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
       grad_fn=("IndexBackward0", "SelectBackward0", "SliceBackward0", "UnsqueezeBackward0"),
       backward=_getitem_backward, function=False, method="__getitem__")
def getitem(input, index):
    """``input[index]`` with PyTorch's basic and advanced indexing."""
    if not _is_raw(index):
        split = _ints_first(index)
        if split is not None:
            return getitem(getitem(input, split[0]), split[1])
    raw_index = index if _is_raw(index) else _raw_index(input, index)
    out = _wrap(input._backend.kernels["getitem"](input._data, raw_index), input._backend,
                input._dtype)
    basic = not any(hasattr(i, "shape") for i in raw_index)
    if basic:
        views.track(out, input, "getitem", (raw_index,))  # basic indexing gives a view
    if input._rg and grad_mode.enabled:
        node = _basic_node(input._data.shape, raw_index) if basic else getitem.op.node
        record(node, out, (input,), (), (input._data.shape, raw_index))
    return out


def _is_array_index(item):
    return isinstance(item, (Tensor, list, tuple)) or hasattr(item, "__array__")


def _ints_first(index):
    """(ints, rest) when `index` mixes integers with array indices: PyTorch applies the
    integers first, as selects, and then indexes what is left, where NumPy would count an
    integer as one more array index (``x[0, :, [0, 1]]`` has shape (3, 2), not NumPy's
    (2, 3)). None when the index has no such mix."""
    if not isinstance(index, tuple):
        return None
    ints = [isinstance(i, int) and not isinstance(i, builtins.bool) for i in index]
    if not any(ints) or not any(_is_array_index(i) for i in index):
        return None
    first = []
    for item, is_int in zip(index, ints):
        if is_int or item is Ellipsis:
            first.append(item)
        elif item is None or isinstance(item, builtins.bool):
            continue  # adds a dim in the second step, consumes none here
        elif (isinstance(item, Tensor) and item._dtype is _dt.bool
              or getattr(item, "dtype", None) in (bool, "bool")):
            first += [slice(None)] * max(len(item.shape), 1)
        else:
            first.append(slice(None))
    return tuple(first), tuple(i for i, is_int in zip(index, ints) if not is_int)


def _basic_node(shape, raw_index):
    """PyTorch's grad_fn for basic indexing: that of the last step it applies (a select for an
    int, an unsqueeze for None, a slice for a slice that is not the whole dim); a slice when
    every step is a no-op."""
    nodes = getitem.op.nodes
    last, dim = nodes[2], 0
    for i in raw_index:
        if i is None:
            last = nodes[3]
        elif i is Ellipsis:
            dim = len(shape) - sum(1 for j in raw_index if j is not None and j is not Ellipsis) \
                + dim
        elif isinstance(i, slice):
            if dim < len(shape) and i.indices(shape[dim]) != (0, shape[dim], 1):
                last = nodes[2]
            dim += 1
        else:
            last = nodes[1]
            dim += 1
    return last


def _numel(shape):
    """The number of elements of `shape` (kernels get fully known shapes, never -1)."""
    n = 1
    for s in shape:
        n *= s
    return n


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


@defop("index_put", "indexing", "same",
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


@defop("setitem", "indexing", "same",
       kernel="setitem(a, index, values) -> array  (writes into a where arrays are mutable, "
              "and returns the array the tensor holds afterwards)",
       function=False, method="__setitem__")
def setitem(input, index, value):
    """``input[index] = value``: an in-place write that keeps the tensor object."""
    from .inplace import _check_overlap

    _check_overlap(input)
    split = _ints_first(index)
    if split is not None:  # write through the view the integers select, as PyTorch indexes
        return setitem(getitem(input, split[0]), split[1], value)
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


# -- gather, scatter, index_select, index_add, masked_select, take, nonzero ------------------------
def _index_arg(index, fn, vector=False):
    """`index` checked as an int64 tensor (a 0-d or 1-d one where `vector`)."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{fn}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._dtype is not _dt.int64 and not (vector and index._dtype is _dt.int32):
        raise RuntimeError(f"{fn}(): Expected dtype int64 for index")
    if vector and index.dim() > 1:
        raise IndexError(f"{fn}(): Index is supposed to be a vector")
    return index


def _check_range(index, size, dim, low=0, take=False):
    """PyTorch's error for an index outside [low, size) (a host read of the index values,
    skipped while ember.compile traces a step, whose values are not known yet)."""
    if not index.numel() or is_compiling():
        return
    host = index._backend.kernels["to_numpy"](index._data)
    bad = host[(host < low) | (host >= size)]
    if bad.size:
        if take:
            raise IndexError(f"out of range: tried to access index {int(bad.flat[0])} on a tensor "
                             f"of {size} elements.")
        raise RuntimeError(f"index {int(bad.flat[0])} is out of bounds for dimension {dim} with "
                           f"size {size}")


def _along(k, index, dim):
    """The advanced index that picks ``a[..., index[i, j, k], ...]`` at dim `dim`: `index` there
    and broadcast aranges over the other dims (NumPy's take_along_axis)."""
    shape = tuple(index.shape)
    parts = []
    for d, n in enumerate(shape):
        if d == dim:
            parts.append(index)
        else:
            view = tuple(n if j == d else 1 for j in range(len(shape)))
            parts.append(k["reshape"](k["arange"](0, n, 1, index.dtype), view))
    return tuple(parts)


def _check_along(input, dim, index, fn, src=None):
    """gather's and scatter's shape rules; returns the wrapped dim."""
    n = input.dim()
    d = _wrap_dim(dim, n)
    if index.dim() != n and not (n <= 1 and index.dim() <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    ishape, xshape = index._data.shape, input._data.shape
    for j, s in enumerate(ishape):
        if j != d and j < len(xshape) and s > xshape[j]:
            raise RuntimeError(f"Size does not match at dimension {j} expected index "
                               f"{list(ishape)} to be smaller than self {list(xshape)} apart from "
                               f"dimension {d}")
        if src is not None and j < src.dim() and s > src._data.shape[j]:
            raise RuntimeError(f"Size does not match at dimension {j} expected index "
                               f"{list(ishape)} to be smaller than src {list(src._data.shape)}")
    _check_range(index, xshape[d] if xshape else 1, d)
    return d


def _raw1(t):
    """`t`'s raw array, a 0-d one as 1-d (these ops treat 0-d and 1-d alike)."""
    raw = t._data
    return t._backend.kernels["reshape"](raw, (1,)) if not raw.shape else raw


def _gather_backward(node, g):
    from .creation import zeros

    shape, dim = node.ctx
    (index,) = node.saved_tensors
    return (scatter_add(zeros(shape, dtype=g._dtype, _backend=g._backend), dim, index, g), None)


@defop("gather", "indexing", "same",
       kernel="gather(a, dim, index) -> array  (index: int64 array with a's ndim)",
       decomposition=lambda k, a, dim, index: k["getitem"](a, _along(k, index, dim)),
       grad_fn="GatherBackward0", backward=_gather_backward)
def gather(input, dim, index, *, sparse_grad=False):
    """``out[i][j] = input[index[i][j]][j]`` (for dim 0): values picked along `dim`."""
    check_tensor(input, "input", "gather")
    index = _index_arg(index, "gather")
    d = _check_along(input, dim, index, "gather")
    raw = input._backend.kernels["gather"](_raw1(input), d, _raw1(index))
    if index.dim() == 0:
        raw = input._backend.kernels["reshape"](raw, ())
    out = _wrap(raw, input._backend, input._dtype)
    if input._rg and grad_mode.enabled:
        record(gather.op.node, out, (input, None), (index,), (input._data.shape, d))
    return out


def _scatter_kernel(k, a, dim, index, src, accumulate):
    if hasattr(src, "shape"):
        src = k["getitem"](src, tuple(slice(0, n) for n in index.shape))
    return k["index_put"](a, _along(k, index, dim), src, accumulate)


def _src_grad(g, dim, index, sshape):
    """The gradient of scatter's `src`: `g` gathered at `index`, padded with zeros to `src`'s
    shape where `src` is larger than `index`."""
    gs = gather(g, dim, index)
    if gs._data.shape == sshape:
        return gs
    from .creation import zeros

    base = zeros(sshape, dtype=g._dtype, _backend=g._backend)
    return index_put(base, _Raw(tuple(slice(0, n) for n in gs._data.shape)), gs, _raw=True)


def _scatter_backward(node, g):
    dim, sshape, accumulate = node.ctx
    (index,) = node.saved_tensors
    ng = node.needs_input_grad
    gi = (g if accumulate else scatter(g, dim, index, 0.0)) if ng[0] else None
    if sshape is None:
        return (gi,)
    return gi, _src_grad(g, dim, index, sshape) if ng[1] else None


def _scatter_front(op, input, dim, index, src, accumulate, fn):
    """scatter and scatter_add: a copy of `input` with `src` (a tensor or number) written (or
    added) at the positions `index` gives along `dim`."""
    check_tensor(input, "input", fn)
    index = _index_arg(index, fn)
    is_tensor = isinstance(src, Tensor)
    if is_tensor and src._dtype is not input._dtype:
        raise RuntimeError(f"{fn}(): Expected self.dtype to be equal to src.dtype")
    d = _check_along(input, dim, index, fn, src if is_tensor else None)
    be = input._backend
    raw = be.kernels["scatter"](_raw1(input), d, _raw1(index), _raw1(src) if is_tensor else src,
                                accumulate)
    if input.dim() == 0:
        raw = be.kernels["reshape"](raw, ())
    out = _wrap(raw, be, input._dtype)
    tracked = is_tensor and src._rg
    if grad_mode.enabled and (input._rg or tracked):
        node = op.nodes[0 if is_tensor else 1] if len(op.nodes) > 1 else op.node
        record(node, out, (input, src if tracked else None) if is_tensor else (input,), (index,),
               (d, src._data.shape if is_tensor else None, accumulate))
    return out


@defop("scatter", "indexing", "same",
       kernel="scatter(a, dim, index, src, accumulate) -> new array  (src: array or scalar)",
       decomposition=_scatter_kernel, grad_fn=("ScatterBackward0", "ScatterBackward1"),
       backward=_scatter_backward, inplace=True)
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of `input` with ``out[index[i][j]][j] = src[i][j]`` (for dim 0); `src` may be a
    number (or given as `value`); ``reduce="add"`` adds instead."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing 1 required argument: 'src' (a tensor) or 'value'")
    if reduce not in (None, "add"):
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce!r} "
                           f"(ember supports add)" if reduce != "multiply" else
                           "scatter(): reduce='multiply' is not supported by ember; use "
                           "reduce='add' or scatter_reduce")
    return _scatter_front(scatter.op, input, dim, index, src, reduce == "add", "scatter")


@defop("scatter_add", "indexing", "same", grad_fn="ScatterAddBackward0",
       backward=lambda node, g: (g, _src_grad(g, node.ctx[0], node.saved_tensors[0], node.ctx[1])
                                 if node.needs_input_grad[1] else None),
       inplace=True)
def scatter_add(input, dim, index, src):
    """A copy of `input` with ``out[index[i][j]][j] += src[i][j]`` (for dim 0); repeated indices
    all add."""
    check_tensor(src, "src", "scatter_add")
    return _scatter_front(scatter_add.op, input, dim, index, src, True, "scatter_add")


def _at_dim(dim, index):
    return (slice(None),) * dim + (index,)


def _vector_index(input, dim, index, fn):
    """(wrapped dim, 1-d index) of index_select and index_add, range-checked."""
    index = _index_arg(index, fn, vector=True)
    n = input.dim()
    d = _wrap_dim(dim, n)
    _check_range(index, input._data.shape[d] if n else 1, d)
    if not index.dim():
        from .shape import reshape

        index = reshape(index, (1,))
    return d, index


def _index_select_backward(node, g):
    from .creation import zeros

    shape, dim = node.ctx
    (index,) = node.saved_tensors
    return (index_add(zeros(shape, dtype=g._dtype, _backend=g._backend), dim, index, g), None)


@defop("index_select", "indexing", "same",
       kernel="index_select(a, dim, index) -> array  (index: 1-d int array)",
       decomposition=lambda k, a, dim, index: k["getitem"](a, _at_dim(dim, index)),
       grad_fn="IndexSelectBackward0", backward=_index_select_backward)
def index_select(input, dim, index):
    """The entries of `input` at positions `index` along `dim`."""
    check_tensor(input, "input", "index_select")
    d, index = _vector_index(input, dim, index, "index_select")
    raw = input._backend.kernels["index_select"](_raw1(input), d, index._data)
    out = _wrap(raw, input._backend, input._dtype)
    if input._rg and grad_mode.enabled:
        record(index_select.op.node, out, (input, None), (index,), (input._data.shape, d))
    return out


def _index_add_kernel(k, a, dim, index, source, alpha):
    return k["index_put"](a, _at_dim(dim, index), source if alpha == 1 else k["mul"](source, alpha),
                          True)


def _index_add_backward(node, g):
    dim, alpha, sshape = node.ctx
    (index,) = node.saved_tensors
    gs = None
    if node.needs_input_grad[1]:
        from .shape import reshape

        gs = index_select(g, dim, index) if g.dim() else reshape(g, (1,))
        gs = reshape(gs if alpha == 1 else gs * alpha, sshape)
    return g, gs


@defop("index_add", "indexing", "same",
       kernel="index_add(a, dim, index, source, alpha) -> new array",
       decomposition=_index_add_kernel, grad_fn="IndexAddBackward0", backward=_index_add_backward,
       inplace=True)
def index_add(input, dim, index, source, *, alpha=1):
    """A copy of `input` with ``alpha * source`` added at positions `index` along `dim`
    (repeated indices all add)."""
    check_tensor(input, "input", "index_add")
    check_tensor(source, "source", "index_add")
    d, index = _vector_index(input, dim, index, "index_add")
    if source._dtype is not input._dtype:
        raise RuntimeError(f"index_add_(): self ({input._dtype}) and source ({source._dtype}) "
                           f"must have the same scalar type")
    a, s = _raw1(input), _raw1(source)
    want = a.shape[:d] + (index.numel(),) + a.shape[d + 1:]
    if s.shape != want:
        raise RuntimeError(f"index_add_(): source shape {list(source.shape)} does not match the "
                           f"shape {list(want)} that index (of {index.numel()} elements) selects "
                           f"from self along dim {d}")
    be = input._backend
    raw = be.kernels["index_add"](a, d, index._data, s, alpha)
    if input.dim() == 0:
        raw = be.kernels["reshape"](raw, ())
    out = _wrap(raw, be, input._dtype)
    if grad_mode.enabled and (input._rg or source._rg):
        record(index_add.op.node, out, (input, source if source._rg else None), (index,),
               (d, alpha, source._data.shape))
    return out


def _masked_select_backward(node, g):
    from .creation import zeros
    from .elementwise import sum_to

    shape, full, mask = node.ctx
    base = zeros(full, dtype=g._dtype, _backend=g._backend)
    return (sum_to(index_put(base, (mask,), g, _raw=True), shape), None)


@defop("masked_select", "indexing", "same",
       kernel="masked_select(a, mask) -> 1-d array  (mask: a bool array of a's shape)",
       decomposition=lambda k, a, mask: k["getitem"](k["reshape"](a, (_numel(a.shape),)),
                                                     (k["reshape"](mask, (_numel(mask.shape),)),)),
       grad_fn="MaskedSelectBackward0", backward=_masked_select_backward)
def masked_select(input, mask):
    """The elements of `input` where `mask` (broadcast with it) is True, as a 1-d tensor."""
    check_tensor(input, "input", "masked_select")
    check_tensor(mask, "mask", "masked_select")
    if mask._dtype is not _dt.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    from .shape import broadcast_tensors

    x, m = broadcast_tensors(input, mask)
    raw = input._backend.kernels["masked_select"](x._data, m._data)
    out = _wrap(raw, input._backend, input._dtype)
    if input._rg and grad_mode.enabled:
        record(masked_select.op.node, out, (input, None), (),
               (input._data.shape, m._data.shape, m._data))
    return out


def _take_backward(node, g):
    from .creation import zeros
    from .shape import reshape

    shape, flat = node.ctx
    n = 1
    for s in shape:
        n *= s
    base = zeros((n,), dtype=g._dtype, _backend=g._backend)
    return (reshape(index_put(base, (flat,), g, accumulate=True, _raw=True), shape), None)


@defop("take", "indexing", "same", kernel="take(a, index) -> array  (a flattened)",
       decomposition=lambda k, a, index: k["getitem"](k["reshape"](a, (_numel(a.shape),)),
                                                      (index,)),
       grad_fn="TakeBackward0", backward=_take_backward)
def take(input, index):
    """The elements of `input`, seen as 1-d, at positions `index` (negative ones from the end);
    the result has `index`'s shape."""
    check_tensor(input, "input", "take")
    index = _index_arg(index, "take")
    n = input.numel()
    _check_range(index, n, 0, low=-n, take=True)
    raw = input._backend.kernels["take"](input._data, index._data)
    out = _wrap(raw, input._backend, input._dtype)
    if input._rg and grad_mode.enabled:
        record(take.op.node, out, (input, None), (), (input._data.shape, index._data))
    return out


@defop("nonzero", "indexing", "int64",
       kernel="nonzero(a) -> array  ((n, a.ndim) int64 coordinates of the nonzero elements, in "
              "row-major order)")
def nonzero(input, *, as_tuple=False):
    """The coordinates of the nonzero elements: an (n, ndim) int64 tensor, or with `as_tuple`
    one 1-d tensor per dim (a 0-d input counts as 1-d)."""
    check_tensor(input, "input", "nonzero")
    be = input._backend
    raw = be.kernels["nonzero"](input._data)
    out = _wrap(raw, be, _dt.int64)
    if not as_tuple:
        return out
    if input.dim() == 0:  # a 0-d input counts as 1-d: position 0, if nonzero
        return (_wrap(be.kernels["full"]((raw.shape[0],), 0, be.dtype_native(_dt.int64)), be,
                      _dt.int64),)
    return tuple(_wrap(be.kernels["getitem"](raw, (slice(None), d)), be, _dt.int64)
                 for d in range(input.dim()))


@defop("argwhere", "indexing", "int64")
def argwhere(input):
    """The coordinates of the nonzero elements, as an (n, ndim) int64 tensor (``nonzero``)."""
    return nonzero(input)
