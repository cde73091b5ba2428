"""The vocabulary of the sample database: tensor inputs, samples, error samples, op entries.

A sample is written with NumPy values and ember dtypes, never with tensors, so the same entry
runs on every backend and renders as a reproduction snippet. ``Make`` draws the values from a
seeded NumPy generator.
"""

import numpy as np

import ember

FLOAT = (ember.float16, ember.bfloat16, ember.float32, ember.float64)
INT = (ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64)
BOOL = (ember.bool,)
COMPLEX = (ember.complex64, ember.complex128)
ALL = BOOL + INT + FLOAT + COMPLEX

# the checks a test can run, in the order the report lists them
CHECKS = ("forward", "dtype", "grad", "gradgrad", "variants", "views", "noncontiguous", "errors",
          "rejects", "compile", "hypothesis")


def np_dtype(d):
    """The NumPy dtype `d`'s values arrive in from ``Tensor.numpy()``."""
    if d is ember.bfloat16:
        try:
            import ml_dtypes
        except ImportError:
            return None
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(d.name)


def category(d):
    """0 bool, 1 integer, 2 floating point, 3 complex (PyTorch's promotion categories)."""
    if d is ember.bool:
        return 0
    if d.is_complex:
        return 3
    return 2 if d.is_floating_point else 1


def scalar_category(v):
    return {bool: 0, int: 1, float: 2, complex: 3}[type(v)]


def weak(d, scalar):
    """The dtype of ``tensor(d) op scalar``: a Python scalar only lifts the category."""
    c = scalar_category(scalar)
    if c <= category(d):
        return d
    if c == 3:
        return ember.complex128 if d is ember.float64 else ember.complex64
    return (ember.bool, ember.int64, ember.float32)[c]


# result-dtype rules, from the op's input dtype
def same(d):
    return d


def floating(d):
    """Integers and bool give the default float dtype (float32)."""
    return d if category(d) >= 2 else ember.float32


def boolean(d):
    return ember.bool


def int64(d):
    return ember.int64


def summed(d):
    """sum: integers and bool accumulate in int64."""
    return ember.int64 if category(d) <= 1 else d


# how a T input is made (None: a new contiguous tensor): "transposed" (the last two dims of a
# transposed tensor), "stepped" (every other element of one twice as long along the last dim),
# "expanded" (values equal along dim 0, made by expanding the first row: stride 0)
LAYOUTS = (None, "transposed", "stepped", "expanded")


class T:
    """A tensor input: NumPy `values` made into an ember tensor of `dtype`.

    `grad` marks an input that gradcheck differentiates (float inputs only); `layout` makes
    the tensor with the same values a non-contiguous way (see ``LAYOUTS``).
    """

    __slots__ = ("values", "dtype", "grad", "requires_grad", "layout")

    def __init__(self, values, dtype, grad=True, requires_grad=False, layout=None):
        self.values = np.asarray(values)
        self.dtype = dtype
        self.grad = grad and dtype.is_floating_point
        self.requires_grad = requires_grad  # made with requires_grad=True in every check
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")
        self.layout = layout

    def __repr__(self):
        return f"T({self.values.shape}, {self.dtype})"


class A:
    """A raw NumPy array input (for ``from_numpy``)."""

    __slots__ = ("values", "dtype")

    def __init__(self, values, dtype):
        self.values = np.asarray(values)
        self.dtype = dtype

    def array(self):
        return self.values if self.dtype is None else self.values.astype(np_dtype(self.dtype))


class AnyValues:
    """A reference result whose values are unspecified (``empty``, random ops): shape only."""

    def __init__(self, shape):
        self.shape = tuple(shape)


class S:
    """One sample: the op's positional and keyword arguments, plus test metadata set with the
    chained methods below."""

    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs
        self.name = ""
        self.expected = None  # result dtype: a dtype, a tuple of them, or a rule d -> dtype
        self.grad = True
        self.needs = ()
        self.view = False
        self.always = False
        self.ref = None  # this sample's own reference, replacing the entry's

    def key(self):
        """Run this sample for every dtype, also in the quick selection (special values)."""
        self.always = True
        return self

    def out(self, dtype):
        """Expect this result dtype (or rule) instead of the entry's."""
        self.expected = dtype
        return self

    def no_grad(self):
        """Leave this sample out of gradcheck (a kink, a tie, or too big)."""
        self.grad = False
        return self

    def requires(self, *dtypes):
        """The sample also uses these dtypes; it is left out where the backend lacks one."""
        self.needs = dtypes
        return self

    def is_view(self):
        """The result is a view of the first argument (writes go through both ways)."""
        self.view = True
        return self

    def named(self, name):
        self.name = name
        return self


class E:
    """An error sample: calling the op with these arguments raises `exc` (PyTorch's type)."""

    def __init__(self, exc, *args, **kwargs):
        self.exc = exc
        self.args = args
        self.kwargs = kwargs
        self.needs = ()
        self.name = exc.__name__

    def requires(self, *dtypes):
        self.needs = dtypes
        return self


class Make:
    """Draws sample values for `dtype` from the seeded generator `rng`."""

    def __init__(self, dtype, rng):
        self.dtype = dtype
        self.rng = rng

    def _ints(self, shape, low, high, dtype):
        if dtype is ember.uint8:
            low, high = max(low, 0), max(high, 1)
        return self.rng.integers(low, high + 1, size=shape)

    def _draw(self, shape, dtype, low, high):
        c = category(dtype)
        if c == 0:
            return self.rng.random(shape) < 0.5
        if c == 1:
            return self._ints(shape, int(np.floor(low)), int(np.ceil(high)), dtype)
        vals = self.rng.uniform(low, high, shape)
        if c == 3:
            vals = vals + 1j * self.rng.uniform(low, high, shape)
        return vals

    def __call__(self, *shape, low=-3.0, high=3.0, dtype=None, grad=True):
        """Values in [low, high] (integers rounded outward, uint8 from 0, bool at random)."""
        dtype = dtype or self.dtype
        return T(self._draw(shape, dtype, low, high), dtype, grad)

    def away(self, *shape, gap=0.25, high=3.0, dtype=None):
        """Nonzero values, at least `gap` from 0 (no kink at 0 for abs, relu, sign, division)."""
        dtype = dtype or self.dtype
        c = category(dtype)
        if c == 0:
            return T(np.ones(shape, bool), dtype)
        if c == 1:
            mag = self.rng.integers(1, int(high) + 1, size=shape)
        else:
            mag = self.rng.uniform(gap, high, shape)
        sign = 1 if dtype is ember.uint8 else np.where(self.rng.random(shape) < 0.5, -1, 1)
        vals = mag * sign
        if c == 3:
            vals = vals + 1j * self.rng.uniform(gap, high, shape)
        return T(vals, dtype)

    def pos(self, *shape, low=0.5, high=3.0, dtype=None):
        """Positive values (the domain of log, sqrt, pow's base)."""
        dtype = dtype or self.dtype
        c = category(dtype)
        if c == 0:
            return T(np.ones(shape, bool), dtype)
        if c == 1:
            return T(self.rng.integers(max(1, int(low)), int(high) + 1, size=shape), dtype)
        vals = self.rng.uniform(low, high, shape)
        if c == 3:
            vals = vals + 1j * self.rng.uniform(0.1, 0.5, shape)
        return T(vals, dtype)

    def few(self, *shape, dtype=None):
        """Values from a small set of integers, so that ties and equalities happen."""
        dtype = dtype or self.dtype
        if dtype is ember.bool:
            return T(self.rng.random(shape) < 0.5, dtype)
        low = 0 if dtype is ember.uint8 else -2
        return T(self.rng.integers(low, low + 4, size=shape).astype(np.float64)
                 if category(dtype) >= 2 else self.rng.integers(low, low + 4, size=shape), dtype)

    def distinct(self, *shape, dtype=None):
        """Distinct values (no ties: argmax and max are then well defined and smooth)."""
        dtype = dtype or self.dtype
        n = int(np.prod(shape))
        if category(dtype) == 0:
            return self(*shape, dtype=dtype)
        start = 0 if dtype is ember.uint8 else -(n // 2)
        vals = self.rng.permutation(np.arange(start, start + n)).reshape(shape)
        if category(dtype) >= 2:
            vals = vals * 0.5 + 0.125
        return T(vals, dtype)

    def values(self, data, dtype=None, grad=True, requires_grad=False):
        """Exactly these values."""
        return T(np.asarray(data), dtype or self.dtype, grad, requires_grad)

    def index(self, data):
        """An int64 index tensor."""
        return T(np.asarray(data, dtype=np.int64), ember.int64, grad=False)

    def mask(self, *shape, data=None):
        """A bool tensor, random or given."""
        vals = self.rng.random(shape) < 0.5 if data is None else np.asarray(data, bool)
        return T(vals, ember.bool, grad=False)

    def scalar(self, kind="float"):
        """A Python scalar of the dtype's natural kind, as the dtype can hold it."""
        c = category(self.dtype)
        if c == 0:
            return True
        if c == 1:
            return 2
        if c == 3 and kind == "complex":
            return 1.5 - 0.5j
        return 1.5


class Entry:
    """One op's conformance entry.

    - `samples(make)`: the forward samples (a list of S) for ``make.dtype``;
    - `ref(*args, **kwargs)`: the float64 NumPy reference (tensor inputs arrive as float64,
      complex128, int64 or bool arrays); returns an array, a tuple of arrays, or AnyValues;
    - the dtypes the op supports and its result-dtype rule are not restated here: they come
      from the op's declaration (``OpDef.dtypes``, ``OpDef.result``); `out` overrides the
      rule only where it is ``"custom"`` or a sample family needs its own (a function of the
      input dtype);
    - `errors(make)`: error samples (a list of E);
    - `call` / `code`: how to call the op when it is not a plain public function or method,
      as a Python callable and a format string for the reproduction snippet ({0}, {1}... are
      the arguments, {kw} the keyword arguments);
    - `grad` / `gradgrad`: whether gradients are checked (default: the op is differentiable),
      `grad_kwargs`: gradcheck tolerances for this op;
    - `tol`: {dtype: (rtol, atol)} overrides; `custom`: {check: fn(ctx)} replacing a check;
    - `mutates`: the call writes into its first argument on purpose (copy_, setitem).
    """

    def __init__(self, op, samples, ref=None, *, out=None, errors=None, call=None,
                 code=None, grad=None, gradgrad=None, grad_kwargs=None, tol=None, custom=None,
                 mutates=False, noncontiguous=None, variants=True):
        self.op = op
        self.samples = samples
        self.ref = ref
        self._out = out
        self.errors = errors
        self.call = call
        self.code = code
        self.grad = grad
        self.gradgrad = gradgrad
        self.grad_kwargs = grad_kwargs or {}
        self.tol = tol or {}
        self.custom = custom or {}
        self.mutates = mutates
        self.noncontiguous = noncontiguous
        self.variants = variants

    @property
    def dtypes(self):
        """The dtypes the op accepts: its declaration's."""
        return ember.ops.REGISTRY[self.op].dtypes

    @property
    def out(self):
        """The result-dtype rule: the entry's own, else the declaration's by name."""
        if self._out is not None:
            return self._out
        op = ember.ops.REGISTRY[self.op]
        return same if op.result == "custom" else op.result_dtype

    def __repr__(self):
        return f"Entry({self.op!r})"
