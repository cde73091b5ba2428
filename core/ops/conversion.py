"""Conversion ops: dtype casts (``to``), clone, copy_ (assign), the NumPy boundary and DLPack."""

from .. import backends as _backends
from .. import views
from ._common import Tensor, _dt, _wrap, check_tensor, grad_mode, record
from .inplace import commit
from .registry import BOOL, COMPLEX, INTEGRAL, defop


def _astype_backward(node, g):
    return (astype(g, node.ctx),)


@defop("astype", "conversion", "requested", kernel="astype(a, dtype) -> array",
       grad_fn="ToCopyBackward0", backward=_astype_backward, function=False, method=False)
def astype(input, dtype):
    """`input` converted to `dtype` (a new array; the same tensor if already of that dtype)."""
    if input._dtype is dtype:
        return input
    be = input._backend
    out = _wrap(be.kernels["astype"](input._data, be.dtype_native(dtype)), be, dtype)
    if input._rg and grad_mode.enabled and (dtype.is_floating_point or dtype.is_complex):
        record(astype.op.node, out, (input,), (), input._dtype)
    return out


@defop("clone", "conversion", "same", kernel="clone(a) -> array  (a copy)",
       grad_fn="CloneBackward0", backward=lambda node, g: (g,))
def clone(input, *, memory_format=None):
    """A copy of `input` that autograd sees as a function of it."""
    check_tensor(input, "input", "clone")
    out = _wrap(input._backend.kernels["clone"](input._data), input._backend, input._dtype)
    if input._rg and grad_mode.enabled:
        record(clone.op.node, out, (input,), (), None)
    return out


@defop("to_numpy", "conversion", "same",
       kernel="to_numpy(a) -> numpy.ndarray  (shares memory if shares_numpy_memory)",
       function=False, method=False)
def to_numpy(input):
    """The raw array as NumPy (``Tensor.numpy()`` is the public form)."""
    return input._backend.kernels["to_numpy"](input._data)


@defop("assign", "conversion", "same",
       kernel="assign(dst, src) -> array  (src has dst's shape and dtype; writes it into dst where "
              "mutable and returns dst, else returns src)",
       function=False, method="copy_")
def copy_(self, src, non_blocking=False):
    """Copy `src` into `self` in place (broadcasting and casting), keeping the object."""
    check_tensor(src, "src", "copy_")
    from .inplace import _check_overlap

    _check_overlap(self)
    if src._backend is not self._backend:
        src = src.to(backend=self._backend.name)
    value = src if src._dtype is self._dtype else astype(src, self._dtype)
    if value._data.shape != self._data.shape:
        from .shape import expand

        value = expand(value, self.shape)
    if not (grad_mode.enabled and (self._rg or value._rg)):
        self._data = self._backend.kernels["assign"](self._data, value._data)
        self._version += 1
        if not self._backend.mutable:
            views.written(self)
        return self
    if value.grad_fn is None:
        value = clone(value)
    return commit(self, value)


def _parse_to(args, kwargs):
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    backend = kwargs.pop("backend", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, _dt.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, backend = a._dtype, a._backend.name
        elif isinstance(a, str) or type(a).__name__ == "device":
            device = a
        elif isinstance(a, bool):
            copy = a
        else:
            raise TypeError(f"to() received an invalid argument of type {type(a).__name__}")
    return dtype, device, backend, copy


def _backend_for_device(current, device):
    from ..tensor import device as _device

    d = _device(device)
    names = [str(d)] if d.index is not None else [d.type]

    def has(be):
        return any(dev in names or dev.split(":")[0] in names for dev in be.devices)

    if has(current):
        return current
    for be in _backends.installed().values():
        if be.status == _backends.AVAILABLE and has(be):
            return be
    raise RuntimeError(f"no installed backend provides device {str(d)!r}: "
                       + ", ".join(f"{b.name} ({b.describe()})"
                                   for b in _backends.installed().values()))


def move(t, be):
    """`t` on backend `be` (DLPack where both sides allow, else through NumPy)."""
    if be is t._backend:
        return t
    host = t._backend.kernels["to_numpy"](t._data)
    out = _wrap(be.kernels["asarray"](host, be.dtype_native(t._dtype)), be, t._dtype)
    if t._rg:
        out.requires_grad_(True)
    return out


def to(self, *args, **kwargs):
    """Convert dtype and/or move to another device or backend: ``t.to(ember.float64)``,
    ``t.to("cuda")``, ``t.to(other)``, ``t.to(backend="jax")``."""
    dtype, device, backend, copy = _parse_to(args, kwargs)
    out = self
    target = self._backend
    if backend is not None:
        target = _backends.get_backend(backend)
    elif device is not None:
        target = _backend_for_device(self._backend, device)
    if target is not self._backend:
        out = move(out, target)
    if dtype is not None and dtype is not out._dtype:
        out = astype(out, dtype)
    if copy and out is self:
        out = clone(self)
    return out


# -- DLPack ------------------------------------------------------------------------------------
_DLPACK_DEVICES = {1: "cpu", 2: "cuda", 10: "rocm"}  # DLPack device types ember can name


def _dlpack_kernel(k, obj):
    import numpy as np

    return k["from_numpy"](np.from_dlpack(obj))


def _dlpack_target(kind, index):
    """The backend a DLPack capsule of device (`kind`, `index`) goes to: the default one if it has
    that device, else an available one that has it and speaks DLPack."""
    name = _DLPACK_DEVICES.get(kind)
    if name is None:
        raise RuntimeError(f"from_dlpack(): unsupported DLPack device type {kind}")
    wanted = {name, f"{name}:{index}"}
    default = _backends._default_backend()
    if wanted & set(default.devices):
        return default
    for be in _backends.installed().values():
        be.load()
        if be.status == _backends.AVAILABLE and be.dlpack and wanted & set(be.devices):
            return be
    raise RuntimeError(f"from_dlpack(): no installed backend provides device "
                       f"{name}:{index} with DLPack support")


@defop("from_dlpack", "conversion", "same",
       dtypes=BOOL + INTEGRAL + COMPLEX + (_dt.float16, _dt.float32, _dt.float64),
       kernel="from_dlpack(obj) -> array  (obj has __dlpack__; shares memory where the backend "
             "can)", decomposition=_dlpack_kernel, method=False)
def from_dlpack(ext_tensor):
    """A tensor sharing memory with any object that speaks DLPack (a NumPy, JAX, CuPy or PyTorch
    array) where the receiving backend allows it, else a copy."""
    if isinstance(ext_tensor, Tensor):
        if ext_tensor._rg:
            raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
        return ext_tensor.detach()
    if not hasattr(ext_tensor, "__dlpack__"):
        raise TypeError(f"from_dlpack(): expected an object with __dlpack__, got "
                        f"{type(ext_tensor).__name__}")
    kind, index = ext_tensor.__dlpack_device__()
    be = _dlpack_target(int(kind), int(index))
    try:
        raw = be.kernels["from_dlpack"](ext_tensor)
    except BufferError as exc:  # a dtype the receiving array library cannot take (bfloat16)
        raise TypeError(f"from_dlpack(): the {be.name} backend cannot take this array: "
                        f"{exc}") from exc
    for dt, native in be.native.items():
        if native == raw.dtype:
            return _wrap(raw, be, dt)
    raise TypeError(f"from_dlpack(): the {be.name} backend has no ember dtype for {raw.dtype}")


def to_dlpack(self, **kwargs):
    """``Tensor.__dlpack__``: a DLPack capsule of this tensor's array, without copying where the
    backend's arrays speak DLPack (else of a NumPy copy)."""
    if self._rg:
        raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    raw = self._data if self._backend.dlpack else self._backend.kernels["to_numpy"](self._data)
    return raw.__dlpack__(**kwargs)


def dlpack_device(self):
    """``Tensor.__dlpack_device__``: (device type, index) as DLPack numbers them."""
    if self._backend.dlpack:
        return self._data.__dlpack_device__()
    return (1, 0)
