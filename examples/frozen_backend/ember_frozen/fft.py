"""The frozen backend's kernels for the discrete Fourier transforms, on ``numpy.fft``.

ember names a scale ("none", "sqrt", "n") and a direction; ``numpy.fft`` takes ``norm``.
"""

import numpy as np

from .array import lift

_NORMS = {("none", True): "backward", ("sqrt", True): "ortho", ("n", True): "forward",
          ("none", False): "forward", ("sqrt", False): "ortho", ("n", False): "backward"}


def _c2c(a, dims, normalization, forward):
    transform = np.fft.fftn if forward else np.fft.ifftn
    return transform(a, axes=dims, norm=_NORMS[normalization, forward]).astype(a.dtype)


def _r2c(a, dims, normalization):
    out = np.fft.rfftn(a, axes=dims, norm=_NORMS[normalization, True])
    return out.astype(np.result_type(a.dtype, np.complex64))


def _c2r(a, dims, normalization, last_dim_size):
    s = [a.shape[d] for d in dims[:-1]] + [last_dim_size]
    out = np.fft.irfftn(a, s=s, axes=dims, norm=_NORMS[normalization, False])
    return out.astype(np.finfo(a.dtype).dtype)


KERNELS = {"fft_c2c": lift(_c2c), "fft_r2c": lift(_r2c), "fft_c2r": lift(_c2r)}
