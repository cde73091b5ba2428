"""The op registry: one OpDef per op, the single source of ember's functions, methods and kernels.

An op is declared once, with ``@defop(...)`` on its front end (the Python function users call,
which checks arguments, decides the result dtype, calls the backend kernel and records autograd).
The declaration is structured data that drives behaviour:

- ``dtypes``: the input dtypes the op accepts (as PyTorch on the CPU). Any other dtype is refused
  before the front end runs, with PyTorch's error text generated from the declaration; the
  conformance suite checks both directions (each accepted dtype works, each other one raises);
- ``result``: the rule giving the result dtype from the input dtype, by name (``RESULT_RULES``);
- ``saves``: which values the derivative reads (``"input"``, ``"other"``, ``"result"``);
- ``broadcasts``: the engine sums each input's gradient back to the input's shape, so
  derivatives never undo broadcasting themselves;
- ``kernel``: the backend kernel's signature, parsed into ``kernel_name`` / ``kernel_args`` and
  checked against each backend's kernel when the backend loads;
- the exports: ``function``, ``method``, ``inplace``, ``operators``, ``aliases`` and ``namespaces``
  (``ember``, ``nn.functional``, ``linalg``, ``special``, ``fft``), from which ``bind()`` makes
  the public functions, Tensor methods, in-place variants and operators;
- ``numpy_names``: the front end also takes NumPy's ``axis=`` / ``keepdims=`` for ``dim=`` /
  ``keepdim=``, as PyTorch's native functions do (on by default for the ``ember`` namespace).
"""

import functools
import inspect
import re

from .. import dtypes as _dt
from ..autograd.graph import node_class

PRIMITIVE, COMPOSITE = "primitive", "composite"
KINDS = ("creation", "random", "conversion", "elementwise", "reduction", "shape", "indexing",
         "linalg", "nn", "fft")
NAMESPACES = ("ember", "nn.functional", "linalg", "special", "fft")
_MODULES = {n: "ember" if n == "ember" else f"ember.{n}" for n in NAMESPACES}
SAVED = ("input", "other", "result")

# named dtype sets for declarations (PyTorch's OpInfo vocabulary)
BOOL = (_dt.bool,)
INTEGRAL = (_dt.uint8, _dt.int8, _dt.int16, _dt.int32, _dt.int64)
FLOATING = (_dt.float16, _dt.bfloat16, _dt.float32, _dt.float64)
COMPLEX = (_dt.complex64, _dt.complex128)
REAL = INTEGRAL + FLOATING
NUMERIC = REAL + COMPLEX
ALL = BOOL + NUMERIC
LAPACK = (_dt.float32, _dt.float64) + COMPLEX  # what the linear-algebra solvers compute in


def _same(d):
    return d


def _float(d):
    return d if d.category >= 2 else _dt.get_default_dtype()


def _real(d):
    return {_dt.complex64: _dt.float32, _dt.complex128: _dt.float64}.get(d, d)


def _summed(d):
    return _dt.int64 if d.category <= 1 else d


# result rules by name: the result dtype of the op on inputs of dtype d (one input dtype, or the
# common dtype after promotion); "custom" means the front end decides and the samples say how
RESULT_RULES = {
    "same": _same,
    "promote": _same,                                   # PyTorch's promotion of the inputs
    "float": _float,                                    # integers and bool give the default float
    "real": _real,                                      # complex gives its real dtype
    "bool": lambda d: _dt.bool,
    "logical": lambda d: _dt.uint8 if d is _dt.uint8 else _dt.bool,   # all / any
    "int64": lambda d: _dt.int64,
    "sum": _summed,                                     # integers and bool accumulate in int64
    "requested": _same,                                 # creation: dtype=, else the default
    "custom": None,
}

_TITLES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
           "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
           "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def dtype_title(d):
    """PyTorch's name of a dtype in kernel errors: ``Float``, ``Long``, ``ComplexFloat``..."""
    return _TITLES[d.name]


_SIGNATURE = re.compile(r"^\s*(\w+)\((.*?)\)")


def parse_kernel(signature):
    """``"add(a, b) -> array"`` -> ``("add", ("a", "b"))``."""
    m = _SIGNATURE.match(signature)
    if m is None:
        raise ValueError(f"kernel signature {signature!r} is not of the form 'name(args) -> ...'")
    args = tuple(a.strip() for a in m.group(2).split(",") if a.strip())
    return m.group(1), args


class OpDef:
    """One op's declaration; see the module docstring for what each field drives."""

    __slots__ = ("name", "kind", "result", "dtypes", "allowed", "dtype_args", "dtype_error",
                 "operator_error",
                 "cpu_kernel",
                 "primitive", "kernel", "kernel_name", "kernel_args", "grad_fn", "node", "nodes",
                 "backward", "saves", "broadcasts", "function", "method", "inplace", "front",
                 "doc", "differentiable", "decomposition", "operators", "namespaces", "aliases",
                 "into", "numpy_names", "_dtype_pos", "_cast_pos")

    def __init__(self, name, kind, result="same", *, dtypes=ALL, dtype_args=None,
                 dtype_error=None, operator_error=None, cpu_kernel=None, kernel=None,
                 grad_fn=None, backward=None, saves=(), broadcasts=False, function=True,
                 method=True, inplace=False, operators=(), namespaces=("ember",), aliases=(),
                 decomposition=None, differentiable=None, into=None, numpy_names=None):
        if kind not in KINDS:
            raise ValueError(f"op {name!r}: unknown kind {kind!r}; expected one of {KINDS}")
        if result not in RESULT_RULES:
            raise ValueError(f"op {name!r}: unknown result rule {result!r}; expected one of "
                             f"{tuple(RESULT_RULES)}")
        bad = [s for s in saves if s not in SAVED]
        if bad:
            raise ValueError(f"op {name!r}: saves {bad} are not among {SAVED}")
        bad = [n for n in namespaces if n not in NAMESPACES]
        if bad:
            raise ValueError(f"op {name!r}: namespaces {bad} are not among {NAMESPACES}")
        self.name = name
        self.kind = kind
        self.result = result
        self.dtypes = tuple(d for d in ALL if d in dtypes)
        self.allowed = frozenset(self.dtypes)
        # the parameters whose dtype is checked (None: the front end's first parameter)
        self.dtype_args = dtype_args
        # dtype_error(d): the exception for a refused dtype, where PyTorch words it its own way
        # (or None for a dtype whose error is the generated one)
        self.dtype_error = dtype_error
        # operator_error(d): the same for the op's operators (``~t``), where PyTorch's operator
        # refuses with another exception than its function
        self.operator_error = operator_error
        self.cpu_kernel = cpu_kernel or f"{name}_cpu"  # the kernel PyTorch's error names
        # a primitive declares the kernel every backend must give; a composite has a
        # decomposition into other ops that a backend kernel of the same name may replace
        self.kernel = kernel
        self.kernel_name, self.kernel_args = parse_kernel(kernel) if kernel else (None, ())
        self.primitive = kernel is not None and decomposition is None
        self.decomposition = decomposition
        # grad_fn: the node's class name, or several (SumBackward0 for a full sum, SumBackward1
        # along dims) sharing one derivative; the front end picks one from self.nodes
        self.grad_fn = grad_fn
        self.backward = backward
        self.saves = tuple(saves)
        self.broadcasts = broadcasts
        names = (grad_fn,) if isinstance(grad_fn, str) else tuple(grad_fn or ())
        self.nodes = tuple(node_class(name, n, backward, broadcasts) for n in names) \
            if backward else ()
        self.node = self.nodes[0] if self.nodes else None
        # an op whose front end is written with other ember ops is differentiable through them
        # (its grad_fn is theirs): it says so with differentiable=True
        self.differentiable = backward is not None if differentiable is None else differentiable
        self.function = name if function is True else function
        self.method = name if method is True else method
        self.inplace = (name + "_") if inplace is True else inplace
        self.operators = tuple(operators)
        self.namespaces = tuple(namespaces)
        # PyTorch's other names for the op: each is a function, a method and an in-place method
        self.aliases = tuple(aliases)
        # into(a, *args, **kwargs): write the result into tensor `a` with the kernel's out= and
        # return True, or return False where it cannot (the in-place form then commits a copy)
        self.into = into
        # NumPy's keyword names (axis=, keepdims=) accepted for dim= and keepdim=, as PyTorch's
        # native functions and methods do (by default the ops of the ember namespace; False for
        # those PyTorch writes in Python, such as split, which refuse them)
        self.numpy_names = namespaces[:1] == ("ember",) if numpy_names is None else numpy_names
        self.front = None
        self.doc = ""
        self._dtype_pos = ()
        self._cast_pos = None

    @property
    def composite(self):
        return not self.primitive

    @property
    def qualname(self):
        """Where users call the function: ``ember.add``, ``ember.nn.functional.conv2d``."""
        return f"{_MODULES[self.namespaces[0]]}.{self.function}" if self.function else None

    def public_function(self):
        """The function users call (from the op's first namespace), or None."""
        if not self.function:
            return None
        import importlib

        return getattr(importlib.import_module(_MODULES[self.namespaces[0]]), self.function)

    def result_dtype(self, d):
        """The result dtype for inputs of dtype `d`, by the declared rule (None if custom)."""
        rule = RESULT_RULES[self.result]
        return None if rule is None else rule(d)

    def refuse(self, d):
        """The exception for an input of dtype `d` outside ``dtypes``: PyTorch's wording."""
        if self.dtype_error is not None:
            e = self.dtype_error(d)  # None: PyTorch words this dtype's error the usual way
            if e is not None:
                return e
        return NotImplementedError(f'"{self.cpu_kernel}" not implemented for \'{dtype_title(d)}\'')

    def check_dtype(self, d):
        """Raise ``refuse(d)`` unless the op accepts inputs of dtype `d`."""
        if d not in self.allowed:
            raise self.refuse(d)

    def __repr__(self):
        return (f"OpDef({self.name!r}, kind={self.kind!r}, "
                f"{'primitive' if self.primitive else 'composite'}, result={self.result!r}, "
                f"dtypes={len(self.dtypes)})")


REGISTRY = {}


def _dtype_positions(op, front):
    """(index or None, name) of each parameter whose dtype the op checks."""
    try:
        params = list(inspect.signature(front).parameters.values())
    except (TypeError, ValueError):
        return ()
    names = op.dtype_args
    if names is None:
        first = params[0] if params else None
        if first is None or first.kind is inspect.Parameter.VAR_KEYWORD:
            return ()
        names = (first.name,)
    out = []
    for name in names:
        for i, p in enumerate(params):
            if p.name == name:
                positional = p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD,
                                        p.VAR_POSITIONAL)
                out.append((i if positional else None, name, p.kind is p.VAR_POSITIONAL))
                break
        else:
            raise ValueError(f"op {op.name!r}: dtype_args names {name!r}, which is not a "
                             f"parameter of {front.__name__}")
    return tuple(out)


def _dtypes_of(value):
    """The dtypes a checked argument carries: a tensor's, a dtype itself, or those in a list."""
    d = getattr(value, "_dtype", None)
    if d is not None:
        return (d,)
    if isinstance(value, _dt.dtype):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(x._dtype for x in value if getattr(x, "_dtype", None) is not None)
    return ()


def _cast_position(op, front):
    """(index or None, name) of a ``dtype=`` parameter that casts the input before the op
    computes (``softmax(x, 1, dtype=ember.float32)``): the dtype then checked is that one."""
    if op.dtype_args is not None and "dtype" in op.dtype_args:
        return None
    try:
        params = list(inspect.signature(front).parameters.values())
    except (TypeError, ValueError):
        return None
    for i, p in enumerate(params):
        if p.name == "dtype":
            return (i if p.kind is p.POSITIONAL_OR_KEYWORD else None, "dtype")
    return None


# NumPy's keyword names for PyTorch's parameters, as PyTorch's argument parser takes them
NUMPY_NAMES = {"axis": "dim", "keepdims": "keepdim"}


def _numpy_names(front):
    """{alias: (name, position)} of the NumPy keyword names `front` takes (``axis=`` for
    ``dim=``, ``keepdims=`` for ``keepdim=``); empty when it has neither parameter."""
    try:
        params = list(inspect.signature(front).parameters)
    except (TypeError, ValueError):
        return {}
    return {alias: (name, params.index(name)) for alias, name in NUMPY_NAMES.items()
            if name in params}


def _declared_front(op, front):
    """`front` with what its declaration adds before it runs, in one wrapper (so an op pays at
    most one extra call): NumPy's keyword names renamed (``numpy_names``), then the dtypes
    outside ``op.dtypes`` refused (only for ops that refuse some). `front` itself when neither
    applies."""
    names = _numpy_names(front) if op.numpy_names else {}
    check = op.allowed != frozenset(ALL) and bool(op._dtype_pos)
    if not names and not check:
        return front
    positions, allowed, cast = op._dtype_pos, op.allowed, op._cast_pos
    fn = op.function or op.method or op.name

    @functools.wraps(front)
    def declared(*args, **kwargs):
        if names and kwargs:
            for alias, (name, i) in names.items():
                if alias in kwargs:
                    if name in kwargs or i < len(args):  # given twice, as PyTorch words it
                        raise TypeError(f"{fn}() got an unexpected keyword argument '{alias}'")
                    kwargs[name] = kwargs.pop(alias)
        if not check:
            return front(*args, **kwargs)
        if cast is not None:
            i, name = cast
            d = args[i] if i is not None and i < len(args) else kwargs.get(name)
            if d is not None:
                if d not in allowed:
                    raise op.refuse(d)
                return front(*args, **kwargs)
        for i, name, varargs in positions:
            if varargs:
                value = args[i:]
            elif i is not None and i < len(args):
                value = args[i]
            else:
                value = kwargs.get(name)
            for d in _dtypes_of(value):
                if d not in allowed:
                    raise op.refuse(d)
        return front(*args, **kwargs)

    return declared


def defop(name, kind, result="same", **kwargs):
    """Declare an op; decorate its front-end function (see ``OpDef`` for the fields)."""

    def register(front):
        if name in REGISTRY:
            raise ValueError(f"op {name!r} is defined twice")
        op = OpDef(name, kind, result, **kwargs)
        op.doc = inspect.getdoc(front) or ""
        op._dtype_pos = _dtype_positions(op, front)
        op._cast_pos = _cast_position(op, front)
        front = _declared_front(op, front)
        op.front = front
        front.op = op
        REGISTRY[name] = op
        return front

    return register


def resolve_kernels(kernels):
    """A backend's full kernel table: its own kernels, plus core's decomposition of every
    composite op it does not override (bound to the same table, so dispatch stays one lookup)."""
    table = dict(kernels)
    for op in REGISTRY.values():
        if op.decomposition is not None and op.name not in table:
            table[op.name] = functools.partial(op.decomposition, table)
    return table


def check_kernel(backend, name, fn):
    """A TypeError naming the op and the backend if `fn` cannot take the declared arguments of
    op `name`'s kernel, else None. Kernels whose signature Python cannot read (ufuncs, builtins)
    are taken as they are."""
    op = REGISTRY[name]
    if not op.kernel:
        return None
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    try:
        sig.bind(*op.kernel_args)
    except TypeError as e:
        return TypeError(f"backend {backend!r}: the kernel for op {name!r} must take "
                         f"{op.kernel}, but its signature is {name}{sig} ({e})")
    return None


def kernel_signatures():
    """Every kernel a backend can give: ``{name: "add(a, b) -> array"}``, primitives first."""
    ops = sorted(REGISTRY.values(), key=lambda o: (not o.primitive, o.name))
    return {o.name: o.kernel for o in ops if o.kernel}


def kernels_by_area(names):
    """`names` (kernel or op names) grouped by the kind of their op: ``{kind: [names]}``."""
    areas = {}
    for n in sorted(names):
        op = REGISTRY.get(n)
        areas.setdefault(op.kind if op is not None else "other", []).append(n)
    return {k: areas[k] for k in KINDS + ("other",) if k in areas}
