"""NumPy-API kernels for padding, unfold/fold and max pooling (shared with CuPy).

Windows are strided views (no copy until a kernel needs one); fold adds each of the kh*kw
kernel offsets with one strided slice, so no loop runs over pixels. Convolution is core's
composite (im2col, then one batched matrix product): measured faster here than one large GEMM
over a transposed copy of the windows.
"""

_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
              "circular": "wrap"}


def _pool_size(n, kernel, stride, padding, dilation, ceil_mode):
    """Windows along one axis; with ceil_mode the last one must start inside the input."""
    span = n + 2 * padding - dilation * (kernel - 1) - 1
    if not ceil_mode:
        return span // stride + 1
    out = -(-span // stride) + 1
    return out - 1 if (out - 1) * stride >= n + padding else out


def make(xp):
    """The conv kernels for array module `xp` (numpy or cupy)."""
    as_strided = xp.lib.stride_tricks.as_strided

    def pad(a, pads, mode, value):
        if mode == "constant":
            return xp.pad(a, pads, mode="constant", constant_values=value)
        return xp.pad(a, pads, mode=_PAD_MODES[mode])

    def _padded(a, padding):
        ph, pw = padding
        return xp.pad(a, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else a

    def windows(a, kernel, dilation, padding, stride):
        """An (N, C, kh, kw, Ho, Wo) strided view of the padded input's windows (only read)."""
        a = _padded(a, padding)
        n, c, h, w = a.shape
        (kh, kw), (dh, dw), (sh, sw) = kernel, dilation, stride
        ho, wo = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
        s = a.strides
        return as_strided(a, (n, c, kh, kw, ho, wo),
                          (s[0], s[1], s[2] * dh, s[3] * dw, s[2] * sh, s[3] * sw))

    def im2col(a, kernel, dilation, padding, stride):
        v = windows(a, kernel, dilation, padding, stride)
        n, c, kh, kw, ho, wo = v.shape
        return v.reshape(n, c * kh * kw, ho * wo)  # the reshape copies the view

    def col2im(cols, output_size, kernel, dilation, padding, stride):
        (h, w), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = (output_size, kernel, dilation,
                                                          padding, stride)
        n, ckk, _ = cols.shape
        c = ckk // (kh * kw)
        hp, wp = h + 2 * ph, w + 2 * pw
        ho, wo = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
        cols = cols.reshape(n, c, kh, kw, ho, wo)
        if (sh, sw) == (kh, kw) and (dh, dw) == (1, 1) and (hp, wp) == (ho * kh, wo * kw):
            # windows that tile the plane exactly (2x2 pooling): each element in one window
            out = cols.transpose(0, 1, 4, 2, 5, 3).reshape(n, c, hp, wp)
            return out[:, :, ph:ph + h, pw:pw + w] if ph or pw else out
        out = xp.zeros((n, c, hp, wp), dtype=cols.dtype)
        for i in range(kh):
            for j in range(kw):
                out[:, :, i * dh:i * dh + sh * (ho - 1) + 1:sh,
                    j * dw:j * dw + sw * (wo - 1) + 1:sw] += cols[:, :, i, j]
        return out[:, :, ph:ph + h, pw:pw + w] if ph or pw else out

    def max_pool2d(a, kernel, stride, padding, dilation, ceil_mode, low):
        # a running maximum over the kh*kw window offsets (strided views, no window copy);
        # the first maximum wins ties and the first NaN wins over numbers, as np.argmax
        n, c, h, w = a.shape
        sizes = [_pool_size(*v, ceil_mode) for v in zip((h, w), kernel, stride, padding,
                                                         dilation)]
        extra = [max(0, (o - 1) * s + d * (k - 1) + 1 - (m + 2 * p)) for o, m, k, s, p, d in
                 zip(sizes, (h, w), kernel, stride, padding, dilation)]
        if any(padding) or any(extra):
            a = xp.pad(a, ((0, 0), (0, 0), (padding[0], padding[0] + extra[0]),
                           (padding[1], padding[1] + extra[1])), constant_values=low)
        v = windows(a, kernel, dilation, (0, 0), stride)
        best = v[:, :, 0, 0].copy()
        index = xp.zeros(best.shape, dtype=xp.int64)
        nan = best.dtype.kind in "fc" and bool(xp.isnan(a).any())
        for k in range(1, kernel[0] * kernel[1]):
            cand = v[:, :, k // kernel[1], k % kernel[1]]
            wins = cand > best
            if nan:
                wins |= xp.isnan(cand) & ~xp.isnan(best)
            xp.copyto(best, cand, where=wins)
            xp.copyto(index, k, where=wins)
        return best, index

    return {"pad": pad, "im2col": im2col, "col2im": col2im, "max_pool2d": max_pool2d}
