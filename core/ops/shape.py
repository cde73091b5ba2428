"""Shape ops: reshape/view, flatten, transpose, permute, squeeze, unsqueeze, expand, cat, stack,
narrow, unbind, split, chunk, repeat, tile, flip, roll, movedim, hstack, vstack, tril, triu, and
the strided views diagonal, unfold, as_strided and view(dtype). Which of them may be views, and
the strides they have, follow PyTorch's layout rules (``ember._layout``)."""

from .. import _layout as L
from .. import views
from . import indexing as I
from ._common import (Tensor, _dt, _wrap, _wrap_dim, as_shape, check_tensor, grad_mode,
                      normalize_dims, record, same_backend)
from .registry import defop


def _finish(op, x, raw, ctx, node=None, view=None):
    """Wrap `raw` as the op's result; `view` = (kernel, args) marks it as a view of `x`."""
    out = _wrap(raw, x._backend, x._dtype)
    if view is not None:
        views.track(out, x, *view)
    if x._rg and grad_mode.enabled and op.nodes:
        record(node or op.node, out, (x,), (), ctx)
    return out


def _infer_shape(shape, numel):
    """`shape` with its one -1 filled in, or PyTorch's error for a size mismatch."""
    infer = [i for i, s in enumerate(shape) if s == -1]
    if len(infer) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if infer:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def _view_backward(node, g):
    return (reshape(g, node.ctx),)


_VIEW_ERROR = ("view size is not compatible with input tensor's size and stride (at least one "
               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")


def _viewable(input, new):
    """Whether `input`'s layout lets it be viewed as shape `new` (PyTorch's stride rule); a
    tensor that is not a view and has a plain layout always can, at no cost."""
    if L.plain(input):
        return True
    shape, strides, _ = L.layout(input)
    return L.view_strides(shape, strides, new) is not None


def _reshape_copy(op, input, new, old):
    """reshape where the layout allows no view: a copy (UnsafeViewBackward0, as PyTorch)."""
    k = input._backend.kernels
    raw = k["clone"](input._data) if input._backend.mutable else input._data
    return _finish(op, input, k["reshape"](raw, new), old, reshape.op.nodes[1])


@defop("reshape", "shape", "same", kernel="reshape(a, shape) -> array  (shape fully known)",
       grad_fn=("ViewBackward0", "UnsafeViewBackward0"), backward=_view_backward)
def reshape(input, *shape):
    """The same elements in a new shape; one dim may be -1 (inferred). A view where the layout
    allows it, else a copy."""
    check_tensor(input, "input", "reshape")
    new = _infer_shape(as_shape(shape, "reshape"), input.numel())
    old = input._data.shape
    if new == old:
        return _finish(reshape.op, input, input._data, old, view=("reshape", (new,)))
    if not _viewable(input, new):
        return _reshape_copy(reshape.op, input, new, old)
    return _finish(reshape.op, input, input._backend.kernels["reshape"](input._data, new), old,
                   view=("reshape", (new,)))


@defop("view", "shape", "same", kernel="view(a, shape) -> array",
       decomposition=lambda k, a, shape: k["reshape"](a, shape),
       grad_fn="ViewBackward0", backward=_view_backward, function=False)
def view(input, *shape):
    """A view of the same elements in a new shape, or (``view(dtype)``) of the same bits as
    another dtype; PyTorch's RuntimeError where the layout allows no view."""
    check_tensor(input, "input", "view")
    if len(shape) == 1 and isinstance(shape[0], _dt.dtype):
        return _view_dtype(input, shape[0])
    new = _infer_shape(as_shape(shape, "view"), input.numel())
    if not _viewable(input, new):
        raise RuntimeError(_VIEW_ERROR)
    return _finish(view.op, input, input._backend.kernels["view"](input._data, new),
                   input._data.shape, view=("view", (new,)))


@defop("flatten", "shape", "same", kernel="flatten(a, shape) -> array",
       decomposition=lambda k, a, shape: k["reshape"](a, shape),
       grad_fn="ViewBackward0", backward=_view_backward)
def flatten(input, start_dim=0, end_dim=-1):
    """Flatten dims `start_dim`..`end_dim` into one."""
    check_tensor(input, "input", "flatten")
    shape = input._data.shape
    if not shape:
        new = (1,)
    else:
        s = _wrap_dim(start_dim, len(shape))
        e = _wrap_dim(end_dim, len(shape))
        if s > e:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        n = 1
        for d in shape[s:e + 1]:
            n *= d
        new = shape[:s] + (n,) + shape[e + 1:]
    if new == shape:
        return input
    if not _viewable(input, new):
        return _reshape_copy(flatten.op, input, new, shape)
    return _finish(flatten.op, input, input._backend.kernels["flatten"](input._data, new), shape,
                   view=("flatten", (new,)))


def _permute_backward(node, g):
    dims = node.ctx
    inverse = [0] * len(dims)
    for i, d in enumerate(dims):
        inverse[d] = i
    return (permute(g, inverse),)


@defop("permute", "shape", "same", kernel="permute(a, dims) -> array", grad_fn="PermuteBackward0",
       backward=_permute_backward)
def permute(input, *dims):
    """The dims reordered: ``x.permute(2, 0, 1)``."""
    check_tensor(input, "input", "permute")
    dims = as_shape(dims, "permute")
    n = input.dim()
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not "
                           f"match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {n} is not equal to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, n) for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _finish(permute.op, input, input._backend.kernels["permute"](input._data, dims), dims,
                   view=("permute", (dims,)))


def _transpose_backward(node, g):
    d0, d1 = node.ctx
    return (transpose(g, d0, d1),)


def _transpose_dims(ndim, d0, d1):
    dims = list(range(ndim))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return tuple(dims)


@defop("transpose", "shape", "same", kernel="transpose(a, dim0, dim1) -> array",
       decomposition=lambda k, a, d0, d1: k["permute"](a, _transpose_dims(len(a.shape), d0, d1)),
       grad_fn="TransposeBackward0", backward=_transpose_backward)
def transpose(input, dim0, dim1):
    """`input` with dims `dim0` and `dim1` swapped."""
    check_tensor(input, "input", "transpose")
    n = input.dim()
    d0, d1 = _wrap_dim(dim0, n), _wrap_dim(dim1, n)
    if n < 2 or d0 == d1:
        return _finish(transpose.op, input, input._data, (d0, d1),
                       view=("reshape", (input._data.shape,)))
    return _finish(transpose.op, input, input._backend.kernels["transpose"](input._data, d0, d1),
                   (d0, d1), view=("transpose", (d0, d1)))


def _squeeze_backward(node, g):
    return (reshape(g, node.ctx),)


@defop("squeeze", "shape", "same", kernel="squeeze(a, shape) -> array",
       decomposition=lambda k, a, shape: k["reshape"](a, shape),
       grad_fn=("SqueezeBackward0", "SqueezeBackward1"), backward=_squeeze_backward)
def squeeze(input, dim=None):
    """`input` without its size-1 dims (or only those of `dim`, an int or tuple)."""
    check_tensor(input, "input", "squeeze")
    shape = input._data.shape
    if dim is None:
        dims = tuple(i for i, s in enumerate(shape) if s == 1)
    else:
        dims = tuple(_wrap_dim(d, len(shape)) for d in (dim if isinstance(dim, (tuple, list))
                                                          else (dim,)))
    new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    raw = input._backend.kernels["squeeze"](input._data, new) if new != shape else input._data
    gone = tuple(i for i in dims if shape[i] == 1)
    return _finish(squeeze.op, input, raw, shape, squeeze.op.nodes[0 if dim is None else 1],
                   view=("squeeze", (L.Dims(new, gone),)))


@defop("unsqueeze", "shape", "same", kernel="unsqueeze(a, shape) -> array",
       decomposition=lambda k, a, shape: k["reshape"](a, shape),
       grad_fn="UnsqueezeBackward0", backward=_squeeze_backward)
def unsqueeze(input, dim):
    """`input` with a size-1 dim inserted at `dim`."""
    check_tensor(input, "input", "unsqueeze")
    shape = input._data.shape
    d = _wrap_dim(dim, len(shape) + 1)
    new = shape[:d] + (1,) + shape[d:]
    return _finish(unsqueeze.op, input, input._backend.kernels["unsqueeze"](input._data, new), shape,
                   view=("unsqueeze", (L.Dims(new, d),)))


def _expand_backward(node, g):
    from .elementwise import sum_to

    return (sum_to(g, node.ctx),)


@defop("expand", "shape", "same", kernel="expand(a, shape) -> array  (broadcast to shape)",
       grad_fn="ExpandBackward0", backward=_expand_backward)
def expand(input, *sizes):
    """`input` broadcast to `sizes` (-1 keeps a dim) without copying."""
    check_tensor(input, "input", "expand")
    sizes = as_shape(sizes, "expand")
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand({input._type_name()}{{{list(shape)}}}, size={list(sizes)}): the "
                           f"number of sizes provided ({len(sizes)}) must be greater or equal to "
                           f"the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    new = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            new.append(s)
            continue
        old = shape[i - lead]
        if s == -1:
            s = old
        elif old != 1 and s != old:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size "
                               f"({old}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(shape)}")
        new.append(s)
    new = tuple(new)
    raw = input._data if new == shape else input._backend.kernels["expand"](input._data, new)
    return _finish(expand.op, input, raw, shape, view=("expand", (new,)))


def _cat_inputs(tensors, fn):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fn}(): argument 'tensors' must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise (ValueError if fn == "cat" else RuntimeError)(
            f"{fn}(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    be = same_backend(list(tensors), fn)
    ct = tensors[0]._dtype
    for t in tensors[1:]:
        ct = _dt.promote_types(ct, t._dtype)
    native = be.dtype_native(ct)
    raws = [t._data if t._dtype is ct else be.kernels["astype"](t._data, native) for t in tensors]
    return be, ct, raws


def _cat_backward(node, g):
    dim, sizes = node.ctx
    grads, start = [], 0
    for size in sizes:
        if size is None:  # a skipped legacy 1-d empty input
            grads.append(None)
            continue
        index = (slice(None),) * dim + (slice(start, start + size),)
        grads.append(I.getitem(g, index))
        start += size
    return tuple(grads)


@defop("cat", "shape", "promote", kernel="cat(arrays, dim) -> array", grad_fn="CatBackward0",
       backward=_cat_backward, method=False)
def cat(tensors, dim=0):
    """Join tensors along an existing dim."""
    be, ct, raws = _cat_inputs(tensors, "cat")
    ref = next((r.shape for r in raws if r.shape != (0,)), raws[0].shape)
    d = _wrap_dim(dim, len(ref))
    for i, r in enumerate(raws):
        s = r.shape
        if s == (0,) and len(ref) != 1:
            continue  # PyTorch skips 1-d empty tensors in cat
        if len(s) != len(ref):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} and "
                               f"{len(s)}")
        for j in range(len(s)):
            if j != d and s[j] != ref[j]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected "
                                   f"size {ref[j]} but got size {s[j]} for tensor number {i} in "
                                   f"the list.")
    skipped = [r.shape == (0,) and len(ref) != 1 for r in raws]
    out = _wrap(be.kernels["cat"]([r for r, s in zip(raws, skipped) if not s], d), be, ct)
    if grad_mode.enabled and any(t._rg for t in tensors):
        record(cat.op.node, out, tuple(tensors), (), (d, tuple(None if s else r.shape[d]
                                                             for r, s in zip(raws, skipped))))
    return out


concat = cat


def _stack_backward(node, g):
    dim, n = node.ctx
    return tuple(I.getitem(g, (slice(None),) * dim + (i,)) for i in range(n))


def _stack_kernel(k, arrays, dim):
    shape = arrays[0].shape
    new = shape[:dim] + (1,) + shape[dim:]
    return k["cat"]([k["reshape"](a, new) for a in arrays], dim)


@defop("stack", "shape", "promote", kernel="stack(arrays, dim) -> array",
       decomposition=_stack_kernel, grad_fn="StackBackward0", backward=_stack_backward,
       method=False)
def stack(tensors, dim=0):
    """Join equal-shaped tensors along a new dim."""
    be, ct, raws = _cat_inputs(tensors, "stack")
    first = raws[0].shape
    for i, r in enumerate(raws):
        if r.shape != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(first)} "
                               f"at entry 0 and {list(r.shape)} at entry {i}")
    d = _wrap_dim(dim, len(first) + 1)
    out = _wrap(be.kernels["stack"](raws, d), be, ct)
    if grad_mode.enabled and any(t._rg for t in tensors):
        record(stack.op.node, out, tuple(tensors), (), (d, len(tensors)))
    return out


# -- views and copies added with the second set ----------------------------------------------------
def _embed_backward(node, g):
    """The gradient of a piece taken by `index` (narrow, unbind, split): `g` placed into zeros."""
    shape, index = node.ctx
    from .creation import zeros

    base = zeros(shape, dtype=g._dtype, _backend=g._backend)
    return (I.index_put(base, index, g, accumulate=False, _raw=True),)


def _pieces(op, input, d, bounds, node):
    """The views ``input[..., start:stop, ...]`` along dim `d`, one per (start, stop) in `bounds`,
    each recorded with its own node of class `node`."""
    k = input._backend.kernels
    out = []
    for start, stop in bounds:
        index = I._Raw((slice(None),) * d + ((slice(start, stop) if stop is not None else start),))
        out.append(_finish(op, input, k["getitem"](input._data, index), (input._data.shape, index),
                           node, view=("getitem", (index,))))
    return tuple(out)


def _narrow_kernel(k, a, dim, start, length):
    return k["getitem"](a, (slice(None),) * dim + (slice(start, start + length),))


@defop("narrow", "shape", "same", kernel="narrow(a, dim, start, length) -> array",
       decomposition=_narrow_kernel, grad_fn="SliceBackward0", backward=_embed_backward)
def narrow(input, dim, start, length):
    """The view of `length` elements of dim `dim` from `start` on."""
    check_tensor(input, "input", "narrow")
    n = input.dim()
    if n == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, n)
    size = input._data.shape[d]
    if isinstance(start, Tensor):
        start = start.__index__()
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    start = start % size if start < 0 else start
    if length < 0:
        raise RuntimeError(f"narrow(): length must be non-negative, got {length}.")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    index = I._Raw((slice(None),) * d + (slice(start, start + length),))
    raw = input._backend.kernels["narrow"](input._data, d, start, length)
    return _finish(narrow.op, input, raw, (input._data.shape, index),
                   view=("narrow", (d, start, length)))


@defop("unbind", "shape", "same", kernel="unbind(a, dim) -> list of arrays  (views where possible)",
       decomposition=lambda k, a, dim: [k["getitem"](a, (slice(None),) * dim + (i,))
                                        for i in range(a.shape[dim])],
       grad_fn="UnbindBackward0", backward=_embed_backward)
def unbind(input, dim=0):
    """The slices of `input` along `dim`, as a tuple of views without that dim."""
    check_tensor(input, "input", "unbind")
    if input.dim() == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = _wrap_dim(dim, input.dim())
    return _pieces(unbind.op, input, d, [(i, None) for i in range(input._data.shape[d])],
                   unbind.op.node)


def _split_bounds(size, split_size_or_sections):
    """(start, stop) pairs of split's pieces, or PyTorch's error for sizes that do not fit."""
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [s.__index__() if isinstance(s, Tensor) else s for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or sum(sizes) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                               f"(input tensor's size at dimension), but got split_sizes={sizes}")
    else:
        step = split_size_or_sections
        if not isinstance(step, int) or isinstance(step, bool):
            raise TypeError(f"split(): argument 'split_size' must be int or list of ints, not "
                            f"{type(step).__name__}")
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={step}")
        if step == 0 and size != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {size}")
        sizes = [min(step, size - s) for s in range(0, size, step)] if step else [0]
    bounds, start = [], 0
    for s in sizes:
        bounds.append((start, start + s))
        start += s
    return bounds


def _split_kernel(k, a, bounds, dim):
    return [k["getitem"](a, (slice(None),) * dim + (slice(b, e),)) for b, e in bounds]


@defop("split", "shape", "same", numpy_names=False,
       kernel="split(a, bounds, dim) -> list of arrays  (bounds: (start, stop) pairs; views where "
              "possible)",
       decomposition=_split_kernel, grad_fn=("SplitBackward0", "SplitWithSizesBackward0"),
       backward=_embed_backward)
def split(tensor, split_size_or_sections, dim=0):
    """Views of `tensor` cut along `dim` into pieces of `split_size` (the last may be smaller) or
    of the listed sizes."""
    check_tensor(tensor, "tensor", "split")
    d = _wrap_dim(dim, tensor.dim())
    if tensor.dim() == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    bounds = _split_bounds(tensor._data.shape[d], split_size_or_sections)
    node = split.op.nodes[1 if isinstance(split_size_or_sections, (list, tuple)) else 0]
    return _pieces(split.op, tensor, d, bounds, node)


@defop("chunk", "shape", "same", differentiable=True)
def chunk(input, chunks, dim=0):
    """`input` split into `chunks` views of equal size along `dim` (the last may be smaller, and
    there may be fewer)."""
    check_tensor(input, "input", "chunk")
    if not isinstance(chunks, int) or chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input.dim() == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    size = input._data.shape[_wrap_dim(dim, input.dim())]
    return split(input, -(-size // chunks) if size else 0, dim)


@defop("unflatten", "shape", "same", differentiable=True)
def unflatten(input, dim, sizes):
    """Dim `dim` expanded into `sizes` (one may be -1): a view (ViewBackward0, as PyTorch)."""
    check_tensor(input, "input", "unflatten")
    shape = input._data.shape
    d = _wrap_dim(dim, len(shape))
    sizes = as_shape((sizes,), "unflatten")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        inner = _infer_shape(sizes, shape[d])
    except RuntimeError:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size "
                           f"of dim {d} ({shape[d]}) in the input tensor") from None
    return reshape(input, shape[:d] + inner + shape[d + 1:])


def _alias_of(target, name, doc):
    """An op that is another name of `target` (``swapaxes`` for ``transpose``)."""
    def alias(*args, **kwargs):
        return target(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = name
    alias.__doc__ = doc
    return defop(name, "shape", "same", differentiable=True)(alias)


swapaxes = _alias_of(transpose, "swapaxes", "``transpose`` under NumPy's name.")
swapdims = _alias_of(transpose, "swapdims", "``transpose`` under another of PyTorch's names.")


@defop("broadcast_to", "shape", "same", differentiable=True)
def broadcast_to(input, size):
    """`input` broadcast to `size` without copying (``expand``: ExpandBackward0, as PyTorch)."""
    check_tensor(input, "input", "broadcast_to")
    return expand(input, as_shape((size,), "broadcast_to"))


@defop("broadcast_tensors", "shape", "same", differentiable=True, method=False)
def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape."""
    from ._common import broadcast_shapes

    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for i, t in enumerate(tensors):
        check_tensor(t, f"tensors[{i}]", "broadcast_tensors")
    if tensors:
        same_backend(list(tensors), "broadcast_tensors")
    shape = ()
    for t in tensors:
        shape = broadcast_shapes(shape, t._data.shape)
    return tuple(t if t._data.shape == shape else expand(t, shape) for t in tensors)


def _repeat_kernel(k, a, reps):
    shape = (1,) * (len(reps) - len(a.shape)) + tuple(a.shape)
    final = tuple(r * s for r, s in zip(reps, shape))
    if final == shape:
        return k["clone"](k["reshape"](a, shape))  # a repeat is a copy, never a view
    spread = tuple(x for s in shape for x in (1, s))
    tiled = tuple(x for r, s in zip(reps, shape) for x in (r, s))
    return k["reshape"](k["expand"](k["reshape"](a, spread), tiled), final)


def _repeat_backward(node, g):
    from .reduction import sum as _sum

    shape, reps = node.ctx
    full = (1,) * (len(reps) - len(shape)) + shape
    g = reshape(g, tuple(x for r, s in zip(reps, full) for x in (r, s)))
    g = _sum(g, tuple(range(0, 2 * len(reps), 2))) if reps else g
    return (reshape(g, shape),)


@defop("repeat", "shape", "same", kernel="repeat(a, reps) -> array  (len(reps) >= a.ndim)",
       decomposition=_repeat_kernel, grad_fn="RepeatBackward0", backward=_repeat_backward,
       function=False)
def repeat(input, *sizes):
    """`input` repeated `sizes[i]` times along each dim (new leading dims for extra sizes)."""
    check_tensor(input, "input", "repeat")
    reps = as_shape(sizes, "repeat")
    if len(reps) < input.dim():
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    if any(r < 0 for r in reps):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(reps)}")
    return _finish(repeat.op, input, input._backend.kernels["repeat"](input._data, reps),
                   (input._data.shape, reps))


@defop("tile", "shape", "same", differentiable=True)
def tile(input, dims):
    """`input` repeated along each dim; `dims` shorter than the tensor is padded with ones in
    front (``repeat``: RepeatBackward0, as PyTorch)."""
    check_tensor(input, "input", "tile")
    reps = as_shape((dims,), "tile")
    return repeat(input, (1,) * (input.dim() - len(reps)) + reps)


def _flip_kernel(k, a, dims):
    """Each flipped dim indexed by the reversed positions (the kernel contract has no negative
    slice steps); a copy, as PyTorch's."""
    from ..backends import native_like

    out = a
    for d in dims:
        n = a.shape[d]
        rev = k["arange"](n - 1, -1, -1, native_like(a.dtype, _dt.int64))
        out = k["getitem"](out, (slice(None),) * d + (rev,))
    return out if dims else k["clone"](a)


@defop("flip", "shape", "same", kernel="flip(a, dims) -> array  (a copy)",
       decomposition=_flip_kernel, grad_fn="FlipBackward0",
       backward=lambda node, g: (flip(g, node.ctx),))
def flip(input, *dims):
    """`input` with the order of elements reversed along `dims` (a tuple, or ``x.flip(0, 1)``)."""
    check_tensor(input, "input", "flip")
    dims = normalize_dims(as_shape(dims, "flip"), input.dim())
    return _finish(flip.op, input, input._backend.kernels["flip"](input._data, dims), dims)


def _roll_kernel(k, a, shifts, dims):
    shape = tuple(a.shape)
    if not dims:  # over the flattened tensor
        n = 1
        for s in shape:
            n *= s
        return k["reshape"](_roll_kernel(k, k["reshape"](a, (n,)), shifts, (0,)), shape)
    out = a
    for shift, d in zip(shifts, dims):
        n = shape[d]
        s = shift % n if n else 0
        if s:
            head = (slice(None),) * d
            out = k["cat"]([k["getitem"](out, head + (slice(n - s, None),)),
                            k["getitem"](out, head + (slice(0, n - s),))], d)
    return k["clone"](out) if out is a else out


@defop("roll", "shape", "same",
       kernel="roll(a, shifts, dims) -> array  (dims () rolls the flattened array)",
       decomposition=_roll_kernel, grad_fn="RollBackward0",
       backward=lambda node, g: (roll(g, tuple(-s for s in node.ctx[0]), node.ctx[1] or None),))
def roll(input, shifts, dims=None):
    """`input` with elements shifted along `dims` (wrapping around); no dims: the flattened
    tensor, shape kept."""
    check_tensor(input, "input", "roll")
    shifts = tuple(shifts) if isinstance(shifts, (list, tuple)) else (shifts,)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        dims = ()
    else:
        dims = tuple(dims) if isinstance(dims, (list, tuple)) else (dims,)
        if len(shifts) != len(dims):
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims:{len(dims)}")
        dims = tuple(_wrap_dim(d, input.dim()) for d in dims)
    return _finish(roll.op, input, input._backend.kernels["roll"](input._data, shifts, dims),
                   (shifts, dims))


def _moved_dims(n, source, destination):
    src = tuple(source) if isinstance(source, (list, tuple)) else (source,)
    dst = tuple(destination) if isinstance(destination, (list, tuple)) else (destination,)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    src = tuple(_wrap_dim(d, n) for d in src)
    dst = tuple(_wrap_dim(d, n) for d in dst)
    for name, ds in (("source", src), ("destination", dst)):
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(ds)})")
    rest = iter(d for d in range(n) if d not in src)
    placed = dict(zip(dst, src))
    return tuple(placed[i] if i in placed else next(rest) for i in range(n))


@defop("movedim", "shape", "same", differentiable=True)
def movedim(input, source, destination):
    """The view with dims `source` moved to positions `destination` (``permute``)."""
    check_tensor(input, "input", "movedim")
    return permute(input, _moved_dims(input.dim(), source, destination))


moveaxis = _alias_of(movedim, "moveaxis", "``movedim`` under NumPy's name.")


def _atleast(t, n):
    shape = t._data.shape
    return t if len(shape) >= n else reshape(t, (1,) * (n - len(shape)) + shape)


def _stack_inputs(tensors, fn):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fn}(): argument 'tensors' must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{fn} expects a non-empty TensorList")
    return [check_tensor(t, "tensors", fn) for t in tensors]


@defop("hstack", "shape", "promote", differentiable=True, method=False)
def hstack(tensors):
    """Tensors joined column-wise: along dim 0 for 1-d ones, else dim 1 (``cat``)."""
    ts = [_atleast(t, 1) for t in _stack_inputs(tensors, "hstack")]
    return cat(ts, 0 if ts[0].dim() == 1 else 1)


@defop("vstack", "shape", "promote", differentiable=True, method=False)
def vstack(tensors):
    """Tensors joined row-wise (1-d ones become rows) along dim 0 (``cat``)."""
    return cat([_atleast(t, 2) for t in _stack_inputs(tensors, "vstack")], 0)


def _triangle(name, node_name, keep):
    """tril (`keep` "lower") or triu: the other elements of the last two dims set to zero."""
    def backward(node, g):
        return (front(g, node.ctx),)

    def front(input, diagonal=0):
        check_tensor(input, "input", name)
        if input.dim() < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        return _finish(front.op, input, input._backend.kernels[name](input._data, int(diagonal)),
                       diagonal)

    front.__name__ = front.__qualname__ = name
    side = "below" if keep == "lower" else "above"
    front.__doc__ = (f"The {keep} triangle of the last two dims (on and {side} diagonal "
                     f"`diagonal`); the other elements are zero.")
    return defop(name, "shape", "same", kernel=f"{name}(a, diagonal) -> array  (a copy)",
                 grad_fn=node_name, backward=backward, inplace=True)(front)


tril = _triangle("tril", "TrilBackward0", "lower")
triu = _triangle("triu", "TriuBackward0", "upper")


# -- diagonals and repeat_interleave (composites of other ops) -------------------------------------
def _ops():
    """The elementwise and creation modules (imported late: they build on this one)."""
    from . import creation as C
    from . import elementwise as E

    return C, E


def _embed(v, offset):
    """(..., n) -> (..., N, N) with N = n + |offset|: v on diagonal `offset` of the last two
    dims (``out[..., i, i + offset]``), zero elsewhere."""
    C, E = _ops()
    be, dt = v._backend, v._dtype
    n, k = v.shape[-1], abs(offset)
    if k:
        pad = C.zeros(tuple(v.shape[:-1]) + (k,), dtype=dt, _backend=be)
        v = cat([v, pad], -1)
    pos = C.arange(n + k, _backend=be)
    on = E.eq(E.sub(unsqueeze(pos, 0), unsqueeze(pos, 1)), offset)  # [i, j]: j - i == offset
    values = unsqueeze(v, -1) if offset >= 0 else unsqueeze(v, -2)  # by row i, or by column j
    return E.where(on, values, C.zeros((), dtype=dt, _backend=be))


@defop("diag_embed", "shape", "same", differentiable=True)
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A new tensor whose (dim1, dim2) planes hold the last dim of `input` on diagonal `offset`
    (a copy; zero elsewhere)."""
    check_tensor(input, "input", "diag_embed")
    n = input.dim() + 1
    d1, d2 = _wrap_dim(dim1, n), _wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if not input.dim():
        input = reshape(input, (1,))
    return movedim(_embed(input, int(offset)), (-2, -1), (d1, d2))


@defop("diag", "shape", "same", differentiable=True)
def diag(input, diagonal=0):
    """A 1-D input as the diagonal `diagonal` of a square matrix, or the diagonal `diagonal` of
    a 2-D input as a 1-D tensor (a copy either way)."""
    check_tensor(input, "input", "diag")
    if input.dim() == 1:
        return _embed(input, int(diagonal))
    if input.dim() != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.dim()}D")
    C, _ = _ops()
    rows, cols = input.shape
    k = int(diagonal)
    start = k if k >= 0 else -k * cols  # the flat position of the diagonal's first element
    length = max(0, min(rows, cols - k) if k >= 0 else min(rows + k, cols))
    index = C.arange(start, start + length * (cols + 1), cols + 1, _backend=input._backend)
    return I.index_select(reshape(input, (-1,)), 0, index)


@defop("diagflat", "shape", "same", differentiable=True)
def diagflat(input, offset=0):
    """The flattened input as diagonal `offset` of a square matrix (a copy)."""
    check_tensor(input, "input", "diagflat")
    return _embed(reshape(input, (-1,)), int(offset))


@defop("repeat_interleave", "shape", "same", differentiable=True)
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element of `input` repeated `repeats` times along `dim` (the flattened input when
    `dim` is None); `repeats` is an int or a tensor of one count per element. With one tensor
    argument, the indices 0..n-1 repeated by its counts."""
    check_tensor(input, "input", "repeat_interleave")
    if repeats is None:  # repeat_interleave(repeats)
        C, _ = _ops()
        repeats, input = input, C.arange(input.numel(), _backend=input._backend)
        dim = 0
    if dim is None:
        input, dim = reshape(input, (-1,)), 0
    d = _wrap_dim(dim, input.dim())
    size = input.shape[d] if input.dim() else 1
    if isinstance(repeats, Tensor):
        if repeats._dtype not in (_dt.int32, _dt.int64):
            raise NotImplementedError(f'"repeat_interleave_cpu" not implemented for '
                                      f"'{_title(repeats._dtype)}'")
        if repeats.dim() > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        counts = repeats.tolist()
        counts = [counts] if not isinstance(counts, list) else counts
        if len(counts) == 1:
            counts = counts * size
        elif len(counts) != size:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {len(counts)} and input.size({d}) = {size}")
        if any(c < 0 for c in counts):
            raise RuntimeError("repeats can not be negative")
    else:
        if isinstance(repeats, bool) or not isinstance(repeats, int):
            raise TypeError(f"repeat_interleave(): argument 'repeats' must be Tensor or int, not "
                            f"{type(repeats).__name__}")
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        counts = [repeats] * size
    total = sum(counts)
    if output_size is not None and output_size != total:
        raise RuntimeError(f"allocated size does not match required size: output_size is "
                           f"{output_size} but the repeats add up to {total}")
    C, _ = _ops()
    index = C.tensor([i for i, c in enumerate(counts) for _ in range(c)], dtype=_dt.int64,
                     _backend=input._backend)
    if not input.dim():
        input = reshape(input, (1,))
    return I.index_select(input, d, index)


def _title(d):
    from .registry import dtype_title

    return dtype_title(d)


# -- strided views: diagonal, unfold, as_strided, view(dtype) ------------------------------------
def _strided_backward(node, g):
    """The gradient of a strided view (diagonal, unfold, as_strided): `g` scattered, summing
    where elements repeat, onto the flat positions the view covers in its root, then read back
    at the positions the input covers. ctx: (root shape, input's steps, view's steps)."""
    from .creation import zeros

    shape, in_steps, out_steps = node.ctx
    be = g._backend
    n = 1
    for s in shape:
        n *= s
    flat = I.index_put(zeros((n,), dtype=g._dtype, _backend=be),
                       I._Raw((views.flat_positions(be, shape, out_steps),)), g,
                       accumulate=True, _raw=True)
    if not in_steps:
        return (reshape(flat, shape),)
    return (I.getitem(flat, I._Raw((views.flat_positions(be, shape, in_steps),))),)


def _strided_view(op, input, raw, kernel, args):
    """Wrap `raw` as the view ``kernel(input, *args)``, with the strided view's derivative."""
    return _finish(op, input, raw, (input._data.shape, (), ((kernel, args),)),
                   view=(kernel, args))


def _gather(k, a, index):
    """``a[index]`` for a NumPy index array, on any backend (a copy)."""
    import numpy as np

    return k["getitem"](a, tuple(k["from_numpy"](np.asarray(i, dtype=np.int64))
                                 if not isinstance(i, slice) else i for i in index))


def _diagonal_length(shape, offset, d1, d2):
    return max(min(shape[d1], shape[d2] - offset), 0) if offset >= 0 else \
        max(min(shape[d1] + offset, shape[d2]), 0)


def _diagonal_kernel(k, a, offset, dim1, dim2):
    import numpy as np

    rest = tuple(i for i in range(len(a.shape)) if i not in (dim1, dim2))
    i = np.arange(_diagonal_length(a.shape, offset, dim1, dim2))
    moved = k["permute"](a, rest + (dim1, dim2))
    return _gather(k, moved, (slice(None),) * len(rest) + (i + max(-offset, 0), i + max(offset, 0)))


@defop("diagonal", "shape", "same",
       kernel="diagonal(a, offset, dim1, dim2) -> array  (the diagonal as the last dim; a view "
              "where arrays are mutable)",
       decomposition=_diagonal_kernel, grad_fn="DiagonalBackward0", backward=_strided_backward)
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The view of the diagonal `offset` of the (dim1, dim2) planes, as the last dim."""
    check_tensor(input, "input", "diagonal")
    n = input.dim()
    d1, d2 = _wrap_dim(dim1, n), _wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    args = (int(offset), d1, d2)
    return _strided_view(diagonal.op, input, input._backend.kernels["diagonal"](input._data, *args),
                         "diagonal", args)


def _unfold_kernel(k, a, dimension, size, step):
    import numpy as np

    if not a.shape:
        return k["reshape"](a, (1,))
    n = a.shape[dimension]
    windows = (np.arange((n - size) // step + 1) * step)[:, None] + np.arange(size)[None, :]
    out = _gather(k, a, (slice(None),) * dimension + (windows,))
    nd = len(out.shape)
    return k["permute"](out, tuple(i for i in range(nd) if i != dimension + 1) + (dimension + 1,))


@defop("unfold", "shape", "same",
       kernel="unfold(a, dimension, size, step) -> array  (windows along dimension, each as a "
              "new last dim; a view where arrays are mutable)",
       decomposition=_unfold_kernel, grad_fn="UnfoldBackward0", backward=_strided_backward,
       function=False)
def unfold(input, dimension: int, size: int, step: int):
    """The view of every window of `size` elements along `dimension`, `step` apart, each as a
    new last dim (``Tensor.unfold``; ``nn.functional.unfold`` is im2col)."""
    check_tensor(input, "input", "unfold")
    n = input.dim()
    d = _wrap_dim(dimension, n)
    length = input._data.shape[d] if n else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is "
                           f"{size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    args = (d, int(size), int(step))
    return _strided_view(unfold.op, input, input._backend.kernels["unfold"](input._data, *args),
                         "unfold", args)


def _as_strided_kernel(k, a, size, stride, offset):
    import numpy as np

    pos = np.full(tuple(size), offset, dtype=np.int64)
    for d, (n, st) in enumerate(zip(size, stride)):
        pos = pos + (np.arange(n) * st).reshape((-1,) + (1,) * (len(size) - d - 1))
    return _gather(k, a, (pos,))


def _storage_steps(root):
    """The steps that give `root`'s storage as a 1-d array (root: a tensor that is not a view)."""
    shape, strides, off = L.own_layout(root)
    n = 1
    for s in shape:
        n *= s
    if L.plain(root) or (off == 0 and L.is_dense(shape, strides)):
        order = tuple(sorted(range(len(shape)), key=lambda d: -strides[d]))
        steps = (("permute", (order,)),) if order != tuple(range(len(shape))) else ()
        return steps + (("reshape", ((n,),)),)
    raise RuntimeError("as_strided: the storage of this tensor is not held whole by any tensor "
                       "(a .data or detach() of a view on a mutable backend); as_strided its "
                       "original instead")


@defop("as_strided", "shape", "same",
       kernel="as_strided(a, size, stride, offset) -> array  (a is 1-d; a view where arrays are "
              "mutable)",
       decomposition=_as_strided_kernel, grad_fn="AsStridedBackward0", backward=_strided_backward)
def as_strided(input, size, stride, storage_offset=None):
    """The view of `input`'s storage with the given size, strides and storage offset (in
    elements)."""
    check_tensor(input, "input", "as_strided")
    size = as_shape((size,), "as_strided")
    stride = as_shape((stride,), "as_strided")
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    if any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(size)}")
    offset = L.layout(input)[2] if storage_offset is None else int(storage_offset)
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    itemsize = input._dtype.itemsize
    nbytes = L.storage(input).nbytes
    need = 0 if any(s == 0 for s in size) else \
        offset + 1 + sum((n - 1) * st for n, st in zip(size, stride))
    if need * itemsize > nbytes:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset}, and itemsize {itemsize} requiring a storage size of "
                           f"{need * itemsize} are out of bounds for storage of size {nbytes}")
    root = input._view[0] if input._view is not None else input
    steps = _storage_steps(root) + (("as_strided", (size, stride, offset)),)
    k = input._backend.kernels
    raw = views._apply(k, steps, root._data)
    out = _wrap(raw, input._backend, input._dtype)
    views.track_steps(out, root, steps)
    if input._rg and grad_mode.enabled:
        in_steps = input._view[1] if input._view is not None else ()
        record(as_strided.op.node, out, (input,), (), (root._data.shape, in_steps, steps))
    return out


def _view_dtype_kernel(k, a, dtype, itemsize):
    import numpy as np

    arr = k["to_numpy"](a)
    try:
        return k["from_numpy"](arr.view(dtype))
    except ValueError:  # NumPy's own layout is not the one ember reports
        return k["from_numpy"](np.ascontiguousarray(arr).view(dtype))


@defop("view_dtype", "shape", "custom",
       kernel="view_dtype(a, dtype, itemsize) -> array  (a's bits as dtype; itemsize: a's element "
              "size; a view where arrays are mutable)",
       decomposition=_view_dtype_kernel, function=False, method=False)
def _view_dtype(input, dtype):
    """``input.view(dtype)``: the same bits read as `dtype` (the last dim scales where the element
    sizes differ), as PyTorch."""
    old, new = input._dtype.itemsize, dtype.itemsize
    shape, strides, offset = L.layout(input)
    if old != new:
        name = f"{_title(input._dtype)} as {_title(dtype)}"
        if not shape:
            raise RuntimeError(f"self.dim() cannot be 0 to view {name} (different element sizes)")
        if strides[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 to view {name} (different element "
                               f"sizes), but got {strides[-1]}")
        if new > old:
            ratio = new // old
            if shape[-1] % ratio:
                raise RuntimeError(f"self.size(-1) must be divisible by {ratio} to view {name} "
                                   f"(different element sizes), but got {shape[-1]}")
            if offset % ratio:
                raise RuntimeError(f"self.storage_offset() must be divisible by {ratio} to view "
                                   f"{name} (different element sizes), but got {offset}")
            for i, s in enumerate(strides[:-1]):
                if s % ratio:
                    raise RuntimeError(f"self.stride({i}) must be divisible by {ratio} to view "
                                       f"{name} (different element sizes), but got {s}")
    be = input._backend
    args = (be.dtype_native(dtype), old)
    out = _wrap(be.kernels["view_dtype"](input._data, *args), be, dtype)
    return views.track(out, input, "view_dtype", args)
