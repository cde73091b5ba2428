"""Sample entries for padding, unfold/fold, convolution and pooling (see
``ember_conformance.samples``).

The references are written from the definitions (a loop over output positions or input
positions, on the small sample inputs), not from the im2col route the kernels take. Ops that
live only in ``ember.nn.functional`` are called there (``call`` and ``code``).
"""

import numpy as np

import ember

from ..entries import BOOL, COMPLEX, FLOAT, INT, E, Entry, S
from ._common import (_Code, _functional, nan)

_HALF = {ember.float16: (1e-2, 1e-2), ember.bfloat16: (5e-2, 5e-2)}
REAL = INT + FLOAT


# -- helpers for the references --------------------------------------------------------------------
def _n(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v) * (n if len(v) == 1 else 1)


def _to_2d(a, nd):
    """An (N, C, *spatial) or (C, *spatial) array as (N, C, H, W), and how to undo it."""
    unbatched = a.ndim == nd + 1
    if unbatched:
        a = a[None]
    if nd == 1:
        a = a[:, :, None]

    def back(out):
        if nd == 1:
            out = out[:, :, 0]
        return out[0] if unbatched else out
    return a, back


def _pool_size(n, k, s, p, d, ceil_mode):
    span = n + 2 * p - d * (k - 1) - 1
    if not ceil_mode:
        return span // s + 1
    out = -(-span // s) + 1
    return out - 1 if (out - 1) * s >= n + p else out


def _params(nd, *values):
    """Window parameters of an nd-D op as 2-D ones (height 1, no vertical padding)."""
    out = []
    for v, one in values:
        v = _n(v, nd)
        out.append(v if nd == 2 else (one,) + v)
    return out


# -- pad -------------------------------------------------------------------------------------------
_NP_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
             "circular": "wrap"}


def _pad_ref(a, pad, mode="constant", value=None):
    k = len(pad) // 2
    pairs = [(0, 0)] * (a.ndim - k) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(k))]
    a = a[tuple(slice(-min(b, 0), n + min(e, 0)) for (b, e), n in zip(pairs, a.shape))]
    pairs = [(max(b, 0), max(e, 0)) for b, e in pairs]
    if mode == "constant":
        return np.pad(a, pairs, constant_values=0 if value is None else value)
    return np.pad(a, pairs, mode=_NP_MODES[mode])


def pad_samples(m):
    out = [S(m(2, 3), (1, 2)).named("last dim"),
           S(m(2, 3, 4), (1, 0, 2, 1)).named("two dims"),
           S(m(2, 4), (-1, 2)).named("negative crops"),
           S(m(1, 2, 3), (0, 0, 0, 0, 1, 1)).named("first dim"),
           S(m(0, 3), (1, 1)).named("empty")]
    if m.dtype.is_floating_point:
        out += [S(m(2, 3), (1, 1), value=1.5).named("value"),
                S(m(1, 2, 4), (2, 1), mode="reflect").named("reflect 1-d"),
                S(m(1, 2, 4, 5), (1, 2, 3, 1), mode="reflect").named("reflect 2-d"),
                S(m(2, 3), (2, 1), mode="replicate").named("replicate 1-d"),
                S(m(1, 2, 3, 4), (2, 1, 1, 3), mode="replicate").named("replicate 2-d"),
                S(m(2, 3), (3, 1), mode="circular").named("circular 1-d"),
                S(m(1, 2, 3, 4), (1, 2, 3, 0), mode="circular").named("circular 2-d")]
    return out


def pad_errors(m):
    return [E(RuntimeError, m(2, 3), (1,)),
            E(RuntimeError, m(2), (1, 1, 1, 1)),
            E(NotImplementedError, m(2, 3), (1, 1), mode="wrap"),
            E(RuntimeError, m(1, 2, 3), (3, 3), mode="reflect"),
            E(RuntimeError, m(1, 2, 3), (4, 0), mode="circular"),
            E(NotImplementedError, m(1, 2, 3, 4), (1, 1), mode="reflect"),
            E(TypeError, [1.0, 2.0], (1, 1))]


# -- unfold and fold -------------------------------------------------------------------------------
def _offsets(kernel, dilation):
    return [(i * dilation[0], j * dilation[1]) for i in range(kernel[0]) for j in range(kernel[1])]


def _unfold_ref(a, kernel_size, dilation=1, padding=0, stride=1):
    k, d, p, s = (_n(v, 2) for v in (kernel_size, dilation, padding, stride))
    x = np.pad(a[None] if a.ndim == 3 else a, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    n, c, h, w = x.shape
    ho, wo = (_pool_size(m, q, t, 0, e, False) for m, q, t, e in zip((h, w), k, s, d))
    out = np.zeros((n, c, k[0] * k[1], ho * wo), x.dtype)
    for i in range(ho):
        for j in range(wo):
            for kk, (di, dj) in enumerate(_offsets(k, d)):
                out[:, :, kk, i * wo + j] = x[:, :, i * s[0] + di, j * s[1] + dj]
    out = out.reshape(n, c * k[0] * k[1], ho * wo)
    return out[0] if a.ndim == 3 else out


def _fold_ref(a, output_size, kernel_size, dilation=1, padding=0, stride=1):
    size, k, d, p, s = (_n(v, 2) for v in (output_size, kernel_size, dilation, padding, stride))
    cols = a[None] if a.ndim == 2 else a
    n, ckk, _ = cols.shape
    c = ckk // (k[0] * k[1])
    out = np.zeros((n, c, size[0] + 2 * p[0], size[1] + 2 * p[1]), a.dtype)
    wo = _pool_size(size[1], k[1], s[1], p[1], d[1], False)
    cols = cols.reshape(n, c, k[0] * k[1], -1)
    for col in range(cols.shape[3]):
        i, j = divmod(col, wo)
        for kk, (di, dj) in enumerate(_offsets(k, d)):
            out[:, :, i * s[0] + di, j * s[1] + dj] += cols[:, :, kk, col]
    out = out[:, :, p[0]:p[0] + size[0], p[1]:p[1] + size[1]]
    return out[0] if a.ndim == 2 else out


def unfold_samples(m):
    return [S(m(1, 2, 3, 4), 2).named("2x2"),
            S(m(2, 3, 5, 6), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
            .named("dilation, padding, stride"),
            S(m(2, 4, 4), 3, padding=1).named("unbatched"),
            S(m(1, 1, 3, 3), 1, stride=2).named("1x1 strided")]


def unfold_errors(m):
    return [E(RuntimeError, m(3, 4), 2), E(RuntimeError, m(1, 1, 2, 2), 3),
            E(RuntimeError, m(1, 1, 3, 3), 2, stride=0), E(TypeError, m(1, 1, 3, 3), "a")]


def fold_samples(m):
    return [S(m(1, 4, 4), (3, 3), 2).named("2x2"),
            S(m(2, 12, 9), (4, 5), (2, 3), padding=1, stride=2).named("padding, stride"),
            S(m(8, 9), (4, 4), 2, padding=1, stride=2).named("unbatched"),
            S(m(1, 4, 4), (4, 4), 2, dilation=2).named("dilation")]


def fold_errors(m):
    return [E(RuntimeError, m(1, 5, 9), (4, 4), 2), E(RuntimeError, m(1, 4, 8), (4, 4), 2),
            E(RuntimeError, m(4), (2, 2), 1)]


# -- convolution -----------------------------------------------------------------------------------
def _conv_ref(nd):
    def ref(x, w, bias=None, stride=1, padding=0, dilation=1, groups=1):
        a, back = _to_2d(x, nd)
        w2 = w[:, :, None] if nd == 1 else w
        s, d = _params(nd, (stride, 1), (dilation, 1))
        kernel = w2.shape[2:]
        if padding == "same":
            pads = [(t // 2, t - t // 2) for t in (e * (q - 1) for e, q in zip(d, kernel))]
        else:
            pads = [(q, q) for q in _params(nd, (0 if padding == "valid" else padding, 0))[0]]
        a = np.pad(a, ((0, 0), (0, 0)) + tuple(pads))
        n, _, h, wd = a.shape
        o, cg = w2.shape[:2]
        ho, wo = (_pool_size(m, q, t, 0, e, False) for m, q, t, e in zip((h, wd), kernel, s, d))
        out = np.zeros((n, o, ho, wo), np.result_type(a, w2))
        for oc in range(o):
            g = oc // (o // groups)
            for i in range(ho):
                for j in range(wo):
                    rows = slice(i * s[0], i * s[0] + d[0] * (kernel[0] - 1) + 1, d[0])
                    cols = slice(j * s[1], j * s[1] + d[1] * (kernel[1] - 1) + 1, d[1])
                    patch = a[:, g * cg:(g + 1) * cg, rows, cols]
                    out[:, oc, i, j] = (patch * w2[oc]).sum(axis=(1, 2, 3))
        if bias is not None:
            out += bias.reshape(-1, 1, 1)
        return back(out)
    return ref


def _conv_transpose_ref(x, w, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                        dilation=1):
    a, back = _to_2d(x, 2)
    s, p, op, d = (_n(v, 2) for v in (stride, padding, output_padding, dilation))
    n, cin, h, wd = a.shape
    og, kernel = w.shape[1], w.shape[2:]
    cg = cin // groups
    full = [(m - 1) * t + e * (q - 1) + 1 + o for m, t, e, q, o in zip((h, wd), s, d, kernel, op)]
    out = np.zeros((n, og * groups, full[0], full[1]), np.result_type(a, w))
    for g in range(groups):
        wg = w[g * cg:(g + 1) * cg]
        for i in range(h):
            for j in range(wd):
                contrib = np.einsum("nc,cokl->nokl", a[:, g * cg:(g + 1) * cg, i, j], wg)
                out[:, g * og:(g + 1) * og, i * s[0]:i * s[0] + d[0] * (kernel[0] - 1) + 1:d[0],
                    j * s[1]:j * s[1] + d[1] * (kernel[1] - 1) + 1:d[1]] += contrib
    out = out[:, :, p[0]:full[0] - p[0], p[1]:full[1] - p[1]]
    if bias is not None:
        out = out + bias.reshape(-1, 1, 1)
    return back(out)


def conv2d_samples(m):
    return [S(m(1, 1, 3, 4), m(1, 1, 2, 2), m(1)).named("bias"),
            S(m(1, 2, 3, 3), m(2, 1, 2, 1), m(2), groups=2).named("groups"),
            S(m(1, 1, 4, 4), m(1, 1, 2, 2), None, stride=2, padding=1).named("stride, padding"),
            S(m(1, 1, 3, 3), m(1, 1, 2, 2), padding="same").named("same, even kernel"),
            S(m(2, 3, 6, 5), m(4, 3, 3, 2), m(4), stride=(2, 1), padding=(1, 2),
              dilation=(2, 1)).named("all parameters"),
            S(m(3, 5, 5), m(2, 3, 3, 3)).named("unbatched"),
            S(m(2, 4, 5, 5), m(4, 2, 3, 3), m(4), padding="same", groups=2, dilation=2)
            .named("same, groups, dilation"),
            S(m(1, 2, 3, 3), m(3, 2, 3, 3), padding="valid").named("valid")]


def _conv2d_weight_ref(x, weight_size, g, stride=1, padding=0, dilation=1, groups=1):
    kh, kw = weight_size[2:]
    s, p, d = _params(2, (stride, 0), (padding, 0), (dilation, 0))
    a = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    n, c = x.shape[:2]
    o, ho, wo = g.shape[1:]
    cg, og = c // groups, o // groups
    out = np.zeros((o, cg, kh, kw), np.result_type(x, g))
    for i in range(kh):
        for j in range(kw):
            patch = a[:, :, i * d[0]:i * d[0] + s[0] * (ho - 1) + 1:s[0],
                      j * d[1]:j * d[1] + s[1] * (wo - 1) + 1:s[1]]
            for q in range(groups):
                out[q * og:(q + 1) * og, :, i, j] = np.einsum(
                    "nohw,nchw->oc", g[:, q * og:(q + 1) * og], patch[:, q * cg:(q + 1) * cg])
    return out


def conv2d_weight_samples(m):
    return [S(m(1, 1, 3, 3), (2, 1, 2, 2), m(1, 2, 2, 2)).named("valid"),
            S(m(1, 1, 3, 3), (1, 1, 3, 3), m(1, 1, 3, 3), padding=1)
            .named("padding, wide columns"),
            S(m(1, 2, 3, 3), (2, 1, 2, 2), m(1, 2, 2, 1), stride=(2, 1), padding=(1, 0),
              dilation=(1, 2), groups=2).named("groups, stride, dilation"),
            S(m(2, 1, 3, 2), (2, 1, 1, 1), m(2, 2, 2, 1), stride=2).named("1x1, stride"),
            S(m(1, 4, 6, 5), (6, 2, 3, 2), m(1, 6, 3, 7), stride=(2, 1), padding=(1, 2),
              dilation=(1, 2), groups=2).named("larger, all parameters")]


def conv2d_weight_errors(m):
    return [E(RuntimeError, m(2, 3, 5, 4), (4, 3, 3, 3), m(2, 4, 2, 2)),
            E(RuntimeError, m(3, 5, 4), (4, 3, 3, 3), m(4, 3, 2))]


def conv1d_samples(m):
    return [S(m(1, 2, 5), m(2, 2, 2), m(2)).named("bias"),
            S(m(1, 2, 6), m(2, 1, 3), None, stride=2, padding=1, groups=2)
            .named("groups, stride, padding"),
            S(m(1, 1, 6), m(1, 1, 3), padding="same", dilation=2).named("same, dilation"),
            S(m(3, 7), m(2, 3, 3), m(2)).named("unbatched"),
            S(m(2, 4, 9), m(6, 2, 3), m(6), stride=2, padding=2, dilation=2, groups=2)
            .named("all parameters")]


def conv_transpose2d_samples(m):
    return [S(m(1, 1, 2, 3), m(1, 1, 2, 2), m(1)).named("bias"),
            S(m(1, 2, 2, 2), m(2, 1, 2, 2), None, stride=2, padding=1, output_padding=1,
              groups=2).named("groups, stride, output_padding"),
            S(m(1, 2, 3, 3), m(2, 2, 2, 2), m(4), stride=(2, 1), padding=(1, 0),
              output_padding=(1, 0), groups=2, dilation=(1, 2)).named("all parameters"),
            S(m(1, 2, 3, 3), m(2, 1, 2, 2), None, dilation=2, output_padding=1)
            .named("output_padding not below stride"),
            S(m(2, 3, 4), m(2, 2, 3, 3), m(2), stride=2).named("unbatched")]


def conv_errors(fn_nd, transposed=False):
    def errors(m):
        def shape(*spatial):
            return spatial[2 - fn_nd:]
        x = m(2, 3, *shape(5, 5))
        w = m(3, 4, *shape(3, 3)) if transposed else m(4, 3, *shape(3, 3))
        out = [E(RuntimeError, m(*shape(5, 5)), w),
               E(RuntimeError, m(2, 5, *shape(5, 5)), w),
               E(RuntimeError, x, w, m(3 if not transposed else 5)),
               E(RuntimeError, x, w, None, 0),
               E(RuntimeError, x, w, None, 1, -1),
               E(RuntimeError, x, w, m(4, dtype=ember.float64)).requires(ember.float64),
               E(NotImplementedError, m(2, 3, *shape(5, 5), dtype=ember.bool),
                 m(*((3, 4) if transposed else (4, 3)), *shape(3, 3), dtype=ember.bool)),
               E(TypeError, x, w, None, "a")]
        if transposed:
            out += [E(RuntimeError, x, w, None, 2, 0, 2),
                    E(TypeError, x, w, None, 1, "same")]
        else:
            out += [E(RuntimeError, m(2, 3, *shape(2, 2)), w),
                    E(RuntimeError, x, w, None, 2, "same"),
                    E(RuntimeError, x, w, None, 1, "full"),
                    E(RuntimeError, m(2, 6, *shape(5, 5)), m(3, 3, *shape(3, 3)), None, 1, 0, 1,
                      2)]
        return out
    return errors


# -- pooling ---------------------------------------------------------------------------------------
def _max_pool_ref(nd):
    def ref(a, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
            return_indices=False):
        x, back = _to_2d(a.astype(np.float64), nd)
        k, p, d = _params(nd, (kernel_size, 1), (padding, 0), (dilation, 1))
        s = k if stride is None else _params(nd, (stride, 1))[0]
        n, c, h, w = x.shape
        ho, wo = (_pool_size(*v, ceil_mode) for v in zip((h, w), k, s, p, d))
        values = np.zeros((n, c, ho, wo))
        index = np.zeros((n, c, ho, wo), np.int64)
        for i in range(ho):
            for j in range(wo):
                rows = [r for r in (i * s[0] - p[0] + t * d[0] for t in range(k[0])) if 0 <= r < h]
                cols = [q for q in (j * s[1] - p[1] + t * d[1] for t in range(k[1])) if 0 <= q < w]
                win = x[:, :, rows][:, :, :, cols].reshape(n, c, -1)
                best = win.argmax(axis=-1)
                values[:, :, i, j] = win.max(axis=-1)
                index[:, :, i, j] = np.array(rows)[best // len(cols)] * w + \
                    np.array(cols)[best % len(cols)]
        return (back(values), back(index)) if return_indices else back(values)
    return ref


def max_pool2d_samples(m):
    out = [S(m.distinct(1, 1, 4, 4), 2).named("2x2"),
           S(m.distinct(1, 2, 3, 3), 2, stride=1, padding=1).named("padding, stride 1"),
           S(m.distinct(1, 1, 3, 5), 2, ceil_mode=True).named("ceil_mode"),
           S(m.distinct(1, 1, 4, 5), (2, 2), (1, 2), 1, (2, 1)).named("dilation"),
           S(m.distinct(2, 3, 7, 6), 3, 2, 1, 1, True, True).out(lambda d: (d, ember.int64))
           .no_grad().named("return_indices, ceil_mode"),
           S(m.distinct(3, 4, 4), 2, return_indices=True).out(lambda d: (d, ember.int64)).no_grad()
           .named("unbatched"),
           S(m.few(2, 2, 4, 4), 2, 1).no_grad().named("ties")]
    if m.dtype.is_floating_point:
        nan = float("nan")
        out.append(S(m.values([[[[1.0, nan, 0.5, 2.0], [3.0, 0.0, 1.0, -1.0]]]]), 2).no_grad()
                   .key().named("nan wins"))
    return out


def max_pool1d_samples(m):
    return [S(m.distinct(1, 2, 6), 2).named("2"),
            S(m.distinct(1, 2, 7), 3, 2, 1, ceil_mode=True).named("padding, ceil_mode"),
            S(m.distinct(2, 3, 9), 3, 2, 1, 2, True, True).out(lambda d: (d, ember.int64)).no_grad()
            .named("return_indices, dilation"),
            S(m.distinct(3, 8), 2).named("unbatched")]


def pool_errors(nd, avg=False):
    def errors(m):
        spatial = (4, 4)[2 - nd:]
        out = [E(RuntimeError, m(*spatial), 2),
               E(RuntimeError, m(1, 1, *spatial), 2, 2, 2),
               E(RuntimeError, m(1, 1, *spatial), 2, 0),
               E(RuntimeError, m(1, 1, *(1, 1)[2 - nd:]), 2),
               E(TypeError, m(1, 1, *spatial), "a")]
        if avg:
            out += [E(NotImplementedError, m(1, 1, *spatial, dtype=ember.complex64), 2)
                    .requires(ember.complex64)]
        else:
            out += [E(NotImplementedError, m(1, 1, *spatial, dtype=ember.bool), 2)]
        return out
    return errors


def _avg_pool_ref(nd):
    def ref(a, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
            divisor_override=None):
        x, back = _to_2d(a, nd)
        k, p = _params(nd, (kernel_size, 1), (padding, 0))
        s = k if stride is None else _params(nd, (stride, 1))[0]
        n, c, h, w = x.shape
        ho, wo = (_pool_size(*v, 1, ceil_mode) for v in zip((h, w), k, s, p))
        out = np.zeros((n, c, ho, wo))
        for i in range(ho):
            for j in range(wo):
                r0, c0 = i * s[0] - p[0], j * s[1] - p[1]
                r1, c1 = min(r0 + k[0], h + p[0]), min(c0 + k[1], w + p[1])
                whole = (r1 - r0) * (c1 - c0)
                r0, c0, r1, c1 = max(r0, 0), max(c0, 0), min(r1, h), min(c1, w)
                total = x[:, :, r0:r1, c0:c1].sum(axis=(2, 3))
                div = divisor_override or (whole if count_include_pad else
                                           (r1 - r0) * (c1 - c0))
                out[:, :, i, j] = total / div
        return back(out)
    return ref


def avg_pool2d_samples(m):
    return [S(m(1, 1, 4, 4), 2).named("2x2"),
            S(m(1, 2, 3, 3), 2, 1, 1).named("padding, stride 1"),
            S(m(1, 1, 3, 5), 2, ceil_mode=True).named("ceil_mode"),
            S(m(1, 1, 4, 5), 3, 2, 1, True, False).named("count_include_pad=False"),
            S(m(2, 3, 7, 6), 3, 2, 1, True, True).named("ceil_mode, padding"),
            S(m(1, 1, 4, 4), 2, divisor_override=3).named("divisor_override"),
            S(m(3, 4, 5), (2, 3), (1, 2)).named("unbatched")]


def avg_pool1d_samples(m):
    return [S(m(1, 2, 6), 2).named("2"),
            S(m(1, 2, 7), 3, 2, 1, True, False).named("ceil_mode, count_include_pad=False"),
            S(m(2, 3, 9), 4, 3, 2, True, True).named("padding, ceil_mode"),
            S(m(3, 8), 3).named("unbatched")]


def _adaptive_ref(a, output_size):
    size = _n(output_size, 2)
    x, back = _to_2d(a, 2)
    n, c, h, w = x.shape
    size = tuple(m if o is None else o for m, o in zip((h, w), size))
    out = np.zeros((n, c) + size)
    for i in range(size[0]):
        for j in range(size[1]):
            r0, r1 = i * h // size[0], -(-(i + 1) * h // size[0])
            c0, c1 = j * w // size[1], -(-(j + 1) * w // size[1])
            out[:, :, i, j] = x[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
    return back(out)


def adaptive_samples(m):
    return [S(m(1, 1, 5, 4), (2, 3)).named("uneven windows"),
            S(m(1, 2, 3, 3), 2).named("overlapping windows"),
            S(m(1, 1, 4, 4), 1).named("global"),
            S(m(2, 3, 6, 6), (3, None)).named("None keeps a size"),
            S(m(2, 5, 5), (3, 2)).named("unbatched")]


def adaptive_errors(m):
    return [E(RuntimeError, m(1, 1, 4, 4), (2, 2, 2)), E(RuntimeError, m(4, 4), 2),
            E(RuntimeError, m(1, 1, 4, 4), -1),
            E(NotImplementedError, m(1, 1, 4, 4, dtype=ember.int64), 2).requires(ember.int64)]


# -- the table -------------------------------------------------------------------------------------
ENTRIES = [
    Entry("pad", pad_samples, _pad_ref, errors=pad_errors,
          **_functional("pad")),
    Entry("im2col", unfold_samples, _unfold_ref, errors=unfold_errors,
          **_functional("unfold")),
    Entry("col2im", fold_samples, _fold_ref, errors=fold_errors,
          tol=_HALF, **_functional("fold")),
    Entry("conv2d", conv2d_samples, _conv_ref(2), errors=conv_errors(2), tol=_HALF),
    Entry("conv2d_weight", conv2d_weight_samples, _conv2d_weight_ref, errors=conv2d_weight_errors,
          call=ember.nn.grad.conv2d_weight, code=_Code("ember.nn.grad.conv2d_weight"), tol=_HALF),
    Entry("conv1d", conv1d_samples, _conv_ref(1), errors=conv_errors(1), tol=_HALF),
    Entry("conv_transpose2d", conv_transpose2d_samples, _conv_transpose_ref,
          errors=conv_errors(2, transposed=True), tol=_HALF),
    Entry("max_pool2d", max_pool2d_samples, _max_pool_ref(2),
          errors=pool_errors(2)),
    Entry("max_pool1d", max_pool1d_samples, _max_pool_ref(1),
          errors=pool_errors(1)),
    Entry("avg_pool2d", avg_pool2d_samples, _avg_pool_ref(2), tol=_HALF,
          errors=pool_errors(2, avg=True), **_functional("avg_pool2d")),
    Entry("avg_pool1d", avg_pool1d_samples, _avg_pool_ref(1), tol=_HALF,
          errors=pool_errors(1, avg=True)),
    Entry("adaptive_avg_pool2d", adaptive_samples, _adaptive_ref, tol=_HALF,
          errors=adaptive_errors, **_functional("adaptive_avg_pool2d")),
]
