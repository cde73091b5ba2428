"""Sample entries for the reduction ops (see ``ember_conformance.samples``): sum, mean, max,
min, argmax, prod, var, std, logsumexp, all, any, count_nonzero, cumsum, cumprod, sort, argsort,
topk, unique."""

import numpy as np

import ember

from ..entries import (BOOL, COMPLEX, FLOAT, INT, E, Entry, S, category, floating, int64,
                       summed)
from ._common import (_HALF_SUM, _quiet)


# -- helpers for the references --------------------------------------------------------------------
def _axis(dim, ndim=1):
    """An ember dim argument as NumPy's axis (a 0-d input reduces over nothing)."""
    if dim is None or dim == () or ndim == 0:
        return None
    return tuple(dim) if isinstance(dim, (tuple, list)) else dim


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


REAL = INT + FLOAT
inf, nan = float("inf"), float("nan")


def _dims_of(dim, ndim):
    """An ember dim argument as a tuple of non-negative dims (all for None)."""
    if dim is None or ndim == 0:
        return tuple(range(ndim))
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    return tuple(d % ndim for d in dims)


# -- prod ------------------------------------------------------------------------------------------
def prod_samples(m):
    out = [S(m(2, 3)).named("all"), S(m(2, 3), 1).named("dim"),
           S(m(2, 3), -1, keepdim=True).named("negative dim, keepdim"),
           S(m()).named("0-d"), S(m(), 0).named("0-d, dim 0"),
           S(m(0, 3)).named("empty"), S(m(0, 3), 0).named("empty along dim"),
           S(m(4, 5), 1).named("larger")]
    if m.dtype.is_floating_point:
        zeros = m.values([[1.5, 0.0, 2.0, -1.0], [0.0, 0.0, 3.0, 2.0], [1.0, 2.0, 0.5, -2.0]])
        out += [S(zeros, 1).key().named("zeros: one, two and none per row"),
                S(m.values([[1.5, 0.0], [2.0, -1.0]])).named("one zero, all")]
    if category(m.dtype) <= 2 and m.dtype is not ember.float64:
        out.append(S(m(2, 3), dtype=ember.float64).out(ember.float64).requires(ember.float64)
                   .named("dtype=float64"))
    return out


def _prod_ref(a, dim=None, keepdim=False, dtype=None):
    return np.prod(a, axis=_axis(dim, a.ndim), keepdims=keepdim)


def prod_errors(m):
    return [E(IndexError, m(2, 3), 2), E(TypeError, m(2, 3), (0, 1)), E(TypeError, "a")]


# -- var and std -----------------------------------------------------------------------------------
def var_samples(m):
    return [S(m(2, 3)).named("all"), S(m(2, 3), 1).named("dim"),
            S(m(2, 3), -1, keepdim=True).named("negative dim, keepdim"),
            S(m(2, 3, 2), (0, 2)).named("dims"),
            S(m(2, 3), 1, correction=0).named("correction=0"),
            S(m(2, 4), 1, correction=2).named("correction=2"),
            S(m(2, 3), 0, False).named("unbiased=False"),
            S(m(2, 3), True).named("unbiased as the only argument"),
            S(m(1, 3), 0).no_grad().named("one element: nan"),
            S(m(4, 5), 1, keepdim=True).named("larger")]


def _var_ref(root):
    def ref(a, dim=None, unbiased=None, keepdim=False, *, correction=None):
        if isinstance(dim, bool):
            dim, unbiased = None, dim
        if correction is None:
            correction = 0 if unbiased is False else 1
        dims = _dims_of(dim, a.ndim)
        n = int(np.prod([a.shape[d] for d in dims]))
        dev = a - np.mean(a, axis=dims, keepdims=True) if n else a
        ss = np.sum(np.abs(dev) ** 2, axis=dims, keepdims=keepdim)
        with np.errstate(all="ignore"):
            out = ss / max(0, n - correction)
        return np.sqrt(out) if root else out
    return ref


def var_errors(m):
    return [E(RuntimeError, m(3, dtype=ember.int64)).requires(ember.int64),
            E(IndexError, m(2, 3), 2), E(TypeError, m(2, 3), 1, True, correction=1),
            E(TypeError, "a")]


def _moment_ref(root):
    """(var or std, mean), as var_mean and std_mean return them."""
    spread = _var_ref(root)

    def ref(a, dim=None, unbiased=None, keepdim=False, *, correction=None):
        out = spread(a, dim, unbiased, keepdim, correction=correction)
        dims = _dims_of(None if isinstance(dim, bool) else dim, a.ndim)
        return out, np.mean(a, axis=dims, keepdims=keepdim)
    return ref


def _moment_dtypes(d):
    real = {ember.complex64: ember.float32, ember.complex128: ember.float64}.get(d, d)
    return (real, d)


def _logcumsumexp_samples(m):
    out = [S(m(2, 3), 1).named("dim"), S(m(2, 3), 0).named("dim 0"),
           S(m(2, 3, 2), -1).named("negative dim"), S(m(), 0).named("0-d"),
           S(m(0, 3), 1).named("empty"), S(m(4, 5), 1).named("larger")]
    big = 60000.0 if m.dtype is ember.float16 else 1e3
    out += [S(m.values([[-big, 0.0, 1.0], [2.0, -inf, -big]]), 1).no_grad().key()
            .named("wide spread, -inf")]
    return out


def _logcumsumexp_ref(a, dim):
    if a.ndim == 0:
        return a
    with np.errstate(all="ignore"):
        return np.logaddexp.accumulate(a, axis=dim % a.ndim)


# -- logsumexp -------------------------------------------------------------------------------------
def logsumexp_samples(m):
    out = [S(m(2, 3), 1).named("dim"), S(m(2, 3), (0, 1)).named("all dims"),
           S(m(2, 3), -1, keepdim=True).named("negative dim, keepdim"),
           S(m(), 0).named("0-d"), S(m(0, 3), 0).named("empty dim: -inf"),
           S(m(0, 3), 1).named("empty, along a non-empty dim"), S(m(4, 5), 1).named("larger")]
    if m.dtype.is_floating_point:
        big = 60000.0 if m.dtype is ember.float16 else 1e3
        out += [S(m.values([[big, big - 1.0], [-big, -big + 0.5]]), 1).key()
                .named("large magnitudes: no overflow"),
                S(m.values([[-inf, -inf], [inf, 1.0], [nan, 1.0]]), 1).no_grad().key()
                .named("infinities and nan")]
    return out


def _logsumexp_ref(a, dim, keepdim=False):
    dims = _dims_of(dim, a.ndim)
    a = a.astype(np.float64)
    with np.errstate(all="ignore"):
        if a.size == 0 or any(a.shape[d] == 0 for d in dims):
            return np.log(np.sum(np.exp(a), axis=dims, keepdims=keepdim))
        m = np.max(a, axis=dims, keepdims=True)
        m = np.where(np.isinf(m), 0.0, m)
        out = np.log(np.sum(np.exp(a - m), axis=dims, keepdims=True)) + m
    return out if keepdim else np.squeeze(out, axis=dims)


def logsumexp_errors(m):
    return [E(IndexError, m(2, 3), 2), E(TypeError, m(2, 3)), E(TypeError, "a", 0)]


# -- all, any, count_nonzero -----------------------------------------------------------------------
def truth_samples(m):
    return [S(m.few(2, 3)).named("all"), S(m.few(2, 3), 1).named("dim"),
            S(m.few(2, 3, 2), (0, 2), keepdim=True).named("dims, keepdim"),
            S(m.few(2, 3), -1).named("negative dim"), S(m()).named("0-d"),
            S(m(0, 3)).named("empty"), S(m(0, 3), 1).named("empty along a non-empty dim"),
            S(m.values(np.zeros((2, 2)))).key().named("zeros"),
            S(m.values(np.ones((2, 2)))).key().named("ones")]


def _truth_ref(fn):
    def ref(a, dim=None, keepdim=False):
        return fn(a != 0, axis=_dims_of(dim, a.ndim), keepdims=keepdim)
    return ref


def _truth_out(d):
    return ember.uint8 if d is ember.uint8 else ember.bool


def count_nonzero_samples(m):
    return [S(m.few(2, 3)).named("all"), S(m.few(2, 3), 1).named("dim"),
            S(m.few(2, 3, 2), (0, 2)).named("dims"), S(m.few(2, 3), -1).named("negative dim"),
            S(m()).named("0-d"), S(m(0, 3)).named("empty"), S(m(0, 3), 1).named("empty, dim")]


def _count_nonzero_ref(a, dim=None):
    return np.sum(a != 0, axis=_dims_of(dim, a.ndim))


# -- cumsum and cumprod ----------------------------------------------------------------------------
def scan_samples(m):
    out = [S(m(2, 3), 1).named("dim"), S(m(2, 3), 0).named("dim 0"),
           S(m(2, 3, 2), -1).named("negative dim"), S(m(), 0).named("0-d"),
           S(m(0, 3), 1).named("empty"), S(m(4, 5), 1).named("larger")]
    if m.dtype.is_floating_point:
        out += [S(m.values([[1.5, 0.0, 2.0, -1.0], [0.0, 0.0, 3.0, 2.0]]), 1).key()
                .named("zeros"), S(m.values([1.0, nan, 2.0]), 0).no_grad().key().named("nan")]
    if category(m.dtype) <= 2 and m.dtype is not ember.float64:
        out.append(S(m(2, 3), 1, dtype=ember.float64).out(ember.float64).requires(ember.float64)
                   .named("dtype=float64"))
    return out


def _scan_ref(fn):
    def ref(a, dim, dtype=None):
        return a if a.ndim == 0 else fn(a, axis=dim % a.ndim)
    return ref


def scan_errors(m):
    return [E(IndexError, m(2, 3), 2), E(TypeError, m(2, 3)), E(TypeError, "a", 0)]


# -- sort, argsort, topk, unique -------------------------------------------------------------------
def _stable_argsort(a, dim, descending):
    """A stable argsort along `dim` with NaN as the largest value (PyTorch's order)."""
    if a.ndim == 0:
        return np.zeros((), np.int64)
    if descending:
        flipped = np.argsort(np.flip(a, dim), axis=dim, kind="stable")
        return (a.shape[dim] - 1) - np.flip(flipped, dim)
    return np.argsort(a, axis=dim, kind="stable")


def sort_samples(m):
    d = m.distinct
    out = [S(d(2, 3)).named("last dim"), S(d(2, 3), 0).named("dim 0"),
           S(d(2, 3), 1, True).named("descending"), S(d(2, 3, 2), -2).named("negative dim"),
           S(d(2, 4), descending=True, stable=True).named("stable, descending"),
           S(m()).named("0-d"), S(m(0, 3)).named("empty"), S(d(4, 5), 1).named("larger"),
           S(m.few(3, 4), stable=True).no_grad().key().named("ties keep their order"),
           S(m.few(3, 4), 1, True).no_grad().key().named("ties, descending")]
    if m.dtype.is_floating_point:
        out.append(S(m.values([[3.0, nan, 1.0, -inf], [nan, 2.0, inf, 0.0]]), 1).no_grad().key()
                   .named("nan sorts last"))
        out.append(S(m.values([[3.0, nan, 1.0, -inf]]), 1, True).no_grad().key()
                   .named("nan sorts first, descending"))
    return out


def _sort_ref(a, dim=-1, descending=False, stable=None):
    idx = _stable_argsort(a, dim % max(a.ndim, 1), descending)
    if a.ndim == 0:
        return a, idx
    return np.take_along_axis(a, idx, axis=dim), idx


def _pair(d):
    return (d, ember.int64)


def sort_errors(m):
    return [E(IndexError, m(2, 3), 2),
            E(RuntimeError, m(3, dtype=ember.complex64)).requires(ember.complex64),
            E(TypeError, "a")]


def argsort_samples(m):
    return [s.out(ember.int64) if s.expected is None else s for s in sort_samples(m)]


def _argsort_ref(a, dim=-1, descending=False, stable=False):
    return _stable_argsort(a, dim % max(a.ndim, 1), descending)


def topk_samples(m):
    d = m.distinct
    out = [S(d(2, 4), 2).named("last dim"), S(d(2, 4), 1, 0).named("dim 0"),
           S(d(2, 4), 3, largest=False).named("smallest"),
           S(d(3, 4), 4, 1).named("k = size"), S(d(3, 4), 0).named("k = 0"),
           S(d(2, 3, 2), 2, -2).named("negative dim"), S(m(), 1).named("0-d"),
           S(d(4, 5), 3, 1, sorted=False).named("sorted=False (ember sorts anyway)")]
    if m.dtype.is_floating_point:
        out.append(S(m.values([[3.0, nan, 1.0, -inf]]), 2).no_grad().key()
                   .named("nan is the largest"))
    return out


def _topk_ref(a, k, dim=-1, largest=True, sorted=True):
    values, idx = _sort_ref(a, dim, largest)
    if a.ndim == 0:
        return values, idx
    take = [slice(None)] * a.ndim
    take[dim] = slice(0, k)
    return values[tuple(take)], idx[tuple(take)]


def topk_errors(m):
    return [E(RuntimeError, m(2, 3), 4), E(RuntimeError, m(2, 3), -1),
            E(IndexError, m(2, 3), 1, 2), E(TypeError, m(2, 3), 1.5),
            E(RuntimeError, m(3, dtype=ember.bool), 1)]


def cum_extreme_samples(m):
    d = m.distinct
    out = [S(d(2, 4), 1).named("dim"), S(d(3, 2), 0).named("dim 0"),
           S(d(2, 3, 2), -2).named("negative dim"), S(m(), 0).named("0-d"),
           S(m(0, 3), 1).named("empty"),
           S(m.few(3, 6), 1).no_grad().key().named("ties take the latest index")]
    if m.dtype.is_floating_point:
        out.append(S(m.values([[1.0, nan, 3.0, nan, -inf], [2.0, 1.0, inf, 0.0, 5.0]]), 1)
                   .no_grad().key().named("nan propagates, latest nan"))
    return out


def _cum_extreme_ref(later):
    """A sequential scan: the later element wins when later(x, best) or when it is NaN."""
    def ref(a, dim):
        if a.ndim == 0:
            return a, np.zeros((), np.int64)
        x = np.moveaxis(a, dim, -1)
        values, indices = np.empty_like(x), np.zeros(x.shape, np.int64)
        for pos in np.ndindex(x.shape[:-1]):
            for i in range(x.shape[-1]):
                if i == 0 or np.isnan(x[pos + (i,)]) or \
                        (not np.isnan(best) and later(x[pos + (i,)], best)):
                    best, at = x[pos + (i,)], i
                values[pos + (i,)], indices[pos + (i,)] = best, at
        return np.moveaxis(values, -1, dim), np.moveaxis(indices, -1, dim)
    return ref


def cum_extreme_errors(m):
    return [E(IndexError, m(2, 3), 2), E(TypeError, m(2, 3)),
            E(NotImplementedError, m(3, dtype=ember.complex64), 0).requires(ember.complex64)]


def unique_samples(m):
    out = [S(m.few(3, 4)).named("2-d"),
           S(m.few(6), return_inverse=True).out(_pair).named("inverse"),
           S(m.few(2, 3), return_counts=True).out(_pair).named("counts"),
           S(m.few(2, 3), return_inverse=True, return_counts=True)
           .out(lambda d: (d, ember.int64, ember.int64)).named("inverse and counts"),
           S(m.few(5), sorted=False).named("sorted=False (ember sorts anyway)"),
           S(m()).named("0-d"), S(m(0, 2)).named("empty")]
    if m.dtype.is_floating_point:
        out.append(S(m.values([2.0, nan, 1.0, nan, 2.0])).key().named("nans stay distinct"))
    return out


def _unique_ref(a, sorted=True, return_inverse=False, return_counts=False, dim=None):
    values, inverse, counts = np.unique(a, return_inverse=True, return_counts=True,
                                        equal_nan=False)
    out = [values]
    if return_inverse:
        out.append(inverse.reshape(a.shape))
    if return_counts:
        out.append(counts)
    return out[0] if len(out) == 1 else tuple(out)


def unique_errors(m):
    return [E(TypeError, "a"), E(TypeError, [1, 2])]


def tuple_variants(ctx):
    """Function and method agree, output by output (for ops returning several tensors)."""
    from ..checks import _same

    for i, s in enumerate(ctx.samples(quick=True)):
        try:
            _, _, base = ctx.run(s)
            with ember.default_backend(ctx.backend.name):
                args, kwargs = ctx.materialize(s.args), ctx.materialize(s.kwargs)
                other = getattr(args[0], ctx.op.method)(*args[1:], **kwargs)
        except Exception as exc:  # noqa: BLE001
            ctx.raised(i, s, exc)
            continue
        base = base if isinstance(base, tuple) else (base,)
        other = other if isinstance(other, tuple) else (other,)
        if len(base) != len(other):
            ctx.fail_sample(i, s, f"the method returned {len(other)} outputs, the function "
                                  f"{len(base)}")
            continue
        for k, (a, b) in enumerate(zip(base, other)):
            diff = _same(a, b)
            if diff:
                ctx.fail_sample(i, s, f"output {k} of the method differs from the function: "
                                      f"{diff}")
                break
    ctx.finish("the function and the method disagree")


ENTRIES = [
    Entry("sum", sum_samples, _sum_ref, errors=reduce_errors, tol=_HALF_SUM),
    Entry("mean", sum_samples, _mean_ref, tol=_HALF_SUM,
          errors=lambda m: reduce_errors(m) + [E(RuntimeError, m(3, dtype=ember.int64))
                                               .requires(ember.int64)]),
    Entry("amax", extreme_samples, _extreme_ref(np.max),
          errors=extreme_errors),
    Entry("amin", extreme_samples, _extreme_ref(np.min),
          errors=extreme_errors),
    Entry("argmax", arg_samples, _arg_ref(np.argmax), errors=arg_errors),
    Entry("argmin", arg_samples, _arg_ref(np.argmin), errors=arg_errors),
    Entry("max", maxmin_reduce_samples, _maxmin_ref(np.max, np.argmax),
          errors=maxmin_reduce_errors),
    Entry("min", maxmin_reduce_samples, _maxmin_ref(np.min, np.argmin),
          errors=maxmin_reduce_errors),
    Entry("prod", prod_samples, _quiet(_prod_ref), errors=prod_errors,
          tol=_HALF_SUM),
    Entry("var", var_samples, _var_ref(False),
          errors=var_errors, tol=_HALF_SUM),
    Entry("std", var_samples, _var_ref(True),
          errors=var_errors, tol=_HALF_SUM),
    Entry("var_mean", var_samples, _moment_ref(False), out=_moment_dtypes,
          errors=var_errors, tol=_HALF_SUM),
    Entry("std_mean", var_samples, _moment_ref(True), out=_moment_dtypes,
          errors=var_errors, tol=_HALF_SUM),
    Entry("logcumsumexp", _logcumsumexp_samples, _logcumsumexp_ref, tol=_HALF_SUM,
          errors=lambda m: [E(IndexError, m(2, 3), 2), E(TypeError, m(2, 3)),
                            E(NotImplementedError, m(2, dtype=ember.int64), 0)
                            .requires(ember.int64)]),
    Entry("logsumexp", logsumexp_samples, _logsumexp_ref,
          errors=logsumexp_errors, tol=_HALF_SUM),
    Entry("all", truth_samples, _truth_ref(np.all), errors=reduce_errors),
    Entry("any", truth_samples, _truth_ref(np.any), errors=reduce_errors),
    Entry("count_nonzero", count_nonzero_samples, _count_nonzero_ref,
          errors=reduce_errors),
    Entry("cumsum", scan_samples, _scan_ref(np.cumsum), errors=scan_errors,
          tol=_HALF_SUM),
    Entry("cumprod", scan_samples, _quiet(_scan_ref(np.cumprod)),
          errors=scan_errors, tol=_HALF_SUM),
    Entry("sort", sort_samples, _sort_ref, out=_pair, errors=sort_errors,
          custom={"variants": tuple_variants}),
    Entry("argsort", argsort_samples, _argsort_ref,
          errors=sort_errors),
    Entry("topk", topk_samples, _topk_ref, out=_pair, errors=topk_errors,
          custom={"variants": tuple_variants}),
    Entry("cummax", cum_extreme_samples, _cum_extreme_ref(np.greater_equal), out=_pair,
          errors=cum_extreme_errors, custom={"variants": tuple_variants}),
    Entry("cummin", cum_extreme_samples, _cum_extreme_ref(np.less_equal), out=_pair,
          errors=cum_extreme_errors, custom={"variants": tuple_variants}),
    Entry("unique", unique_samples, _unique_ref, errors=unique_errors,
          custom={"variants": tuple_variants}),
]
