"""The sample database's first part: conversion, creation, indexing, shape, reductions, the
first elementwise ops, matmul and random (one Entry per op; see ``ember_conformance.samples``).

The helpers here (``binary_samples``, ``unary_samples``, ``_quiet`` ...) are shared by the other
parts of the database.
"""

import numpy as np

import ember

from ..entries import (ALL, BOOL, COMPLEX, FLOAT, INT, A, AnyValues, E, Entry, S, boolean,
                      category, floating, int64, np_dtype, same, summed, weak)

inf, nan = float("inf"), float("nan")
NUMERIC = INT + FLOAT + COMPLEX
REAL = INT + FLOAT


class _Code(str):
    """A snippet's call of ``ember.nn.functional.<name>``, for any number of arguments."""

    def format(self, *parts, kw=""):
        return f"{self}({', '.join(parts)}{kw})"


def _functional(name):
    """`call` and `code` for an op reached as ``ember.nn.functional.<name>``."""
    import ember.nn.functional as F

    return dict(call=getattr(F, name), code=_Code(f"ember.nn.functional.{name}"))


# -- helpers for the references --------------------------------------------------------------------
def _axis(dim, ndim=1):
    """An ember dim argument as NumPy's axis (a 0-d input reduces over nothing)."""
    if dim is None or dim == () or ndim == 0:
        return None
    return tuple(dim) if isinstance(dim, (tuple, list)) else dim


def _first(rule):
    """A rule applied to a sample whose second operand is a Python scalar."""
    def with_scalar(scalar):
        return lambda d: rule(weak(d, scalar))
    return with_scalar


# -- elementwise -----------------------------------------------------------------------------------
def binary_samples(a, b, rule=same, scalars=(2, 1.5), alpha=False, promotions=True):
    """Samples of a binary elementwise op: shapes, broadcasting, 0-d, empty, Python scalars.

    `a` and `b` draw the two operands (``make``, ``make.pos`` ...); `rule` gives the result
    dtype from the operands' dtype.
    """
    def samples(m):
        out = [
            S(a(m, 2, 3), b(m, 2, 3)).named("same shape"),
            S(a(m, 2, 1), b(m, 3)).named("broadcast"),
            S(a(m, 2, 1, 2), b(m, 3, 1)).named("broadcast 3-d"),
            S(a(m), b(m)).named("0-d"),
            S(a(m, 3), b(m)).named("0-d other"),
            S(a(m), b(m, 2)).named("0-d input"),
            S(a(m, 0, 3), b(m, 3)).named("empty"),
            S(a(m, 4, 5), b(m, 4, 5)).named("larger"),
        ]
        for sc in scalars:
            if isinstance(sc, complex) and category(m.dtype) < 2:
                continue
            s = S(a(m, 2, 3), sc).out(_first(rule)(sc)).named(f"scalar {sc!r}")
            out.append(s.no_grad() if isinstance(sc, complex) else s)
        if alpha and category(m.dtype) >= 1:
            out.append(S(a(m, 2, 3), b(m, 2, 3), alpha=2).named("alpha"))
        if promotions and m.dtype is ember.float32:
            out += promotion_samples(m, a, b, rule)
        return out

    return samples


def promotion_samples(m, a, b, rule):
    """Mixed-dtype operands (run once, with the float32 samples): PyTorch's promotion rules."""
    f64, f16, i32, u8, i8, i64, c64 = (ember.float64, ember.float16, ember.int32, ember.uint8,
                                       ember.int8, ember.int64, ember.complex64)
    return [
        S(a(m, 3), b(m, dtype=f64)).out(rule(ember.float32)).requires(f64)
        .named("float32 with 0-d float64"),
        S(a(m, 3, dtype=i32), b(m, 3, dtype=f16)).out(rule(f16)).requires(i32, f16)
        .named("int32 with float16"),
        S(a(m, 3, dtype=u8), b(m, 3, dtype=i8)).out(rule(ember.int16)).requires(u8, i8)
        .named("uint8 with int8"),
        S(a(m, 3, dtype=ember.bool), b(m, dtype=i64)).out(rule(i64)).requires(i64)
        .named("bool with 0-d int64"),
        S(a(m, 3, dtype=i64), b(m, 3, dtype=f64)).out(rule(f64)).requires(i64, f64)
        .named("int64 with float64"),
        S(a(m, 3), b(m, dtype=c64)).out(rule(c64)).requires(c64)
        .named("float32 with 0-d complex64"),
    ]


def _any(m, *shape, dtype=None):
    return m(*shape, dtype=dtype)


def _away(m, *shape, dtype=None):
    return m.away(*shape, dtype=dtype)


def _pos(m, *shape, dtype=None):
    return m.pos(*shape, dtype=dtype)


def _exponent(m, *shape, dtype=None):
    d = dtype or m.dtype
    if category(d) <= 1:  # integers to negative powers are an error
        return m(*shape, low=0, high=3, dtype=d)
    return m(*shape, low=-2, high=2, dtype=d)


def _few(m, *shape, dtype=None):
    return m.few(*shape, dtype=dtype)


def _distinct(m, *shape, dtype=None):
    return m.distinct(*shape, dtype=dtype)


def binary_errors(fn_name, tensors_only=False):
    def errors(m):
        out = [E(RuntimeError, m(2, 3), m(4)), E(TypeError, m(2, 3), "a")]
        if tensors_only:
            out.append(E(TypeError, m(2, 3), 2))
        return out
    return errors


def maxmin_samples(m):
    out = binary_samples(_any, _any, scalars=(), promotions=False)(m)
    out.append(S(m.few(3, 4), m.few(3, 4)).no_grad().named("ties"))
    if m.dtype.is_floating_point:
        out.append(S(m.values([1.0, nan, 3.0]), m.values([nan, 2.0, 1.0])).no_grad()
                   .key().named("nan propagates"))
    return out


def unary_samples(gen, special=None):
    """Samples of a unary elementwise op; `special` adds exact values (nan, inf, 0, ...)."""
    def samples(m):
        out = [S(gen(m, 2, 3)).named("2-d"), S(gen(m)).named("0-d"),
               S(gen(m, 0, 2)).named("empty"), S(gen(m, 2, 1, 3)).named("3-d"),
               S(gen(m, 5, 6)).named("larger")]
        if special is not None and m.dtype.is_floating_point:
            out.append(S(m.values(special)).no_grad().key().named("special values"))
        return out
    return samples


def _quiet(fn):
    """`fn` without NumPy's warnings for nan, inf and division by zero; bool arrays count as
    0 and 1 (NumPy would compute in float16)."""
    def ref(*args, **kwargs):
        args = [a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype == bool else a
                for a in args]
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    return ref


def _real_of(d):
    """abs of a complex tensor is real (complex64 -> float32), as PyTorch."""
    return {ember.complex64: ember.float32, ember.complex128: ember.float64}.get(d, d)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _no_bool_error(m):
    return [E(RuntimeError, m(3, dtype=ember.bool)), E(TypeError, "a")]


def _float_unary_errors(m):
    return [E(TypeError, "a"), E(TypeError, [1.0, 2.0])]


def _comparison(fn, dtypes=REAL + BOOL):
    return dict(samples=binary_samples(_few, _few, rule=boolean, scalars=(1, 1.5),
                                       promotions=False),
                ref=fn, dtypes=dtypes, out=boolean, errors=binary_errors(""))


def where_samples(m):
    c = m.mask
    out = [
        S(c(2, 3), m(2, 3), m(2, 3)).named("same shape"),
        S(c(2, 1), m(3), m(2, 3)).named("broadcast all three"),
        S(c(), m(2), m(2)).named("0-d condition"),
        S(c(3), m(3), m.scalar()).out(lambda d: weak(d, m.scalar())).named("scalar other"),
        S(c(3), 0, m(3)).out(lambda d: weak(d, 0)).named("scalar input"),
        S(c(0, 2), m(0, 2), m(2)).named("empty"),
    ]
    if category(m.dtype) <= 1:
        out.append(S(c(3), m(3), 0.5).out(ember.float32).named("float scalar lifts"))
    if m.dtype is ember.float32:
        out.append(S(c(3), m(3), m(3, dtype=ember.float64)).out(ember.float64)
                   .requires(ember.float64).named("promotes"))
    return out


def where_errors(m):
    return [E(RuntimeError, m(3, dtype=ember.float32), m(3), m(3)),
            E(RuntimeError, m.mask(2), m(3), m(2)),
            E(TypeError, [True, False], m(2), m(2))]


def _where_method(ctx):
    """PyTorch's ``x.where(condition, y)`` is ``where(condition, x, y)``: self is the input."""
    from ..checks import _same

    for i, s in enumerate(ctx.samples()):
        if len(s.args) != 3 or not all(hasattr(a, "values") for a in s.args[:2]):
            continue
        try:
            with ember.default_backend(ctx.backend.name):
                cond, x, y = ctx.materialize(s.args)
                want = ember.where(cond, x, y)
                got = x.where(cond, y)
        except Exception as exc:  # noqa: BLE001
            ctx.raised(i, s, exc)
            continue
        diff = _same(want, got)
        if diff:
            ctx.fail_sample(i, s, f"x.where(condition, y) differs from where(condition, x, y): "
                                  f"{diff}", tail=["print(x1.where(x0, x2))"])
    ctx.finish("Tensor.where does not take self as the input")


# -- reductions ------------------------------------------------------------------------------------
def sum_samples(m):
    out = [S(m(2, 3)).named("all"), S(m(2, 3), 1).named("dim"),
           S(m(2, 3), -1, keepdim=True).named("negative dim, keepdim"),
           S(m(2, 3, 2), (0, 2)).named("dims"), S(m(2, 3, 2), (-1, 0), keepdim=True)
           .named("dims, keepdim"),
           S(m()).named("0-d"), S(m(), 0).named("0-d, dim 0"),
           S(m(0, 3)).named("empty"), S(m(0, 3), 0).named("empty along dim"),
           S(m(4, 5), 1).named("larger")]
    if category(m.dtype) <= 2 and m.dtype is not ember.float64:
        out.append(S(m(2, 3), dtype=ember.float64).out(ember.float64).requires(ember.float64)
                   .named("dtype=float64"))
    return out


def _sum_ref(a, dim=None, keepdim=False, dtype=None):
    return np.sum(a, axis=_axis(dim, a.ndim), keepdims=keepdim)


def _mean_ref(a, dim=None, keepdim=False, dtype=None):
    axis = _axis(dim, a.ndim)
    total = np.sum(a, axis=axis, keepdims=keepdim)
    count = a.size if axis is None else int(np.prod([a.shape[d] for d in np.atleast_1d(axis)]))
    with np.errstate(all="ignore"):
        return total / count if count else total * nan


def reduce_errors(m):
    return [E(IndexError, m(2, 3), 2), E(IndexError, m(2, 3), -3),
            E(RuntimeError, m(2, 3), (0, 0)), E(TypeError, "a")]


def extreme_samples(m):
    d = m.distinct
    return [S(d(2, 3)).named("all"), S(d(2, 3), 1).named("dim"),
            S(d(2, 3), -1, keepdim=True).named("negative dim, keepdim"),
            S(d(2, 3, 2), (0, 2)).named("dims"), S(m()).named("0-d"), S(m(), 0).named("0-d, dim"),
            S(m(0, 3), 1).named("empty, reducing a non-empty dim"),
            S(m.few(3, 4), 1).no_grad().named("ties"), S(m.few(3, 4)).no_grad().named("ties, all")]


def _extreme_ref(fn):
    def ref(a, dim=(), keepdim=False):
        return fn(a, axis=_axis(dim, a.ndim), keepdims=keepdim)
    return ref


def extreme_errors(m):
    return reduce_errors(m) + [E(RuntimeError, m(0, 3)), E(IndexError, m(0, 3), 0)]


def arg_samples(m):
    d = m.distinct
    return [S(d(2, 3)).named("flattened"), S(d(2, 3), 1).named("dim"),
            S(d(2, 3), -1, keepdim=True).named("keepdim"), S(m()).named("0-d"),
            S(m(), 0).named("0-d, dim"), S(m(0, 3), 1).named("empty, along a non-empty dim"),
            S(m.few(3, 4), 1).key().named("ties give the first index"),
            S(m.few(3, 4)).named("ties, flattened")]


def _arg_ref(fn):
    def ref(a, dim=None, keepdim=False):
        return np.asarray(fn(a, axis=_axis(dim, a.ndim), keepdims=keepdim))
    return ref


def arg_errors(m):
    return [E(IndexError, m(2, 3), 2), E(IndexError, m(0, 3)), E(IndexError, m(0, 3), 0),
            E(TypeError, "a")]


def maxmin_reduce_samples(m):
    d = m.distinct
    pair = lambda dt: (dt, ember.int64)  # noqa: E731
    return [S(d(2, 3)).named("all"), S(d(2, 3), 1).out(pair).named("dim"),
            S(d(2, 3), -1, keepdim=True).out(pair).named("negative dim, keepdim"),
            S(d(2, 3), d(2, 3)).named("with another tensor: elementwise"),
            S(m(), 0).out(pair).named("0-d, dim"), S(m()).named("0-d"),
            S(m.few(3, 4), 1).out(pair).no_grad().named("ties: first index")]


def _maxmin_ref(fn, arg):
    def ref(a, dim=None, keepdim=False, *, other=None):
        if isinstance(dim, np.ndarray):
            dim, other = None, dim
        if other is not None:
            return (np.maximum if fn is np.max else np.minimum)(a, other)
        if dim is None:
            return fn(a)
        axis = _axis(dim, a.ndim)
        return fn(a, axis=axis, keepdims=keepdim), arg(a, axis=axis, keepdims=keepdim)
    return ref


def maxmin_reduce_errors(m):
    return [E(IndexError, m(2, 3), 2), E(RuntimeError, m(0, 3)), E(IndexError, m(0, 3), 0),
            E(TypeError, m(2, 3), keepdim=True), E(TypeError, "a")]


# -- shape -----------------------------------------------------------------------------------------
def _reshape_samples(views):
    """reshape and view share samples; only view promises a view (reshape may copy)."""
    def samples(m):
        out = [S(m(2, 3), (3, 2)).named("2-d"), S(m(6), (2, -1)).named("inferred dim"),
               S(m(), (1,)).named("0-d to 1-d"), S(m(1), ()).named("1-d to 0-d"),
               S(m(0, 3), (3, 0)).named("empty"), S(m(2, 3, 2), (-1,)).named("flatten"),
               S(m(4, 5), (5, 2, 2)).named("larger")]
        if views:
            for s in out:
                if s.name != "empty":
                    s.is_view()
        return out
    return samples


def _reshape_ref(a, shape):
    return a.reshape(shape)


def reshape_errors(m):
    return [E(RuntimeError, m(2, 3), (4, 2)), E(RuntimeError, m(2, 3), (-1, -1)),
            E(TypeError, m(2, 3), "a"), E(RuntimeError, m(2, 3), (0, -1))]


def flatten_samples(m):
    return [S(m(2, 3, 2)).named("all"), S(m(2, 3, 2), 1).named("start_dim"),
            S(m(2, 3, 2), 0, -2).named("end_dim"), S(m()).named("0-d"),
            S(m(0, 3)).named("empty"), S(m(3)).named("1-d")]


def _flatten_ref(a, start_dim=0, end_dim=-1):
    if a.ndim == 0:
        return a.reshape(1)
    s, e = start_dim % a.ndim, end_dim % a.ndim
    return a.reshape(a.shape[:s] + (-1 if a.size else int(np.prod(a.shape[s:e + 1])),)
                     + a.shape[e + 1:])


def flatten_errors(m):
    return [E(RuntimeError, m(2, 3, 2), 2, 1), E(IndexError, m(2, 3, 2), 0, 3)]


def permute_samples(m):
    return [S(m(2, 3, 2), (2, 0, 1)).is_view().named("3-d"), S(m(2, 3), (1, 0)).is_view()
            .named("2-d"),
            S(m(2, 3, 2), (-1, 0, 1)).is_view().named("negative dims"), S(m(), ()).named("0-d"),
            S(m(0, 3), (1, 0)).named("empty")]


def permute_errors(m):
    return [E(RuntimeError, m(2, 3), (0,)), E(RuntimeError, m(2, 3), (0, 0)),
            E(IndexError, m(2, 3), (0, 2))]


def transpose_samples(m):
    return [S(m(2, 3), 0, 1).is_view().named("2-d"), S(m(2, 3, 2), 0, -1).is_view()
            .named("3-d, negative dim"),
            S(m(3), 0, 0).is_view().named("1-d"), S(m(), 0, -1).named("0-d"),
            S(m(0, 3), 0, 1).named("empty"), S(m(2, 3), 1, 1).is_view().named("same dim")]


def _transpose_ref(a, d0, d1):
    return np.swapaxes(a, d0, d1) if a.ndim else a


def squeeze_samples(m):
    return [S(m(1, 3, 1)).is_view().named("all"), S(m(1, 3, 1), 0).is_view().named("dim"),
            S(m(1, 3, 1), -1).is_view().named("negative dim"),
            S(m(1, 3, 1), 1).is_view().named("not size 1: unchanged"),
            S(m(1, 3, 1), (0, 2)).is_view().named("dims"), S(m()).named("0-d"),
            S(m(0, 1)).named("empty")]


def _squeeze_ref(a, dim=None):
    if dim is None:
        dims = range(a.ndim)
    else:
        dims = [d % max(a.ndim, 1) for d in (dim if isinstance(dim, tuple) else (dim,))]
    shape = tuple(s for i, s in enumerate(a.shape) if not (i in dims and s == 1))
    return a.reshape(shape)


def unsqueeze_samples(m):
    return [S(m(2, 3), 0).is_view().named("front"), S(m(2, 3), -1).is_view().named("back"),
            S(m(2, 3), 1).is_view().named("middle"), S(m(), 0).is_view().named("0-d"),
            S(m(0, 3), 1).named("empty")]


def _unsqueeze_ref(a, dim):
    return np.expand_dims(a, dim % (a.ndim + 1))


def dim_errors(n_args):
    def errors(m):
        return [E(IndexError, m(2, 3), *([3] * n_args))]
    return errors


def expand_samples(m):
    return [S(m(3, 1), (3, 4)).named("size-1 dim"), S(m(3), (2, 3)).named("new leading dim"),
            S(m(3, 1), (-1, 2)).named("-1 keeps a dim"), S(m(), (2, 2)).named("0-d"),
            S(m(1, 3), (0, 3)).named("to empty"), S(m(2, 3), (2, 3)).named("same shape")]


def _expand_ref(a, shape):
    shape = tuple(a.shape[i - (len(shape) - a.ndim)] if s == -1 else s
                  for i, s in enumerate(shape))
    return np.broadcast_to(a, shape)


def expand_errors(m):
    return [E(RuntimeError, m(2, 3), (3, 3)), E(RuntimeError, m(2, 3), (3,)),
            E(RuntimeError, m(2, 3), (-1, 2, 3))]


def cat_samples(m):
    out = [S([m(2, 3), m(1, 3)]).named("dim 0"), S([m(2, 3), m(2, 2)], 1).named("dim 1"),
           S([m(2, 1), m(2, 2), m(2, 1)], -1).named("three, negative dim"),
           S([m(0, 3), m(2, 3)]).named("an empty input"), S([m(2, 3), m(0)])
           .named("a legacy 1-d empty input"), S([m(3)]).named("one input")]
    if m.dtype is ember.float32:
        out.append(S([m(2), m(2, dtype=ember.float64)]).out(ember.float64)
                   .requires(ember.float64).named("promotes"))
    return out


def _cat_ref(arrays, dim=0):
    ref = next(a for a in arrays if a.shape != (0,) or len(arrays) == 1)
    keep = [a for a in arrays if not (a.shape == (0,) and ref.ndim != 1)]
    return np.concatenate(keep, axis=dim)


def cat_errors(m):
    return [E(RuntimeError, [m(2, 3), m(2, 2)]), E(RuntimeError, [m(2, 3), m(3)]),
            E(ValueError, []), E(TypeError, m(2, 3)), E(IndexError, [m(2, 3), m(2, 3)], 2)]


def stack_samples(m):
    out = [S([m(2, 3), m(2, 3)]).named("dim 0"), S([m(2, 3), m(2, 3)], 2).named("last dim"),
           S([m(2, 3), m(2, 3), m(2, 3)], -1).named("negative dim"),
           S([m(), m()]).named("0-d inputs"), S([m(0, 2), m(0, 2)], 1).named("empty")]
    if m.dtype is ember.float32:
        out.append(S([m(2), m(2, dtype=ember.float64)]).out(ember.float64)
                   .requires(ember.float64).named("promotes"))
    return out


def stack_errors(m):
    return [E(RuntimeError, [m(2, 3), m(3, 2)]), E(RuntimeError, []),
            E(IndexError, [m(2, 3), m(2, 3)], 4)]


# -- indexing --------------------------------------------------------------------------------------
def getitem_samples(m):
    x = m(4, 3)
    return [
        S(x, 1).is_view().named("int"), S(x, -1).is_view().named("negative int"),
        S(x, slice(1, 3)).is_view().named("slice"), S(x, slice(None, None, 2)).is_view()
        .named("step"),
        S(x, (slice(None), 1)).is_view().named("column"), S(x, None).is_view().named("None"),
        S(x, (Ellipsis, 0)).is_view().named("ellipsis"), S(x, (1, 2)).named("element (0-d)"),
        S(x, m.index([0, 2, 2])).named("int tensor, repeated"), S(x, [0, 3]).named("list"),
        S(x, m.mask(4)).named("bool mask of rows"), S(x, m.mask(4, 3)).named("bool mask"),
        S(x, (m.index([0, 1]), slice(1, None))).named("tensor and slice"),
        S(x, (m.index([0, 2]), m.index([1, 0]))).named("two tensors"),
        S(x, slice(2, 2)).named("empty slice"),
        S(m(2, 3, 2), (Ellipsis, m.index([1, 0]))).named("ellipsis and tensor"),
        S(m(), None).named("0-d, None"), S(m(), ()).named("0-d, ()"),
    ]


def _getitem_ref(a, index):
    return a[index]


def getitem_errors(m):
    x = m(4, 3)
    return [E(IndexError, x, 4), E(IndexError, x, -5), E(IndexError, x, (0, 0, 0)),
            E(IndexError, x, m.values([1.0], dtype=ember.float32)), E(IndexError, x, 1.5),
            E(ValueError, x, slice(None, None, -1)), E(IndexError, x, m.index([4]))]


def _setitem(x, index, value):
    out = x.clone()
    out[index] = value
    return out


def setitem_samples(m):
    x = m(4, 3)
    return [
        S(x, 1, m.scalar()).named("row = scalar"),
        S(x, (slice(None), 0), m(4)).named("column = tensor"),
        S(x, m.mask(4, 3), m.scalar("int")).named("mask = scalar"),
        S(x, m.index([0, 2]), m(2, 3)).named("rows by index = tensor"),
        S(x, Ellipsis, m(3)).named("everything = broadcast row"),
        S(x, slice(1, 3), m(1, 3)).named("slice = broadcast"),
        S(m(), (), m()).named("0-d"),
    ]


def _setitem_ref(a, index, value):
    out = a.copy()
    out[index] = value
    return out


def setitem_errors(m):
    return [E(IndexError, m(4, 3), 4, 1), E(RuntimeError, m(3), slice(0, 2), m(3))]


def _setitem_inplace(ctx):
    """``x[i] = v`` keeps the tensor object, bumps its version and writes the values."""
    from ..checks import compare, host, tolerance

    for i, s in enumerate(ctx.samples()):
        try:
            with ember.default_backend(ctx.backend.name):
                x, index, value = ctx.materialize(s.args)
                expected = _setitem_ref(host(x), *[_host(v) for v in (index, value)])
                ident, version = id(x), x._version
                x[index] = value
        except Exception as exc:  # noqa: BLE001
            ctx.raised(i, s, exc)
            continue
        if x._version <= version or id(x) != ident:
            ctx.fail_sample(i, s, "x[index] = value did not bump the tensor's version")
            continue
        problem = compare(x, expected, x.dtype, tolerance(ctx.entry, x.dtype))
        if problem:
            ctx.fail_sample(i, s, f"x[index] = value wrote the wrong values: {problem}")
    ctx.finish("setitem is not a proper in-place write")


def _host(v):
    from ..checks import to_host

    return to_host(v)


def index_put_samples(m):
    x = m(4, 3)
    return [
        S(x, (m.index([0, 2]),), m(2, 3)).named("rows"),
        S(x, (m.index([0, 2]), m.index([1, 1])), m(2)).named("elements"),
        S(x, (m.index([1, 1, 3]),), m(3, 3), True).named("accumulate repeated rows"),
        S(x, (m.mask(4),), m(3)).named("bool mask, broadcast values"),
        S(x, (m.index([0, 2]),), m()).named("0-d value"),
    ]


def _index_put_ref(a, indices, values, accumulate=False):
    out = a.copy()
    if accumulate:
        np.add.at(out, indices, values)
    else:
        out[indices] = values
    return out


def index_put_errors(m):
    return [E(RuntimeError, m(3), (m.index([0, 1]),), m(3)),
            E(IndexError, m(3), (m.index([5]),), m(1))]


# -- linear algebra --------------------------------------------------------------------------------
def matmul_samples(m):
    out = [S(m(2, 3), m(3, 4)).named("2-d @ 2-d"), S(m(3), m(3)).named("1-d @ 1-d"),
           S(m(3), m(3, 2)).named("1-d @ 2-d"), S(m(2, 3), m(3)).named("2-d @ 1-d"),
           S(m(2, 2, 3), m(3, 2)).named("batched @ 2-d"),
           S(m(2, 1, 2, 3), m(3, 3, 2)).named("broadcast batches"),
           S(m(0, 3), m(3, 2)).named("empty rows"), S(m(2, 0), m(0, 3)).named("empty inner")]
    return out


def matmul_errors(m):
    return [E(RuntimeError, m(2, 3), m(2, 2)), E(RuntimeError, m(), m(2)),
            E(RuntimeError, m(3), m(4)),
            E(RuntimeError, m(2, 2, dtype=ember.float32), m(2, 2, dtype=ember.float64))
            .requires(ember.float32, ember.float64),
            E(TypeError, m(2, 2), [[1.0, 2.0], [3.0, 4.0]])]


# -- conversion ------------------------------------------------------------------------------------
_CAST_TARGETS = (ember.float32, ember.float64, ember.int64, ember.int32, ember.uint8, ember.bool,
                 ember.float16, ember.bfloat16, ember.complex64)


def astype_samples(m):
    d = m.dtype
    values = m.values(np.array([[0.0, 0.5, 1.75], [2.0, 3.25, 0.0]]) if category(d) >= 2 else
                      np.array([[0, 1, 2], [3, 0, 1]]) if category(d) == 1 else
                      np.array([[True, False, True], [False, False, True]]))
    if category(d) == 3:
        values = m.values(values.values + 0.5j)
    out = []
    for target in _CAST_TARGETS:
        if category(d) == 3 and category(target) < 3:
            continue  # casting complex to real drops the imaginary part (and warns)
        s = S(values, target).out(target).named(f"to {target.name}")
        if target not in (ember.float32, ember.float64) or not d.is_floating_point:
            s.no_grad()
        out.append(s.requires(target))
    if d.is_floating_point:
        neg = m.values(np.array([-1.5, -0.25, 2.75]))
        out += [S(neg, t).out(t).requires(t).no_grad().named(f"negative to {t.name}")
                for t in (ember.int64, ember.int32)]
    wide = ember.complex128 if category(d) == 3 else ember.float64
    out.append(S(m(), wide).out(wide).requires(wide).named("0-d"))
    narrow = ember.complex64 if category(d) == 3 else ember.int64
    out.append(S(m(0, 2), narrow).out(narrow).requires(narrow).no_grad().named("empty"))
    return out


def _astype_ref(a, dtype):
    return a.astype(np_dtype(dtype) or np.float64)


def _astype_variants(ctx):
    """``x.to(d)``, ``x.to(dtype=d)``, ``x.type(d)`` and the named casts (``x.float()``) agree."""
    from ..checks import _same

    named = {ember.float32: "float", ember.float64: "double", ember.float16: "half",
             ember.bfloat16: "bfloat16", ember.int64: "long", ember.int32: "int",
             ember.bool: "bool", ember.uint8: "byte", ember.complex64: "cfloat"}
    for i, s in enumerate(ctx.samples()):
        _, target = s.args
        try:
            with ember.default_backend(ctx.backend.name):
                x = ctx.materialize(s.args[0])
                want = x.to(target)
                forms = {"to(dtype=...)": x.to(dtype=target), "type(...)": x.type(target)}
                if target in named:
                    forms[f".{named[target]}()"] = getattr(x, named[target])()
        except Exception as exc:  # noqa: BLE001
            ctx.raised(i, s, exc)
            continue
        for label, got in forms.items():
            diff = _same(want, got)
            if diff:
                ctx.fail_sample(i, s, f"x{label} differs from x.to(dtype): {diff}")
        if target is x.dtype and want is not x:
            ctx.fail_sample(i, s, "x.to(x.dtype) should return x itself")
    ctx.finish("the casts disagree")


def _clone_views(ctx):
    """A clone owns its memory: writing into it leaves the original alone."""
    from ..checks import host

    s = S(ctx.make()(2, 3))
    with ember.default_backend(ctx.backend.name):
        x = ctx.materialize(s.args[0])
        before = host(x).copy()
        c = ember.clone(x)
        c.add_(1)
    if not np.array_equal(host(x), before):
        ctx.fail_sample(0, s, "writing into the clone changed the original",
                        tail=["out.add_(1)", "print(x0)  # unchanged"])
    ctx.finish("clone shares memory")


def _numpy_views(ctx):
    """``t.numpy()`` shares memory with the tensor exactly when the backend declares
    ``shares_numpy_memory``."""
    from ..checks import host

    shares = ctx.backend.shares_numpy_memory
    s = S(ctx.make()(2, 3))
    with ember.default_backend(ctx.backend.name):
        x = ctx.materialize(s.args[0])
        arr = x.numpy()
        before = host(x).copy()
        if shares:
            arr += 1
            if not np.allclose(host(x), before + 1):
                ctx.fail_sample(0, s, "the backend declares shares_numpy_memory, but writing "
                                      "into t.numpy() did not change the tensor",
                                tail=["out += 1", "print(x0)  # changed too"])
        elif arr.flags.writeable:
            arr += 1
            if not np.allclose(host(x), before):
                ctx.fail_sample(0, s, "the backend does not declare shares_numpy_memory, but "
                                      "writing into t.numpy() changed the tensor",
                                tail=["out += 1", "print(x0)  # unchanged"])
    ctx.finish("numpy() memory sharing differs from the declared capability")


def _from_numpy_views(ctx):
    """``from_numpy(a)`` shares memory with `a` exactly when the backend declares
    ``shares_numpy_memory`` (otherwise it copies)."""
    from ..checks import host

    shares = ctx.backend.shares_numpy_memory
    s = S(A(np.arange(6.0).reshape(2, 3), ctx.dtype))
    with ember.default_backend(ctx.backend.name):
        arr = s.args[0].array()
        t = ember.from_numpy(arr)
        before = host(t).copy()
        arr += 1
    now = host(t)
    if shares and not np.allclose(now, before + 1):
        ctx.fail_sample(0, s, "the backend declares shares_numpy_memory, but the tensor did not "
                              "see a write into the NumPy array", tail=["a0 += 1", "print(out)"])
    if not shares and not np.allclose(now, before):
        ctx.fail_sample(0, s, "the backend does not share NumPy memory, yet the tensor changed "
                              "with the NumPy array", tail=["a0 += 1", "print(out)"])
    ctx.finish("from_numpy memory sharing differs from the declared capability")


def _simple_samples(m):
    return [S(m(2, 3)).named("2-d"), S(m()).named("0-d"), S(m(0, 3)).named("empty"),
            S(m(2, 1, 3)).named("3-d")]


def _numpy(x):
    return x.numpy()


def numpy_errors(m):
    return [E(RuntimeError, m.values([1.0, 2.0], dtype=ember.float32, requires_grad=True))
            .requires(ember.float32)]


def from_numpy_samples(m):
    vals = m(2, 3).values
    return [S(A(vals, m.dtype)).named("2-d"), S(A(m().values, m.dtype)).named("0-d"),
            S(A(m(0, 3).values, m.dtype)).named("empty")]


def from_numpy_errors(m):
    return [E(TypeError, [1, 2]), E(TypeError, A(np.array(["a"]), None))]


def tensor_samples(m):
    d = m.dtype
    vals = m(2, 3).values
    out = [S(vals.tolist(), dtype=d).named("nested list"), S(m().values.item(), dtype=d)
           .named("0-d scalar"), S([], dtype=d).named("empty"),
           S(A(vals, d if d is not ember.bfloat16 else ember.float32), dtype=d)
           .named("NumPy array, dtype=")]
    if d is not ember.bfloat16:
        out.append(S(A(vals, d)).named("NumPy array keeps its dtype"))
    if d is ember.float32:
        out += [S([1, 2]).out(ember.int64).named("ints infer int64"),
                S([1.5, 2]).out(ember.float32).named("floats infer the default dtype"),
                S(True).out(ember.bool).named("bool"),
                S([[1, 2.5], [3, 4]]).out(ember.float32).named("mixed int and float"),
                S(2 + 1j).out(ember.complex64).requires(ember.complex64).named("complex"),
                S(A(vals, ember.float64)).out(ember.float64).requires(ember.float64)
                .named("float64 array")]
    return out


def _tensor_ref(data, dtype=None):
    return np.asarray(data)


def tensor_errors(m):
    return [E(ValueError, [[1, 2], [3]]), E(TypeError, "abc"), E(RuntimeError, None)]


def _copy(dst, src):
    return dst.copy_(src)


def copy_samples(m):
    out = [S(m(2, 3, grad=False), m(2, 3)).named("same shape"),
           S(m(2, 3, grad=False), m(3)).named("broadcast"),
           S(m(2, 3, grad=False), m()).named("0-d source"),
           S(m(0, 3, grad=False), m(3)).named("empty")]
    src = m.values(np.array([[0, 1, 2], [3, 0, 1]]), dtype=ember.int64)
    out.append(S(m(2, 3, grad=False), src).requires(ember.int64).named("from int64"))
    return out


def _copy_ref(dst, src):
    return np.broadcast_to(src, dst.shape).copy()


def copy_errors(m):
    return [E(RuntimeError, m(2, 3), m(4)), E(TypeError, m(2, 3), [1, 2])]


def _copy_inplace(ctx):
    """``x.copy_(src)`` returns x itself and bumps its version."""
    for i, s in enumerate(ctx.samples()):
        with ember.default_backend(ctx.backend.name):
            dst, src = ctx.materialize(s.args)
            ident, version = id(dst), dst._version
            try:
                r = dst.copy_(src)
            except Exception as exc:  # noqa: BLE001
                ctx.raised(i, s, exc)
                continue
        if r is not dst or id(dst) != ident:
            ctx.fail_sample(i, s, "copy_ returned a new object instead of the tensor itself")
        elif dst._version <= version:
            ctx.fail_sample(i, s, "copy_ did not bump the tensor's version")
    ctx.finish("copy_ is not a proper in-place write")


# -- creation --------------------------------------------------------------------------------------
def full_samples(m):
    v = m.scalar("complex")
    d = m.dtype
    out = [S((2, 3), v, dtype=d).named("2-d"), S((), v, dtype=d).named("0-d"),
           S((0, 3), v, dtype=d).named("empty"), S([2, 2], v, dtype=d).named("list size")]
    if d is ember.float32:
        out += [S((2,), 1.5).out(ember.float32).named("float fill infers the default dtype"),
                S((2,), 7).out(ember.int64).named("int fill infers int64"),
                S((2,), True).out(ember.bool).named("bool fill infers bool")]
    return out


def _full_ref(size, fill_value, dtype=None):
    return np.full(size, fill_value)


def filled_samples(m):
    d = m.dtype
    out = [S(2, 3, dtype=d).named("sizes"), S((2, 3), dtype=d).named("tuple"),
           S((), dtype=d).named("0-d"), S(0, dtype=d).named("empty")]
    if d is ember.float32:
        out.append(S(2, 3).out(ember.float32).named("default dtype"))
    return out


def _filled_ref(value):
    def ref(*size, dtype=None):
        if len(size) == 1 and isinstance(size[0], tuple):
            size = size[0]
        return AnyValues(size) if value is None else np.full(size, value)
    return ref


def filled_errors(m):
    return [E(RuntimeError, -1), E(TypeError, "a")]


def arange_samples(m):
    d = m.dtype
    out = [S(5, dtype=d).named("end"), S(1, 7, 2, dtype=d).named("start, end, step"),
           S(5, 0, -1, dtype=d).named("negative step"), S(0, 0, dtype=d).named("empty")]
    if d.is_floating_point:
        out.append(S(0, 1, 0.25, dtype=d).named("float step"))
    if d is ember.float32:
        out += [S(5).out(ember.int64).named("ints infer int64"),
                S(0.5, 3).out(ember.float32).named("floats infer the default dtype")]
    return out


def _arange_ref(start, end=None, step=1, dtype=None):
    if end is None:
        start, end = 0, start
    return np.arange(start, end, step, dtype=np.float64)


def arange_errors(m):
    return [E(RuntimeError, 0, 3, 0), E(RuntimeError, 0, 3, -1)]


def linspace_samples(m):
    d = m.dtype
    out = [S(0, 10, 6, dtype=d).named("integer steps"), S(2, 2, 1, dtype=d).named("one step"),
           S(0, 1, 0, dtype=d).named("empty")]
    if d.is_floating_point or d.is_complex:
        out += [S(0, 1, 5, dtype=d).named("fractions"), S(-1, 1, 2, dtype=d).named("two")]
    if d is ember.float32:
        out.append(S(0, 1, 3).out(ember.float32).named("default dtype"))
    return out


def _linspace_ref(start, end, steps, dtype=None):
    return np.linspace(start, end, steps)


def eye_samples(m):
    d = m.dtype
    out = [S(3, dtype=d).named("square"), S(2, 4, dtype=d).named("wide"),
           S(4, 2, dtype=d).named("tall"), S(0, dtype=d).named("empty")]
    if d is ember.float32:
        out.append(S(2).out(ember.float32).named("default dtype"))
    return out


def _eye_ref(n, m=None, dtype=None):
    return np.eye(n, m)


# -- random ----------------------------------------------------------------------------------------
def _shape_of(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def random_samples(m):
    d = m.dtype
    out = [S(3, 4, dtype=d).named("sizes"), S((5,), dtype=d).named("tuple"),
           S(0, dtype=d).named("empty"), S((), dtype=d).named("0-d")]
    if d is ember.float32:
        out.append(S(3).out(ember.float32).named("default dtype"))
    return out


def _random_ref(*size, dtype=None, generator=None):
    return AnyValues(_shape_of(size))


def random_errors(m):
    return [E(NotImplementedError, 2, dtype=ember.int64).requires(ember.int64),
            E(RuntimeError, -1)]


def randint_samples(m):
    d = m.dtype
    low = 0 if d is ember.uint8 else -3
    out = [S(0, 10, (3, 4), dtype=d).named("low, high, size"),
           S(10, (5,), dtype=d).named("high, size"), S(low, 3, (4,), dtype=d).named("low < 0"),
           S(0, 2, (0,), dtype=d).named("empty")]
    if d is ember.int64:
        out.append(S(0, 5, (3,)).out(ember.int64).named("default dtype"))
    return out


def _randint_ref(low=0, high=None, size=None, *, dtype=None, generator=None):
    if size is None:
        size = high
    return AnyValues(size)


def randint_errors(m):
    return [E(RuntimeError, 5, 3, (2,)), E(TypeError, 5)]


def _draws(ctx, fn, args, kwargs, seed, generator=False):
    with ember.default_backend(ctx.backend.name):
        if generator:
            g = ember.Generator().manual_seed(seed)
            return fn(*args, generator=g, **kwargs)
        ember.manual_seed(seed)
        return fn(*args, **kwargs)


def random_check(kind):
    """Reproducible draws (same seed, same values; another seed, other values), the right
    shape and dtype, values in range, and sensible statistics over 4096 draws."""
    def check(ctx):
        from ..checks import host

        d = ctx.dtype
        fn = getattr(ember, kind)
        if kind == "randint":
            low = 0 if d is ember.uint8 else -3
            args, high = (low, 7, (4096,)), 7
        else:
            args, low, high = (4096,), 0, 1
        kw = dict(dtype=d)
        seed = ctx.case.seed % (1 << 31)
        call = f"ember.{kind}({', '.join(map(repr, args))}, dtype=ember.{d.name})"
        s = S(*args, **kw)
        problems = []
        try:
            a = _draws(ctx, fn, args, kw, seed)
            b = _draws(ctx, fn, args, kw, seed)
            c = _draws(ctx, fn, args, kw, seed + 1)
            g1 = _draws(ctx, fn, args, kw, seed, generator=True)
            g2 = _draws(ctx, fn, args, kw, seed, generator=True)
        except Exception as exc:  # noqa: BLE001
            ctx.raised(0, s, exc)
            ctx.finish(f"{kind} failed")
            return
        va, vb, vc = host(a), host(b), host(c)
        if a.dtype is not d or tuple(a.shape) != (4096,):
            problems.append(f"got {a.dtype} {list(a.shape)}, expected {d} [4096]")
        if not np.array_equal(va, vb):
            problems.append("the same seed gave different values")
        if np.array_equal(va, vc):
            problems.append("different seeds gave the same values")
        if not np.array_equal(host(g1), host(g2)):
            problems.append("the same Generator seed gave different values")
        parts = [va.real, va.imag] if d.is_complex else [va]
        for p in parts:
            if kind == "rand":
                if p.min() < 0 or p.max() >= 1:
                    problems.append(f"values outside [0, 1): min {p.min()}, max {p.max()}")
                if abs(p.mean() - 0.5) > 0.03 or abs(p.std() - 0.2887) > 0.03:
                    problems.append(f"not uniform: mean {p.mean():.4f}, std {p.std():.4f}")
            elif kind == "randn":
                sd = np.sqrt(0.5) if d.is_complex else 1.0
                if abs(p.mean()) > 0.1 or abs(p.std() - sd) > 0.08:
                    problems.append(f"not standard normal: mean {p.mean():.4f}, std "
                                    f"{p.std():.4f} (expected 0, {sd:.4f})")
            else:
                if p.min() < low or p.max() >= high or not np.array_equal(p, np.round(p)):
                    problems.append(f"values outside the integers of [{low}, {high}): min "
                                    f"{p.min()}, max {p.max()}")
                if set(np.unique(p).tolist()) != set(range(low, high)):
                    problems.append(f"not every integer of [{low}, {high}) was drawn")
        for p in problems:
            ctx.failures.append(
                f"{p}\nReproduce with:\nimport ember\nwith ember.default_backend("
                f"{ctx.backend.name!r}):\n    ember.manual_seed({seed})\n    a = {call}\n"
                f"    ember.manual_seed({seed})\n    b = {call}\n    print(a, b)")
        ctx.finish(f"{kind} draws are wrong")
    return check


def _generator_check(ctx):
    """manual_seed makes draws reproducible; a Generator of its own leaves the default's
    sequence alone; initial_seed reports the seed."""
    seed = ctx.case.seed % (1 << 31)
    problems = []
    with ember.default_backend(ctx.backend.name):
        ember.manual_seed(seed)
        a = ember.rand(8).numpy()
        ember.manual_seed(seed)
        g = ember.Generator().manual_seed(seed + 1)
        ember.rand(8, generator=g)
        b = ember.rand(8).numpy()
        if ember.initial_seed() != seed:
            problems.append(f"initial_seed() is {ember.initial_seed()}, expected {seed}")
    if not np.array_equal(a, b):
        problems.append("drawing from another Generator changed the default generator's "
                        "sequence")
    for p in problems:
        ctx.failures.append(
            f"{p}\nReproduce with:\nimport ember\nwith ember.default_backend("
            f"{ctx.backend.name!r}):\n    ember.manual_seed({seed}); a = ember.rand(8)\n"
            f"    ember.manual_seed({seed}); g = ember.Generator().manual_seed({seed + 1})\n"
            f"    ember.rand(8, generator=g); b = ember.rand(8)\n    print(a, b)")
    ctx.finish("the generator is not reproducible")


def _manual_seed(seed):
    return ember.manual_seed(seed)


def generator_errors(m):
    return [E(ValueError, 2 ** 70)]


# -- the table -------------------------------------------------------------------------------------
_HALF_SUM = {ember.float16: (5e-3, 5e-3), ember.bfloat16: (3e-2, 3e-2)}

ENTRIES = {e.op: e for e in [
    # conversion
    Entry("astype", astype_samples, _astype_ref, call=lambda x, d: x.to(d), code="{0}.to({1})",
          grad=True, grad_kwargs=dict(eps=1e-3, atol=1e-3, rtol=1e-3),
          custom={"variants": _astype_variants}),
    Entry("clone", _simple_samples, lambda a, **kw: a.copy(), custom={"views": _clone_views}),
    Entry("to_numpy", _simple_samples, lambda a: a, call=_numpy, code="{0}.numpy()",
          errors=numpy_errors, custom={"views": _numpy_views}),
    Entry("assign", copy_samples, _copy_ref, call=_copy, code="{0}.copy_({1})", mutates=True,
          grad=True, errors=copy_errors, custom={"variants": _copy_inplace}),
    # creation
    Entry("asarray", tensor_samples, _tensor_ref, errors=tensor_errors),
    Entry("from_numpy", from_numpy_samples, lambda a: a,
          dtypes=tuple(d for d in ALL if d is not ember.bfloat16), errors=from_numpy_errors,
          custom={"views": _from_numpy_views}),
    Entry("full", full_samples, _full_ref, errors=lambda m: [E(RuntimeError, (-1,), 1.0),
                                                             E(TypeError, "a", 1.0)]),
    Entry("zeros", filled_samples, _filled_ref(0), errors=filled_errors),
    Entry("ones", filled_samples, _filled_ref(1), errors=filled_errors),
    Entry("empty", filled_samples, _filled_ref(None), errors=filled_errors),
    Entry("arange", arange_samples, _arange_ref, dtypes=REAL, errors=arange_errors),
    Entry("linspace", linspace_samples, _linspace_ref, dtypes=NUMERIC,
          errors=lambda m: [E(RuntimeError, 0, 1, -1)]),
    Entry("eye", eye_samples, _eye_ref, errors=lambda m: [E(RuntimeError, -1)]),
    # indexing
    Entry("getitem", getitem_samples, _getitem_ref, errors=getitem_errors),
    Entry("index_put", index_put_samples, _index_put_ref, errors=index_put_errors),
    Entry("setitem", setitem_samples, _setitem_ref, call=_setitem,
          code="out = {0}.clone(); out[{1}] = {2}", grad=True, errors=setitem_errors,
          custom={"variants": _setitem_inplace}),
    # shape
    Entry("reshape", _reshape_samples(views=False), _reshape_ref, errors=reshape_errors),
    Entry("view", _reshape_samples(views=True), _reshape_ref, errors=reshape_errors),
    Entry("flatten", flatten_samples, _flatten_ref, errors=flatten_errors),
    Entry("permute", permute_samples, lambda a, dims: np.transpose(a, dims) if a.ndim else a,
          errors=permute_errors),
    Entry("transpose", transpose_samples, _transpose_ref, errors=dim_errors(2)),
    Entry("squeeze", squeeze_samples, _squeeze_ref, errors=dim_errors(1)),
    Entry("unsqueeze", unsqueeze_samples, _unsqueeze_ref, errors=dim_errors(1)),
    Entry("expand", expand_samples, _expand_ref, errors=expand_errors),
    Entry("cat", cat_samples, _cat_ref, errors=cat_errors),
    Entry("stack", stack_samples, lambda arrays, dim=0: np.stack(arrays, axis=dim),
          errors=stack_errors),
    # reductions
    Entry("sum", sum_samples, _sum_ref, out=summed, errors=reduce_errors, tol=_HALF_SUM),
    Entry("mean", sum_samples, _mean_ref, dtypes=FLOAT + COMPLEX, tol=_HALF_SUM,
          errors=lambda m: reduce_errors(m) + [E(RuntimeError, m(3, dtype=ember.int64))
                                               .requires(ember.int64)]),
    Entry("amax", extreme_samples, _extreme_ref(np.max), dtypes=REAL + BOOL,
          errors=extreme_errors),
    Entry("amin", extreme_samples, _extreme_ref(np.min), dtypes=REAL + BOOL,
          errors=extreme_errors),
    Entry("argmax", arg_samples, _arg_ref(np.argmax), dtypes=REAL, out=int64, errors=arg_errors),
    Entry("argmin", arg_samples, _arg_ref(np.argmin), dtypes=REAL, out=int64, errors=arg_errors),
    Entry("max", maxmin_reduce_samples, _maxmin_ref(np.max, np.argmax), dtypes=REAL + BOOL,
          errors=maxmin_reduce_errors),
    Entry("min", maxmin_reduce_samples, _maxmin_ref(np.min, np.argmin), dtypes=REAL + BOOL,
          errors=maxmin_reduce_errors),
    # elementwise
    Entry("add", binary_samples(_any, _any, alpha=True, scalars=(2, 1.5, 1.5 - 0.5j)),
          lambda a, b, alpha=1: np.add(a, np.multiply(b, alpha)), errors=binary_errors("add")),
    Entry("sub", binary_samples(_any, _any, alpha=True, scalars=(2, 1.5, 1.5 - 0.5j)),
          lambda a, b, alpha=1: np.subtract(a, np.multiply(b, alpha)),
          dtypes=NUMERIC, errors=lambda m: binary_errors("sub")(m) + [
              E(RuntimeError, m(3, dtype=ember.bool), m(3, dtype=ember.bool))]),
    Entry("mul", binary_samples(_any, _any, scalars=(2, 1.5, 1.5 - 0.5j)), np.multiply,
          errors=binary_errors("mul")),
    Entry("div", binary_samples(_any, _away, rule=floating, scalars=(2, 1.5, 1.5 - 0.5j)),
          _quiet(np.true_divide), out=floating, errors=binary_errors("div")),
    Entry("pow", binary_samples(_pos, _exponent, scalars=(2, 0.5), promotions=False),
          _quiet(np.power), dtypes=NUMERIC, errors=binary_errors("pow")),
    Entry("maximum", maxmin_samples, np.maximum, dtypes=REAL + BOOL,
          errors=binary_errors("maximum", tensors_only=True)),
    Entry("minimum", maxmin_samples, np.minimum, dtypes=REAL + BOOL,
          errors=binary_errors("minimum", tensors_only=True)),
    Entry("neg", unary_samples(_any), np.negative, dtypes=NUMERIC, errors=_no_bool_error),
    Entry("exp", unary_samples(_any, [-inf, 0.0, nan]), _quiet(np.exp), out=floating,
          errors=_float_unary_errors),
    Entry("log", unary_samples(_pos, [0.0, -1.0, inf, nan]), _quiet(np.log), out=floating,
          errors=_float_unary_errors),
    Entry("sqrt", unary_samples(_pos, [0.0, -1.0, inf]), _quiet(np.sqrt), out=floating,
          errors=_float_unary_errors),
    Entry("abs", unary_samples(_away, [0.0, -inf, nan]), np.abs, dtypes=NUMERIC, out=_real_of,
          errors=_float_unary_errors),
    Entry("sign", unary_samples(_away, [0.0, -0.0, inf, -inf]),
          lambda a: a if a.dtype == bool else np.sign(a), dtypes=REAL + BOOL,
          errors=lambda m: [E(NotImplementedError, m(2, dtype=ember.complex64))
                            .requires(ember.complex64), E(TypeError, "a")]),
    Entry("sin", unary_samples(_any, [0.0, -inf, nan]), _quiet(np.sin), out=floating,
          errors=_float_unary_errors),
    Entry("cos", unary_samples(_any, [0.0, inf, nan]), _quiet(np.cos), out=floating,
          errors=_float_unary_errors),
    Entry("tanh", unary_samples(_any, [-20.0, 20.0, inf]), _quiet(np.tanh), out=floating,
          errors=_float_unary_errors),
    Entry("sigmoid", unary_samples(_any, [-100.0, 100.0, -inf, inf]), _quiet(_sigmoid),
          out=floating, errors=_float_unary_errors),
    Entry("relu", unary_samples(_away, [0.0, -inf, inf]),
          lambda a: np.maximum(a, 0).astype(a.dtype),
          dtypes=REAL, errors=lambda m: [E(RuntimeError, m(3, dtype=ember.bool)),
                                         E(TypeError, "a")]),
    Entry("eq", **_comparison(np.equal, ALL)),
    Entry("ne", **_comparison(np.not_equal, ALL)),
    Entry("lt", **_comparison(np.less)),
    Entry("le", **_comparison(np.less_equal)),
    Entry("gt", **_comparison(np.greater)),
    Entry("ge", **_comparison(np.greater_equal)),
    Entry("where", where_samples, np.where, errors=where_errors,
          custom={"variants": _where_method}),
    # linear algebra
    Entry("matmul", matmul_samples, np.matmul, dtypes=NUMERIC, errors=matmul_errors,
          tol=_HALF_SUM),
    # random
    Entry("generator", lambda m: [], dtypes=(), call=_manual_seed, code="ember.manual_seed({0})",
          errors=generator_errors, custom={"forward": _generator_check}),
    Entry("rand", random_samples, _random_ref, dtypes=FLOAT + COMPLEX, errors=random_errors,
          custom={"forward": random_check("rand")}),
    Entry("randn", random_samples, _random_ref, dtypes=FLOAT + COMPLEX, errors=random_errors,
          custom={"forward": random_check("randn")}),
    Entry("randint", randint_samples, _randint_ref, dtypes=REAL,
          errors=randint_errors, custom={"forward": random_check("randint")}),
]}
