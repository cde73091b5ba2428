"""Memory layout as PyTorch reports it: strides, storage offset, storage identity, contiguity.

Backends keep their arrays however they like (JAX's have no strides at all), so ember computes
the layout PyTorch would have, in element units, from a tensor's view chain (``ember.views``):
the root of the chain is laid out row-major (or as its ``_layout`` slot says: ``channels_last``,
or a ``.data`` alias of a view) and each view step maps (shape, strides, offset) as PyTorch's
view op does. Nothing is computed until asked for, so ordinary ops pay nothing.
"""

import threading

from . import dtypes as _dt


class memory_format:
    """How a dense 4-d (5-d) tensor is ordered in memory: ``ember.contiguous_format``
    (row-major), ``ember.channels_last`` (NHWC), ``ember.channels_last_3d`` (NDHWC), or
    ``ember.preserve_format`` (as the input is)."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"{_dt._repr_prefix}.{self.name}"

    def __reduce__(self):
        return self.name


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")


# -- strides of the plain layouts ------------------------------------------------------------------
def contiguous_strides(shape):
    """Row-major strides of `shape` (a size-0 or size-1 dim counts as 1, as PyTorch)."""
    strides, acc = [], 1
    for s in reversed(shape):
        strides.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(strides))


def _order_strides(shape, order):
    """Strides laying out `shape` with dims in `order`, innermost last."""
    strides, acc = [0] * len(shape), 1
    for d in reversed(order):
        strides[d] = acc
        acc *= max(shape[d], 1)
    return tuple(strides)


def format_strides(shape, fmt, fn="contiguous"):
    """The strides `fmt` gives `shape`, or PyTorch's error for a rank it does not apply to."""
    if fmt is None or fmt is contiguous_format:
        return contiguous_strides(shape)
    if fmt is channels_last:
        if len(shape) != 4:
            raise RuntimeError("required rank 4 tensor to use channels_last format")
        return _order_strides(shape, (0, 2, 3, 1))
    if fmt is channels_last_3d:
        if len(shape) != 5:
            raise RuntimeError("required rank 5 tensor to use channels_last_3d format")
        return _order_strides(shape, (0, 2, 3, 4, 1))
    raise RuntimeError(f"{fn}: unsupported memory format {fmt}")


def _matches(shape, strides, expected):
    """Strides equal where they matter (dims of size 1 may have any stride)."""
    return all(s == 1 or a == b for s, a, b in zip(shape, strides, expected))


def is_contiguous(shape, strides, fmt=None):
    """Whether (shape, strides) is laid out as `fmt` says (PyTorch's is_contiguous)."""
    n = 1
    for s in shape:
        n *= s
    if n == 0:
        return True
    if fmt is None or fmt is contiguous_format or fmt is preserve_format:
        return _matches(shape, strides, contiguous_strides(shape))
    if (fmt is channels_last and len(shape) != 4) or (fmt is channels_last_3d and len(shape) != 5):
        return False
    return _matches(shape, strides, format_strides(shape, fmt))


def is_dense(shape, strides):
    """Non-overlapping and dense: some order of the dims is row-major (PyTorch's
    is_non_overlapping_and_dense)."""
    order = sorted((d for d in range(len(shape)) if shape[d] != 1), key=lambda d: strides[d])
    acc = 1
    for d in order:
        if strides[d] != acc:
            return False
        acc *= shape[d]
    return True


def suggest_format(shape, strides):
    """The memory format PyTorch's ``preserve_format`` keeps for a non-dense layout: channels_last
    (3d) where the strides are ordered so, else contiguous."""
    for fmt, rank in ((channels_last, 4), (channels_last_3d, 5)):
        if len(shape) == rank and shape[1] != 1 and is_contiguous(shape, strides, fmt):
            return fmt
    return contiguous_format


def view_strides(old, strides, new):
    """The strides of ``view(new)`` over (old, strides), or None where the layout does not allow
    it (a merged group of dims is not one contiguous run): PyTorch's rule."""
    numel = 1
    for s in old:
        numel *= s
    if not old:
        return (1,) * len(new)
    if numel == 0:
        return strides if tuple(old) == tuple(new) else contiguous_strides(new)
    out = [0] * len(new)
    vd = len(new) - 1
    base = strides[-1]
    tn = vn = 1
    for td in range(len(old) - 1, -1, -1):
        tn *= old[td]
        if td == 0 or (old[td - 1] != 1 and strides[td - 1] != tn * base):
            while vd >= 0 and (vn < tn or new[vd] == 1):
                out[vd] = vn * base
                vn *= new[vd]
                vd -= 1
            if vn != tn:
                return None
            if td > 0:
                base, tn, vn = strides[td - 1], 1, 1
    return tuple(out) if vd == -1 else None


# -- each view step's effect on (shape, strides, offset) ---------------------------------------
def _reshape(lay, new):
    shape, strides, off = lay
    new = tuple(new)
    if new == tuple(shape):
        return lay
    st = view_strides(shape, strides, new)
    if st is None:  # a step recorded without the layout allowing it: its values are a copy's
        st = contiguous_strides(new)
    return new, st, off


def _squeeze(lay, new):
    shape, strides, off = lay
    dims = getattr(new, "dims", None)
    if dims is None:  # which size-1 dims went: the first ones that make the shapes agree
        dims, j = [], 0
        for i, s in enumerate(shape):
            if j < len(new) and new[j] == s and (s != 1 or len(shape) - i - 1 >= len(new) - j):
                j += 1
            else:
                dims.append(i)
    keep = [i for i in range(len(shape)) if i not in dims]
    return tuple(shape[i] for i in keep), tuple(strides[i] for i in keep), off


def _unsqueeze_at(shape, strides, d):
    st = shape[d] * strides[d] if d < len(shape) else 1
    return shape[:d] + (1,) + shape[d:], strides[:d] + (st,) + strides[d:]


def _unsqueeze(lay, new):
    shape, strides, off = lay
    d = getattr(new, "dims", None)
    if d is None:
        d = next((i for i in range(len(shape)) if shape[i] != new[i]), len(shape))
    shape, strides = _unsqueeze_at(tuple(shape), tuple(strides), d)
    return shape, strides, off


def _permute(lay, dims):
    shape, strides, off = lay
    return tuple([shape[d] for d in dims]), tuple([strides[d] for d in dims]), off


def _transpose(lay, d0, d1):
    shape, strides, off = list(lay[0]), list(lay[1]), lay[2]
    shape[d0], shape[d1] = shape[d1], shape[d0]
    strides[d0], strides[d1] = strides[d1], strides[d0]
    return tuple(shape), tuple(strides), off


def _slice(size, stride, off, sl):
    start, stop, step = sl.start, sl.stop, sl.step or 1
    start = 0 if start is None else (start + size if start < 0 else start)
    stop = size if stop is None else (stop + size if stop < 0 else stop)
    start = min(max(start, 0), size)
    stop = min(max(stop, start), size)
    return (stop - start + step - 1) // step, stride * step, off + start * stride


def _getitem(lay, index):
    shape, strides, off = list(lay[0]), list(lay[1]), lay[2]
    used = sum(1 for i in index if i is not None and i is not Ellipsis and not isinstance(i, bool))
    d = 0
    for item in index:
        if item is Ellipsis:
            d += len(lay[0]) - used
        elif item is None or isinstance(item, bool):
            st = shape[d] * strides[d] if d < len(shape) else 1
            shape.insert(d, 1 if item is not False else 0)
            strides.insert(d, st)
            d += 1
        elif isinstance(item, slice):
            shape[d], strides[d], off = _slice(shape[d], strides[d], off, item)
            d += 1
        else:
            i = int(item)
            off += (i + shape[d] if i < 0 else i) * strides[d]
            del shape[d], strides[d]
    return tuple(shape), tuple(strides), off


def _narrow(lay, d, start, length):
    shape, strides, off = list(lay[0]), lay[1], lay[2]
    shape[d] = length
    return tuple(shape), strides, off + start * strides[d]


def _expand(lay, new):
    shape, strides, off = lay
    out_st = [0] * len(new)
    lead = len(new) - len(shape)
    for i in range(len(new) - 1, -1, -1):
        j = i - lead
        if j >= 0:
            size, st = shape[j], strides[j]
        else:
            size = 1
            st = new[i + 1] * out_st[i + 1] if i + 1 < len(new) else 1
        out_st[i] = st if size == new[i] else 0
    return tuple(new), tuple(out_st), off


def diagonal_layout(lay, offset, d1, d2):
    shape, strides, off = lay
    n = max(min(shape[d1], shape[d2] - offset), 0) if offset >= 0 else \
        max(min(shape[d1] + offset, shape[d2]), 0)
    if n:
        off += offset * strides[d2] if offset >= 0 else -offset * strides[d1]
    keep = [i for i in range(len(shape)) if i not in (d1, d2)]
    return (tuple(shape[i] for i in keep) + (n,),
            tuple(strides[i] for i in keep) + (strides[d1] + strides[d2],), off)


def unfold_layout(lay, d, size, step):
    shape, strides, off = list(lay[0]), list(lay[1]), lay[2]
    if not shape:
        return (size,), (1,), off
    st = strides[d]
    shape[d] = (shape[d] - size) // step + 1
    strides[d] = st * step
    return tuple(shape) + (size,), tuple(strides) + (st,), off


def _as_strided(lay, size, stride, offset):
    # applied to the storage seen flat (the step before it): one stride, its offset
    _, (st,), off = lay
    return tuple(size), tuple(s * st for s in stride), off + offset * st


def _dtype_view(lay, old, new):
    """The layout of ``view(dtype)`` from element size `old` to `new` (bytes)."""
    shape, strides, off = lay
    if old == new:
        return lay
    if not shape:
        return shape, strides, off * old // new
    shape = tuple(shape[:-1]) + (shape[-1] * old // new,)
    strides = tuple(s * old // new for s in strides[:-1]) + (1,)
    return shape, strides, off * old // new


STEPS = {
    "reshape": _reshape, "view": _reshape, "flatten": _reshape, "squeeze": _squeeze,
    "unsqueeze": _unsqueeze, "permute": _permute, "transpose": _transpose, "getitem": _getitem,
    "narrow": _narrow, "expand": _expand, "diagonal": diagonal_layout, "unfold": unfold_layout,
    "as_strided": _as_strided,
}


class Dims(tuple):
    """A squeeze/unsqueeze step's new shape that also says which dims it removed or inserted
    (the kernel sees a shape; the layout needs the dims: size-1 dims keep their own strides)."""

    def __new__(cls, shape, dims):
        self = super().__new__(cls, shape)
        self.dims = dims
        return self


# -- a tensor's layout -------------------------------------------------------------------------
def own_layout(t):
    """The layout of a tensor that is not a view: its ``_layout`` slot, or row-major."""
    lay = getattr(t, "_layout", None)
    shape = tuple(t._data.shape)
    if lay is not None and tuple(lay[0]) == shape:
        return lay
    return shape, contiguous_strides(shape), 0


def layout(t):
    """(shape, strides, storage offset) of tensor `t`, in elements, as PyTorch would have them."""
    view = t._view
    if view is None:
        return own_layout(t)
    lay = own_layout(view[0])
    shape = tuple(t._data.shape)
    for kernel, args in view[1]:
        rule = STEPS.get(kernel)
        if rule is not None:
            lay = rule(lay, *args)
        elif kernel == "view_dtype":
            lay = _dtype_view(lay, args[1], _itemsize(args[0]))
        else:  # a view step ember has no layout rule for: report the tensor as a fresh one
            return shape, contiguous_strides(shape), 0
    if tuple(lay[0]) != shape:
        return shape, contiguous_strides(shape), 0
    return lay


def _itemsize(native):
    import numpy as np

    return getattr(native, "itemsize", None) or np.dtype(native).itemsize


def strides(t):
    return layout(t)[1]


def plain(t):
    """Whether `t` is certainly row-major at offset 0 without computing anything."""
    return t._view is None and getattr(t, "_layout", None) is None


def relayout(t, strides_):
    """Give `t` (a new tensor, not a view) the dense layout `strides_`. On a mutable backend its
    array is copied into that order too, so that the backend's own views agree with ember's."""
    shape = tuple(t._data.shape)
    strides_ = tuple(strides_)
    if strides_ == contiguous_strides(shape):
        t._layout = None
        return t
    be = t._backend
    if be.mutable:
        order = tuple(sorted(range(len(shape)), key=lambda d: -strides_[d]))
        inverse = tuple(order.index(d) for d in range(len(order)))
        k = be.kernels
        t._data = k["permute"](k["clone"](k["permute"](t._data, order)), inverse)
    t._layout = (shape, strides_, 0)
    return t


def like_strides(t, fmt, fn="empty_like"):
    """The strides PyTorch gives a new tensor made like `t` with `memory_format` `fmt` (None:
    row-major). ``preserve_format`` keeps a dense layout, else suggests one."""
    if fmt is None or fmt is preserve_format:
        if plain(t):
            return None
        shape, strides_, _ = layout(t)
        if is_dense(shape, strides_):
            return strides_
        fmt = suggest_format(shape, strides_)
    if fmt is contiguous_format:
        return None
    return format_strides(tuple(t._data.shape), fmt, fn)


# -- storages ----------------------------------------------------------------------------------
_lock = threading.Lock()
_next_address = [0x7E0000000000]


class _Storage:
    """The identity of a storage: views and aliases of one tensor share it. Its address is
    made up (backends need not have one), distinct from every other live storage's range."""

    __slots__ = ("nbytes", "_ptr", "__weakref__")

    def __init__(self, nbytes):
        self.nbytes = nbytes
        self._ptr = None

    def ptr(self):
        if self._ptr is None:
            if self.nbytes == 0:
                self._ptr = 0
            else:
                with _lock:
                    self._ptr = _next_address[0]
                    _next_address[0] += (self.nbytes + 127) // 64 * 64
        return self._ptr


def root(t):
    """The tensor whose storage `t` uses (its base, or what an alias was taken of)."""
    if not t._backend.mutable:  # only there do aliases record what they alias (ember.views)
        meta = getattr(t, "_alias_of", None)
        if meta is not None:
            return meta[0]
    view = t._view
    return view[0] if view is not None else t


def storage(t):
    """`t`'s storage identity, made on first use."""
    r = root(t)
    s = getattr(r, "_storage", None)
    if s is None:
        lay = own_layout(r)
        n = _extent(lay) if getattr(r, "_layout", None) is not None else None
        if n is None:
            n = 1
            for d in r._data.shape:
                n *= d
        s = r._storage = _Storage(n * r._dtype.itemsize)
    return s


def _extent(lay):
    """The number of elements a layout reaches into its storage."""
    shape, strides, off = lay
    if any(s == 0 for s in shape):
        return off
    return off + 1 + sum((s - 1) * st for s, st in zip(shape, strides))


def share(alias, t):
    """Make `alias` (a ``.data`` / ``detach()`` alias of `t`, not a view) report `t`'s storage
    and layout."""
    if t._view is not None or t._layout is not None:
        alias._layout = layout(t)
    alias._storage = storage(t)


class UntypedStorage:
    """What ``Tensor.untyped_storage()`` returns: the storage's size and address (ember exposes
    no raw bytes)."""

    __slots__ = ("_s",)

    def __init__(self, s):
        self._s = s

    def nbytes(self):
        return self._s.nbytes

    def size(self):
        return self._s.nbytes

    __len__ = size

    def data_ptr(self):
        return self._s.ptr()

    def element_size(self):
        return 1

    def __eq__(self, other):
        return isinstance(other, UntypedStorage) and other._s is self._s

    __hash__ = object.__hash__

    def __repr__(self):
        return f"{_dt._repr_prefix}.UntypedStorage(nbytes={self._s.nbytes})"
