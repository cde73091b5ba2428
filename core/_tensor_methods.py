"""Tensor methods that are conveniences over ops (``t.float()``, ``t.T``, ``t.new_zeros`` ...).

Ops themselves are bound from the registry; nothing here computes on arrays directly.
"""

from . import _layout
from . import dtypes as _dt
from .ops import conversion, creation, elementwise, shape
from .tensor import _wrap_dim


def _cast_method(dtype, name):
    def cast(self, memory_format=None):
        return conversion.astype(self, dtype)

    cast.__name__ = cast.__qualname__ = name
    cast.__doc__ = f"``self.to({dtype!r})``."
    return cast


def _new(create, name):
    def new(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
            pin_memory=False):
        return create(*size, dtype=dtype or self._dtype, requires_grad=requires_grad,
                      _backend=self._backend)

    new.__name__ = new.__qualname__ = name
    new.__doc__ = f"A new tensor of the given size from :func:`{create.__name__}`, with this " \
                  f"tensor's dtype and backend unless given."
    return new


def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding `data`, with this tensor's dtype and backend unless given."""
    return creation.tensor(data, dtype=dtype or self._dtype, requires_grad=requires_grad,
                           _backend=self._backend)


def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    return creation.full(size, fill_value, dtype=dtype or self._dtype, requires_grad=requires_grad,
                         _backend=self._backend)


def _T(self):
    n = self.dim()
    if n > 2:
        raise RuntimeError(f"The use of `x.T` on tensors of dimension other than 2 to reverse "
                           f"their shape is not supported. (got {n} dims)")
    return shape.permute(self, tuple(range(n))[::-1])


def _mT(self):
    if self.dim() < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got "
                           f"{self.dim()}-D tensor.")
    return shape.transpose(self, -2, -1)


def t(self):
    """The transpose of a matrix (a 0-d or 1-d tensor is returned as is)."""
    if self.dim() > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.dim()}D")
    return shape.transpose(self, 0, 1) if self.dim() == 2 else self


def type_(self, dtype=None):
    """With no argument, the legacy type name ('torch.FloatTensor'); else ``self.to(dtype)``."""
    if dtype is None:
        return self._type_name()
    return conversion.astype(self, dtype)


def contiguous(self, memory_format=_layout.contiguous_format):
    """`self` if it is laid out as `memory_format` says, else a copy that is
    (CloneBackward0, as PyTorch)."""
    if memory_format is _layout.preserve_format:
        raise RuntimeError("preserve memory format is unsupported by the contiguous operator")
    if is_contiguous(self, memory_format):
        return self
    return _copy_as(self, memory_format)


def _copy_as(self, memory_format):
    """A copy of `self` (recorded as a clone) laid out as `memory_format` says."""
    strides = _layout.format_strides(tuple(self._data.shape), memory_format)
    return _layout.relayout(conversion.clone(self), strides)


def is_contiguous(self, memory_format=_layout.contiguous_format) -> bool:
    """Whether the elements lie in memory in the order `memory_format` says (row-major by
    default), without gaps."""
    if _layout.plain(self) and memory_format in (_layout.contiguous_format,
                                                 _layout.preserve_format):
        return True
    shape, strides, _ = _layout.layout(self)
    return _layout.is_contiguous(shape, strides, memory_format)


def stride(self, dim: "int | None" = None) -> "Any":
    """The step in elements between neighbours along each dim (or along `dim`), as PyTorch
    lays the tensor out."""
    strides = _layout.strides(self)
    if dim is None:
        return strides
    return strides[_wrap_dim(dim, len(strides))]


def storage_offset(self) -> int:
    """Where the first element lies in the storage, in elements."""
    return _layout.layout(self)[2]


def data_ptr(self) -> int:
    """The address of the first element: equal for tensors sharing a storage at the same offset,
    distinct across storages (ember's addresses are made up where the backend has none)."""
    s = _layout.storage(self)
    ptr = s.ptr()
    return ptr + _layout.layout(self)[2] * self._dtype.itemsize if ptr else 0


def untyped_storage(self) -> "Any":
    """The storage this tensor views (its size in bytes and address)."""
    return _layout.UntypedStorage(_layout.storage(self))


def _to(self, *args, memory_format=None, **kwargs):
    """``Tensor.to`` (ember.ops.conversion.to) that also takes a ``memory_format``."""
    out = conversion.to(self, *args, **kwargs)
    if memory_format is None or memory_format is _layout.preserve_format:
        return out
    if is_contiguous(out, memory_format):
        return out
    return _copy_as(out, memory_format)


def cpu(self):
    return conversion.to(self, "cpu")


def cuda(self, device=None, non_blocking=False):
    return conversion.to(self, "cuda" if device is None else
                         (f"cuda:{device}" if isinstance(device, int) else device))


def view_as(self, other):
    return shape.view(self, other.shape)


def expand_as(self, other):
    return shape.expand(self, other.shape)


def where(self, condition, other):
    """``where(condition, self, other)``: PyTorch's method takes self as the input."""
    return elementwise.where(condition, self, other)


def fill_(self, value):
    """Fill with `value`, in place."""
    return conversion.copy_(self, creation.full(self.shape, value.item() if hasattr(value, "item")
                                                else value, dtype=self._dtype,
                                                _backend=self._backend))


def zero_(self):
    """Fill with zeros, in place."""
    return fill_(self, 0)


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    """Fill with uniform random numbers in [a, b), in place (PyTorch's numbers on the CPU)."""
    from .ops.random import fill_numbers, rand

    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > "
                           f"to={b}")
    r = fill_numbers(self, "rand", a, b, generator)
    if r is None:
        r = rand(self.shape, dtype=self._dtype, generator=generator, _backend=self._backend)
        r = r * (b - a) + a
    return conversion.copy_(self, r)


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with normal random numbers, in place (PyTorch's numbers on the CPU)."""
    from .ops.random import fill_numbers, randn

    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    r = fill_numbers(self, "randn", mean, std, generator)
    if r is None:
        r = randn(self.shape, dtype=self._dtype, generator=generator, _backend=self._backend)
        r = r * std + mean
    return conversion.copy_(self, r)


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with ones (probability `p`, a float or a tensor broadcast to this shape) and zeros,
    in place."""
    from .ops.random import bernoulli

    work = self._dtype if self._dtype.is_floating_point else _dt.get_default_dtype()
    if isinstance(p, type(self)):
        probs = shape.expand(conversion.astype(p.detach(), work), self.shape)
        return conversion.copy_(self, bernoulli(probs, generator=generator))
    like = creation.empty(self.shape, dtype=work, _backend=self._backend)
    return conversion.copy_(self, bernoulli(like, float(p), generator=generator))


def pin_memory(self, device=None):
    """ember allocates no page-locked host memory: the tensor is returned as it is."""
    return self


def is_pinned(self, device=None):
    """False: ember tensors are never in page-locked host memory."""
    return False


def _itemsize(self):
    return self._dtype.itemsize


def install(cls):
    cls.uniform_ = uniform_
    cls.normal_ = normal_
    cls.fill_ = fill_
    cls.zero_ = zero_
    cls.to = _to
    cls.where = where
    for name, dt in (("float", _dt.float32), ("double", _dt.float64), ("half", _dt.float16),
                     ("bfloat16", _dt.bfloat16), ("long", _dt.int64), ("int", _dt.int32),
                     ("short", _dt.int16), ("char", _dt.int8), ("byte", _dt.uint8),
                     ("bool", _dt.bool), ("cfloat", _dt.complex64), ("cdouble", _dt.complex128)):
        setattr(cls, name, _cast_method(dt, name))
    cls.new_zeros = _new(creation.zeros, "new_zeros")
    cls.new_ones = _new(creation.ones, "new_ones")
    cls.new_empty = _new(creation.empty, "new_empty")
    cls.new_tensor = new_tensor
    cls.new_full = new_full
    cls.T = property(_T)
    cls.mT = property(_mT)
    cls.t = t
    cls.type = type_
    cls.contiguous = contiguous
    cls.is_contiguous = is_contiguous
    cls.stride = stride
    cls.storage_offset = storage_offset
    cls.data_ptr = data_ptr
    cls.untyped_storage = untyped_storage
    cls.cpu = cpu
    cls.cuda = cuda
    cls.view_as = view_as
    cls.bernoulli_ = bernoulli_
    cls.pin_memory = pin_memory
    cls.is_pinned = is_pinned
    cls.itemsize = property(_itemsize)
    cls.__dlpack__ = conversion.to_dlpack
    cls.__dlpack_device__ = conversion.dlpack_device
    cls.expand_as = expand_as
