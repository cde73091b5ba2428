"""JAX's conv kernels, all its own: NumPy's (``ember_numpy.conv``) take strided views of the
input and pool into arrays they write to, and JAX has neither strided views nor writes.

unfold and fold are jitted per shape: unfold stacks the kh*kw strided slices of the padded input,
fold adds them back with ``.at[].add`` (JAX arrays are immutable). conv2d, conv_transpose2d (also
conv2d's gradient with respect to its input) and conv2d_weight (its gradient with respect to the
weight) each run as one jitted ``lax.conv_general_dilated`` at full float32 precision, bias
included: one XLA program per call where core's composites would run (and, eagerly, compile) a
matmul, a fold with a scatter-add per kernel offset and a crop, or im2col and a batched product.
conv2d on a few input channels is im2col and one product instead (XLA's CPU convolution is slow
there). Max pooling and the other ops are core's composites.
"""

import functools

# conv2d runs as windows and a matrix product up to this many weights per output (channels in x
# kernel size): measured on XLA's CPU backend, 3x3 kernels on 1-3 channels ran 2-4 times faster
# that way, on 16 channels half as fast
_SMALL_WINDOW = 32

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

    @functools.partial(jax.jit, static_argnums=(3, 4, 5, 6))
    def conv2d(a, w, b, stride, padding, dilation, groups):
        o, cg, kh, kw = w.shape
        if groups == 1 and cg * kh * kw <= _SMALL_WINDOW:
            # a few input channels (a network's first layer): XLA's CPU convolution takes 3-4
            # times as long as the windows and one matrix product
            cols = im2col(a, (kh, kw), dilation, padding, stride)
            blocks = _blocks((a.shape[2] + 2 * padding[0], a.shape[3] + 2 * padding[1]),
                             (kh, kw), dilation, stride)
            out = jnp.matmul(w.reshape(o, cg * kh * kw), cols, precision=lax.Precision.HIGHEST)
            out = out.reshape((a.shape[0], o) + blocks)
        else:
            out = lax.conv_general_dilated(a, w, stride, [(p, p) for p in padding],
                                           rhs_dilation=dilation, feature_group_count=groups,
                                           precision=lax.Precision.HIGHEST)
        return out if b is None else out + b.reshape(-1, 1, 1)

    @functools.partial(jax.jit, static_argnums=(3, 4, 5, 6, 7))
    def conv_transpose2d(a, w, b, stride, padding, output_padding, dilation, groups):
        # conv2d's adjoint: a stride-1 convolution of the input spread out by the stride
        # (lhs_dilation), with the kernel flipped and its in/out channels swapped per group
        cin, og, kh, kw = w.shape
        cg = cin // groups
        wf = jnp.flip(w, (2, 3)).reshape(groups, cg, og, kh, kw).transpose(0, 2, 1, 3, 4)
        wf = wf.reshape(groups * og, cg, kh, kw)
        pads = [(d * (k - 1) - p, d * (k - 1) - p + op)
                for k, d, p, op in zip((kh, kw), dilation, padding, output_padding)]
        out = lax.conv_general_dilated(a, wf, (1, 1), [(max(lo, 0), max(hi, 0)) for lo, hi in pads],
                                       lhs_dilation=stride, rhs_dilation=dilation,
                                       feature_group_count=groups,
                                       precision=lax.Precision.HIGHEST)
        if any(lo < 0 or hi < 0 for lo, hi in pads):  # padding beyond the kernel's reach: crop
            (t, bt), (lf, rt) = [(max(-lo, 0), max(-hi, 0)) for lo, hi in pads]
            out = out[:, :, t:out.shape[2] - bt, lf:out.shape[3] - rt]
        return out if b is None else out + b.reshape(-1, 1, 1)

    @functools.partial(jax.jit, static_argnums=(2, 3, 4, 5, 6))
    def conv2d_weight(a, grad, kernel, stride, padding, dilation, groups):
        # sum over n, y, x of grad[n, o, y, x] * a[n, c, y*s + i*d, x*s + j*d]: a convolution
        # of the input (channels as the batch, the batch as the features) by the output's
        # gradient dilated by the stride, stepping by the dilation; groups split the channels
        out = lax.conv_general_dilated(a, grad, dilation, [(p, p) for p in padding],
                                       rhs_dilation=stride, batch_group_count=groups,
                                       dimension_numbers=("CNHW", "IOHW", "NCHW"),
                                       precision=lax.Precision.HIGHEST)
        # (C/groups, O, kh', kw'): kh' passes kh where the stride leaves rows unused
        return out[:, :, :kernel[0], :kernel[1]].transpose(1, 0, 2, 3)

    table = {"pad": pad, "im2col": im2col, "col2im": col2im, "conv2d": conv2d,
             "conv_transpose2d": conv_transpose2d, "conv2d_weight": conv2d_weight}
    from ember.ops import REGISTRY

    # conv2d_weight is a newer op of core's: an older core refuses kernels for ops it lacks
    return {name: fn for name, fn in table.items() if name in REGISTRY}
