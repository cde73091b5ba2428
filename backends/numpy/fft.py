"""NumPy-API kernels for the discrete Fourier transforms (shared with CuPy and JAX).

Each kernel maps ember's scale ("none", "sqrt", "n") and direction onto the array module's
``norm`` and keeps PyTorch's result dtypes: complex64 from float32 or complex64, complex128 from
float64 or complex128, and their real counterparts.
"""

# the fft module's norm that applies each scale, in the forward and in the inverse direction
_NORMS = {("none", True): "backward", ("sqrt", True): "ortho", ("n", True): "forward",
          ("none", False): "forward", ("sqrt", False): "ortho", ("n", False): "backward"}


def make(xp):
    """The fft kernels for array module `xp` (numpy, cupy or jax.numpy)."""

    def _as(a, dtype):
        return a if a.dtype == dtype else a.astype(dtype)

    def fft_c2c(a, dims, normalization, forward):
        transform = xp.fft.fftn if forward else xp.fft.ifftn
        return _as(transform(a, axes=dims, norm=_NORMS[normalization, forward]), a.dtype)

    def fft_r2c(a, dims, normalization):
        out = xp.fft.rfftn(a, axes=dims, norm=_NORMS[normalization, True])
        return _as(out, xp.result_type(a.dtype, xp.complex64))

    def fft_c2r(a, dims, normalization, last_dim_size):
        s = [a.shape[d] for d in dims[:-1]] + [last_dim_size]
        out = xp.fft.irfftn(a, s=s, axes=dims, norm=_NORMS[normalization, False])
        return _as(out, xp.finfo(a.dtype).dtype)

    return {"fft_c2c": fft_c2c, "fft_r2c": fft_r2c, "fft_c2r": fft_c2r}
