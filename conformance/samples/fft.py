"""Sample entries for ``ember.fft`` (see ``ember_conformance.samples``).

The references are NumPy's float64 transforms (``numpy.fft``), with PyTorch's result dtypes:
complex64 from float32, integers and bool, complex128 from float64. gradcheck takes neither
complex inputs nor complex outputs, so the gradients of the transforms are checked against
PyTorch in ``tests/test_missing_ops3.py`` instead; the shifts are checked here.
"""

import numpy as np

import ember

from ..entries import E, Entry, S

_COMPLEX = {ember.float64: ember.complex128, ember.complex128: ember.complex128}
_REAL = {ember.float64: ember.float64, ember.complex128: ember.float64}


def _complex_out(d):
    return _COMPLEX.get(d, ember.complex64)


def _real_out(d):
    return _REAL.get(d, ember.float32)


def _norm(norm):
    return "backward" if norm is None else norm


def _ref(name):
    """NumPy's transform `name` with PyTorch's arguments (n or s, dim, norm)."""
    def ref(a, n=None, dim=None, norm=None, **kwargs):
        fn = getattr(np.fft, name)
        if name in ("fft", "ifft", "rfft", "irfft"):
            return fn(a, n=n, axis=-1 if dim is None else dim, norm=_norm(norm))
        s, dim = kwargs.get("s", n), kwargs.get("dim", dim)
        if name in ("fft2", "ifft2") and dim is None:
            dim = (-2, -1)
        if s is not None and dim is None:
            dim = tuple(range(a.ndim - len(s), a.ndim))
        return fn(a, s=s, axes=dim, norm=_norm(norm))
    return ref


def _ref_nd(name):
    inner = _ref(name)

    def ref(a, s=None, dim=None, norm=None):
        return inner(a, s=s, dim=dim, norm=norm)
    return ref


def one_d_samples(real_input):
    def samples(m):
        out = [S(m(5)).named("1-d"),
               S(m(3, 4), 6, 0, "ortho").named("padded, dim 0, ortho"),
               S(m(2, 5), 3, norm="forward").named("cropped, forward"),
               S(m(2, 3, 4), dim=1).named("3-d")]
        return out
    return samples


def irfft_samples(m):
    return [S(m(4)).named("1-d"),
            S(m(3, 4), 5, 0, "ortho").named("odd n, dim 0, ortho"),
            S(m(2, 5), 4, norm="forward").named("cropped, forward")]


def n_d_samples(m):
    return [S(m(3, 4)).named("2-d"),
            S(m(2, 3, 4), (4, 2), (0, 2), "ortho").named("s and dim, ortho"),
            S(m(2, 3, 4), (3, 5)).named("s: the last dims"),
            S(m(3, 4), dim=(0,), norm="forward").named("one dim, forward")]


def two_d_samples(m):
    return [S(m(3, 4)).named("2-d"),
            S(m(2, 3, 4), (2, 5), norm="ortho").named("s, ortho"),
            S(m(3, 2, 4), dim=(0, 2)).named("dim")]


def fft_errors(real_only=False):
    def errors(m):
        out = [E(RuntimeError, m(4), 0),
               E(IndexError, m(4), None, 3),
               E(RuntimeError, m(4), None, -1, "bad")]
        if real_only:
            out.append(E(RuntimeError, m(4, dtype=ember.complex64)).requires(ember.complex64))
        return out
    return errors


def fftn_errors(m):
    return [E(RuntimeError, m(3, 4), (2,), (0, 1)),
            E(RuntimeError, m(3, 4), None, (0, 0)),
            E(RuntimeError, m(3, 4), (0, 2)),
            E(IndexError, m(3, 4), None, (0, 2))]


def _freq_ref(real):
    def ref(n, d=1.0, dtype=None, **kwargs):
        return (np.fft.rfftfreq if real else np.fft.fftfreq)(n, d)
    return ref


def freq_samples(m):
    return [S(5), S(6, 0.5), S(1).named("one point"), S(7, 2.0, dtype=m.dtype).out(m.dtype)
            .named("dtype")]


def freq_errors(m):
    return [E(RuntimeError, 4, dtype=ember.int64), E(RuntimeError, -1)]


def _shift_ref(sign):
    def ref(a, dim=None):
        return (np.fft.fftshift if sign > 0 else np.fft.ifftshift)(a, axes=dim)
    return ref


def shift_samples(m):
    return [S(m(5)).named("odd"), S(m(2, 4)).named("all dims"),
            S(m(3, 4, 5), dim=(0, 2)).named("dims"), S(m(3, 4), dim=-1).named("one dim")]


ENTRIES = [
    Entry("fft", one_d_samples(False), _ref("fft"), out=_complex_out, errors=fft_errors(),
          grad=False),
    Entry("ifft", one_d_samples(False), _ref("ifft"), out=_complex_out, errors=fft_errors(),
          grad=False),
    Entry("rfft", one_d_samples(True), _ref("rfft"), out=_complex_out,
          errors=fft_errors(real_only=True), grad=False),
    Entry("irfft", irfft_samples, _ref("irfft"), out=_real_out, errors=fft_errors(),
          grad=False),
    Entry("fft_c2c", n_d_samples, _ref_nd("fftn"), out=_complex_out, errors=fftn_errors,
          grad=False),
    Entry("ifftn", n_d_samples, _ref_nd("ifftn"), out=_complex_out, errors=fftn_errors,
          grad=False),
    Entry("fft_r2c", n_d_samples, _ref_nd("rfftn"), out=_complex_out, errors=fftn_errors,
          grad=False),
    Entry("fft_c2r", n_d_samples, _ref_nd("irfftn"), out=_real_out, errors=fftn_errors,
          grad=False),
    Entry("fft2", two_d_samples, _ref_nd("fft2"), out=_complex_out, grad=False),
    Entry("ifft2", two_d_samples, _ref_nd("ifft2"), out=_complex_out, grad=False),
    Entry("fftfreq", freq_samples, _freq_ref(False), out=lambda d: ember.float32, grad=False,
          errors=freq_errors),
    Entry("rfftfreq", freq_samples, _freq_ref(True), out=lambda d: ember.float32, grad=False,
          errors=freq_errors),
    Entry("fftshift", shift_samples, _shift_ref(1)),
    Entry("ifftshift", shift_samples, _shift_ref(-1)),
]
