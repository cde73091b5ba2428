"""Differential tests against PyTorch: Hypothesis draws small inputs (shapes, dtypes, values with
NaN and infinities, indices in and out of range) for the elementwise, reduction, indexing,
setitem and matmul families, and ember must give what PyTorch gives — the same values and dtype,
or an exception of the same type. Derandomized with bounded example counts, so a run is
repeatable and fast; on the NumPy and JAX backends."""

import math
import os

import numpy as np
import pytest

import ember
from ember import backends

hypothesis = pytest.importorskip("hypothesis", reason="the differential tests draw inputs with "
                                                      "Hypothesis (pip install hypothesis)")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

torch = pytest.importorskip("torch", reason="the differential tests compare against PyTorch, "
                                            "which is not installed")

BACKENDS = [pytest.param(name, marks=() if name in backends.installed() else
                         pytest.mark.skip(reason=f"backend {name} is not installed"))
            for name in ("numpy", "jax")]


# EMBER_DIFFERENTIAL_SCALE=20 draws 20 times as many examples, for a longer hunt by hand
_SCALE = int(os.environ.get("EMBER_DIFFERENTIAL_SCALE", "1"))


def _settings(n):
    return settings(max_examples=n * _SCALE, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large])


pytestmark = pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0")


@pytest.fixture(params=BACKENDS)
def on_backend(request):
    b = backends.installed()[request.param]
    if b.status != backends.AVAILABLE:
        pytest.skip(f"backend {request.param} is not available: {b.reason}")
    with ember.default_backend(request.param):
        yield request.param


# -- inputs ------------------------------------------------------------------------------------
DTYPES = ["float32", "float64", "int64", "int32", "uint8", "bool"]
_SPECIAL = [0.0, -0.0, 0.5, -1.5, 2.0, math.nan, math.inf, -math.inf]


def _values(dtype, n):
    if dtype == "bool":
        return st.lists(st.booleans(), min_size=n, max_size=n)
    if dtype == "uint8":
        return st.lists(st.integers(0, 6), min_size=n, max_size=n)
    if dtype.startswith("int"):
        return st.lists(st.integers(-6, 6), min_size=n, max_size=n)
    return st.lists(st.one_of(st.sampled_from(_SPECIAL),
                              st.floats(-4, 4, width=32, allow_subnormal=False)),
                    min_size=n, max_size=n)


shapes = st.lists(st.integers(0, 3), min_size=0, max_size=3).map(tuple)


@st.composite
def arrays(draw, shape=None, dtype=None, dtypes=DTYPES):
    """(values as a nested list, shape, dtype name)."""
    shape = draw(shapes) if shape is None else shape
    dtype = draw(st.sampled_from(dtypes)) if dtype is None else dtype
    n = int(np.prod(shape, dtype=np.int64))
    flat = draw(_values(dtype, n))
    return flat, shape, dtype


def make(lib, arr):
    flat, shape, dtype = arr
    return lib.tensor(flat, dtype=getattr(lib, dtype)).reshape(shape)


@st.composite
def broadcastable_shape(draw, shape):
    """A shape that broadcasts with `shape` (or, now and then, one that does not)."""
    if draw(st.integers(0, 9)) == 0:
        return draw(shapes)
    out = [draw(st.sampled_from((s, 1))) for s in shape]
    return tuple(out[draw(st.integers(0, len(out))):])


# -- comparing ---------------------------------------------------------------------------------
def _run(fn, lib):
    try:
        return fn(lib)
    except Exception as e:  # noqa: BLE001 - compared with PyTorch's below
        return e


def _host(t):
    """A result as (numpy array, dtype name)."""
    if isinstance(t, (tuple, list)):
        return [_host(x) for x in t]
    name = str(t.dtype).split(".")[-1]
    return np.asarray(t.detach().tolist(), dtype=object if name == "bool" else None), name


def same_as_torch(fn, rtol=1e-5, atol=1e-6):
    """`fn(lib)` gives the same result on ember as on PyTorch, or raises the same type."""
    want, got = _run(fn, torch), _run(fn, ember)
    if isinstance(want, Exception):
        assert isinstance(got, Exception), f"PyTorch raises {want!r}, ember gives {got!r}"
        assert type(got) is type(want), f"PyTorch raises {want!r}, ember {got!r}"
        return
    if isinstance(got, Exception):
        raise AssertionError(f"PyTorch gives {want!r}, ember raises {got!r}") from got
    _assert_same(_host(got), _host(want), rtol, atol)


def _assert_same(got, want, rtol, atol):
    if isinstance(want, list):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            _assert_same(g, w, rtol, atol)
        return
    (g, gd), (w, wd) = got, want
    assert gd == wd, f"dtype {gd}, PyTorch's is {wd}"
    assert g.shape == w.shape, f"shape {g.shape}, PyTorch's is {w.shape}"
    if wd == "bool" or not g.size:
        assert g.tolist() == w.tolist()
    else:
        tol = {"rtol": 1e-3, "atol": 1e-3} if wd in ("float16", "bfloat16") else \
            {"rtol": rtol, "atol": atol}
        np.testing.assert_allclose(g.astype(np.float64), w.astype(np.float64), equal_nan=True,
                                   **tol)


# -- elementwise -------------------------------------------------------------------------------
BINARY = ["add", "sub", "mul", "div", "maximum", "minimum", "eq", "lt", "remainder",
          "floor_divide", "atan2", "logical_and", "bitwise_xor"]
UNARY = ["neg", "abs", "sign", "exp", "sqrt", "floor", "trunc", "frac", "sigmoid", "tanh",
         "reciprocal", "logical_not", "bitwise_not", "isnan"]


@st.composite
def binary_case(draw):
    a = draw(arrays())
    b = draw(arrays(shape=draw(broadcastable_shape(a[1]))))
    kw = {}
    op = draw(st.sampled_from(BINARY))
    if op in ("add", "sub") and draw(st.booleans()):
        kw["alpha"] = draw(st.sampled_from([2, 0, -1, 0.5, True]))
    scalar = draw(st.sampled_from([None, None, 2, -1.5, True, 0]))
    return op, a, b, scalar, kw


@_settings(60)
@given(binary_case())
def test_binary_elementwise(on_backend, case):
    op, a, b, scalar, kw = case
    if scalar is None:
        same_as_torch(lambda lib: getattr(lib, op)(make(lib, a), make(lib, b), **kw))
    else:
        same_as_torch(lambda lib: getattr(lib, op)(make(lib, a), scalar, **kw))


@_settings(40)
@given(st.sampled_from(UNARY), arrays())
def test_unary_elementwise(on_backend, op, a):
    same_as_torch(lambda lib: getattr(lib, op)(make(lib, a)))


# -- reductions --------------------------------------------------------------------------------
REDUCTIONS = ["sum", "mean", "prod", "amax", "amin", "argmax", "argmin", "std", "var",
              "logsumexp", "all", "any"]


@_settings(50)
@given(st.sampled_from(REDUCTIONS), arrays(), st.sampled_from([None, 0, -1, (0, -1), 3]),
       st.booleans())
def test_reductions(on_backend, op, a, dim, keepdim):
    def run(lib):
        x = make(lib, a)
        f = getattr(lib, op)
        if op == "logsumexp":
            return f(x, 0 if dim is None else dim, keepdim=keepdim)
        if op in ("argmax", "argmin") and isinstance(dim, tuple):
            return f(x, dim[0], keepdim=keepdim)
        if dim is None:
            return f(x) if op not in ("std", "var") else f(x, None, keepdim=keepdim)
        return f(x, dim, keepdim=keepdim)

    same_as_torch(run, rtol=1e-4, atol=1e-5)


# -- indexing and setitem ----------------------------------------------------------------------
@st.composite
def index_item(draw, size):
    kind = draw(st.sampled_from(["int", "slice", "none", "ellipsis", "list", "mask", "empty"]))
    if kind == "int":
        return draw(st.integers(-size - 1, size))
    if kind == "slice":
        bound = st.one_of(st.none(), st.integers(-size - 1, size + 1))
        return slice(draw(bound), draw(bound), draw(st.sampled_from([None, 1, 2, -1])))
    if kind == "none":
        return None
    if kind == "ellipsis":
        return Ellipsis
    if kind == "list":  # in range: PyTorch checks list indices only where the result has elements
        return draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=3))
    if kind == "mask":
        return ("mask", draw(st.lists(st.booleans(), min_size=size, max_size=size)))
    return []


def _materialize(lib, index):
    """Masks as bool tensors of `lib`; everything else as drawn."""
    return tuple(lib.tensor(i[1], dtype=lib.bool) if isinstance(i, tuple) else i for i in index)


@st.composite
def indexing_case(draw):
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    x = draw(arrays(shape=shape, dtypes=["float32", "int64"]))
    n = draw(st.integers(1, len(shape) + 1))
    sizes = list(shape) + [1]
    index = tuple(draw(index_item(sizes[i])) for i in range(n))
    # two known differences, each pinned by an xfail test in test_silent_wrong.py: PyTorch
    # applies integer indices before advanced ones (NumPy's rules, which ember follows, move the
    # advanced dims to the front when an integer and an array are not adjacent), and it reads a
    # second `...` its own way
    hypothesis.assume(builtins_sum(i is Ellipsis for i in index) <= 1)
    hypothesis.assume(not _int_apart_from_array(index))
    return x, index


builtins_sum = sum


def _int_apart_from_array(index):
    """Whether `index` mixes integers with arrays (lists, masks) not all next to each other."""
    advanced = [i for i, item in enumerate(index)
                if isinstance(item, (int, list, tuple)) and not isinstance(item, bool)]
    has_int = any(isinstance(index[i], int) for i in advanced)
    has_array = any(not isinstance(index[i], int) for i in advanced)
    return has_int and has_array and advanced != list(range(advanced[0], advanced[-1] + 1))


@_settings(60)
@given(indexing_case())
def test_getitem(on_backend, case):
    x, index = case
    same_as_torch(lambda lib: make(lib, x)[_materialize(lib, index)])


@_settings(50)
@given(indexing_case(), st.sampled_from(["scalar", "tensor", "row"]))
def test_setitem(on_backend, case, value_kind):
    x, index = case

    def run(lib):
        t = make(lib, x)
        idx = _materialize(lib, index)
        if value_kind == "scalar":
            value = 7
        else:
            target = tuple(torch.zeros(x[1])[_materialize(torch, index)].shape)
            shape = target if value_kind == "tensor" else target[-1:]
            value = lib.arange(int(np.prod(shape, dtype=np.int64)),
                               dtype=getattr(lib, x[2])).reshape(shape) + 10
        t[idx] = value
        return t

    same_as_torch(run)


# -- matmul ------------------------------------------------------------------------------------
@st.composite
def matmul_case(draw):
    n, k, m, batch = (draw(st.integers(1, 3)) for _ in range(4))
    da = draw(st.integers(1, 3))
    db = draw(st.integers(1, 3))
    sa = {1: (k,), 2: (n, k), 3: (batch, n, k)}[da]
    sb = {1: (k,), 2: (k, m), 3: (batch, k, m)}[db]
    if draw(st.integers(0, 7)) == 0:  # a mismatch now and then
        sb = tuple(s + 1 for s in sb)
    dtype = draw(st.sampled_from(["float32", "float64", "int64", "bool"]))
    other = dtype if draw(st.integers(0, 7)) else draw(st.sampled_from(DTYPES))
    op = draw(st.sampled_from(["matmul", "mm", "mv", "dot", "bmm"]))
    return op, draw(arrays(shape=sa, dtype=dtype)), draw(arrays(shape=sb, dtype=other))


@_settings(50)
@given(matmul_case())
def test_matmul(on_backend, case):
    op, a, b = case
    same_as_torch(lambda lib: getattr(lib, op)(make(lib, a), make(lib, b)), rtol=1e-4,
                  atol=1e-4)
