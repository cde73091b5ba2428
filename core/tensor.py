"""The Tensor: a backend's raw array, its ember dtype, and its place in the autograd graph.

Ops, methods and operators are bound onto this class from the op registry (``ember.ops``); what
is written here is only what is not an op: attributes, conversion to Python, autograd entry
points and printing.
"""

import builtins
import warnings

from . import _layout
from . import dtypes as _dt
from .autograd.graph import grad_mode


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``ember.Size([2, 3])``."""

    __slots__ = ()

    def __repr__(self):
        return f"{_dt._repr_prefix}.Size({list(self)})"

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

    # _vc: the version counter, a one-element list shared by a tensor, its views and detach()
    # _output_nr: which output of grad_fn this tensor is; _view: see ember.views (a view's base)
    # _grad_acc: a leaf's edge (AccumulateGrad node, 0), made once, when an op first records it
    # _alias_of, _aliases: the storage an alias shares on an immutable backend (ember.views); set
    # only on the tensors concerned; _layout, _storage: see ember._layout (None where a tensor
    # is row-major over a storage of its own)
    __slots__ = ("_data", "_backend", "_dtype", "_rg", "_grad", "grad_fn", "_vc", "_output_nr",
                 "_view", "_grad_acc", "_retains_grad", "_hooks", "_alias_of", "_aliases",
                 "_layout", "_storage", "__weakref__")
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
        if self._view is not None:
            _sync_view(self)
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        """Set whether autograd records ops on this (leaf) tensor; returns self."""
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If "
                                   "you want to use a computed variable in a subgraph that doesn't "
                                   "require differentiation use var_no_grad = var.detach().")
            return self
        if requires_grad and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError("only Tensors of floating point dtype can require gradients, got "
                               f"{self._dtype}")
        self._rg = bool(requires_grad)
        return self

    @property
    def is_leaf(self):
        if self._view is not None:
            _sync_view(self)
        return self.grad_fn is None

    @property
    def output_nr(self):
        """Which output of ``grad_fn`` this tensor is."""
        return self._output_nr

    @property
    def _base(self):
        """The tensor this one is a view of, or None."""
        return self._view[0] if self._view is not None else None

    def _is_view(self):
        return self._view is not None

    @property
    def grad(self):
        """The gradient accumulated by backward (leaves, and non-leaves that retain_grad())."""
        g = self._grad
        if g is None and self.grad_fn is not None and not self._retains_grad:
            warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"attempting to assign a gradient of size "
                                   f"'{list(value._data.shape)}' to a tensor of size "
                                   f"'{list(self._data.shape)}'. Please ensure that the gradient "
                                   f"and the tensor are the same size")
            if value._dtype is not self._dtype:
                raise RuntimeError(f"attempting to assign a gradient with dtype "
                                   f"'{value._dtype}' to a tensor with dtype '{self._dtype}'. The "
                                   f"gradient must match the tensor's dtype")
            if value._backend is not self._backend:
                raise RuntimeError(f"attempting to assign a gradient on the "
                                   f"{value._backend.name} backend to a tensor on "
                                   f"{self._backend.name}")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def _version(self):
        """How many in-place writes this tensor's storage has seen (shared with its views)."""
        return self._vc[0]

    @_version.setter
    def _version(self, value):
        self._vc[0] = value

    @property
    def retains_grad(self):
        return self._retains_grad

    def retain_grad(self):
        """Keep this non-leaf tensor's gradient in ``.grad`` during backward."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        self.grad_fn._retain(self._output_nr, self)
        self._retains_grad = True

    def register_hook(self, hook):
        """Call ``hook(grad)`` each time this tensor's gradient is computed; a non-None result
        replaces the gradient. Returns a handle whose ``remove()`` unregisters the hook."""
        from .autograd.graph import add_hook

        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._tensor_hook(self._output_nr, hook)
        self._hooks, handle = add_hook(self._hooks, hook)
        return handle

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves it depends on."""
        from . import autograd

        autograd.backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self):
        """A tensor sharing this one's data and version counter, cut from the graph."""
        out = _alias(self)
        out._vc = self._vc
        return out

    def detach_(self):
        """Cut this tensor from the graph, in place; returns self."""
        if self._view is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._output_nr = 0
        self._rg = False
        self._retains_grad = False
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
        if self._view is None:
            self._layout = None
            _layout.share(self, other)

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

    def __deepcopy__(self, memo):
        """``copy.deepcopy``, as PyTorch's: a new leaf of the same class (a Parameter stays one)
        with a copy of the data, the same ``requires_grad`` and a deep copy of ``.grad``; only
        leaves can be copied so (``copy.deepcopy(model)`` copies its parameters)."""
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.  If you were "
                               "attempting to deepcopy a module, this may be because of a "
                               "torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        new = memo.get(id(self))
        if new is None:
            raw = self._backend.kernels["clone"](self._data)
            new = memo[id(self)] = _wrap(raw, self._backend, self._dtype, type(self))
            new._rg = self._rg
            if self._grad is not None:
                import copy

                new._grad = copy.deepcopy(self._grad, memo)
        return new


def _wrap(raw, backend, dtype, cls=Tensor):
    """A new Tensor (or Tensor subclass `cls`) around a raw array (no copy, no checks)."""
    t = object.__new__(cls)
    t._data = raw
    t._backend = backend
    t._dtype = dtype
    t._rg = False
    t._grad = None
    t.grad_fn = None
    t._vc = [0]
    t._output_nr = 0
    t._view = None
    t._grad_acc = None
    t._retains_grad = False
    t._hooks = None
    t._layout = None
    t._storage = None
    return t


def check_result(raw, backend, dtype, shape, op):
    """Validate kernel `op`'s result before core wraps it as a tensor of `dtype` and `shape`
    (None: any): a wrong type, dtype or shape raises RuntimeError naming the backend and the op,
    instead of data labelled with a dtype or shape it does not have.

    This is the one hook point for kernel-result checks. The elementwise front ends test the
    result's dtype (by identity with the backend's native dtype) and shape inline, which costs
    nothing measurable, and call this only on a mismatch; a stricter contract-checking mode can
    call it for every kernel result."""
    rdt, rshape = getattr(raw, "dtype", None), getattr(raw, "shape", None)
    if rdt is None or rshape is None:
        raise RuntimeError(f"the {backend.name} backend's kernel for {op!r} returned a "
                           f"{type(raw).__module__}.{type(raw).__qualname__}, not an array")
    native = backend.dtype_native(dtype)
    if rdt != native:
        raise RuntimeError(f"the {backend.name} backend's kernel for {op!r} returned an array of "
                           f"dtype {rdt}, but the result must be {dtype} ({native})")
    if shape is not None and tuple(rshape) != tuple(shape):
        raise RuntimeError(f"the {backend.name} backend's kernel for {op!r} returned an array of "
                           f"shape {list(rshape)}, but the result must have shape {list(shape)}")


def _alias(t):
    """A new tensor sharing `t`'s storage (on immutable backends, through ember.views), but not
    its history: writes into it are not in-place ops of `t` for autograd."""
    out = _wrap(t._data, t._backend, t._dtype)
    if not t._backend.mutable:
        from . import views

        views.track(out, t, "reshape", (t._data.shape,), autograd=False)
    _layout.share(out, t)
    return out


_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information.")


def _sync_view(t):
    """Derive view `t`'s history again if its base was changed in place since."""
    from .autograd.graph import edge

    edge(t)


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
