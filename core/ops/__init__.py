"""The op registry and the ops themselves, one module per kind.

``REGISTRY`` maps each op name to its ``OpDef``; ``bind()`` turns the entries into ember's
public functions, Tensor methods, in-place variants and operators.
"""

from . import (conv, conversion, creation, elementwise, indexing, linalg,  # noqa: F401
               loss, nn, pooling, random, reduction, resample, shape, special)
from . import fft, volume  # noqa: F401,E402 (3-D conv/pooling, FFTs: built on the ops above)
from . import comparison  # noqa: F401,E402 (loaded by elementwise, which it builds on)
from .inplace import make_inplace
from .registry import REGISTRY, OpDef, defop, kernel_signatures  # noqa: F401

# how each Python operator calls an op's front end
_REFLECTED = {"__radd__", "__rsub__", "__rmul__", "__rtruediv__", "__rpow__", "__rmatmul__",
              "__rfloordiv__", "__rmod__", "__rand__", "__ror__", "__rxor__", "__rlshift__",
              "__rrshift__"}
_INPLACE = {"__iadd__", "__isub__", "__imul__", "__itruediv__", "__ipow__", "__ifloordiv__",
            "__imod__", "__iand__", "__ior__", "__ixor__", "__ilshift__", "__irshift__"}


def _reflected(front, name):
    def op(self, other):
        return front(other, self)

    op.__name__ = op.__qualname__ = name
    return op


def _operator(op, name):
    """Operator `name` of unary op `op`, refusing dtypes with ``op.operator_error``."""
    front, allowed = op.front, op.allowed

    def operator(self):
        if self._dtype not in allowed:
            raise op.operator_error(self._dtype)
        return front(self)

    operator.__name__ = operator.__qualname__ = name
    return operator


def bind_namespace(name, namespace):
    """Put the function of every op exported to namespace `name` (``"nn.functional"``...) in
    `namespace`, a module's globals."""
    for op in REGISTRY.values():
        if op.function and name in op.namespaces:
            namespace[op.function] = op.front


def bind(namespace, tensor_cls):
    """Put every op on `namespace` (the ember module) and `tensor_cls` (Tensor)."""
    bind_namespace("ember", namespace)
    for op in REGISTRY.values():
        front = op.front
        if op.method:
            setattr(tensor_cls, op.method, front)
        if op.inplace:
            setattr(tensor_cls, op.inplace, make_inplace(front, op.inplace))
        for dunder in op.operators:
            if dunder in _REFLECTED:
                setattr(tensor_cls, dunder, _reflected(front, dunder))
            elif dunder in _INPLACE:
                setattr(tensor_cls, dunder, getattr(tensor_cls, op.inplace))
            elif op.operator_error is not None:
                setattr(tensor_cls, dunder, _operator(op, dunder))
            else:
                setattr(tensor_cls, dunder, front)
        for alias in op.aliases:
            namespace[alias] = front
            setattr(tensor_cls, alias, front)
            if op.inplace:
                setattr(tensor_cls, alias + "_", getattr(tensor_cls, op.inplace))
