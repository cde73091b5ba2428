"""The op registry: one OpDef per op, the single source of ember's functions, methods and kernels.

An op is declared once, with ``@defop(...)`` on its front end (the Python function users call,
which checks arguments, decides the result dtype, calls the backend kernel and records autograd).
From the entries, ``bind()`` makes the public functions (``ember.add``), Tensor methods
(``t.add``), in-place variants (``t.add_``) and operators (``t + u``).
"""

import inspect

from ..autograd.graph import node_class

PRIMITIVE, COMPOSITE = "primitive", "composite"
KINDS = ("creation", "random", "conversion", "elementwise", "reduction", "shape", "indexing",
         "linalg", "nn")


class OpDef:
    """One op: name, kind, dtype rule, primitive or composite, kernel signature, derivative."""

    __slots__ = ("name", "kind", "dtype_rule", "primitive", "kernel", "grad_fn", "node", "nodes",
                 "backward", "function", "method", "inplace", "front", "doc", "differentiable",
                 "decomposition", "operators", "into")

    def __init__(self, name, kind, dtype_rule, kernel=None, grad_fn=None, backward=None,
                 function=True, method=True, inplace=False, operators=(), decomposition=None,
                 differentiable=None, into=None):
        if kind not in KINDS:
            raise ValueError(f"unknown op kind {kind!r}; expected one of {KINDS}")
        self.name = name
        self.kind = kind
        self.dtype_rule = dtype_rule
        # a primitive declares the kernel every backend must give; a composite has a
        # decomposition into other ops that a backend kernel of the same name may replace
        self.kernel = kernel
        self.primitive = kernel is not None and decomposition is None
        self.decomposition = decomposition
        # grad_fn: the node's class name, or several (SumBackward0 for a full sum, SumBackward1
        # along dims) sharing one derivative; the front end picks one from self.nodes
        self.grad_fn = grad_fn
        self.backward = backward
        names = (grad_fn,) if isinstance(grad_fn, str) else tuple(grad_fn or ())
        self.nodes = tuple(node_class(name, n, backward) for n in names) if backward else ()
        self.node = self.nodes[0] if self.nodes else None
        # an op whose front end is written with other ember ops is differentiable through them
        # (its grad_fn is theirs): it says so with differentiable=True
        self.differentiable = backward is not None if differentiable is None else differentiable
        self.function = name if function is True else function
        self.method = name if method is True else method
        self.inplace = (name + "_") if inplace is True else inplace
        self.operators = tuple(operators)
        # into(a, *args, **kwargs): write the result into tensor `a` with the kernel's out= and
        # return True, or return False where it cannot (the in-place form then commits a copy)
        self.into = into
        self.front = None
        self.doc = ""

    @property
    def composite(self):
        return not self.primitive

    def __repr__(self):
        return (f"OpDef({self.name!r}, kind={self.kind!r}, "
                f"{'primitive' if self.primitive else 'composite'}, dtype={self.dtype_rule!r})")


REGISTRY = {}


def defop(name, kind, dtype, **kwargs):
    """Declare an op; decorate its front-end function."""

    def register(front):
        if name in REGISTRY:
            raise ValueError(f"op {name!r} is defined twice")
        op = OpDef(name, kind, dtype, **kwargs)
        op.front = front
        op.doc = inspect.getdoc(front) or ""
        front.op = op
        REGISTRY[name] = op
        return front

    return register


def resolve_kernels(kernels):
    """A backend's full kernel table: its own kernels, plus core's decomposition of every
    composite op it does not override (bound to the same table, so dispatch stays one lookup)."""
    import functools

    table = dict(kernels)
    for op in REGISTRY.values():
        if op.decomposition is not None and op.name not in table:
            table[op.name] = functools.partial(op.decomposition, table)
    return table


def kernel_signatures():
    """Every kernel a backend can give: ``{name: "add(a, b) -> array"}``, primitives first."""
    ops = sorted(REGISTRY.values(), key=lambda o: (not o.primitive, o.name))
    return {o.name: o.kernel for o in ops if o.kernel}
