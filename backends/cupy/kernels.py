"""Kernels for ember's CuPy backend: the NumPy-API table of ``ember_numpy.kernels`` (one module
per area) built on cupy, overridden only where CuPy behaves differently from NumPy. The overrides
are few, so they live here, grouped by area:

- ``to_numpy`` copies to the host (``cupy.asnumpy``); the random state is a
  ``cupy.random.Generator``;
- CuPy wraps out-of-range integer array indices around instead of raising: checked here, and
  they raise IndexError as in NumPy (one device sync per integer array index);
- CUDA saturates out-of-range floats cast to small integers; they wrap here, as on the CPU;
- integers to negative powers give garbage on the GPU instead of raising: checked here;
- an accumulating ``index_put`` with array indices (``cupy.add.at``) works only for the dtypes
  CUDA's atomicAdd has (float16/32/64, int32, uint32, uint64); the others go through one of them;
- ``bool`` matmul goes through float32 (cuBLAS has no bool);
- ``from_dlpack`` keeps a CUDA capsule on the device, without a copy; ``erf`` is cupyx's (the
  NumPy backend computes a series).
"""

from ember_numpy.kernels import make_kernels as numpy_api_kernels

_NEGATIVE_POWER = "Integers to negative integer powers are not allowed."

# dtype characters cupy.add.at (CUDA atomicAdd) supports: int32, uint32, uint64, float16/32/64
_ATOMIC_ADD = frozenset("iILQefd")


def make_kernels(xp=None):
    """The CuPy kernel table; `xp` is the array module (``cupy`` unless given)."""
    if xp is None:
        import cupy as xp

    def to_numpy(a):
        return xp.asnumpy(a)

    def generator(seed):
        return xp.random.default_rng(seed)

    small_ints = {xp.dtype(n) for n in ("uint8", "int8", "int16")}

    def astype(a, dtype):
        if a.dtype.kind in "fc" and dtype in small_ints:
            # through int64, so out-of-range values wrap as on the CPU (CUDA's cast saturates)
            return a.astype(xp.int64).astype(dtype)
        return a.astype(dtype)

    def power(a, b):
        dtype = a.dtype if hasattr(a, "dtype") else b.dtype
        if dtype.kind in "iu" and (bool(xp.any(b < 0)) if hasattr(b, "dtype") else b < 0):
            raise ValueError(_NEGATIVE_POWER)
        out = xp.power(a, b)
        if dtype.kind == "c":  # 0 ** z is 0 when Re(z) > 0, as in NumPy
            return xp.where((a == 0) & (b.real > 0), 0, out)
        return out.astype(dtype) if out.dtype != dtype else out  # bool ** bool gives int8

    def getitem(a, index):
        return a[checked_index(xp, a.shape, index)]

    def setitem(a, index, values):
        a[checked_index(xp, a.shape, index)] = values
        return a

    def _scatter_add_wide(out, index, values):
        """``add.at`` for dtypes atomicAdd lacks: complex as two float scatters; integers and bool
        as uint64, whose modular sums have the bits of wrap-around integer sums."""
        values = xp.asarray(values, dtype=out.dtype)
        if out.dtype.kind == "c":
            re, im = xp.ascontiguousarray(out.real), xp.ascontiguousarray(out.imag)
            xp.add.at(re, index, xp.ascontiguousarray(values.real))
            xp.add.at(im, index, xp.ascontiguousarray(values.imag))
            return (re + 1j * im).astype(out.dtype)
        wide = out.astype(xp.int64).view(xp.uint64)
        xp.add.at(wide, index, values.astype(xp.int64).view(xp.uint64))
        wide = wide.view(xp.int64)
        return wide != 0 if out.dtype == xp.bool_ else wide.astype(out.dtype)  # bool: logical or

    def index_put(a, index, values, accumulate):
        index = checked_index(xp, a.shape, index)
        out = a.copy()
        if not accumulate:
            out[index] = values
        elif not any(hasattr(i, "shape") for i in index):
            out[index] += values
        elif out.dtype.char in _ATOMIC_ADD:
            xp.add.at(out, index, values)
        else:
            out = _scatter_add_wide(out, index, values)
        return out

    def matmul(a, b):
        if a.dtype == xp.bool_:
            # exact while the inner dimension stays below 2**24
            return xp.matmul(a.astype(xp.float32), b.astype(xp.float32)) != 0
        return xp.matmul(a, b)

    kernels = numpy_api_kernels(xp)
    kernels.update({
        # conversion
        "to_numpy": to_numpy, "astype": astype,
        "from_dlpack": xp.from_dlpack,  # a CUDA capsule stays on the device, without a copy
        # random
        "generator": generator,
        # elementwise
        "pow": power,
        # indexing
        "getitem": getitem, "setitem": setitem, "index_put": index_put,
        # linalg
        "matmul": matmul,
    })
    try:  # CuPy's own erf (the NumPy backend computes it with a series)
        from cupyx.scipy.special import erf as _erf
    except ImportError:
        _erf = None
    if _erf is not None:
        kernels["erf"] = _erf
    return kernels


def _consumed(item):
    """How many dims of the indexed array an index item uses up."""
    if item is None or isinstance(item, bool):
        return 0
    if hasattr(item, "dtype") and item.dtype.kind == "b":
        return item.ndim
    return 1


def checked_index(xp, shape, index):
    """`index` with its integer arrays as int64, after raising IndexError, as NumPy does, for one
    out of range (CuPy would wrap it around). One device sync per integer array index."""
    if not any(hasattr(i, "dtype") and i.dtype.kind in "iu" for i in index):
        return index
    ellipsis_covers = len(shape) - sum(_consumed(i) for i in index if i is not Ellipsis)
    out = []
    dim = 0
    for item in index:
        if item is Ellipsis:
            dim += ellipsis_covers
        elif hasattr(item, "dtype") and item.dtype.kind in "iu":
            size = shape[dim]
            item = item.astype(xp.int64)  # compare without wrapping size into a small dtype
            if item.size:
                bad = (item >= size) | (item < -size)
                if bool(bad.any()):
                    raise IndexError(f"index {int(item[bad][0])} is out of bounds for dimension "
                                     f"{dim} with size {size}")
        if item is not Ellipsis:
            dim += _consumed(item)
        out.append(item)
    return tuple(out)
