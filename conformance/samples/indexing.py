"""Sample entries for the indexing ops added after the first set (see
``ember_conformance.samples``)."""

import numpy as np

import ember

from ..entries import ALL, E, Entry, S, int64


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
    Entry("gather", gather_samples, _gather_ref, errors=gather_errors),
    Entry("scatter", scatter_samples, _scatter_ref, errors=scatter_errors),
    Entry("scatter_add", scatter_add_samples, _scatter_add_ref),
    Entry("index_select", index_select_samples, _index_select_ref, errors=index_select_errors),
    Entry("index_add", index_add_samples, _index_add_ref, errors=index_add_errors),
    Entry("masked_select", masked_select_samples, _masked_select_ref, errors=masked_select_errors),
    Entry("take", take_samples, _take_ref, errors=take_errors),
    Entry("nonzero", nonzero_samples, _nonzero_ref, dtypes=ALL, out=int64),
    Entry("argwhere", lambda m: nonzero_samples(m)[:4], lambda a: np.argwhere(a), dtypes=ALL,
          out=int64),
]
