"""JAX's conv kernels, all its own: NumPy's (``ember_numpy.conv``) take strided views of the
input and pool into arrays they write to, and JAX has neither strided views nor writes.

unfold and fold are jitted per shape: unfold stacks the kh*kw strided slices of the padded input,
fold adds them back with ``.at[].add`` (JAX arrays are immutable). conv2d runs as
``lax.conv_general_dilated`` at full float32 precision; max pooling and the other ops are core's
composites.
"""

import functools

_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
              "circular": "wrap"}


def _offsets(kernel, dilation, stride, blocks):
    """Each kernel offset's (rows, columns) slices into the padded plane."""
    (kh, kw), (dh, dw), (sh, sw), (ho, wo) = kernel, dilation, stride, blocks
    return [(slice(i * dh, i * dh + sh * (ho - 1) + 1, sh),
             slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)) for i in range(kh) for j in range(kw)]


def _blocks(size, kernel, dilation, stride):
    return tuple((n - d * (k - 1) - 1) // s + 1 for n, k, d, s in zip(size, kernel, dilation,
                                                                       stride))


def make(jnp):
    """The conv kernels on `jnp` (jax.numpy, with 64-bit types enabled)."""
    import jax
    from jax import lax

    def pad(a, pads, mode, value):
        if mode == "constant":
            return jnp.pad(a, pads, mode="constant", constant_values=value)
        return jnp.pad(a, pads, mode=_PAD_MODES[mode])

    @functools.partial(jax.jit, static_argnums=(1, 2, 3, 4))
    def im2col(a, kernel, dilation, padding, stride):
        (ph, pw) = padding
        a = jnp.pad(a, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        n, c, h, w = a.shape
        blocks = _blocks((h, w), kernel, dilation, stride)
        cols = jnp.stack([a[:, :, r, s] for r, s in _offsets(kernel, dilation, stride, blocks)],
                         axis=2)
        return cols.reshape(n, c * kernel[0] * kernel[1], blocks[0] * blocks[1])

    @functools.partial(jax.jit, static_argnums=(1, 2, 3, 4, 5))
    def col2im(cols, output_size, kernel, dilation, padding, stride):
        (h, w), (ph, pw) = output_size, padding
        n, ckk, _ = cols.shape
        kk = kernel[0] * kernel[1]
        blocks = _blocks((h + 2 * ph, w + 2 * pw), kernel, dilation, stride)
        cols = cols.reshape((n, ckk // kk, kk) + blocks)
        out = jnp.zeros((n, ckk // kk, h + 2 * ph, w + 2 * pw), cols.dtype)
        for k, (r, s) in enumerate(_offsets(kernel, dilation, stride, blocks)):
            out = out.at[:, :, r, s].add(cols[:, :, k])
        return out[:, :, ph:ph + h, pw:pw + w]

    def conv2d(a, w, b, stride, padding, dilation, groups):
        out = lax.conv_general_dilated(a, w, stride, [(p, p) for p in padding],
                                       rhs_dilation=dilation, feature_group_count=groups,
                                       precision=lax.Precision.HIGHEST)
        return out if b is None else out + b.reshape(-1, 1, 1)

    return {"pad": pad, "im2col": im2col, "col2im": col2im, "conv2d": conv2d}
