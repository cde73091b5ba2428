"""Views: which tensor a view was taken from, and how it is recomputed from it.

Every view (``x[0]``, ``x.view(6)``, ``x.t()`` ...) on every backend remembers its base and the
steps, as kernels of the backend, that recompute it from the base's array (``view._view``, with
the base's grad_fn when the view was made). It
shares the base's version counter, as in PyTorch, so an in-place write through either side is
seen by autograd's saved-tensor check; and an in-place op on a view rewrites the base's history
(``ember.ops.inplace``: PyTorch's CopySlices), using the steps to find the elements it covers.

Backends with immutable arrays (JAX, the example `frozen` backend) cannot share memory, so core
keeps the storage relation itself: an in-place write into a view is replayed into the root
base (through the flat positions the view covers), and every live view of that base is then
recomputed, so writes through either side are seen on the other. That part runs only where
``backend.mutable`` is false; ``.data`` and ``detach()`` aliases join it without being views
for autograd.
"""

import weakref

from . import dtypes as _dt

# The storage relation lives on the tensors themselves, so it goes with them: an alias holds
# ``_alias_of`` = (root base, [(kernel, args), ...]) (a strong reference: the base's array is the
# alias's storage), and the root base holds ``_aliases`` = {id(alias): weakref(alias)}, whose
# entries go when their alias dies. (A tensor's == is elementwise, so a WeakSet of tensors
# cannot be used.) Neither slot is set on tensors that never meet an alias: ``_wrap`` is
# unchanged, and both go with their tensors: nothing module-global is keyed by id().


def _alias_of(t):
    return getattr(t, "_alias_of", None)


def has_aliases(t):
    """Whether `t` is the base of live aliases (only on immutable backends)."""
    return bool(getattr(t, "_aliases", None))


def track(view, source, kernel, args, autograd=True):
    """Record that `view` is ``kernels[kernel](source._data, *args)`` and shares its storage.

    With `autograd` (an op's view, not a ``.data`` alias) the view also shares `source`'s
    version counter and remembers its base for in-place ops on it."""
    if view is source:
        return view
    if autograd:
        # the third entry is the base's grad_fn the view's history was derived from: when the
        # base's history changes (an in-place op on it or on another of its views), autograd
        # derives the view's again (ember.ops.inplace.refresh_view)
        parent = source._view
        if parent is not None:
            base = parent[0]
            view._view = (base, parent[1] + ((kernel, args),), base.grad_fn)
        else:
            view._view = (source, ((kernel, args),), source.grad_fn)
        view._vc = source._vc
    if not source._backend.mutable:
        _track_storage(view, source, kernel, args)
    return view


def track_steps(view, root, steps):
    """Record that `view` is made from `root` (a tensor that is not a view) by `steps`, whatever
    tensor it was asked of (``as_strided`` views the storage, not its input)."""
    view._view = (root, tuple(steps), root.grad_fn)
    view._vc = root._vc
    if not root._backend.mutable:
        _track_storage(view, root, steps)
    return view


def _track_storage(view, source, kernel, args=None):
    """`kernel` and `args` are one step; or `kernel` is a list of steps and `args` None."""
    new = [(kernel, args)] if args is not None else list(kernel)
    meta = _alias_of(source)
    if meta is not None:
        base, steps = meta[0], meta[1] + new
    else:
        base, steps = source, new
    view._alias_of = (base, steps)
    aliases = getattr(base, "_aliases", None)
    if aliases is None:
        aliases = base._aliases = {}
    key = id(view)
    aliases[key] = weakref.ref(view, _forget(weakref.ref(base), key))


def _forget(base_ref, key):
    """The callback that drops a dead alias's entry from its base (it refers to the base weakly,
    so that base, table and callback make no reference cycle)."""
    def forget(ref):
        base = base_ref()
        aliases = getattr(base, "_aliases", None) if base is not None else None
        if aliases is not None and aliases.get(key) is ref:
            del aliases[key]
    return forget


class _AlwaysWritten:
    """For callers written against the old id()-keyed table (``id(t) in views._views_of``
    before ``written(t)``): ``written`` finds the aliases itself now, so the answer is yes."""

    def __contains__(self, key):
        return True


_views_of = _AlwaysWritten()


def _apply(kernels, steps, raw):
    for kernel, args in steps:
        raw = kernels[kernel](raw, *args)
    return raw


def written(t):
    """`t`'s array was just replaced by an in-place write: update its base and the base's views."""
    meta = _alias_of(t)
    kernels = t._backend.kernels
    if meta is not None:
        base, steps = meta
        # the version counter was bumped by the writer (shared with the base for real views;
        # a `.data` alias must not bump the base's, as in PyTorch)
        base._data = _write_back(base, steps, t._data)
    else:
        base = t
    aliases = getattr(base, "_aliases", None)
    if not aliases:
        return
    for key, ref in list(aliases.items()):
        v = ref()
        if v is None:
            del aliases[key]
        elif v is not t:
            v._data = _apply(kernels, v._alias_of[1], base._data)


def positions(base, steps):
    """The raw int64 array of flat positions in `base` that the view made by `steps` covers."""
    return flat_positions(base._backend, base._data.shape, steps)


def flat_positions(be, shape, steps):
    """The raw int64 array of flat positions that `steps` cover in an array of `shape`."""
    k = be.kernels
    n = 1
    for s in shape:
        n *= s
    flat = k["reshape"](k["arange"](0, n, 1, be.dtype_native(_dt.int64)), shape)
    return _apply(k, steps, flat)


def _write_back(base, steps, new_view):
    """The base's array with the elements the view covers replaced by `new_view`."""
    return _write_into(base._backend, base._data, steps, new_view)


def _write_into(be, raw, steps, new_view):
    """`raw` with the elements that `steps` view replaced by `new_view`. A step that reads the
    bits as another dtype (``view(dtype)``) is undone by reading them back."""
    k = be.kernels
    for i in range(len(steps) - 1, -1, -1):
        if steps[i][0] == "view_dtype":
            before = _apply(k, steps[:i], raw)
            inner = k["view_dtype"](before, *steps[i][1])
            inner = _write_into(be, inner, steps[i + 1:], new_view)
            itemsize = getattr(inner.dtype, "itemsize", None) or steps[i][1][0].itemsize
            return _write_into(be, raw, steps[:i], k["view_dtype"](inner, before.dtype, itemsize))
    if not steps:
        return new_view
    shape = raw.shape
    n = 1
    for s in shape:
        n *= s
    flat = k["index_put"](k["reshape"](raw, (n,)), (flat_positions(be, shape, steps),),
                          new_view, False)
    return k["reshape"](flat, shape)
