"""Resampling: ``nn.functional.interpolate`` (and the deprecated ``upsample`` forms).

Every mode PyTorch has without antialiasing is separable: the output along each spatial dim is
a fixed linear map of the input along that dim. So interpolate is a composite: for each
spatial dim it computes, on the host with NumPy and by PyTorch's index rules, the source positions
(nearest modes, applied with ``index_select``), the 2 or 4 source positions and weights of
each output (linear and cubic modes: ``index_select``, scaled and summed), or the averaging
matrix (area, applied with ``matmul``); its gradient flows through those ops on every backend.
"""

import numbers
import warnings

import numpy as np

from . import creation as C
from . import elementwise as E
from .conversion import clone
from . import indexing as I
from . import linalg as L
from . import shape as S
from ._common import check_tensor
from .registry import FLOATING, defop

MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_NEAREST = ("nearest", "area", "nearest-exact")
_NEEDS = {"linear": 3, "bilinear": 4, "trilinear": 5}  # the input dims these modes need
_CUBIC_A = -0.75  # PyTorch's bicubic kernel parameter


def _scale(n_in, n_out, align_corners, scale):
    """PyTorch's ``area_pixel_compute_scale``: source step per output step."""
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else n_in / n_out


def _source(n_in, n_out, align_corners, scale, cubic):
    """The real source position of each output position (``area_pixel_compute_source_index``):
    half-pixel centres unless `align_corners`; clamped at 0 except for cubic."""
    step = _scale(n_in, n_out, align_corners, scale)
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:
        return step * dst
    src = step * (dst + 0.5) - 0.5
    return src if cubic else np.maximum(src, 0.0)


def _floor_and_frac(src, n_in):
    """The source index below each position (at most n_in - 1) and the fraction past it."""
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    return i0, np.clip(src - i0, 0.0, 1.0)


def _linear_taps(n_in, n_out, align_corners, scale):
    """[(source index, weight)] per tap: the two neighbours, weights 1 - t and t."""
    i0, t = _floor_and_frac(_source(n_in, n_out, align_corners, scale, False), n_in)
    return [(i0, 1.0 - t), (np.minimum(i0 + 1, n_in - 1), t)]


def _cubic_taps(n_in, n_out, align_corners, scale):
    """Keys' cubic convolution with A = -0.75 on the 4 neighbours, indices clamped to the
    border (PyTorch's ``upsample_bicubic2d``)."""
    a = _CUBIC_A
    i0, t = _floor_and_frac(_source(n_in, n_out, align_corners, scale, True), n_in)

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    coeffs = (far(t + 1), near(t), near(1 - t), far(2 - t))
    return [(np.clip(i0 - 1 + k, 0, n_in - 1), c) for k, c in enumerate(coeffs)]


def _area_weights(n_in, n_out):
    """Adaptive average pooling's windows: [floor(i*in/out), ceil((i+1)*in/out))."""
    w = np.zeros((n_out, n_in))
    for i in range(n_out):
        lo, hi = (i * n_in) // n_out, -(-((i + 1) * n_in) // n_out)
        w[i, lo:hi] = 1.0 / (hi - lo)
    return w


def _nearest_index(n_in, n_out, scale, exact, shortcuts):
    """Source index of each output position, in float32 as PyTorch computes it: floor(dst *
    scale) for nearest, floor((dst + 0.5) * scale) for nearest-exact, at most n_in - 1; None
    for the identity. With `shortcuts` (PyTorch's 2-D nearest kernel), an output of the input's
    size is the identity and one of twice its size repeats each element, whatever the scale."""
    if shortcuts and n_out == n_in:
        return None
    if shortcuts and n_out == 2 * n_in:
        return np.arange(n_out) >> 1
    step = np.float32(1.0 / scale) if scale is not None and scale > 0 else \
        np.float32(n_in) / np.float32(n_out)
    dst = np.arange(n_out)
    if exact:
        src = np.floor(((dst + 0.5) * np.float64(step)).astype(np.float32))
    else:
        src = np.floor(dst.astype(np.float32) * step)
    src = np.minimum(src.astype(np.int64), n_in - 1)
    return None if n_in == n_out and (src == dst).all() else src  # None: the identity


def _gather(x, dim, taps):
    """sum over taps of x[..., index, ...] * weight along `dim`: linear and cubic resampling
    reads 2 or 4 inputs per output, so this is O(output) work (a matrix would be O(out * in))."""
    view = tuple(-1 if i == dim else 1 for i in range(x.dim()))
    out = None
    for idx, c in taps:
        picked = I.index_select(x, dim, C.tensor(idx, _backend=x._backend))
        term = E.mul(picked, S.reshape(C.tensor(c, dtype=x._dtype, _backend=x._backend), view))
        out = term if out is None else E.add(out, term)
    return out


def _along(x, dim, w):
    """The matrix `w` (out, in) applied along `dim` of `x`."""
    wt = C.tensor(w, dtype=x._dtype, _backend=x._backend)
    if dim == x.dim() - 1:
        return L.matmul(x, S.transpose(wt, 0, 1))
    if dim == x.dim() - 2:
        return L.matmul(wt, x)
    return S.transpose(L.matmul(wt, S.transpose(x, dim, -2)), dim, -2)


def _sizes(input, size, scale_factor, recompute_scale_factor, mode):
    """(output sizes, scale factors or None): PyTorch's checks and rules."""
    dim = input.dim() - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    scales = None
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    f"Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {spatial} and output size of {size}. "
                    f"Please provide input tensor in (N, C, d1, d2, ...,dK) format and output "
                    f"size in (o1, o2, ...,oK) format.")
            if not all(isinstance(s, numbers.Integral) for s in size):
                raise TypeError(f"expected size to be one of int or Tuple[int] or Tuple[int, int] "
                                f"or Tuple[int, int, int], but got size with types "
                                f"{[type(s) for s in size]}")
            out = [int(s) for s in size]
        else:
            out = [int(size)] * dim
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    f"Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {spatial} and scale_factor of "
                    f"shape {scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                    f"format and scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
        out = [int(n * s) for n, s in zip(spatial, scales)]
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if recompute_scale_factor or mode == "area":
        scales = None  # the kernels recompute the scale from the integer sizes
    if spatial and (min(spatial) <= 0 or min(out) <= 0):
        names = "DHW"[3 - dim:]
        raise RuntimeError(
            "Input and output sizes should be greater than 0, but got input ("
            + ", ".join(f"{c}: {n}" for c, n in zip(names, spatial)) + ") output ("
            + ", ".join(f"{c}: {n}" for c, n in zip(names, out)) + ")")
    return out, scales


def _check_mode(input, mode, align_corners, antialias):
    """PyTorch's errors for the mode, the input's dims and the options; the align_corners to
    use."""
    if mode not in MODES and mode != "lanczos":
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for "
            f"the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
            f"nearest-exact (got {mode})")
    if mode in _NEAREST:
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if antialias:
        if not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
            raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                             "modes and requires a 4-D tensor as input")
        raise NotImplementedError(f"interpolate(antialias=True) (mode {mode!r}) is not "
                                  f"supported by ember; use antialias=False")
    if mode == "lanczos":
        raise NotImplementedError("interpolate(mode='lanczos') is not supported by ember")
    need = _NEEDS.get(mode)
    if need is not None and input.dim() != need and input.dim() in (3, 4, 5):
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {need}D "
                                  f"input")
    if input.dim() not in (3, 4, 5) or (mode == "bicubic" and input.dim() != 4):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for "
            f"the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
            f"nearest-exact (got {mode})")
    return align_corners


@defop("interpolate", "nn", "same", dtypes=FLOATING, differentiable=True, method=False,
       namespaces=("nn.functional",), cpu_kernel="upsample_interpolate")
def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims (all but the first two) of a 3-D, 4-D or 5-D input to `size`,
    or by `scale_factor`, with PyTorch's source-index rules for each mode."""
    check_tensor(input, "input", "interpolate")
    align_corners = _check_mode(input, mode, align_corners, antialias)
    out_sizes, scales = _sizes(input, size, scale_factor, recompute_scale_factor, mode)
    if mode in _NEEDS and list(out_sizes) == list(input.shape[2:]):
        return clone(input)  # PyTorch's linear kernels copy an input of the output's size
    x = input
    for k, (n_in, n_out) in enumerate(zip(input.shape[2:], out_sizes)):
        dim, scale = 2 + k, None if scales is None else scales[k]
        if mode in ("nearest", "nearest-exact"):
            idx = _nearest_index(n_in, n_out, scale, mode == "nearest-exact",
                                 mode == "nearest" and input.dim() == 4)
            if idx is not None:
                x = I.index_select(x, dim, C.tensor(idx, _backend=x._backend))
            continue
        if mode == "area":
            if n_in != n_out:
                x = _along(x, dim, _area_weights(n_in, n_out))
            continue
        taps = (_cubic_taps if mode == "bicubic" else _linear_taps)(n_in, n_out, align_corners,
                                                                      scale)
        x = _gather(x, dim, taps)
    if x is input:  # the same sizes: still a new tensor, as PyTorch returns
        x = clone(input)
    return x


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated: ``interpolate`` (with PyTorch's warning)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='nearest')``."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
