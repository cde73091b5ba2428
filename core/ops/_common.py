"""Helpers every op front end shares: backend checks, promotion, casting, broadcasting errors."""

import builtins

from .. import backends as _backends
from .. import dtypes as _dt
from ..autograd.graph import grad_mode, record
from ..tensor import Size, Tensor, _wrap, _wrap_dim, check_result

__all__ = ["Tensor", "_wrap", "_wrap_dim", "check_result", "grad_mode", "record", "same_backend",
           "raw_as", "promote", "broadcast_shapes", "result_dtype", "default_backend_for", "normalize_dims",
           "check_tensor", "needs_grad", "_dt", "as_shape", "scalar_types", "Size"]

scalar_types = (int, float, builtins.bool, complex)


def check_tensor(x, name, fn):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def same_backend(tensors, fn):
    """The backend all `tensors` live on, or PyTorch's error for mixed devices/backends."""
    be = tensors[0]._backend
    for t in tensors[1:]:
        if t._backend is not be:
            raise RuntimeError(
                f"Expected all tensors to be on the same backend and device, but found at least "
                f"two: {be.name} ({be.default_device}) and {t._backend.name} "
                f"({t._backend.default_device}) (in {fn}). Move one with t.to(backend=...).")
    return be


def raw_as(t, dtype):
    """`t`'s raw array in `dtype` (cast only when needed)."""
    if t._dtype is dtype:
        return t._data
    be = t._backend
    return be.kernels["astype"](t._data, be.dtype_native(dtype))


def promote(a, b):
    """PyTorch's result dtype of two tensors: dimensioned tensors outrank 0-d ones."""
    da, db = a._dtype, b._dtype
    if da is db:
        return da
    za, zb = not a._data.shape, not b._data.shape
    if za != zb:
        dim_dt, zero_dt = (db, da) if za else (da, db)
        if zero_dt.category <= dim_dt.category:
            return dim_dt
    return _dt.promote_types(da, db)


def result_dtype(a, b):
    """Result dtype of a binary op whose operands are Tensors or Python scalars."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            return promote(a, b)
        return _dt.result_type_with_scalar(a._dtype, b)
    if isinstance(b, Tensor):
        return _dt.result_type_with_scalar(b._dtype, a)
    return _dt.dtype_for_scalar_category(max(_dt.scalar_category(a), _dt.scalar_category(b)))


def result_type(tensor1, tensor2):
    """The dtype PyTorch's promotion gives an op on two tensors or Python numbers."""
    for name, x in (("tensor1", tensor1), ("tensor2", tensor2)):
        if not isinstance(x, (Tensor,) + scalar_types):
            raise TypeError(f"result_type(): argument '{name}' must be Tensor or Number, not "
                            f"{type(x).__name__}")
    return result_dtype(tensor1, tensor2)


def broadcast_shapes(sa, sb):
    """The broadcast shape of two shapes, or PyTorch's RuntimeError naming the sizes."""
    na, nb = len(sa), len(sb)
    n = max(na, nb)
    out = []
    for i in range(n):
        x = sa[i - n + na] if i - n + na >= 0 else 1
        y = sb[i - n + nb] if i - n + nb >= 0 else 1
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                               f"at non-singleton dimension {i}")
    return tuple(out)


def default_backend_for(device):
    """The backend a creation op uses: the default one, checked against `device`."""
    be = _backends._default_backend()
    if device is not None:
        from ..tensor import device as _device

        d = _device(device)
        wanted = str(d) if d.index is not None else d.type
        if not any(dev == wanted or dev.split(":")[0] == wanted for dev in be.devices):
            raise RuntimeError(f"device {wanted!r} is not available on the {be.name} backend, "
                               f"whose devices are {', '.join(be.devices)}")
    return be


def normalize_dims(dim, ndim):
    """`dim` (None, int or sequence) as a sorted tuple of distinct non-negative dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        dims = tuple(_wrap_dim(d, ndim) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
        return tuple(sorted(dims))
    return (_wrap_dim(dim, ndim),)


def as_shape(size, fn):
    """A shape from ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])`` style arguments."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.__index__()
        if not isinstance(s, int) or isinstance(s, builtins.bool):
            raise TypeError(f"{fn}(): argument 'size' must be tuple of ints, but found element of "
                            f"type {type(s).__name__}")
        out.append(s)
    return tuple(out)


def needs_grad(*tensors):
    """True if grad mode is on and any tensor requires grad."""
    if not grad_mode.enabled:
        return False
    for t in tensors:
        if isinstance(t, Tensor) and t._rg:
            return True
    return False
