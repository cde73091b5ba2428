"""The op registry and the ops themselves, one module per kind.

``REGISTRY`` maps each op name to its ``OpDef``; ``bind()`` turns the entries into ember's
public functions, Tensor methods, in-place variants and operators.
"""

from . import (conv, conversion, creation, elementwise, indexing, linalg, nn, random,  # noqa: F401
               reduction, shape)
from .inplace import make_inplace
from .registry import REGISTRY, OpDef, defop, kernel_signatures  # noqa: F401

# how each Python operator calls an op's front end
_REFLECTED = {"__radd__", "__rsub__", "__rmul__", "__rtruediv__", "__rpow__", "__rmatmul__",
              "__rfloordiv__", "__rmod__", "__rand__", "__ror__", "__rxor__", "__rlshift__",
              "__rrshift__"}
_INPLACE = {"__iadd__", "__isub__", "__imul__", "__itruediv__", "__ipow__", "__ifloordiv__",
            "__imod__", "__iand__", "__ior__", "__ixor__", "__ilshift__", "__irshift__"}
# PyTorch's other names for an op: the function, the method and the in-place method
_ALIASES = {"true_divide": "div", "arctan2": "atan2", "clip": "clamp"}


def _reflected(front, name):
    def op(self, other):
        return front(other, self)

    op.__name__ = op.__qualname__ = name
    return op


def bind(namespace, tensor_cls):
    """Put every op on `namespace` (the ember module) and `tensor_cls` (Tensor)."""
    for op in REGISTRY.values():
        front = op.front
        if op.function:
            namespace[op.function] = front
        if op.method:
            setattr(tensor_cls, op.method, front)
        if op.inplace:
            setattr(tensor_cls, op.inplace, make_inplace(front, op.inplace))
        for dunder in op.operators:
            if dunder in _REFLECTED:
                setattr(tensor_cls, dunder, _reflected(front, dunder))
            elif dunder in _INPLACE:
                setattr(tensor_cls, dunder, getattr(tensor_cls, op.inplace))
            else:
                setattr(tensor_cls, dunder, front)
    for alias, name in _ALIASES.items():
        op = REGISTRY[name]
        namespace[alias] = op.front
        setattr(tensor_cls, alias, op.front)
        if op.inplace:
            setattr(tensor_cls, alias + "_", getattr(tensor_cls, op.inplace))
