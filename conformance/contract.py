"""The kernel contract as data, and the checking mode ``--ember-check-contract``.

``SPECS`` gives, for every kernel of ember's registry, what each argument may be (``ARG_KINDS``)
and what the result must be (``RESULTS``). ``docs/backend-contract.md`` is generated from it
(``python -m ember_conformance.contract --write docs/backend-contract.md``) beside its
hand-written prose, and a test keeps the two equal.

``install(names)`` replaces each named backend's kernel table with checking wrappers, for the
run: every call is checked both ways, what core passes in (a contract violation by core) and
what the kernel gives back (a violation by the backend), and fails with a
``ContractViolation`` naming the backend, the kernel, the op whose decomposition called it
and what was wrong. ``uninstall()`` puts the tables back.
"""

import threading

import pytest

from ember.ops import REGISTRY
from ember.ops import registry as _registry

# -- the vocabulary --------------------------------------------------------------------------------
ARG_KINDS = {
    "array": "an array of the backend (its own type; a 0-d result of its own kernels counts)",
    "operand": "an array, or a Python `bool`/`int`/`float`/`complex` on either side (weak: it "
               "never changes the result dtype); a `float` only against a floating or complex "
               "array, a `complex` only against a complex array, an `int` against an integer "
               "array only within that dtype's range (comparisons excepted); all array operands "
               "have one dtype",
    "array?": "an array or None",
    "operand?": "an operand or None",
    "scalar": "a Python `bool`, `int`, `float` or `complex` (never an array or a NumPy scalar)",
    "scalar?": "a Python scalar or None",
    "int": "a Python `int`",
    "int?": "an `int` or None",
    "bool": "a Python `bool`",
    "str": "a Python `str` from the signature's list",
    "dim": "an `int` in `[0, a.ndim)` (a 0-d `a` gets 0)",
    "dim?": "a dim, or None (over the flattened array)",
    "dims": "a tuple of distinct ints in `[0, a.ndim)`, any order; `()` only for a 0-d `a` "
            "(so `()` never has to mean \"all dims\", as it does in PyTorch)",
    "dims*": "a tuple of distinct ints in `[0, a.ndim)`; `()` means over the flattened array",
    "shape": "a tuple of non-negative ints, fully known (no -1)",
    "ints": "a tuple of ints",
    "pair": "a tuple of two ints",
    "dtype": "one of the native dtype objects the backend's `ember_backend_dtypes` gave",
    "index": "a tuple of `int`, `slice` (start/stop ints or None, step None or > 0), `None`, "
             "`Ellipsis`, and integer or bool arrays of the backend",
    "arrays": "a non-empty list of arrays of one dtype",
    "state": "the object the backend's `generator` kernel returned",
    "ndarray": "a `numpy.ndarray` (any memory layout)",
    "any": "see the note",
}

RESULTS = {
    "same": "a's shape and dtype",
    "bool": "a's shape, bool",
    "bcast": "the broadcast shape of the operands, their dtype",
    "bcast_bool": "the broadcast shape of the operands, bool",
    "bcast_a": "the broadcast shape of the array arguments, a's dtype",
    "real": "a's shape; the real dtype of a's (float32 for complex64)",
    "reduce": "a's shape less `dims` (kept as 1 with keepdim), a's dtype",
    "reduce_real": "as reduce, the real dtype of a's",
    "reduce_bool": "as reduce, bool",
    "reduce_int": "a's shape less `dims`, an integer dtype",
    "arg": "a's shape less `dim` (1 with keepdim; `()` for dim None), an integer dtype",
    "sorted": "(values: a's shape and dtype, indices: a's shape, an integer dtype)",
    "astype": "a's shape, the requested dtype",
    "created": "the requested shape and dtype",
    "new_shape": "the requested shape, a's dtype",
    "permuted": "a's dims in the given order, a's dtype",
    "transposed": "a with dim0 and dim1 swapped, a's dtype",
    "narrowed": "a with `dim` of size `length`, a's dtype",
    "joined": "cat: the arrays joined along dim; stack: stacked along a new dim; their dtype",
    "repeated": "a's shape (padded with ones in front) times reps, a's dtype",
    "matmul": "NumPy's matmul shape, the operands' dtype",
    "gathered": "index's shape, a's dtype",
    "selected": "a's shape with `dim` of index's length, a's dtype",
    "dtype_of_a": "a's dtype (shape as the note says)",
    "complex_of_a": "the complex dtype of a's (complex64 for float32; shape as the note says)",
    "real_of_a": "the real dtype of a's (float32 for complex64; shape as the note says)",
    "dtype_of_arg": "the dtype argument's dtype (shape as the note says)",
    "int_result": "an integer dtype (shape as the note says)",
    "pair_info": "(a's dtype as the note says, an integer info array)",
    "arrays": "a list of arrays of a's dtype",
    "numpy": "a `numpy.ndarray` of a's shape (for a 0-d a, a NumPy scalar will do)",
    "foreign": "an array of the backend (shape and dtype of the source)",
    "state": "any object (the generator state)",
    "tuple": "a tuple of arrays, as the note says",
    "array": "an array of the backend, or a tuple of them (not specified here yet)",
}

# kernel -> (argument kinds, in the declared order; result rule; may the result alias an input)
# "alias": "no" (a new array, never sharing memory with an input), "may" (a view or the input
# itself is fine), "mutates" (writes into its first argument where the backend is mutable)
_UNARY = (("array",), "same", "may")
_UNARY_BOOL = (("array",), "bool", "may")
_BINARY = (("operand", "operand"), "bcast", "may")
_COMPARE = (("operand", "operand"), "bcast_bool", "may")
_REDUCE = (("array", "dims", "bool"), "reduce", "may")

SPECS = {}
for _n in ("acos", "acosh", "asin", "asinh", "atan", "atanh", "bitwise_not", "ceil", "cos",
           "cosh", "digamma", "erf", "erfc", "erfinv", "exp", "exp2", "expm1", "floor", "frac",
           "i0", "lgamma", "log", "log10", "log1p", "log2", "neg", "reciprocal", "relu", "rsqrt",
           "selu", "sigmoid", "sign", "silu", "sin", "sinh", "sqrt", "tan", "tanh", "trunc"):
    SPECS[_n] = _UNARY
for _n in ("isfinite", "isinf", "isnan", "logical_not"):
    SPECS[_n] = _UNARY_BOOL
for _n in ("add", "atan2", "bitwise_and", "bitwise_left_shift", "bitwise_or",
           "bitwise_right_shift", "bitwise_xor", "div", "floor_divide", "fmod", "maximum",
           "minimum", "mul", "pow", "remainder", "sub"):
    SPECS[_n] = _BINARY
for _n in ("eq", "ge", "gt", "le", "lt", "ne", "logical_and", "logical_or", "logical_xor"):
    SPECS[_n] = _COMPARE
for _n in ("amax", "amin", "sum", "prod", "mean", "logsumexp"):
    SPECS[_n] = _REDUCE
SPECS.update({
    "abs": (("array",), "real", "may"),
    "all": (("array", "dims", "bool"), "reduce_bool", "may"),
    "any": (("array", "dims", "bool"), "reduce_bool", "may"),
    "var": (("array", "dims", "scalar", "bool"), "reduce_real", "may"),
    "std": (("array", "dims", "scalar", "bool"), "reduce_real", "may"),
    "linalg_vector_norm": (("array", "scalar", "dims", "bool"), "reduce_real", "may"),
    "count_nonzero": (("array", "dims"), "reduce_int", "may"),
    "argmax": (("array", "dim?", "bool"), "arg", "may"),
    "argmin": (("array", "dim?", "bool"), "arg", "may"),
    "cumsum": (("array", "dim"), "same", "may"),
    "cumprod": (("array", "dim"), "same", "may"),
    "sort": (("array", "dim", "bool"), "sorted", "may"),
    "cummax": (("array", "dim"), "sorted", "may"),
    "cummin": (("array", "dim"), "sorted", "may"),
    "argsort": (("array", "dim", "bool"), "int_result", "may"),
    "topk": (("array", "int", "dim", "bool"), "tuple", "may"),
    "unique": (("array",), "tuple", "may"),
    "round": (("array", "int"), "same", "may"),
    "nan_to_num": (("array", "scalar?", "scalar?", "scalar?"), "same", "may"),
    "clamp": (("array", "operand?", "operand?"), "bcast", "may"),
    "lerp": (("array", "array", "operand"), "bcast", "may"),
    "where": (("array", "operand", "operand"), "bcast", "may"),
    "masked_fill": (("array", "array", "array"), "bcast_a", "no"),
    # creation and random
    "arange": (("scalar", "scalar", "scalar", "dtype"), "dtype_of_arg", "no"),
    "linspace": (("scalar", "scalar", "int", "dtype"), "dtype_of_arg", "no"),
    "logspace": (("scalar", "scalar", "int", "scalar", "dtype", "dtype"), "dtype_of_arg", "no"),
    "empty": (("shape", "dtype"), "created", "no"),
    "zeros": (("shape", "dtype"), "created", "no"),
    "ones": (("shape", "dtype"), "created", "no"),
    "full": (("shape", "scalar", "dtype"), "created", "no"),
    "eye": (("int", "int", "dtype"), "dtype_of_arg", "no"),
    "asarray": (("ndarray", "dtype"), "foreign", "no"),
    "from_numpy": (("ndarray",), "foreign", "may"),
    "from_dlpack": (("any",), "foreign", "may"),
    "generator": (("int",), "state", "no"),
    "rand": (("state", "shape", "dtype"), "created", "no"),
    "randn": (("state", "shape", "dtype"), "created", "no"),
    "randint": (("state", "int", "int", "shape", "dtype"), "created", "no"),
    "randperm": (("state", "int", "dtype"), "dtype_of_arg", "no"),
    "multinomial": (("state", "array", "int", "bool"), "int_result", "no"),
    "bernoulli": (("state", "array"), "same", "no"),
    # conversion
    "astype": (("array", "dtype"), "astype", "may"),
    "clone": (("array",), "same", "no"),
    "to_numpy": (("array",), "numpy", "may"),
    "assign": (("array", "array"), "same", "mutates"),
    # shape
    "reshape": (("array", "shape"), "new_shape", "may"),
    "view": (("array", "shape"), "new_shape", "may"),
    "flatten": (("array", "shape"), "new_shape", "may"),
    "squeeze": (("array", "shape"), "new_shape", "may"),
    "unsqueeze": (("array", "shape"), "new_shape", "may"),
    "expand": (("array", "shape"), "new_shape", "may"),
    "permute": (("array", "ints"), "permuted", "may"),
    "transpose": (("array", "dim", "dim"), "transposed", "may"),
    "narrow": (("array", "dim", "int", "int"), "narrowed", "may"),
    "flip": (("array", "dims"), "same", "no"),
    "roll": (("array", "ints", "dims*"), "same", "may"),
    "repeat": (("array", "ints"), "repeated", "may"),
    "tril": (("array", "int"), "same", "no"),
    "triu": (("array", "int"), "same", "no"),
    "cat": (("arrays", "dim"), "joined", "no"),
    "stack": (("arrays", "dim"), "joined", "no"),
    "split": (("array", "any", "dim"), "arrays", "may"),
    "unbind": (("array", "dim"), "arrays", "may"),
    "diagonal": (("array", "int", "dim", "dim"), "dtype_of_a", "may"),
    "unfold": (("array", "dim", "int", "int"), "dtype_of_a", "may"),
    "as_strided": (("array", "ints", "ints", "int"), "new_shape", "may"),
    "view_dtype": (("array", "dtype", "int"), "dtype_of_arg", "may"),
    # fft
    "fft_c2c": (("array", "dims", "str", "bool"), "same", "may"),
    "fft_r2c": (("array", "dims", "str"), "complex_of_a", "may"),
    "fft_c2r": (("array", "dims", "str", "int"), "real_of_a", "may"),
    # indexing
    "getitem": (("array", "index"), "dtype_of_a", "may"),
    "setitem": (("array", "index", "operand"), "same", "mutates"),
    "index_put": (("array", "index", "operand", "bool"), "same", "no"),
    "gather": (("array", "dim", "array"), "gathered", "may"),
    "take": (("array", "array"), "gathered", "may"),
    "index_select": (("array", "dim", "array"), "selected", "may"),
    "index_add": (("array", "dim", "array", "array", "scalar"), "same", "no"),
    "scatter": (("array", "dim", "array", "operand", "bool"), "same", "no"),
    "masked_select": (("array", "array"), "dtype_of_a", "may"),
    "nonzero": (("array",), "int_result", "may"),
    # linalg
    "matmul": (("array", "array"), "matmul", "may"),
    "mm": (("array", "array"), "matmul", "may"),
    "bmm": (("array", "array"), "matmul", "may"),
    "mv": (("array", "array"), "matmul", "may"),
    "dot": (("array", "array"), "matmul", "may"),
    "addmm": (("array", "array", "array", "scalar", "scalar"), "dtype_of_a", "may"),
    "linalg_det": (("array",), "dtype_of_a", "may"),
    "linalg_inv": (("array",), "pair_info", "may"),
    "linalg_solve": (("array", "array"), "pair_info", "may"),
    # nn
    "conv2d": (("array", "array", "array?", "pair", "pair", "pair", "int"), "dtype_of_a", "may"),
    "conv_transpose2d": (("array", "array", "array?", "pair", "pair", "pair", "pair", "int"),
                         "dtype_of_a", "may"),
    "conv2d_weight": (("array", "array", "pair", "pair", "pair", "pair", "int"), "dtype_of_a",
                      "may"),
    "im2col": (("array", "pair", "pair", "pair", "pair"), "dtype_of_a", "may"),
    "col2im": (("array", "pair", "pair", "pair", "pair", "pair"), "dtype_of_a", "may"),
    "pad": (("array", "any", "str", "scalar"), "dtype_of_a", "may"),
    "avg_pool2d": (("array", "pair", "pair", "pair", "bool", "bool", "int?"), "dtype_of_a",
                   "may"),
    "max_pool2d": (("array", "pair", "pair", "pair", "pair", "bool", "scalar"), "tuple", "may"),
    "adaptive_avg_pool2d": (("array", "pair"), "dtype_of_a", "may"),
    "softmax": (("array", "dim"), "same", "may"),
    "log_softmax": (("array", "dim"), "same", "may"),
    "gelu": (("array", "str"), "same", "may"),
    "celu": (("array", "scalar"), "same", "may"),
    "elu": (("array", "scalar"), "same", "may"),
    "leaky_relu": (("array", "scalar"), "same", "may"),
    "hardtanh": (("array", "operand", "operand"), "same", "may"),
    "softplus": (("array", "scalar", "scalar"), "same", "may"),
})

# argument kinds read from a signature's argument names, for a kernel without a SPECS entry
_BY_NAME = {"a": "array", "dims": "dims", "dim": "dim", "keepdim": "bool", "shape": "shape",
            "dtype": "dtype", "state": "state"}


def spec_for(name):
    """The contract of kernel `name`: its SPECS entry, or, for a kernel not written there yet,
    one read from its signature's argument names (an `a` is an array, `dims` are dims...; the
    rest unchecked), whose result need only be an array of the backend."""
    spec = SPECS.get(name)
    if spec is None:
        spec = (tuple(_BY_NAME.get(a, "any") for a in REGISTRY[name].kernel_args), "array",
                "may")
    return spec


# what the one-line signature cannot say, per kernel (the rest is in the registry's signature)
NOTES = {
    "abs": "complex input gives the real dtype",
    "ceil": "only floating inputs arrive (core returns integer inputs itself)",
    "floor": "only floating inputs arrive", "trunc": "only floating inputs arrive",
    "round": "only floating inputs arrive; half to even",
    "sum": "integer inputs arrive already cast to int64 (PyTorch's accumulation dtype)",
    "prod": "integer inputs arrive already cast to int64",
    "where": "cond: a bool array; a and b share one dtype",
    "clamp": "lo and hi: arrays of a's dtype, Python scalars or None (None: no bound)",
    "hardtanh": "min_val and max_val are Python scalars of a's kind (ints for integer a)",
    "getitem": "a view where the library gives one; its shape is NumPy's basic/advanced "
               "indexing result",
    "setitem": "values: an array of a's dtype broadcastable to the indexed shape, or a Python "
               "scalar",
    "index_put": "values as setitem's",
    "scatter": "src of a's dtype",
    "split": "bounds: a tuple of (start, stop) pairs along dim",
    "pad": "pads: a tuple of (before, after) pairs of non-negative ints, one per dim",
    "max_pool2d": "(values: a's dtype, positions: an integer dtype)",
    "topk": "(values: a's dtype, indices: an integer dtype), both with dim of size k",
    "unique": "(values: a's dtype, inverse and counts: integer dtypes)",
    "linalg_inv": "(inverse: a's shape and dtype, info: an integer array of a's batch shape)",
    "linalg_solve": "(x: b's shape after batch broadcasting, info: an integer array)",
    "from_dlpack": "obj: anything with `__dlpack__`",
    "assign": "src has dst's shape and dtype; returns dst written where the backend is "
              "mutable, else src",
    "argsort": "a's shape", "multinomial": "(rows, num_samples)",
    "masked_select": "1-d", "eye": "(n, m)", "arange": "1-d", "linspace": "(steps,)",
    "logspace": "(steps,)", "randperm": "(n,)", "linalg_det": "a's batch shape",
    "addmm": "a @ b's shape", "to_numpy": "shares memory if shares_numpy_memory",
}

_SCALARS = (bool, int, float, complex)
# the arguments that share one dtype (arrays) or are weak scalars against it, where they are not
# simply the `operand` arguments
_OPERANDS = {"clamp": ("a", "lo", "hi"), "hardtanh": ("a", "min_val", "max_val"),
             "setitem": ("a", "values"), "index_put": ("a", "values"), "scatter": ("a", "src"),
             "lerp": ("a", "b", "weight"), "where": ("a", "b")}
_COMPARISONS = frozenset(("eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or",
                          "logical_xor"))
_INT_RANGES = {"uint8": (0, 255), "int8": (-128, 127), "int16": (-2 ** 15, 2 ** 15 - 1),
               "int32": (-2 ** 31, 2 ** 31 - 1), "int64": (-2 ** 63, 2 ** 63 - 1)}


class ContractViolation(AssertionError):
    """A kernel call outside the documented kernel contract (by core or by the backend)."""


# -- checking --------------------------------------------------------------------------------------
_local = threading.local()
_recorded = []  # every violation since the last take(), for the pytest hooks


def take():
    """The violations recorded since the last call (and forget them)."""
    out = list(_recorded)
    _recorded.clear()
    return out


class _Checker:
    """One backend's checks: its array type and its native dtypes."""

    def __init__(self, backend, kernels):
        self.backend = backend
        self.name = backend.name
        self.natives = list(backend.native.items())  # [(ember dtype, native)]
        probe = kernels["full"]((2,), 0, backend.dtype_native(backend.supported_dtypes[-1]))
        self.array_types = (type(probe),)
        self.scalar_types = set()  # the types of 0-d results that are not array_types

    # -- helpers -------------------------------------------------------------------------------
    def ember_dtype(self, native):
        for d, n in self.natives:
            if n is native or n == native:
                return d
        return None

    def is_array(self, x):
        return isinstance(x, self.array_types) or type(x) in self.scalar_types

    def describe(self, x):
        if self.is_array(x):
            d = self.ember_dtype(getattr(x, "dtype", None))
            return f"a {d.name if d else getattr(x, 'dtype', '?')} array of shape {tuple(x.shape)}"
        text = repr(x)
        return f"{type(x).__name__} {text if len(text) < 60 else text[:57] + '...'}"

    # -- arguments -----------------------------------------------------------------------------
    def check_args(self, kernel, args, kwargs, fail):
        spec = spec_for(kernel)
        op = REGISTRY[kernel]
        kinds = spec[0]
        names = op.kernel_args
        if len(args) != len(kinds):
            fail(f"called with {len(args)} positional arguments; the contract is {op.kernel}")
            return
        first = args[0] if args and self.is_array(args[0]) else None
        ndim = len(first.shape) if first is not None else 0
        if kinds[0] == "arrays" and args[0] and isinstance(args[0], (list, tuple)) and \
                self.is_array(args[0][0]):
            ndim = len(args[0][0].shape) + (kernel == "stack")
        group = _OPERANDS.get(kernel)
        operands = []
        for name, kind, x in zip(names, kinds, args):
            bad = self.check_arg(kind, x, ndim)
            if bad:
                fail(f"argument {name}={self.describe(x)}: {bad} (the contract: "
                     f"{ARG_KINDS[kind]})")
            if (name in group if group else kind == "operand") and x is not None:
                operands.append((name, x))
        if kernel == "where":
            if not (self.is_array(args[0]) and self.ember_dtype(args[0].dtype) is not None
                    and self.ember_dtype(args[0].dtype).name == "bool"):
                fail(f"argument cond={self.describe(args[0])}: must be a bool array")
        if operands:
            self.check_operands(kernel, operands, fail)

    def check_arg(self, kind, x, ndim):
        """What is wrong with `x` as an argument of `kind`, or None."""
        if kind in ("array", "array?"):
            if x is None and kind == "array?":
                return None
            return None if self.is_array(x) else "not an array of the backend"
        if kind in ("operand", "operand?"):
            if x is None and kind == "operand?":
                return None
            if self.is_array(x) or type(x) in _SCALARS:
                return None
            return "neither an array of the backend nor a Python scalar"
        if kind in ("scalar", "scalar?"):
            if x is None and kind == "scalar?":
                return None
            return None if type(x) in _SCALARS else "not a Python scalar"
        if kind in ("int", "int?"):
            if x is None and kind == "int?":
                return None
            return None if type(x) is int else "not a Python int"
        if kind == "bool":
            return None if type(x) is bool else "not a Python bool"
        if kind == "str":
            return None if type(x) is str else "not a str"
        if kind in ("dim", "dim?"):
            if x is None and kind == "dim?":
                return None
            if type(x) is not int:
                return "not a Python int"
            return None if 0 <= x < max(ndim, 1) else f"out of [0, {max(ndim, 1)})"
        if kind in ("dims", "dims*"):
            if not isinstance(x, tuple) or any(type(d) is not int for d in x):
                return "not a tuple of ints"
            if len(set(x)) != len(x) or any(not 0 <= d < ndim for d in x):
                return f"not distinct dims in [0, {ndim})"
            if kind == "dims" and not x and ndim:
                return f"() for an array of {ndim} dims"
            return None
        if kind == "shape":
            if not isinstance(x, tuple) or any(type(n) is not int or n < 0 for n in x):
                return "not a tuple of non-negative ints"
            return None
        if kind == "ints":
            if not isinstance(x, tuple) or any(type(n) is not int for n in x):
                return "not a tuple of ints"
            return None
        if kind == "pair":
            if not isinstance(x, tuple) or len(x) != 2 or any(type(n) is not int for n in x):
                return "not a pair of ints"
            return None
        if kind == "dtype":
            return None if any(n is x or n == x for _, n in self.natives) else \
                "not one of the backend's native dtypes"
        if kind == "arrays":
            if not isinstance(x, (list, tuple)) or not x or not all(map(self.is_array, x)):
                return "not a non-empty list of arrays"
            if len({self.ember_dtype(a.dtype) for a in x}) != 1:
                return "arrays of several dtypes"
            return None
        if kind == "index":
            if not isinstance(x, tuple):
                return "not a tuple"
            for i in x:
                if isinstance(i, slice):
                    if any(v is not None and type(v) is not int for v in (i.start, i.stop,
                                                                          i.step)):
                        return f"the slice {i} has bounds that are not ints"
                    if i.step is not None and i.step <= 0:
                        return f"the slice {i} has a step that is not positive"
                elif self.is_array(i):
                    d = self.ember_dtype(i.dtype)
                    if d is None or not (d.name == "bool" or d.category == 1):
                        return f"an index array of dtype {i.dtype}, not an integer or bool one"
                elif not (i is None or i is Ellipsis or type(i) in (int, bool)):
                    return f"the item {i!r} is not an int, slice, None, Ellipsis or array"
            return None
        if kind == "ndarray":
            import numpy as np

            return None if isinstance(x, np.ndarray) else "not a numpy.ndarray"
        return None  # state, any

    def check_operands(self, kernel, operands, fail):
        arrays = [(n, x) for n, x in operands if self.is_array(x)]
        if not arrays:
            fail("no operand is an array: " + ", ".join(f"{n}={x!r}" for n, x in operands))
            return
        dtypes = {self.ember_dtype(x.dtype) for _, x in arrays}
        if len(dtypes) > 1:
            fail("array operands of several dtypes: " + ", ".join(
                f"{n}={self.describe(x)}" for n, x in arrays))
            return
        d = dtypes.pop()
        if d is None:
            return
        for n, x in operands:
            if self.is_array(x):
                continue
            if type(x) is complex and not d.is_complex:
                fail(f"argument {n}={x!r}: a complex Python scalar against a {d.name} array")
            elif type(x) is float and d.category < 2:
                fail(f"argument {n}={x!r}: a float Python scalar against a {d.name} array "
                     f"(core converts it, or casts the array, first)")
            elif type(x) is int and d.category == 1 and kernel not in _COMPARISONS:
                lo, hi = _INT_RANGES[d.name]
                if not lo <= x <= hi:
                    fail(f"argument {n}={x}: out of the range of {d.name} [{lo}, {hi}]")

    # -- results -------------------------------------------------------------------------------
    def check_result(self, kernel, args, result, fail):
        spec = spec_for(kernel)
        rule = spec[1]
        if rule == "array" and isinstance(result, (tuple, list)):
            rule = "arrays"  # a kernel without a SPECS entry: any array, or list of them
        if rule in ("state", "numpy", "arrays", "tuple", "pair_info", "sorted"):
            return self.check_compound(kernel, rule, args, result, fail)
        if not self.is_array(result):
            shape = getattr(result, "shape", None)
            if shape == () and getattr(result, "dtype", None) is not None and \
                    self.ember_dtype(result.dtype) is not None:
                self.scalar_types.add(type(result))  # a 0-d result in the library's scalar type
            else:
                fail(f"returned {self.describe(result)}, not an array of the backend "
                     f"({self.array_types[0].__module__}.{self.array_types[0].__qualname__})")
                return
        want_shape, want_dtype = expected(kernel, args, self)
        got = self.ember_dtype(result.dtype)
        if want_dtype == "int":
            if got is None or got.category != 1:
                fail(f"returned dtype {result.dtype}; the contract wants an integer dtype")
        elif want_dtype is not None and got is not want_dtype:
            if not (kernel in ("sum", "prod", "cumsum", "cumprod") and got is not None
                    and want_dtype.category <= 1 and got.category == 1):
                fail(f"returned dtype {getattr(got, 'name', result.dtype)}; the contract wants "
                     f"{want_dtype.name}")
        if want_shape is not None and tuple(result.shape) != tuple(want_shape):
            fail(f"returned shape {tuple(result.shape)}; the contract wants {tuple(want_shape)}")
        if spec[2] == "no" and self.backend.mutable:
            for a in args:
                if self.is_array(a) and _shares(a, result):
                    fail("returned an array sharing memory with an input; the contract wants a "
                         "new array")
                    break

    def check_compound(self, kernel, rule, args, result, fail):
        if rule == "state":
            return
        if rule == "numpy":
            import numpy as np

            if not isinstance(result, np.ndarray) and not (
                    isinstance(result, np.generic) and not args[0].shape):
                fail(f"returned {type(result).__name__}, not a numpy.ndarray")
            elif tuple(result.shape) != tuple(args[0].shape):
                fail(f"returned shape {result.shape}; the contract wants {tuple(args[0].shape)}")
            return
        if rule == "arrays":
            if not isinstance(result, (list, tuple)) or not all(map(self._any_array, result)):
                fail(f"returned {type(result).__name__}, not a list of arrays")
            return
        if not isinstance(result, tuple) or not all(map(self._any_array, result)):
            fail(f"returned {type(result).__name__}, not a tuple of arrays")
            return
        a = args[0]
        d = self.ember_dtype(a.dtype)
        first = self.ember_dtype(result[0].dtype)
        if first is not d and kernel != "linalg_solve":
            fail(f"returned values of dtype {result[0].dtype}; the contract wants {d.name}")
        ints = result[1:]
        for r in ints:
            rd = self.ember_dtype(r.dtype)
            if rd is None or rd.category != 1:
                fail(f"returned {r.dtype} indices; the contract wants an integer dtype")
        if rule == "sorted" and any(tuple(r.shape) != tuple(a.shape) for r in result):
            fail(f"returned shapes {[tuple(r.shape) for r in result]}; the contract wants "
                 f"{tuple(a.shape)} for both")

    def _any_array(self, x):
        if self.is_array(x):
            return True
        if getattr(x, "shape", None) == () and self.ember_dtype(getattr(x, "dtype", None)):
            self.scalar_types.add(type(x))
            return True
        return False


def _shares(a, b):
    import numpy as np

    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return np.may_share_memory(a, b)
    return a is b


def _reduced(shape, dims, keepdim):
    if keepdim:
        return tuple(1 if i in dims else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def _broadcast(*shapes):
    out = []
    for dims in zip(*(((1,) * (max(map(len, shapes)) - len(s)) + tuple(s)) for s in shapes)):
        sizes = {n for n in dims if n != 1}
        if len(sizes) > 1:
            return None
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def _matmul_shape(a, b):
    if not a or not b:
        return None
    if len(a) == 1 and len(b) == 1:
        return ()
    if len(a) == 1:
        return tuple(b[:-2]) + (b[-1],)
    if len(b) == 1:
        return tuple(a[:-1])
    batch = _broadcast(a[:-2], b[:-2])
    return None if batch is None else batch + (a[-2], b[-1])


def expected(kernel, args, c):
    """(shape or None, ember dtype or "int" or None) that `kernel`'s result rule gives for
    `args` on checker c (None: not checked)."""
    kinds, rule, _ = spec_for(kernel)
    a = args[0] if args else None
    dt = c.ember_dtype(a.dtype) if c.is_array(a) else None
    shape = tuple(a.shape) if c.is_array(a) else None
    if rule == "same":
        return shape, dt
    if rule == "bool":
        return shape, _dt("bool")
    if rule == "bcast_a":
        return _broadcast(*(tuple(x.shape) for x in args if c.is_array(x))), dt
    if rule in ("bcast", "bcast_bool"):
        arrays = [x for x in args if c.is_array(x)]
        values = [x for x in args[1:] if c.is_array(x)] if kernel == "where" else arrays
        dtype = c.ember_dtype(values[0].dtype) if values else None
        return _broadcast(*(tuple(x.shape) for x in arrays)), \
            _dt("bool") if rule == "bcast_bool" else dtype
    if rule == "real":
        return shape, _real(dt)
    if rule in ("reduce", "reduce_real", "reduce_bool", "reduce_int"):
        dims = args[kinds.index("dims")]
        keepdim = args[-1] if kinds[-1] == "bool" else False
        out = {"reduce": dt, "reduce_real": _real(dt), "reduce_bool": _dt("bool"),
               "reduce_int": "int"}[rule]
        return _reduced(shape, dims, keepdim), out
    if rule == "arg":
        dim, keepdim = args[1], args[2]
        if dim is None:
            return ((1,) * len(shape) if keepdim else ()), "int"
        return _reduced(shape, (dim,), keepdim), "int"
    if rule == "astype":
        return shape, c.ember_dtype(args[1])
    if rule == "created":
        return args[kinds.index("shape")], c.ember_dtype(args[kinds.index("dtype")])
    if rule == "dtype_of_arg":
        return None, c.ember_dtype(args[kinds.index("dtype")])
    if rule == "new_shape":
        return args[1], dt
    if rule == "permuted":
        return tuple(shape[d] for d in args[1]), dt
    if rule == "transposed":
        s = list(shape)
        s[args[1]], s[args[2]] = s[args[2]], s[args[1]]
        return tuple(s), dt
    if rule == "narrowed":
        s = list(shape)
        s[args[1]] = args[3]
        return tuple(s), dt
    if rule == "joined":
        arrays, dim = args
        first = tuple(arrays[0].shape)
        d0 = c.ember_dtype(arrays[0].dtype)
        if kernel == "stack":
            return first[:dim] + (len(arrays),) + first[dim:], d0
        return first[:dim] + (sum(x.shape[dim] for x in arrays),) + first[dim + 1:], d0
    if rule == "repeated":
        reps = args[1]
        s = (1,) * (len(reps) - len(shape)) + shape
        return tuple(n * r for n, r in zip(s, reps)), dt
    if rule == "matmul":
        return _matmul_shape(shape, tuple(args[1].shape)), dt
    if rule == "gathered":
        return tuple(args[-1].shape), dt
    if rule == "selected":
        s = list(shape)
        if s:
            s[args[1]] = args[2].shape[0] if args[2].shape else 1
        return tuple(s), dt
    if rule == "dtype_of_a":
        return None, dt
    if rule == "real_of_a":
        return None, _real(dt)
    if rule == "complex_of_a":
        return None, _complex(dt)
    if rule == "int_result":
        return None, "int"
    if rule == "foreign":
        want = c.ember_dtype(args[1]) if len(args) > 1 else None
        return (tuple(a.shape) if hasattr(a, "shape") else None), want
    return None, None


def _dt(name):
    import ember

    return getattr(ember, name)


def _complex(d):
    import ember

    return {ember.float32: ember.complex64, ember.float64: ember.complex128}.get(d, d)


def _real(d):
    import ember

    return {ember.complex64: ember.float32, ember.complex128: ember.float64}.get(d, d)


# -- the wrapped tables ----------------------------------------------------------------------------
_installed = {}  # backend name -> (backend, its original kernel table)


def _wrap(checker, name, fn):
    def checked(*args, **kwargs):
        stack = getattr(_local, "stack", None)
        if stack is None:
            stack = _local.stack = []
        errors = []
        where = f" (inside the decomposition of {stack[-1]!r})" if stack else ""

        def fail(what):
            errors.append(f"kernel contract: backend {checker.name!r}, op {name!r}, kernel "
                          f"{REGISTRY[name].kernel.split(' ->')[0]}{where}: {what}")

        if kwargs and (set(kwargs) != {"out"} or name not in checker.backend.out_kernels):
            fail(f"called with keyword arguments {sorted(kwargs)}; the contract passes "
                 f"arguments by position, and out= only to the backend's out_kernels")
        else:
            checker.check_args(name, args, kwargs, fail)
        if errors:  # outside the contract the kernel's behaviour is undefined: it is not called
            _recorded.extend(errors)
            raise ContractViolation("\n".join(errors))
        before = None
        if name in ("index_put", "scatter", "index_add") and checker.backend.mutable:
            before = _snapshot(args[0])
        stack.append(name)
        try:
            result = fn(*args, **kwargs)
        finally:
            stack.pop()
        if "out" not in kwargs:
            checker.check_result(name, args, result, fail)
        if before is not None and not _same_snapshot(before, args[0]):
            fail("modified its input a; the contract wants a new array")
        if errors:
            _recorded.extend(errors)
            raise ContractViolation("\n".join(errors))
        return result

    checked.__name__ = f"checked_{name}"
    checked.__wrapped__ = fn
    return checked


def _snapshot(a):
    import numpy as np

    return np.array(a, copy=True) if isinstance(a, np.ndarray) else None


def _same_snapshot(before, a):
    import numpy as np

    return before is None or np.array_equal(before, a, equal_nan=True)


def checked_table(backend, kernels=None):
    """`backend`'s kernel table with every kernel wrapped in the contract checks; the
    composites core builds are rebuilt on the wrapped kernels, so each kernel they call is
    checked too."""
    kernels = backend.kernels if kernels is None else kernels
    checker = _Checker(backend, kernels)
    own = {n: f for n, f in kernels.items()
           if n in backend.own_kernels or n in backend.missing or
           REGISTRY[n].decomposition is None}
    wrapped = {n: _wrap(checker, n, f) for n, f in own.items()}
    table = _registry.resolve_kernels(wrapped)
    for n, f in list(table.items()):
        if n not in wrapped:
            table[n] = _wrap(checker, n, f)
    return table


def install(names):
    """Check every kernel call of the backends `names` (those available), until uninstall()."""
    from ember import backends

    for name in names:
        b = backends.lookup(name)
        if b is None or b.status != backends.AVAILABLE or name in _installed:
            continue
        _installed[name] = (b, b.kernels)
        b.kernels = checked_table(b)


def uninstall():
    """Put back every kernel table install() replaced."""
    for b, table in _installed.values():
        b.kernels = table
    _installed.clear()
    _recorded.clear()


# -- the generated part of docs/backend-contract.md ------------------------------------------------
BEGIN, END = "<!-- generated: kernels -->", "<!-- end generated -->"


def markdown():
    """The generated tables: the argument kinds, the result rules, then every kernel by area."""
    lines = ["### Argument kinds", "", "| kind | what core passes |", "|---|---|"]
    lines += [f"| `{k}` | {v} |" for k, v in ARG_KINDS.items()]
    lines += ["", "### Result rules", "", "| rule | what the kernel returns |", "|---|---|"]
    lines += [f"| `{k}` | {v} |" for k, v in RESULTS.items()]
    names = [n for n, o in REGISTRY.items() if o.kernel]
    for area, group in _registry.kernels_by_area(names).items():
        lines += ["", f"### {area}", "",
                  "| kernel | | arguments | result | alias | note |", "|---|---|---|---|---|---|"]
        for n in group:
            op = REGISTRY[n]
            kinds, rule, alias = spec_for(n)
            args = ", ".join(f"{a}: `{k}`" for a, k in zip(op.kernel_args, kinds))
            sig = op.kernel.split("->", 1)[1].strip() if "->" in op.kernel else ""
            derived = "" if n in SPECS else "read from the signature (no SPECS entry yet)"
            note = "; ".join(x for x in (NOTES.get(n, ""), _paren(sig), derived) if x)
            lines.append(f"| `{n}` | {'primitive' if op.primitive else 'composite'} | {args} | "
                         f"`{rule}` | {alias} | {note.replace('|', '/')} |")
    return "\n".join(lines)


def _paren(sig):
    """The registry signature's remark: the parenthesis after two spaces that ends it."""
    _, sep, remark = sig.rpartition("  (")
    return remark[:-1] if sep and remark.endswith(")") else ""


def render(text):
    """`text` (the document) with its generated part replaced by markdown()."""
    head, sep, rest = text.partition(BEGIN)
    if not sep:
        raise ValueError(f"the document has no {BEGIN!r} marker")
    _, sep, tail = rest.partition(END)
    if not sep:
        raise ValueError(f"the document has no {END!r} marker")
    return f"{head}{BEGIN}\n{markdown()}\n{END}{tail}"


def main(argv=None):
    import os
    import sys
    import tempfile

    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 2 and argv[0] == "--write":
        path = argv[1]
        with open(path, encoding="utf-8") as f:
            text = render(f.read())
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
        return 0
    if not argv:
        print(markdown())
        return 0
    print("usage: python -m ember_conformance.contract [--write docs/backend-contract.md]",
          file=sys.stderr)
    return 2


class ContractHooks:
    """The pytest hooks of ``--ember-check-contract``: the checked tables for the session, and
    a test failed for every violation it caused (even one that code under test caught)."""

    def __init__(self, names):
        self.names = names

    def pytest_sessionstart(self, session):
        install(self.names)

    def pytest_sessionfinish(self, session):
        uninstall()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        take()
        result = yield  # a test that raised keeps its own error (a violation raises too)
        found = list(dict.fromkeys(take()))
        if found:
            more = f"\n... and {len(found) - 5} more" if len(found) > 5 else ""
            pytest.fail("\n".join(found[:5]) + more, pytrace=False)
        return result


if __name__ == "__main__":
    raise SystemExit(main())
