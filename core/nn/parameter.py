"""``nn.Parameter``: a tensor that a Module registers as one of its parameters."""

from .. import _layout
from ..tensor import Tensor, _wrap


class Parameter(Tensor):
    """A leaf tensor that requires grad (by default) and is registered by Modules."""

    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..ops.creation import empty

            data = empty(0)
        p = _wrap(data._data, data._backend, data._dtype, cls)
        _layout.share(p, data)  # data's storage and strides, as PyTorch's Parameter shares them
        p.requires_grad_(requires_grad)
        return p

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    __str__ = __repr__

