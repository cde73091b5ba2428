"""Views on backends with immutable arrays (JAX, the example `frozen` backend).

On a mutable backend a view (``x[0]``, ``x.view(6)``, ``x.t()`` ...) shares memory with its base
natively. On an immutable one, core keeps the relation itself: each view remembers its root base
and how to recompute itself from the base's array. An in-place write into a view is replayed into
the base (through the flat positions the view covers), and every live view of that base is then
recomputed, so writes through either side are seen on the other, as in PyTorch.

Nothing here runs for mutable backends: callers check ``backend.mutable`` first.
"""

import weakref

from . import dtypes as _dt

# Keyed by id(): a Tensor's == is elementwise, so weak dicts and sets keyed by the tensor itself
# cannot be used. Each entry holds a weak reference whose callback removes it.
_view_of = {}  # id(view) -> (weakref(view), root base, [(kernel, args), ...])
_views_of = {}  # id(base) -> (weakref(base), {id(view): weakref(view)})


def _forget_view(key):
    _view_of.pop(key, None)


def _forget_base(key):
    _views_of.pop(key, None)


def track(view, source, kernel, args):
    """Record that `view` is ``kernels[kernel](source._data, *args)`` and shares its storage."""
    if view is source:
        return view
    meta = _view_of.get(id(source))
    if meta is not None:
        base, steps = meta[1], meta[2] + [(kernel, args)]
    else:
        base, steps = source, [(kernel, args)]
    _view_of[id(view)] = (weakref.ref(view, lambda _, k=id(view): _forget_view(k)), base, steps)
    entry = _views_of.get(id(base))
    if entry is None:
        entry = _views_of[id(base)] = (weakref.ref(base, lambda _, k=id(base): _forget_base(k)),
                                       {})
    entry[1][id(view)] = weakref.ref(view)
    return view


def _apply(kernels, steps, raw):
    for kernel, args in steps:
        raw = kernels[kernel](raw, *args)
    return raw


def written(t):
    """`t`'s array was just replaced by an in-place write: update its base and the base's views."""
    meta = _view_of.get(id(t))
    kernels = t._backend.kernels
    if meta is not None:
        base, steps = meta[1], meta[2]
        # the base's version is left alone: views do not share version counters in ember yet
        # (on any backend), and `.data` must not share one (PyTorch)
        base._data = _write_back(base, steps, t._data)
    else:
        base = t
    entry = _views_of.get(id(base))
    if entry is None:
        return
    for key, ref in list(entry[1].items()):
        v = ref()
        if v is None:
            del entry[1][key]
        elif v is not t:
            v._data = _apply(kernels, _view_of[key][2], base._data)


def _write_back(base, steps, new_view):
    """The base's array with the elements the view covers replaced by `new_view`."""
    be = base._backend
    k = be.kernels
    shape = base._data.shape
    n = 1
    for s in shape:
        n *= s
    positions = k["reshape"](k["arange"](0, n, 1, be.dtype_native(_dt.int64)), shape)
    covered = _apply(k, steps, positions)
    flat = k["index_put"](k["reshape"](base._data, (n,)), (covered,), new_view, False)
    return k["reshape"](flat, shape)
