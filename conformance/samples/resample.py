"""Sample entries for ``nn.functional.interpolate`` (see ``ember_conformance.samples``).

The reference computes each output element directly, one spatial dim at a time, from PyTorch's
documented source-index rules (nearest: floor(dst * in/out); nearest-exact: floor((dst + 1/2) *
in/out); linear and cubic: half-pixel centres or aligned corners; cubic: Keys' kernel with
A = -0.75 and clamped borders; area: adaptive average pooling's windows)."""

import math

import numpy as np

import ember

from ..entries import E, Entry, S
from ._common import _functional

_TOL = {ember.float16: (1e-2, 1e-2), ember.bfloat16: (5e-2, 5e-2),
        ember.float32: (1e-5, 1e-5)}


def _one_dim(a, axis, n_out, mode, align_corners, scale):
    n_in = a.shape[axis]
    a = np.moveaxis(a, axis, -1)
    out = np.zeros(a.shape[:-1] + (n_out,))
    step = (1 / scale) if scale else n_in / n_out
    for j in range(n_out):
        if mode in ("nearest", "nearest-exact"):
            src = (j + 0.5) * step if mode == "nearest-exact" else j * step
            out[..., j] = a[..., min(int(math.floor(np.float32(src))), n_in - 1)]
        elif mode == "area":
            lo, hi = (j * n_in) // n_out, -(-((j + 1) * n_in) // n_out)
            out[..., j] = a[..., lo:hi].mean(-1)
        else:
            if align_corners:
                src = j * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
            else:
                src = (j + 0.5) * step - 0.5
            cubic = mode == "bicubic"
            if not cubic and not align_corners:
                src = max(src, 0.0)
            i0 = min(int(math.floor(src)), n_in - 1)
            t = min(max(src - i0, 0.0), 1.0)
            if cubic:
                A = -0.75
                w = [((A * x - 5 * A) * x + 8 * A) * x - 4 * A if x > 1 else
                     ((A + 2) * x - (A + 3)) * x * x + 1 for x in (t + 1, t, 1 - t, 2 - t)]
                for k in range(4):
                    out[..., j] += w[k] * a[..., min(max(i0 - 1 + k, 0), n_in - 1)]
            else:
                out[..., j] = (1 - t) * a[..., i0] + t * a[..., min(i0 + 1, n_in - 1)]
    return np.moveaxis(out, -1, axis)


def _interpolate_ref(a, size=None, scale_factor=None, mode="nearest", align_corners=None,
                     recompute_scale_factor=None, antialias=False):
    dims = a.ndim - 2
    scales = [None] * dims
    if size is not None:
        sizes = list(size) if isinstance(size, (list, tuple)) else [size] * dims
    else:
        f = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else [scale_factor] * dims
        sizes = [int(n * s) for n, s in zip(a.shape[2:], f)]
        if not recompute_scale_factor and mode != "area":
            scales = f
    out = a.astype(np.float64)
    for k in range(dims):
        out = _one_dim(out, 2 + k, sizes[k], mode, align_corners, scales[k])
    return out


def _samples(m):
    return [
        S(m(1, 2, 5), 7).named("nearest 1-d"),
        S(m(1, 2, 3, 4), scale_factor=2).named("nearest 2-d, x2"),
        S(m(1, 1, 2, 3, 2), size=(3, 4, 3)).named("nearest 3-d"),
        S(m(2, 1, 5, 4), size=(3, 7), mode="nearest-exact").named("nearest-exact"),
        S(m(1, 2, 4), scale_factor=1.5, mode="linear").named("linear"),
        S(m(1, 2, 4), 7, mode="linear", align_corners=True).named("linear, align_corners"),
        S(m(1, 2, 3, 4), size=(5, 3), mode="bilinear").named("bilinear, up and down"),
        S(m(1, 1, 3, 3), scale_factor=(1.5, 2.0), mode="bilinear", align_corners=True)
        .named("bilinear, align_corners"),
        S(m(1, 1, 4, 4), size=(6, 3), mode="bicubic").named("bicubic"),
        S(m(1, 1, 3, 4), scale_factor=1.7, mode="bicubic", recompute_scale_factor=True)
        .named("bicubic, recompute_scale_factor"),
        S(m(1, 1, 2, 3, 2), size=(3, 2, 4), mode="trilinear").named("trilinear"),
        S(m(1, 2, 5, 7), size=(3, 3), mode="area").named("area"),
        S(m(1, 1, 7), scale_factor=0.5, mode="area").named("area 1-d, scale"),
    ]


def _errors(m):
    return [E(ValueError, m(1, 1, 4), 2, scale_factor=2),
            E(ValueError, m(1, 1, 4)),
            E(ValueError, m(1, 1, 4), 8, align_corners=True),
            E(ValueError, m(1, 1, 4, 4), (2, 2, 2)),
            E(NotImplementedError, m(1, 1, 4), 8, mode="bilinear"),
            E(NotImplementedError, m(1, 1, 4, 4), 8, mode="trilinear"),
            E(NotImplementedError, m(4), 8),
            E(NotImplementedError, m(1, 1, 4, 4), 8, mode="bilinear", antialias=True),
            E(NotImplementedError, m(1, 1, 4, 4, dtype=ember.int64), 8).requires(ember.int64)]


ENTRIES = [
    Entry("interpolate", _samples, _interpolate_ref, errors=_errors, tol=_TOL,
          **_functional("interpolate")),
]
