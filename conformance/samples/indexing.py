"""Sample entries for the indexing ops (see ``ember_conformance.samples``)."""

import numpy as np

import ember

from ..entries import ALL, E, Entry, S, int64


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


def _along(a, dim, index):
    """NumPy's index tuple for gather/scatter: `index` at `dim`, aranges elsewhere."""
    return tuple(index if d == dim else np.arange(n).reshape([n if j == d else 1
                                                              for j in range(index.ndim)])
                 for d, n in enumerate(index.shape))


def gather_samples(m):
    return [S(m(3, 4), 1, m.index([[0, 3], [2, 2], [1, 0]])).named("dim 1, repeats"),
            S(m(3, 4), 0, m.index([[2, 0, 1, 0]])).named("dim 0, smaller index"),
            S(m(3, 4), -1, m.index([[1], [0]])).named("negative dim"),
            S(m(4), 0, m.index([3, 0])).named("1-d"), S(m(), 0, m.index(0)).named("0-d"),
            S(m(3, 4), 1, m.index(np.zeros((3, 0), np.int64))).named("empty index")]


def _gather_ref(a, dim, index):
    if a.ndim == 0:
        return a.copy()
    return a[_along(a, dim % a.ndim, index)]


def gather_errors(m):
    return [E(RuntimeError, m(3, 4), 1, m.index([[4]])), E(RuntimeError, m(3, 4), 1, m.index([0])),
            E(RuntimeError, m(3, 4), 1, m.index([[-1]])), E(IndexError, m(3, 4), 2, m.index([[0]]))]


def scatter_samples(m):
    idx = m.index([[0, 3], [2, 2], [1, 0]])
    return [S(m(3, 4), 1, m.index([[0, 3], [2, 1], [1, 0]]), m(3, 2)).named("src"),
            S(m(3, 4), 0, m.index([[2, 0, 1, 0]]), m(2, 4)).named("src larger than index"),
            S(m(3, 4), 1, idx, m.scalar()).named("value"),
            S(m(3, 4), 1, idx, value=m.scalar()).named("value="),
            S(m(3, 4), 1, idx, m(3, 2), reduce="add").named("reduce add"),
            S(m(4), 0, m.index([3, 0]), m(2)).named("1-d")]


def _scatter_ref(a, dim, index, src=None, value=None, reduce=None):
    src = value if src is None else src
    out = a.copy()
    pos = _along(a, dim % a.ndim, index)
    vals = src[tuple(slice(0, n) for n in index.shape)] if isinstance(src, np.ndarray) else src
    if reduce == "add":
        np.add.at(out, pos, vals)
    else:
        out[pos] = vals
    return out


def scatter_errors(m):
    return [E(RuntimeError, m(3, 4), 1, m.index([[4]]), 1.0),
            E(RuntimeError, m(3, 4), 1, m.index([[0]]), m(1, 1), reduce="max"),
            E(TypeError, m(3, 4), 1, m.index([[0]]))]


def scatter_add_samples(m):
    return [S(m(3, 4), 1, m.index([[0, 3], [2, 2], [1, 0]]), m(3, 2)).named("repeats add"),
            S(m(3, 4), 0, m.index([[2, 0, 2, 0]]), m(2, 4)).named("src larger than index"),
            S(m(4), 0, m.index([3, 3, 0]), m(3)).named("1-d")]


def _scatter_add_ref(a, dim, index, src):
    return _scatter_ref(a, dim, index, src, reduce="add")


def index_select_samples(m):
    return [S(m(3, 4), 1, m.index([0, 3, 3])).named("columns, repeat"),
            S(m(3, 4), 0, m.index([2])).named("a row"),
            S(m(3, 4), -1, m.index(1)).named("0-d index"),
            S(m(4), 0, m.index([1, 1])).named("1-d"), S(m(3, 4), 0, m.index(np.zeros(0, np.int64)))
            .named("empty index")]


def _index_select_ref(a, dim, index):
    return np.take(a, np.atleast_1d(index), axis=dim)


def index_select_errors(m):
    return [E(RuntimeError, m(3, 4), 1, m.index([4])),
            E(IndexError, m(3, 4), 1, m.index([[0]])), E(IndexError, m(3, 4), 2, m.index([0]))]


def index_add_samples(m):
    return [S(m(3, 4), 1, m.index([0, 3, 3]), m(3, 3)).named("columns, repeat"),
            S(m(3, 4), 0, m.index([2]), m(1, 4), alpha=2).named("alpha"),
            S(m(4), 0, m.index([1, 1]), m(2)).named("1-d")]


def _index_add_ref(a, dim, index, source, alpha=1):
    out = a.copy()
    np.add.at(out, (slice(None),) * (dim % a.ndim) + (index,), source * alpha)
    return out


def index_add_errors(m):
    return [E(RuntimeError, m(3, 4), 1, m.index([4]), m(3, 1)),
            E(RuntimeError, m(3, 4), 1, m.index([0]), m(3, 2))]


def masked_select_samples(m):
    return [S(m(3, 4), m.mask(3, 4)).named("same shape"),
            S(m(3, 4), m.mask(4)).named("broadcast mask"),
            S(m(4), m.mask(3, 4)).named("broadcast input"),
            S(m(3), m.mask(3, data=[False] * 3)).named("nothing selected")]


def _masked_select_ref(a, mask):
    a, mask = np.broadcast_arrays(a, mask)
    return a[mask]


def masked_select_errors(m):
    return [E(RuntimeError, m(3, 4), m(3, 4, dtype=ember.float32)).requires(ember.float32),
            E(RuntimeError, m(3, 4), m.mask(3))]


def take_samples(m):
    return [S(m(3, 4), m.index([0, 11, 5])).named("1-d index"),
            S(m(3, 4), m.index([[0, -1], [5, 5]])).named("2-d, negative, repeat"),
            S(m(), m.index(0)).named("0-d")]


def _take_ref(a, index):
    return a.reshape(-1)[index]


def take_errors(m):
    return [E(IndexError, m(3, 4), m.index([12])), E(IndexError, m(3, 4), m.index([-13]))]


def nonzero_samples(m):
    return [S(m.few(3, 4)).named("2-d"), S(m.few(5)).named("1-d"), S(m.few()).named("0-d"),
            S(m.few(2, 3, 2)).named("3-d"), S(m.few(3, 4), as_tuple=True).named("as_tuple")]


def _nonzero_ref(a, as_tuple=False):
    if as_tuple:
        return tuple(np.nonzero(np.atleast_1d(a)))
    return np.argwhere(a)


ENTRIES = [
    Entry("getitem", getitem_samples, _getitem_ref, errors=getitem_errors),
    Entry("index_put", index_put_samples, _index_put_ref, errors=index_put_errors),
    Entry("setitem", setitem_samples, _setitem_ref, call=_setitem,
          code="out = {0}.clone(); out[{1}] = {2}", grad=True, errors=setitem_errors,
          custom={"variants": _setitem_inplace}),
    Entry("gather", gather_samples, _gather_ref, errors=gather_errors),
    Entry("scatter", scatter_samples, _scatter_ref, errors=scatter_errors),
    Entry("scatter_add", scatter_add_samples, _scatter_add_ref),
    Entry("index_select", index_select_samples, _index_select_ref, errors=index_select_errors),
    Entry("index_add", index_add_samples, _index_add_ref, errors=index_add_errors),
    Entry("masked_select", masked_select_samples, _masked_select_ref, errors=masked_select_errors),
    Entry("take", take_samples, _take_ref, errors=take_errors),
    Entry("nonzero", nonzero_samples, _nonzero_ref),
    Entry("argwhere", lambda m: nonzero_samples(m)[:4], lambda a: np.argwhere(a)),
]
