"""In-place variants (``x.add_(y)``, ``x += y``): the op runs out of place, then its result is
committed into the tensor, which keeps its identity and bumps its version.

On a mutable backend the result is written into the tensor's own array (``assign``), so NumPy
views and arrays from ``.numpy()`` see the change; on an immutable backend (JAX) the tensor is
rebound to the new array.

For autograd the tensor takes the result's history. When the tensor is a view, its base changed
too: the base's history becomes a ``CopySlices`` node (the base's old gradient outside the
elements the view covers, the result's gradient inside them), and the view is recomputed from
the base (``AsStridedBackward0``), as in PyTorch.
"""

import threading

from .. import views
from ..autograd.graph import _NO_EDGE, edge, grad_mode, node_class
from ..dtypes import can_cast
from .. import dtypes as _dt
from ..tensor import Tensor, _wrap


def _check_leaf(t):
    if not grad_mode.enabled:
        return
    if t._rg and t.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    view = t._view
    if view is not None and view[0]._rg and view[0].grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")


def _check_overlap(t):
    """PyTorch refuses to write into a tensor whose elements share memory (an ``expand``)."""
    view = t._view
    if view is None or not any(kernel == "expand" for kernel, _ in view[1]):
        return
    from .. import _layout

    shape, strides, _ = _layout.layout(t)
    if any(st == 0 and n > 1 for n, st in zip(shape, strides)):
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the "
                           "tensor before performing the operation.")


def commit(self, out):
    """Make `self` hold `out`'s value and history; return `self`."""
    _check_leaf(self)
    _check_overlap(self)
    if out._dtype is not self._dtype:
        if not can_cast(out._dtype, self._dtype):
            raise RuntimeError(f"result type {_title(out._dtype)} can't be cast to the desired "
                               f"output type {_title(self._dtype)}")
        out = out.to(self._dtype)
    if out._data.shape != self._data.shape:
        raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast "
                           f"shape {list(out._data.shape)}")
    be = self._backend
    self._data = be.kernels["assign"](self._data, out._data)
    self._vc[0] += 1
    if not be.mutable:
        views.written(self)
    if grad_mode.enabled and (out.grad_fn is not None or self._rg):
        _rebase_history(self, out)
    return self


def _rebase_history(self, out):
    """Give `self` (and its base, if it is a view) the history of the in-place result `out`."""
    view = self._view
    if view is not None and (view[0]._rg or out.grad_fn is not None):
        base, steps, _ = view
        ctx = (views.positions(base, steps), base._data.shape)
        node = CopySlices((edge(base), edge(out) if out._rg else _NO_EDGE), (), ctx)
        _set_history(base, node, 0)
        _set_history(self, AsStridedBackward0(((node, 0),), (), ctx), 0)
        self._view = (base, steps, node)
    elif out.grad_fn is not None:
        _set_history(self, out.grad_fn, out._output_nr)
    else:  # overwritten by a value that has no history: no gradient reaches the old value
        _set_history(self, CopyBackwards((edge(self),), (), None), 0)


def refresh_view(t):
    """Derive view `t`'s history again from its base's current one (the base, or another view
    of it, was changed in place since), as PyTorch regenerates a view's grad_fn."""
    base, steps, _ = t._view
    node = base.grad_fn
    if node is None and not base._rg:  # the base was detached in place
        t.grad_fn, t._output_nr, t._rg = None, 0, False
        t._view = (base, steps, None)
        return
    ctx = (views.positions(base, steps), base._data.shape)
    _set_history(t, AsStridedBackward0((edge(base),), (), ctx), 0)
    t._view = (base, steps, node)


def _set_history(t, node, output_nr):
    if t._retains_grad:  # retain_grad() follows the tensor to its new history
        old = t.grad_fn
        if old is not None and old._retained:
            old._retained.pop(t._output_nr, None)
        node._retain(output_nr, t)
    t.grad_fn = node
    t._output_nr = output_nr
    t._rg = True


def _flat_index(node):
    from .indexing import _Raw

    covered, shape = node.ctx
    n = 1
    for s in shape:
        n *= s
    return _Raw((covered,)), (n,), shape


def _copy_slices_backward(node, g):
    """The base's old value gets `g` outside the view, the in-place result `g` inside it."""
    from .indexing import getitem, index_put
    from .shape import reshape

    index, flat, shape = _flat_index(node)
    need_base, need_out = node.needs_input_grad
    g = reshape(g, flat)
    g_base = reshape(index_put(g, index, 0.0, _raw=True), shape) if need_base else None
    return g_base, (getitem(g, index) if need_out else None)


def _as_strided_backward(node, g):
    """A view's gradient scattered into the base's shape."""
    from .creation import zeros
    from .indexing import index_put
    from .shape import reshape

    index, flat, shape = _flat_index(node)
    z = zeros(flat, dtype=g._dtype, _backend=g._backend)
    return (reshape(index_put(z, index, g, accumulate=True, _raw=True), shape),)


def _copy_backward(node, g):
    from .creation import zeros_like

    return (zeros_like(g),)


CopySlices = node_class("copy_slices", "CopySlices", _copy_slices_backward)
AsStridedBackward0 = node_class("as_strided", "AsStridedBackward0", _as_strided_backward)
CopyBackwards = node_class("copy_", "CopyBackwards", _copy_backward)


def _snapshot(t):
    """`t`'s value and place in the graph, as the input of an in-place op: what the op saves
    for backward is this tensor, which the write into `t` neither changes nor versions."""
    s = _wrap(t._data, t._backend, t._dtype)
    s.grad_fn = t.grad_fn
    s._output_nr = t._output_nr
    s._rg = t._rg
    return s


def _title(d):
    from .registry import dtype_title as _dtype_title

    return _dtype_title(d)


def _saved_by_graph(node, t, inputs):
    """Whether a node the op recorded (from `node` back to where its inputs entered) saved `t`."""
    stop = {id(t.grad_fn)} | {id(a.grad_fn) for a in inputs if isinstance(a, Tensor)}
    stack, seen = [node], set()
    while stack:
        n = stack.pop()
        if n is None or id(n) in stop or id(n) in seen:
            continue
        seen.add(id(n))
        if any(x is t for x in n._saved):
            return True
        stack.extend(child for child, _ in n.next_functions)
    return False


def make_inplace(front, name):
    """The ``name_`` method of an op: run `front`, then commit into self."""

    op = getattr(front, "op", None)
    into = op.into if op is not None else None

    def inplace(self, *args, **kwargs):
        _check_leaf(self)
        _check_overlap(self)
        if not grad_mode.enabled:
            if (into is not None and op.name in self._backend.out_kernels
                    and into(self, *args, **kwargs)):
                self._vc[0] += 1
                return self
            return commit(self, front(self, *args, **kwargs))
        if self._view is not None and self._view[2] is not self._view[0].grad_fn:
            refresh_view(self)
        src = _snapshot(self)
        out = front(src, *[src if a is self else a for a in args], **kwargs)
        if self._backend.mutable and _saved_by_graph(out.grad_fn, src, args):
            # the op saved its input for backward: keep that value, which the write replaces
            src._data = self._backend.kernels["clone"](src._data)
        return commit(self, out)

    inplace.__name__ = inplace.__qualname__ = name
    inplace.__doc__ = f"In-place version of :func:`{front.__name__}`."
    return inplace


# -- writing with the kernel's out= (OpDef.into) -------------------------------------------------
_FLOAT = 2


def _fits_into(a, b):
    """Whether tensor `b` can enter an op written into `a` as it is: same backend and dtype, and
    a shape that broadcasts to `a`'s."""
    if b._backend is not a._backend or b._dtype is not a._dtype:
        return False
    sb, sa = b._data.shape, a._data.shape
    return sb == sa or (len(sb) <= len(sa) and all(
        x == y or y == 1 for x, y in zip(sa[len(sa) - len(sb):], sb)))


def _binary_into(op, a, b, float_result=False, rb=None):
    """Write ``op(a, b)`` into `a`'s own array with the kernel's ``out=`` (see ``OpDef.into``):
    only when the result has `a`'s dtype and shape, so nothing is cast or broadcast into it.
    `rb` is `b`'s raw array when the caller has computed it already."""
    if rb is None:
        if isinstance(b, Tensor):
            if not _fits_into(a, b):
                return False
            rb = b._data
        elif isinstance(b, (int, float)) and not isinstance(b, bool):
            if _dt.result_type_with_scalar(a._dtype, b) is not a._dtype:
                return False
            rb = b
        else:
            return False
    if float_result and a._dtype.category < _FLOAT:
        return False
    a._backend.kernels[op.name](a._data, rb, out=a._data)
    return True


class _Scratch(threading.local):
    """One reusable array per thread, shape and dtype, for ``alpha * other`` in ``add_`` /
    ``sub_`` with ``alpha``: a fresh multi-megabyte array on every optimizer step would cost
    its page faults each time."""

    def __init__(self):
        self.arrays = {}

    def get(self, backend, raw):
        key = (id(backend), raw.shape, raw.dtype)
        out = self.arrays.get(key)
        if out is None:
            if len(self.arrays) > 64:
                self.arrays.clear()
            out = self.arrays[key] = backend.kernels["empty"](raw.shape, raw.dtype)
        return out


_scratch = _Scratch()


def _into_with_alpha(op):
    def into(a, other, *, alpha=1):
        if alpha == 1:
            return _binary_into(op, a, other)
        if (not isinstance(other, Tensor) or not isinstance(alpha, (int, float))
                or isinstance(alpha, bool) or not _fits_into(a, other)
                or _dt.result_type_with_scalar(other._dtype, alpha) is not a._dtype
                or "mul" not in a._backend.out_kernels):
            return False
        scaled = _scratch.get(a._backend, other._data)
        a._backend.kernels["mul"](other._data, alpha, out=scaled)
        return _binary_into(op, a, other, rb=scaled)

    return into
