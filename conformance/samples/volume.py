"""Sample entries for 3-D convolution and pooling and for max unpooling (see
``ember_conformance.samples``).

The references loop over the output positions of the small samples (or, for the transposed
convolution and unpooling, over the input positions), straight from the definitions. The inputs
stay small: a 3-D window multiplies every size, and JAX compiles once per shape.
"""

import itertools

import numpy as np

import ember

from ..entries import E, Entry, S
from ._common import _functional

_HALF = {ember.float16: (1e-2, 1e-2), ember.bfloat16: (5e-2, 5e-2)}


def _n(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v) * (n if len(v) == 1 else 1)


def _batched(fn):
    """`fn` on (N, C, D, H, W) arrays, also taking an unbatched first argument."""
    def ref(a, *args, **kwargs):
        if a.ndim == 4:
            args = tuple(x[None] if isinstance(x, np.ndarray) and x.ndim == 4 else x
                         for x in args)
            out = fn(a[None], *args, **kwargs)
            return tuple(o[0] for o in out) if isinstance(out, tuple) else out[0]
        return fn(a, *args, **kwargs)
    return ref


def _count(n, k, s, p, d, ceil_mode=False):
    span = n + 2 * p - d * (k - 1) - 1
    if not ceil_mode:
        return span // s + 1
    out = -(-span // s) + 1
    return out - 1 if (out - 1) * s >= n + p else out


# -- convolution -----------------------------------------------------------------------------------
@_batched
def _conv3d_ref(x, w, bias=None, stride=1, padding=0, dilation=1, groups=1):
    s, d = _n(stride, 3), _n(dilation, 3)
    kernel = w.shape[2:]
    if padding == "same":
        pads = [(t // 2, t - t // 2) for t in (e * (q - 1) for e, q in zip(d, kernel))]
    else:
        pads = [(p, p) for p in _n(0 if padding == "valid" else padding, 3)]
    x = np.pad(x, ((0, 0), (0, 0)) + tuple(pads))
    o, cg = w.shape[:2]
    og = o // groups
    size = [_count(m, q, t, 0, e) for m, q, t, e in zip(x.shape[2:], kernel, s, d)]
    out = np.zeros((x.shape[0], o) + tuple(size), np.result_type(x, w))
    for pos in itertools.product(*map(range, size)):
        win = x[(slice(None), slice(None)) + tuple(
            slice(i * t, i * t + e * (q - 1) + 1, e) for i, t, e, q in zip(pos, s, d, kernel))]
        for g in range(groups):
            out[(slice(None), slice(g * og, (g + 1) * og)) + pos] = np.einsum(
                "ncxyz,ocxyz->no", win[:, g * cg:(g + 1) * cg], w[g * og:(g + 1) * og])
    return out if bias is None else out + bias.reshape(-1, 1, 1, 1)


@_batched
def _conv_transpose3d_ref(x, w, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                          dilation=1):
    s, p, op, d = (_n(v, 3) for v in (stride, padding, output_padding, dilation))
    cin, og, kernel = w.shape[0], w.shape[1], w.shape[2:]
    cg = cin // groups
    full = [(m - 1) * t + e * (q - 1) + 1 + o for m, t, e, q, o in
            zip(x.shape[2:], s, d, kernel, op)]
    out = np.zeros((x.shape[0], og * groups) + tuple(full), np.result_type(x, w))
    for pos in itertools.product(*map(range, x.shape[2:])):
        at = tuple(slice(i * t, i * t + e * (q - 1) + 1, e) for i, t, e, q in
                   zip(pos, s, d, kernel))
        for g in range(groups):
            out[(slice(None), slice(g * og, (g + 1) * og)) + at] += np.einsum(
                "nc,coxyz->noxyz", x[(slice(None), slice(g * cg, (g + 1) * cg)) + pos],
                w[g * cg:(g + 1) * cg])
    out = out[(slice(None), slice(None)) + tuple(slice(q, f - q) for q, f in zip(p, full))]
    return out if bias is None else out + bias.reshape(-1, 1, 1, 1)


def conv3d_samples(m):
    return [S(m(1, 1, 2, 2, 2), m(1, 1, 2, 2, 2), m(1), padding="valid").named("bias, valid"),
            S(m(1, 2, 3, 2, 3), m(2, 1, 2, 1, 2), None, stride=(2, 1, 1), padding=(1, 0, 1),
              groups=2).named("groups, stride, padding").no_grad(),
            S(m(2, 2, 4, 3, 4), m(4, 1, 2, 2, 3), m(4), stride=(1, 2, 1), padding=(1, 1, 0),
              dilation=(2, 1, 1), groups=2).named("all parameters").no_grad(),
            S(m(1, 2, 2, 3), m(1, 1, 2, 2, 2), padding="same").named("unbatched, same")]


def conv_transpose3d_samples(m):
    return [S(m(1, 1, 2, 2, 2), m(1, 1, 2, 2, 2), m(1)).named("bias"),
            S(m(1, 2, 2, 2, 2), m(2, 1, 2, 2, 1), None, stride=(2, 1, 2), padding=(1, 0, 0),
              output_padding=(1, 0, 1), groups=2).named("groups, stride, output_padding")
            .no_grad(),
            S(m(1, 2, 2, 1, 2), m(2, 1, 2, 2, 2), m(1), dilation=(2, 1, 1),
              output_padding=(1, 0, 0))
            .named("output_padding below dilation"),
            S(m(1, 2, 2, 2), m(1, 1, 2, 1, 2), stride=2).named("unbatched")]


def conv3d_errors(transposed):
    def errors(m):
        x = m(1, 2, 3, 3, 3)
        w = m(2, 2, 2, 2, 2)
        out = [E(RuntimeError, m(2, 3, 3), w),
               E(RuntimeError, m(1, 3, 3, 3, 3), w),
               E(RuntimeError, x, m(2, 2, 2, 2)),
               E(RuntimeError, x, w, m(3)),
               E(RuntimeError, x, w, None, 0),
               E(RuntimeError, x, w, None, 1, -1),
               E(RuntimeError, x, w, None, (1, 1)),
               E(TypeError, x, w, None, "a")]
        if transposed:
            out += [E(RuntimeError, x, w, None, 1, 0, 1),
                    E(RuntimeError, m(1, 2, 1, 1, 1), w, None, 1, 2),
                    E(TypeError, x, w, None, 1, "same")]
        else:
            out += [E(RuntimeError, m(1, 2, 1, 3, 3), w),
                    E(RuntimeError, x, w, None, 2, "same"),
                    E(RuntimeError, x, w, None, 1, "full")]
        return out
    return errors


# -- pooling ---------------------------------------------------------------------------------------
def _pool_params(kernel_size, stride, padding, dilation):
    k = _n(kernel_size, 3)
    return k, k if stride is None else _n(stride, 3), _n(padding, 3), _n(dilation, 3)


def _window(pos, k, s, p, d, shape):
    """The input positions of window `pos` inside the input, per axis."""
    return [[i * t - q + j * e for j in range(kk) if 0 <= i * t - q + j * e < n]
            for i, kk, t, q, e, n in zip(pos, k, s, p, d, shape)]


@_batched
def _max_pool3d_ref(a, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                    return_indices=False):
    k, s, p, d = _pool_params(kernel_size, stride, padding, dilation)
    shape = a.shape[2:]
    size = [_count(*v, ceil_mode) for v in zip(shape, k, s, p, d)]
    vals = np.zeros(a.shape[:2] + tuple(size), a.dtype)
    index = np.zeros(a.shape[:2] + tuple(size), np.int64)
    for pos in itertools.product(*map(range, size)):
        axes = _window(pos, k, s, p, d, shape)
        flat = [(z * shape[1] + y) * shape[2] + x for z in axes[0] for y in axes[1]
                for x in axes[2]]
        win = a.reshape(a.shape[:2] + (-1,))[:, :, flat]
        vals[(slice(None), slice(None)) + pos] = win.max(-1)
        index[(slice(None), slice(None)) + pos] = np.array(flat)[win.argmax(-1)]
    return (vals, index) if return_indices else vals


@_batched
def _avg_pool3d_ref(a, kernel_size, stride=None, padding=0, ceil_mode=False,
                    count_include_pad=True, divisor_override=None):
    k, s, p, _ = _pool_params(kernel_size, stride, padding, 1)
    shape = a.shape[2:]
    size = [_count(*v, 1, ceil_mode) for v in zip(shape, k, s, p)]
    out = np.zeros(a.shape[:2] + tuple(size))
    for pos in itertools.product(*map(range, size)):
        starts = [i * t - q for i, t, q in zip(pos, s, p)]
        ends = [min(b + kk, n + q) for b, kk, n, q in zip(starts, k, shape, p)]
        whole = np.prod([e - b for b, e in zip(starts, ends)])
        starts = [max(b, 0) for b in starts]
        ends = [min(e, n) for e, n in zip(ends, shape)]
        total = a[(slice(None), slice(None)) + tuple(slice(b, e) for b, e in zip(starts, ends))]
        div = divisor_override or (whole if count_include_pad else
                                   np.prod([e - b for b, e in zip(starts, ends)]))
        out[(slice(None), slice(None)) + pos] = total.sum(axis=(2, 3, 4)) / div
    return out


def max_pool3d_samples(m):
    out = [S(m.distinct(1, 1, 2, 2, 2), 2).named("2x2x2"),
           S(m.distinct(1, 1, 4, 3, 4), (2, 1, 2), (1, 2, 1), (1, 0, 0), (2, 1, 2))
           .named("dilation").no_grad(),
           S(m.distinct(2, 1, 4, 3, 3), 3, 2, 1, 1, True, True).out(lambda d: (d, ember.int64))
           .no_grad().named("return_indices, ceil_mode"),
           S(m.distinct(2, 2, 3, 2), 2, return_indices=True).out(lambda d: (d, ember.int64))
           .no_grad().named("unbatched"),
           S(m.few(1, 2, 3, 3, 3), 2, 1).no_grad().named("ties")]
    return out


def avg_pool3d_samples(m):
    return [S(m(1, 1, 2, 2, 2), 2).named("2x2x2"),
            S(m(1, 1, 3, 4, 5), 3, 2, 1, True, False).named("count_include_pad=False")
            .no_grad(),
            S(m(1, 1, 2, 2, 4), 2, divisor_override=3).named("divisor_override"),
            S(m(2, 3, 2, 3), (2, 1, 2), (1, 1, 2), (1, 0, 1), True)
            .named("unbatched, padding, ceil_mode")]


def pool3d_errors(avg):
    def errors(m):
        out = [E(RuntimeError, m(4, 4, 4), 2),
               E(RuntimeError, m(1, 1, 4, 4, 4), 2, 2, 2),
               E(RuntimeError, m(1, 1, 4, 4, 4), 2, 0),
               E(RuntimeError, m(1, 1, 4, 4, 4), (2, 2)),
               E(RuntimeError, m(1, 1, 1, 4, 4), 2),
               E(TypeError, m(1, 1, 4, 4, 4), "a")]
        if avg:
            out += [E(RuntimeError, m(1, 1, 4, 4, 4), 2, divisor_override=0)]
        return out
    return errors


def _adaptive_windows(n, m):
    return [(i * n // m, -(-(i + 1) * n // m)) for i in range(m)]


def _adaptive_ref(kind):
    @_batched
    def ref(a, output_size, return_indices=False):
        shape = a.shape[2:]
        size = [n if o is None else o for n, o in zip(shape, _n(output_size, 3))]
        vals = np.zeros(a.shape[:2] + tuple(size), a.dtype)
        index = np.zeros(a.shape[:2] + tuple(size), np.int64)
        for pos in itertools.product(*map(range, size)):
            axes = [range(*_adaptive_windows(n, o)[i]) for i, n, o in zip(pos, shape, size)]
            flat = [(z * shape[1] + y) * shape[2] + x for z in axes[0] for y in axes[1]
                    for x in axes[2]]
            win = a.reshape(a.shape[:2] + (-1,))[:, :, flat]
            at = (slice(None), slice(None)) + pos
            vals[at] = win.mean(-1) if kind == "avg" else win.max(-1)
            index[at] = np.array(flat)[win.argmax(-1)]
        return (vals, index) if return_indices else vals
    return ref


def adaptive_avg_samples(m):
    return [S(m(1, 1, 3, 2, 3), (2, 1, 2)).named("uneven windows"),
            S(m(1, 1, 2, 3, 4), 1).named("global"),
            S(m(2, 2, 3, 4, 4), (None, 3, 2)).named("None keeps a size").no_grad(),
            S(m(2, 3, 2, 5), (2, 1, 3)).named("unbatched")]


def adaptive_max_samples(m):
    return [S(m.distinct(1, 1, 3, 2, 3), (2, 1, 2)).named("uneven windows"),
            S(m.distinct(2, 2, 3, 4, 4), (None, 3, 2), True).out(lambda d: (d, ember.int64))
            .no_grad().named("return_indices"),
            S(m.distinct(2, 3, 2, 5), (2, 1, 3)).named("unbatched"),
            S(m.few(1, 2, 3, 3, 3), 2).no_grad().named("ties")]


def adaptive_errors(fn):
    def errors(m):
        out = [E(RuntimeError, m(1, 1, 4, 4, 4), (2, 2)), E(RuntimeError, m(4, 4), 2),
               E(RuntimeError, m(1, 1, 4, 4, 4), -1)]
        return out
    return errors


# -- max unpooling ---------------------------------------------------------------------------------
def _unpool_ref(nd):
    def ref(a, indices, kernel_size, stride=None, padding=0, output_size=None):
        k, p = _n(kernel_size, nd), _n(padding, nd)
        s = k if stride is None else _n(stride, nd)
        if output_size is None:
            size = tuple((n - 1) * t - 2 * q + kk for n, t, q, kk in
                         zip(a.shape[-nd:], s, p, k))
        else:
            size = tuple(output_size)[-nd:]
        lead = a.shape[:-nd]
        out = np.zeros(lead + (int(np.prod(size)),), a.dtype)
        flat_a, flat_i = a.reshape(lead + (-1,)), indices.reshape(lead + (-1,))
        for at in itertools.product(*map(range, lead)):
            out[at][flat_i[at]] = flat_a[at]
        return out.reshape(lead + size)
    return ref


def _unpool_index(m, lead, inner, total):
    """Distinct flat positions in [0, total) for each plane of `lead`, `inner` values each."""
    planes = int(np.prod(lead))
    picks = np.stack([m.rng.permutation(total)[:int(np.prod(inner))] for _ in range(planes)])
    return m.index(picks.reshape(lead + inner))


def unpool_samples(nd):
    def samples(m):
        inner = (2, 3, 2)[:nd]
        default = tuple(2 * n for n in inner)  # kernel 2, stride 2
        total = int(np.prod(default))
        bigger = tuple(n + 1 for n in default)
        out = [S(m(1, 2, *inner), _unpool_index(m, (1, 2), inner, total), 2).named("kernel 2"),
               S(m(2, *inner), _unpool_index(m, (2,), inner, int(np.prod(bigger))), 2,
                 output_size=bigger).named("unbatched, output_size")]
        small = tuple(n - 1 for n in default)
        out.append(S(m(1, 1, *inner), _unpool_index(m, (1, 1), inner, int(np.prod(small))), 3,
                     2, 1).named("stride, padding"))
        return out
    return samples


def unpool_errors(nd):
    def errors(m):
        inner = (2, 2, 2)[:nd]
        x = m(1, 1, *inner)
        good = m.index(np.zeros((1, 1) + inner, np.int64))
        return [E(RuntimeError, x, m.index(np.full((1, 1) + inner, 99)), 2),
                E(RuntimeError, x, m.index(np.zeros((1, 2) + inner, np.int64)), 2),
                E(RuntimeError, m(*inner), m.index(np.zeros(inner, np.int64)), 2),
                E(ValueError, x, good, 2, output_size=(9,) * nd),
                E(ValueError, x, good, 2, output_size=(4,) * (nd + 1))]
    return errors


# -- the table -------------------------------------------------------------------------------------
ENTRIES = [
    Entry("conv3d", conv3d_samples, _conv3d_ref, errors=conv3d_errors(False), tol=_HALF),
    Entry("conv_transpose3d", conv_transpose3d_samples, _conv_transpose3d_ref,
          errors=conv3d_errors(True), tol=_HALF),
    Entry("max_pool3d", max_pool3d_samples, _max_pool3d_ref, errors=pool3d_errors(False)),
    Entry("avg_pool3d", avg_pool3d_samples, _avg_pool3d_ref, errors=pool3d_errors(True),
          **_functional("avg_pool3d")),
    Entry("adaptive_avg_pool3d", adaptive_avg_samples, _adaptive_ref("avg"), tol=_HALF,
          errors=adaptive_errors("adaptive_avg_pool3d"), **_functional("adaptive_avg_pool3d")),
    Entry("adaptive_max_pool3d", adaptive_max_samples, _adaptive_ref("max"),
          errors=adaptive_errors("adaptive_max_pool3d"), **_functional("adaptive_max_pool3d")),
] + [Entry(f"max_unpool{nd}d", unpool_samples(nd), _unpool_ref(nd), errors=unpool_errors(nd),
           **_functional(f"max_unpool{nd}d")) for nd in (1, 2, 3)]
