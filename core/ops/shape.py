"""Shape ops: reshape/view, flatten, transpose, permute, squeeze, unsqueeze, expand, cat, stack."""

from .. import views
from . import indexing as I
from ._common import (Tensor, _dt, _wrap, _wrap_dim, as_shape, check_tensor, grad_mode, record,
                      same_backend)
from .registry import defop


def _finish(op, x, raw, ctx, node=None, view=None):
    """Wrap `raw` as the op's result; `view` = (kernel, args) marks it as a view of `x`."""
    out = _wrap(raw, x._backend, x._dtype)
    if view is not None and not x._backend.mutable:
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


@defop("reshape", "shape", "same", kernel="reshape(a, shape) -> array  (shape fully known)",
       grad_fn="ViewBackward0", backward=_view_backward)
def reshape(input, *shape):
    """The same elements in a new shape; one dim may be -1 (inferred)."""
    check_tensor(input, "input", "reshape")
    new = _infer_shape(as_shape(shape, "reshape"), input.numel())
    old = input._data.shape
    if new == old:
        return _finish(reshape.op, input, input._data, old, view=("reshape", (new,)))
    return _finish(reshape.op, input, input._backend.kernels["reshape"](input._data, new), old,
                   view=("reshape", (new,)))


@defop("view", "shape", "same", kernel="view(a, shape) -> array",
       decomposition=lambda k, a, shape: k["reshape"](a, shape),
       grad_fn="ViewBackward0", backward=_view_backward, function=False)
def view(input, *shape):
    """A view of the same elements in a new shape (ember: a reshape)."""
    check_tensor(input, "input", "view")
    if len(shape) == 1 and isinstance(shape[0], _dt.dtype):
        raise NotImplementedError("view(dtype) is not supported yet")
    new = _infer_shape(as_shape(shape, "view"), input.numel())
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
    return _finish(squeeze.op, input, raw, shape,
                   squeeze.op.nodes[0 if dim is None else 1], view=("squeeze", (new,)))


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
                   view=("unsqueeze", (new,)))


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
    if new == shape:
        return _finish(expand.op, input, input._data, shape)
    return _finish(expand.op, input, input._backend.kernels["expand"](input._data, new), shape)


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


@defop("cat", "shape", "promote all", kernel="cat(arrays, dim) -> array", grad_fn="CatBackward0",
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


@defop("stack", "shape", "promote all", kernel="stack(arrays, dim) -> array",
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
