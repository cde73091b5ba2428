"""The Tensor: a backend's raw array, its ember dtype, and its place in the autograd graph.

Ops, methods and operators are bound onto this class from the op registry (``ember.ops``); what
is written here is only what is not an op: attributes, conversion to Python, autograd entry
points and printing.
"""

import builtins

from . import dtypes as _dt
from .autograd.graph import grad_mode


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``ember.Size([2, 3])``."""

    __slots__ = ()

    def __repr__(self):
        return f"ember.Size({list(self)})"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


class device:
    """Where a tensor lives: ``ember.device("cpu")``, ``ember.device("cuda", 0)``."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, str) and ":" in type:
            if index is not None:
                raise ValueError(f"device string {type!r} already has an index; got index={index}")
            type, _, idx = type.partition(":")
            try:
                index = int(idx)
            except ValueError:
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'") from None
        if not isinstance(type, str) or not type:
            raise RuntimeError(f"Expected a device type string like 'cpu' or 'cuda', got {type!r}")
        self.type = type
        self.index = index

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


class Tensor:
    """A multi-dimensional array on one backend, with autograd.

    ``ember.Tensor(data)`` makes a float32 copy of `data`; ``ember.Tensor(2, 3)`` an uninitialised
    2x3 float32 tensor (as PyTorch). Prefer ``ember.tensor(data)``, which infers the dtype.
    """

    __slots__ = ("_data", "_backend", "_dtype", "_rg", "grad", "grad_fn", "_version",
                 "_grad_acc", "_retains_grad", "_hooks", "__weakref__")
    __hash__ = object.__hash__
    __array_priority__ = 1000  # numpy defers reflected operators to us

    def __new__(cls, *args, dtype=None, device=None):
        from .ops import creation

        return creation.legacy_tensor(args, dtype or _dt.get_default_dtype(), device)

    def __init__(self, *args, **kwargs):
        pass

    # -- attributes -------------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        shape = self._data.shape
        if dim is None:
            return Size(shape)
        return shape[_wrap_dim(dim, len(shape))]

    @property
    def dtype(self):
        return self._dtype

    @property
    def ndim(self):
        return len(self._data.shape)

    def dim(self):
        return len(self._data.shape)

    def numel(self):
        n = 1
        for s in self._data.shape:
            n *= s
        return n

    nelement = numel

    @property
    def backend(self):
        """The name of the backend holding this tensor's array."""
        return self._backend.name

    @property
    def device(self):
        return device(self._backend.default_device)

    @property
    def layout(self):
        from . import strided

        return strided

    def element_size(self):
        return self._dtype.itemsize

    @property
    def nbytes(self):
        return self.numel() * self._dtype.itemsize

    def is_floating_point(self):
        return self._dtype.is_floating_point

    def is_complex(self):
        return self._dtype.is_complex

    # -- autograd ---------------------------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you "
                               "want to use a computed variable in a subgraph that doesn't "
                               "require differentiation use var_no_grad = var.detach().")
        if requires_grad and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError("only Tensors of floating point and complex dtype can require "
                               f"gradients, got {self._dtype}")
        self._rg = bool(requires_grad)
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves it depends on."""
        from . import autograd

        autograd.backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self):
        """A tensor sharing this one's data, cut from the graph."""
        return _alias(self)

    def detach_(self):
        self.grad_fn = None
        self._rg = False
        return self

    @property
    def data(self):
        """The same data without autograd history; changes to it are not recorded."""
        return _alias(self)

    @data.setter
    def data(self, other):
        self._data = other._data
        self._dtype = other._dtype
        self._backend = other._backend

    def _type_name(self):
        return {"float32": "torch.FloatTensor", "float64": "torch.DoubleTensor",
                "int64": "torch.LongTensor", "int32": "torch.IntTensor",
                "bool": "torch.BoolTensor"}.get(self._dtype.name, f"Tensor[{self._dtype.name}]")

    # -- conversion -------------------------------------------------------------------------------
    def numpy(self, *, force=False):
        """The data as a NumPy array; shares memory where the backend allows it."""
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._backend.kernels["to_numpy"](self._data)

    def __array__(self, dtype=None, copy=None):
        arr = self._backend.kernels["to_numpy"](self._data)
        return arr if dtype is None else arr.astype(dtype, copy=False)

    def tolist(self):
        return self._backend.kernels["to_numpy"](self._data).tolist()

    def item(self):
        n = self.numel()
        if n != 1:
            raise RuntimeError(f"a Tensor with {n} elements cannot be converted to Scalar")
        return self._backend.kernels["to_numpy"](self._data).reshape(()).item()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __bool__(self):
        n = self.numel()
        if n != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous"
                               if n > 1 else "Boolean value of Tensor with no values is ambiguous")
        return builtins.bool(self.item())

    def __index__(self):
        if self._dtype.category != 1 or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __len__(self):
        shape = self._data.shape
        if not shape:
            raise TypeError("len() of a 0-d tensor")
        return shape[0]

    def __iter__(self):
        if not self._data.shape:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __contains__(self, element):
        return builtins.bool((self == element).any()) if hasattr(self, "any") else \
            element in self.tolist()

    # -- printing ---------------------------------------------------------------------------------
    def __repr__(self):
        from . import _printing

        return _printing.tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self.dim() == 0 and spec:
            return format(self.item(), spec)
        return repr(self)

    def __reduce_ex__(self, protocol):
        raise TypeError("ember tensors are not pickled; use ember.save / ember.load")


def _wrap(raw, backend, dtype, cls=Tensor):
    """A new Tensor (or Tensor subclass `cls`) around a raw array (no copy, no checks)."""
    t = object.__new__(cls)
    t._data = raw
    t._backend = backend
    t._dtype = dtype
    t._rg = False
    t.grad = None
    t.grad_fn = None
    t._version = 0
    t._grad_acc = None
    t._retains_grad = False
    t._hooks = None
    return t


def _alias(t):
    """A new tensor sharing `t`'s storage (on immutable backends, through ember.views)."""
    out = _wrap(t._data, t._backend, t._dtype)
    if not t._backend.mutable:
        from . import views

        views.track(out, t, "reshape", (t._data.shape,))
    return out


def _wrap_dim(dim, ndim):
    """A dim in [0, ndim), or PyTorch's IndexError for one out of range."""
    lo, hi = (-ndim, ndim - 1) if ndim > 0 else (-1, 0)
    if not isinstance(dim, int) or isinstance(dim, builtins.bool):
        try:
            dim = dim.__index__()
        except (AttributeError, TypeError):
            raise TypeError(f"dim must be an int, got {type(dim).__name__}") from None
    if dim < lo or dim > hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], "
                         f"but got {dim})")
    return dim % ndim if ndim > 0 else 0


def is_grad_enabled():
    return grad_mode.enabled
