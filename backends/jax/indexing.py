"""JAX's indexing kernels: NumPy's (``ember_numpy.indexing``) on ``jax.numpy``, except for reading
and writing at an index:

- arrays are immutable: ``setitem`` and ``index_put`` return a new array made with
  ``a.at[index]``, and ember rebinds the tensor to it;
- JAX clamps (gather) or drops (scatter) out-of-range integer array indices, so they are checked
  on the host before the program runs and raise IndexError, as in NumPy (reading an index made
  on the host costs nothing; waiting for a check inside the program would stop at every read);
  inside a trace (``ember.compile``) the check would need a value on the host, so there, as
  under ``jax.jit``, it is not made;
- each runs as a jitted function, one per index structure: JAX's eager indexing builds its work
  op by op and takes tens to hundreds of microseconds a call. Ints and index arrays are traced
  arguments, slices are part of the structure (as they are of JAX's own slice ops). A bool mask
  becomes its nonzero() index arrays first (same meaning; JAX needs concrete shapes).

``nonzero`` is NumPy's ``argwhere``, run outside jit: the result size is known on the host.
"""

import functools

import numpy as np

from ember_numpy import indexing as numpy_api


def make(jnp):
    """The indexing kernels on `jnp` (jax.numpy, with 64-bit types enabled)."""
    import jax

    tracer = jax.core.Tracer

    def _rebuild(static, dynamic):
        """Inside a jitted function: the index that `static` and `dynamic` describe (the
        caller checked its arrays' range on the host: JAX would clamp them when reading and
        drop them when writing)."""
        parts = iter(dynamic)
        index = []
        for s in static:
            if s == _ARRAY:  # (int8 indices cannot address dims > 127)
                index.append(next(parts).astype(jnp.int64))
            elif s == _INT:
                index.append(next(parts))
            elif type(s) is tuple and s[0] == "mask":
                index.extend(next(parts) for _ in range(s[1]))
            elif type(s) is tuple:
                index.append(slice(*s[1:]))
            else:
                index.append(s)  # Ellipsis, None, True, False
        return tuple(index)

    @functools.partial(jax.jit, static_argnums=(2,))
    def _gather(a, dynamic, static):
        return a[_rebuild(static, dynamic)]

    @functools.partial(jax.jit, static_argnums=(3, 4))
    def _scatter(a, dynamic, values, static, how):
        index = _rebuild(static, dynamic)
        values = jnp.asarray(values).astype(a.dtype)  # a Python 2.7 into ints is 2, as in NumPy
        if values.ndim and values.shape[0] == 1:
            target = a[index].ndim  # NumPy drops extra leading 1-dims; JAX's scatter refuses them
            while values.ndim > target and values.shape[0] == 1:
                values = values[0]
        ref = a.at[index]
        out = ref.set(values) if how == "set" else ref.add(values) if how == "add" else \
            ref.max(values)
        return out

    def getitem(a, index):
        static, dynamic = split_index(a.shape, index)
        if _ARRAY in static and not any(isinstance(p, tracer) for p in dynamic):
            # checked on the host before the gather: reading an index made on the host costs
            # nothing, where waiting for the gather's own check would stop at every read
            check_range(a.shape, index)
        return _gather(a, dynamic, static)

    def _put(a, index, values, how):
        static, dynamic = split_index(a.shape, index)
        if _ARRAY in static and not any(isinstance(p, tracer) for p in dynamic):
            check_range(a.shape, index)  # (on the host, as in getitem)
        return _scatter(a, dynamic, values, static, how)

    def index_put(a, index, values, accumulate):
        if not accumulate:
            return _put(a, index, values, "set")
        return _put(a, index, values, "or" if a.dtype == jnp.bool_ else "add")

    def setitem(a, index, values):
        return _put(a, index, values, "set")

    return {**numpy_api.make(jnp), "getitem": getitem, "index_put": index_put,
            "setitem": setitem}


_ARRAY, _INT = ("array",), ("int",)  # index structure tags for the traced parts


def split_index(shape, index):
    """(structure, traced parts) of `index`: a hashable description with slices, None, Ellipsis
    and bools in place, and the ints and integer arrays to pass as arguments. A bool mask is
    checked against the dims it covers and becomes its nonzero() arrays (computed on the host)."""
    consumed = sum(_consumed(i) for i in index if i is not Ellipsis)
    static, dynamic = [], []
    dim = 0
    for item in index:
        if item is Ellipsis:
            static.append(item)
            dim += len(shape) - consumed
        elif hasattr(item, "dtype") and item.dtype.kind == "b":
            mask = np.asarray(item)
            for j, n in enumerate(mask.shape):
                if n != shape[dim + j]:
                    raise IndexError(f"The shape of the mask {list(mask.shape)} at index {j} does "
                                     f"not match the shape of the indexed tensor {list(shape)} at "
                                     f"index {dim + j}")
            if mask.ndim == 0:  # x[True-array] adds a dim, x[False-array] empties it
                static.append(bool(mask))
            else:
                static.append(("mask", mask.ndim))
                dynamic.extend(mask.nonzero())
            dim += mask.ndim
        elif hasattr(item, "dtype"):
            static.append(_ARRAY)
            dynamic.append(item)
            dim += 1
        elif isinstance(item, slice):
            static.append(("slice", item.start, item.stop, item.step))
            dim += 1
        elif isinstance(item, int) and not isinstance(item, bool):
            static.append(_INT)
            dynamic.append(item)
            dim += 1
        else:
            static.append(item)  # None, True, False
    return tuple(static), tuple(dynamic)


def _consumed(item):
    """How many dims of the indexed array an index item uses up."""
    if item is None or isinstance(item, bool):
        return 0
    if hasattr(item, "dtype") and item.dtype.kind == "b":
        return item.ndim
    return 1


def check_range(shape, index):
    """NumPy's and PyTorch's IndexError for the first out-of-range integer array index in
    `index`, read on the host; nothing where all are in range."""
    covered = len(shape) - sum(_consumed(i) for i in index if i is not Ellipsis)
    dim = 0
    for item in index:
        if item is Ellipsis:
            dim += covered
            continue
        if hasattr(item, "dtype") and item.dtype.kind in "iu":
            size = shape[dim]
            host = np.asarray(item).astype(np.int64)
            bad = host[(host >= size) | (host < -size)]
            if bad.size:
                raise IndexError(f"index {bad[0]} is out of bounds for dimension {dim} with size "
                                 f"{size}")
        dim += _consumed(item)
