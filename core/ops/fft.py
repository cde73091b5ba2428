"""Discrete Fourier transforms: ``ember.fft`` (``torch.fft``).

Three primitives carry every transform, as PyTorch's own ``_fft_c2c``, ``_fft_r2c`` and
``_fft_c2r`` do: complex to complex (either direction), real to the one-sided complex half
(forward), and that half back to real (inverse). Each takes the scale to apply by name:
``"none"``, ``"sqrt"`` (1/sqrt(n)) or ``"n"`` (1/n), n the product of the transformed sizes; the
``norm`` argument ("backward", "ortho", "forward") picks the scale from the direction. Sizes
given by ``n`` / ``s`` crop or zero-pad the input first (with ember ops, so gradients flow
through them), and the derivatives are PyTorch's: the adjoint transform with the same scale.
"""

import builtins
import warnings

from . import creation as C
from . import elementwise as E
from . import indexing as I
from . import shape as S
from ._common import _dt, _wrap, _wrap_dim, check_tensor, grad_mode, record
from .conv import pad
from .registry import ALL, COMPLEX, FLOATING, dtype_title, defop

# PyTorch's CPU transforms take every dtype but half precision; integers and bool compute in
# the default float dtype
_DTYPES = tuple(d for d in ALL if d not in (_dt.float16, _dt.bfloat16))
_REAL_DTYPES = tuple(d for d in _DTYPES if d not in COMPLEX)


def _unsupported(d):
    return RuntimeError(f"Unsupported dtype {dtype_title(d)}")


def _real_only(fn):
    def error(d):
        if d in COMPLEX:
            return RuntimeError(f"{fn} expects a real{'-valued' if fn.endswith('n') else ''} "
                                f"input tensor, but got {dtype_title(d)}")
        return _unsupported(d)
    return error


_COMPLEX_OF = {_dt.float32: _dt.complex64, _dt.float64: _dt.complex128}
_REAL_OF = {_dt.complex64: _dt.float32, _dt.complex128: _dt.float64}
# the scale of each norm, for the forward and the inverse transform
_SCALES = {"backward": ("none", "n"), "ortho": ("sqrt", "sqrt"), "forward": ("n", "none")}
_NORM_KERNEL = ("kernel's normalization: 'none', 'sqrt' (1/sqrt(n)) or 'n' (1/n), n the product "
                "of the transformed sizes")


def _scale(norm, forward):
    if norm is None:
        norm = "backward"
    if norm not in _SCALES:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return _SCALES[norm][0 if forward else 1]


def _complex_of(d):
    """The complex dtype an input of dtype `d` transforms in (integers and bool: the default
    float's)."""
    return d if d.is_complex else _COMPLEX_OF.get(d, _COMPLEX_OF[_dt.get_default_dtype()])


def _raw_complex(x):
    """`x`'s raw array in its transform's complex dtype (a real input's gradient is then the
    real part of the complex one, taken by the derivative, as PyTorch's transforms do)."""
    d = _complex_of(x._dtype)
    if d is x._dtype:
        return x._data
    be = x._backend
    return be.kernels["astype"](x._data, be.dtype_native(d))


def _as_real(x):
    """`x` as the real dtype it transforms in (integers and bool: the default float)."""
    if x._dtype.is_floating_point:
        return x
    return x.to(_dt.get_default_dtype())


def _real_part(z):
    """The real part of complex `z`, differentiably (a cast that drops the imaginary part)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Casting complex values to real")
        return z.to(_REAL_OF[z._dtype])


def _plan(input, s, dim, fn, default_dims=None):
    """(dims, sizes) of a transform: PyTorch's rules for `s` and `dim` (both, one or neither)."""
    if s is not None:
        s = [s] if isinstance(s, int) else list(s)
    if dim is not None:
        dim = [dim] if isinstance(dim, int) else list(dim)
    if s is not None and dim is not None and len(s) != len(dim):
        raise RuntimeError("When given, dim and shape arguments must have the same length")
    nd = input.dim()
    if dim is None:
        if s is not None:
            if len(s) > nd:
                raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has "
                                   f"{nd} dimensions.")
            dim = list(range(nd - len(s), nd))
        else:
            dim = list(range(nd)) if default_dims is None else list(default_dims)
    if not nd and dim:
        raise IndexError(f"Dimension specified as {dim[0]} but tensor has no dimensions")
    dims = tuple(_wrap_dim(d, nd) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError("FFT dims must be unique")
    sizes = tuple(input.shape[d] if s is None or s[i] == -1 else s[i]
                  for i, d in enumerate(dims))
    for n in sizes:
        if n <= 0:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return dims, sizes


def _resized(x, dims, sizes):
    """`x` cropped or zero-padded at the end of each of `dims` to `sizes`."""
    for d, n in zip(dims, sizes):
        have = x.shape[d]
        if n < have:
            x = I.getitem(x, (slice(None),) * d + (slice(0, n),))
        elif n > have:
            x = pad(x, [0, 0] * (x.dim() - 1 - d) + [0, n - have])
    return x


# -- the three primitives --------------------------------------------------------------------------
def _c2c(x, dims, scale, forward):
    """The complex transform of `x` (a real `x` transforms as complex)."""
    be, d = x._backend, _complex_of(x._dtype)
    out = _wrap(be.kernels["fft_c2c"](_raw_complex(x), dims, scale, forward), be, d)
    if x._rg and grad_mode.enabled:
        record(fftn.op.node, out, (x,), (), (dims, scale, forward, d is not x._dtype))
    return out


def _r2c(x, dims, scale):
    be = x._backend
    out = _wrap(be.kernels["fft_r2c"](x._data, dims, scale), be, _COMPLEX_OF[x._dtype])
    if x._rg and grad_mode.enabled:
        record(rfftn.op.node, out, (x,), (), (dims, scale, x.shape[dims[-1]]))
    return out


def _c2r(x, dims, scale, last):
    """The real inverse transform of one-sided `x` (a real `x` transforms as complex)."""
    be, d = x._backend, _complex_of(x._dtype)
    out = _wrap(be.kernels["fft_c2r"](_raw_complex(x), dims, scale, last), be, _REAL_OF[d])
    if x._rg and grad_mode.enabled:
        record(irfftn.op.node, out, (x,), (), (dims, scale, last, d is not x._dtype))
    return out


def _c2c_backward(node, g):
    dims, scale, forward, real = node.ctx
    grad = _c2c(g, dims, scale, not forward)
    return (_real_part(grad) if real else grad,)


def _r2c_backward(node, g):
    # the one-sided half back to the full size (zeros), the adjoint transform, its real part
    dims, scale, last = node.ctx
    full = _resized(g, dims[-1:], (last,))
    return (_real_part(_c2c(full, dims, scale, False)),)


def _c2r_backward(node, g):
    # the forward real transform, with each bin that stands for two (itself and its mirror)
    # counted twice
    dims, scale, last, real = node.ctx
    half = _r2c(g, dims, scale)
    twice = last - half.shape[dims[-1]]
    if twice <= 0:
        return (_real_part(half) if real else half,)
    weights = [1.0] + [2.0] * twice + [1.0] * (half.shape[dims[-1]] - 1 - twice)
    weights = S.reshape(C.tensor(weights, dtype=_REAL_OF[half._dtype], _backend=g._backend),
                        (-1,) + (1,) * (g.dim() - 1 - dims[-1]))
    grad = E.mul(half, weights)
    return (_real_part(grad) if real else grad,)


@defop("fft_c2c", "fft", "custom", namespaces=("fft",), function="fftn", method=False,
       dtypes=_DTYPES, dtype_error=_unsupported,
       kernel=f"fft_c2c(a, dims, normalization, forward) -> array  (complex a, transformed "
              f"along the tuple dims, forward or inverse; {_NORM_KERNEL})",
       grad_fn="FftC2CBackward0", backward=_c2c_backward)
def fftn(input, s=None, dim=None, norm=None):
    """The n-dimensional discrete Fourier transform over `dim` (default: all dims, or the last
    len(s)), each cropped or zero-padded to `s`."""
    check_tensor(input, "input", "fft_fftn")
    dims, sizes = _plan(input, s, dim, "fftn")
    return _c2c(_resized(input, dims, sizes), dims, _scale(norm, True), True)


@defop("ifftn", "fft", "custom", namespaces=("fft",), method=False, dtypes=_DTYPES,
       dtype_error=_unsupported, differentiable=True)
def ifftn(input, s=None, dim=None, norm=None):
    """The n-dimensional inverse discrete Fourier transform (fftn's inverse)."""
    check_tensor(input, "input", "fft_ifftn")
    dims, sizes = _plan(input, s, dim, "ifftn")
    return _c2c(_resized(input, dims, sizes), dims, _scale(norm, False), False)


@defop("fft_r2c", "fft", "custom", namespaces=("fft",), function="rfftn", method=False,
       dtypes=_REAL_DTYPES, dtype_error=_real_only("rfftn"),
       kernel=f"fft_r2c(a, dims, normalization) -> array  (real a; the forward transform along "
              f"dims, one-sided: the last of dims keeps n//2 + 1 bins; {_NORM_KERNEL})",
       grad_fn="FftR2CBackward0", backward=_r2c_backward)
def rfftn(input, s=None, dim=None, norm=None):
    """fftn of a real input, one-sided: the last transformed dim keeps its n//2 + 1 bins (the
    others are their mirror's conjugates)."""
    check_tensor(input, "input", "fft_rfftn")
    dims, sizes = _plan(input, s, dim, "rfftn")
    return _r2c(_resized(_as_real(input), dims, sizes), dims, _scale(norm, True))


@defop("fft_c2r", "fft", "custom", namespaces=("fft",), function="irfftn", method=False,
       dtypes=_DTYPES, dtype_error=_unsupported,
       kernel=f"fft_c2r(a, dims, normalization, last_dim_size) -> array  (complex a, one-sided "
              f"along the last of dims; the real inverse transform, last_dim_size long there; "
              f"{_NORM_KERNEL})",
       grad_fn="FftC2RBackward0", backward=_c2r_backward)
def irfftn(input, s=None, dim=None, norm=None):
    """rfftn's inverse: a real output, 2 * (m - 1) long along the last dim unless `s` says."""
    check_tensor(input, "input", "fft_irfftn")
    dims, sizes = _plan(input, s, dim, "irfftn")
    last = sizes[-1] if s is not None and (isinstance(s, int) or s[-1] != -1) else \
        2 * (input.shape[dims[-1]] - 1)
    if last < 1:
        raise RuntimeError(f"Invalid number of data points ({last}) specified")
    half = sizes[:-1] + (last // 2 + 1,)
    return _c2r(_resized(input, dims, half), dims, _scale(norm, False), last)


# -- the 1-D and 2-D forms -------------------------------------------------------------------------
def _one(n, dim):
    return None if n is None else (n,), (dim,)


@defop("fft", "fft", "custom", namespaces=("fft",), method=False, dtypes=_DTYPES,
       dtype_error=_unsupported, differentiable=True)
def fft(input, n=None, dim=-1, norm=None):
    """The discrete Fourier transform along `dim`, cropped or zero-padded to `n` points."""
    return fftn(input, *_one(n, dim), norm)


@defop("ifft", "fft", "custom", namespaces=("fft",), method=False, dtypes=_DTYPES,
       dtype_error=_unsupported, differentiable=True)
def ifft(input, n=None, dim=-1, norm=None):
    """The inverse discrete Fourier transform along `dim`."""
    return ifftn(input, *_one(n, dim), norm)


@defop("rfft", "fft", "custom", namespaces=("fft",), method=False, dtypes=_REAL_DTYPES,
       dtype_error=_real_only("rfft"), differentiable=True)
def rfft(input, n=None, dim=-1, norm=None):
    """fft of a real input, one-sided (n//2 + 1 bins)."""
    return rfftn(input, *_one(n, dim), norm)


@defop("irfft", "fft", "custom", namespaces=("fft",), method=False, dtypes=_DTYPES,
       dtype_error=_unsupported, differentiable=True)
def irfft(input, n=None, dim=-1, norm=None):
    """rfft's inverse: a real output of `n` points (default 2 * (m - 1))."""
    return irfftn(input, *_one(n, dim), norm)


@defop("fft2", "fft", "custom", namespaces=("fft",), method=False, dtypes=_DTYPES,
       dtype_error=_unsupported, differentiable=True)
def fft2(input, s=None, dim=(-2, -1), norm=None):
    """The 2-D discrete Fourier transform (fftn over the last two dims)."""
    return fftn(input, s, dim, norm)


@defop("ifft2", "fft", "custom", namespaces=("fft",), method=False, dtypes=_DTYPES,
       dtype_error=_unsupported, differentiable=True)
def ifft2(input, s=None, dim=(-2, -1), norm=None):
    """The 2-D inverse discrete Fourier transform."""
    return ifftn(input, s, dim, norm)


# -- frequencies and shifts ------------------------------------------------------------------------
def _freq_error(fn):
    return lambda d: RuntimeError(f"{fn} requires a floating point or complex dtype")


def _frequencies(values, n, d, dtype, device, requires_grad, fn):
    if isinstance(n, builtins.bool) or not isinstance(n, int):
        raise TypeError(f"{fn}(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    out = C.tensor(values, dtype=dtype or _dt.get_default_dtype(), device=device)
    out = E.mul(out, 1.0 / (n * d)) if n else out  # PyTorch's rounding: times 1/(n d)
    return out.requires_grad_() if requires_grad else out


@defop("fftfreq", "fft", "requested", namespaces=("fft",), method=False,
       dtypes=FLOATING + COMPLEX, dtype_args=("dtype",), dtype_error=_freq_error("fftfreq"),
       differentiable=True)
def fftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies of an n-point fft with sample spacing `d`: [0, 1, ..., -1] / (d n)."""
    return _frequencies([i if i < (n + 1) // 2 else i - n for i in range(n)]
                        if isinstance(n, int) and n > 0 else [], n, d, dtype, device,
                        requires_grad, "fftfreq")


@defop("rfftfreq", "fft", "requested", namespaces=("fft",), method=False,
       dtypes=FLOATING + COMPLEX, dtype_args=("dtype",), dtype_error=_freq_error("rfftfreq"),
       differentiable=True)
def rfftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies of an n-point rfft: [0, 1, ..., n // 2] / (d n)."""
    return _frequencies(list(range(n // 2 + 1)) if isinstance(n, int) and n > 0 else [], n, d,
                        dtype, device, requires_grad, "rfftfreq")


def _shift(input, dim, fn, sign):
    check_tensor(input, "input", fn)
    dims = tuple(range(input.dim())) if dim is None else \
        ((dim,) if isinstance(dim, int) else tuple(dim))
    dims = tuple(_wrap_dim(d, input.dim()) for d in dims)
    if not dims:
        return input.clone()
    shifts = tuple((input.shape[d] // 2) if sign > 0 else -(input.shape[d] // 2) for d in dims)
    return S.roll(input, shifts, dims)


@defop("fftshift", "fft", "same", namespaces=("fft",), method=False, differentiable=True)
def fftshift(input, dim=None):
    """`input` rolled so the zero frequency is in the middle of each of `dim` (default all)."""
    return _shift(input, dim, "fftshift", 1)


@defop("ifftshift", "fft", "same", namespaces=("fft",), method=False, differentiable=True)
def ifftshift(input, dim=None):
    """fftshift's inverse."""
    return _shift(input, dim, "ifftshift", -1)
