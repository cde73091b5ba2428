"""``nn.Parameter``: a tensor that a Module registers as one of its parameters."""

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad (by default) and is registered by Modules."""

    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..ops.creation import empty

            data = empty(0)
        p = object.__new__(cls)
        p._data = data._data
        p._backend = data._backend
        p._dtype = data._dtype
        p._rg = False
        p.grad = None
        p.grad_fn = None
        p._version = 0
        p._grad_acc = None
        p._retains_grad = False
        p._hooks = None
        p.requires_grad_(requires_grad)
        return p

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    __str__ = __repr__

