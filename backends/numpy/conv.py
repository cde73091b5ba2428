"""NumPy-API kernels for padding, unfold/fold, convolutions and max pooling (shared with CuPy).

Windows are strided views (no copy until a kernel needs one); fold adds each of the kh*kw
kernel offsets with one strided slice, so no loop runs over pixels.

conv2d, its weight's gradient (conv2d_weight) and the stride-1 transposed convolution (also
conv2d's input gradient, as a correlation of the zero-padded input with the flipped kernel) read
the input's windows as columns. At stride 1 they are wide: the plane is zero-padded and
flattened, and a kernel offset's columns are one contiguous run as long as the output's rows at
the padded width (the few columns past the output's width are junk, cropped from the product or
met by zeros in the gradient), so copies run over whole planes instead of rows as short as the
input's width. The columns are never built for the whole batch: each chunk of images is copied
into a buffer about the size of a core's cache and multiplied from there, where one im2col of
the batch went to memory and back (about 20% faster on a small ResNet's layers).
The transposed convolution's column form (the columns on a plane as wide as the output, summed
back with one add per kernel offset) serves where its columns are the smaller. Max pooling
avoids masked copies likewise.
"""

import math

_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
              "circular": "wrap"}


# the columns of one chunk of images: about what one core's L2 cache holds (measured on the
# small ResNet's and LeNet-5's layers: 2 MiB was fastest, 8 MiB and one whole batch slower)
CHUNK_BYTES = 2 << 20


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

    def _padded(a, pads):
        """`a` zero-padded by (ph, pw) on both sides, or by (top, bottom, left, right)."""
        top, bottom, left, right = pads if len(pads) == 4 else (pads[0],) * 2 + (pads[1],) * 2
        if not (top or bottom or left or right):
            return a
        n, c, h, w = a.shape
        out = xp.zeros((n, c, h + top + bottom, w + left + right), dtype=a.dtype)
        out[:, :, top:top + h, left:left + w] = a
        return out

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

    def _running_max(cands, offsets, index_dtype, nan):
        """The first maximum of the arrays `cands` (NaN wins) and, from `offsets` (increasing
        ints, or arrays each above every earlier offset), the offset of the one that won.
        No masked copies (NumPy's slowest step here): the values are a running np.maximum,
        and since offsets only grow, the index is a running maximum of wins * offset."""
        best = cands[0].copy()
        index = xp.zeros(best.shape, dtype=index_dtype)
        if not isinstance(offsets[0], int):
            index[...] = offsets[0]
        wins = xp.empty(best.shape, dtype=bool)
        won = xp.empty(best.shape, dtype=index_dtype)
        for cand, offset in zip(cands[1:], offsets[1:]):
            xp.greater(cand, best, out=wins)
            if nan:
                wins |= xp.isnan(cand) & ~xp.isnan(best)
            xp.maximum(best, cand, out=best)
            xp.multiply(wins, index_dtype(offset) if isinstance(offset, int) else offset,
                        out=won)
            xp.maximum(index, won, out=index)
        return best, index

    def _tiled_max(a, kernel, sizes, nan):
        """Max pooling of windows that tile `a` exactly, in two passes whose operands are long
        strided runs: the maximum along each window row (kw columns of one (-1, kw) view),
        then along the kh rows of each window; the offset is the winning row's i*kw + j."""
        (kh, kw), (ho, wo) = kernel, sizes
        n, c = a.shape[:2]
        dtype = xp.dtype(xp.int8 if kh * kw <= 127 else xp.int64).type
        rows = a.reshape(-1, kw)
        best, j = _running_max([rows[:, q] for q in range(kw)], list(range(kw)), dtype, nan)
        best, j = best.reshape(-1, kh, wo), j.reshape(-1, kh, wo)
        if kh > 1:
            offsets = [j[:, i] + dtype(i * kw) if i else j[:, 0] for i in range(kh)]
            best, index = _running_max([best[:, i] for i in range(kh)], offsets, dtype, nan)
        else:
            best, index = best[:, 0], j[:, 0]
        return best.reshape(n, c, ho, wo), index.reshape(n, c, ho, wo)

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
        count = kernel[0] * kernel[1]
        nan = a.dtype.kind in "fc" and bool(xp.isnan(xp.max(a)))
        if (tuple(stride) == tuple(kernel) and tuple(dilation) == (1, 1) and a.flags.c_contiguous
                and a.shape[2:] == (sizes[0] * kernel[0], sizes[1] * kernel[1])):
            return _tiled_max(a, kernel, sizes, nan)
        v = windows(a, kernel, dilation, (0, 0), stride)
        return _running_max([v[:, :, k // kernel[1], k % kernel[1]] for k in range(count)],
                            list(range(count)), xp.int8 if count <= 127 else xp.int64, nan)

    def _columns(a, kernel, dilation, pads, stride):
        """(view, wo): the (N, C, kh, kw, ho, X) strided windows of `a` zero-padded by pads.
        At stride 1 they are wide (X the padded width; the columns past wo are junk) so each
        kernel offset is one contiguous run of the flattened plane; else X = wo."""
        (kh, kw), (dh, dw), (sh, sw) = kernel, dilation, stride
        h, wd = a.shape[2] + pads[0] + pads[1], a.shape[3] + pads[2] + pads[3]
        ho, wo = (h - dh * (kh - 1) - 1) // sh + 1, (wd - dw * (kw - 1) - 1) // sw + 1
        if (sh, sw) != (1, 1):
            return windows(_padded(a, pads), kernel, dilation, (0, 0), stride), wo
        slack = -(-(dw * (kw - 1)) // wd)  # rows the last offset's run reads past the plane
        flat = _padded(a, (pads[0], pads[1] + slack, pads[2], pads[3]))
        wp = flat.shape[3]
        flat = flat.reshape(flat.shape[0], flat.shape[1], -1)
        s = flat.strides
        view = as_strided(flat, flat.shape[:2] + (kh, kw, ho, wp),
                          (s[0], s[1], dh * wp * s[2], dw * s[2], wp * s[2], s[2]))
        return view, wo

    def _chunks(view, groups):
        """(b0, b1, columns) per chunk of images of the windows `view`, the columns (b1 - b0,
        groups, C/groups*kh*kw, ho*X) copied into a buffer about the size of a core's cache:
        the copy and the product that reads it stay in the cache, where one im2col of the whole
        batch went to memory and back. A 1x1 kernel's contiguous view is used in place."""
        n, per = view.shape[0], math.prod(view.shape[1:])
        shape = (groups, per // (groups * view.shape[4] * view.shape[5]),
                 view.shape[4] * view.shape[5])
        if view.shape[2:4] == (1, 1) and view.flags.c_contiguous:
            yield 0, n, view.reshape((n,) + shape)
            return
        step = max(1, CHUNK_BYTES // max(1, per * view.itemsize))
        buf = xp.empty((min(step, n),) + view.shape[1:], dtype=view.dtype)
        for b0 in range(0, n, step):
            b1 = min(n, b0 + step)
            part = buf[:b1 - b0]
            part[...] = view[b0:b1]
            yield b0, b1, part.reshape((b1 - b0,) + shape)

    def _correlate(a, w3, bias, kernel, dilation, pads, stride):
        """The (N, O, ho, wo) correlation of `a` zero-padded by pads = (top, bottom, left,
        right) with the weight `w3` (G, O/G, C/G*kh*kw), chunk by chunk of images."""
        view, wo = _columns(a, kernel, dilation, pads, stride)
        o = w3.shape[0] * w3.shape[1]
        out = xp.empty((a.shape[0], o, view.shape[4], wo), dtype=a.dtype)
        for b0, b1, cols in _chunks(view, w3.shape[0]):
            res = xp.matmul(w3, cols).reshape((b1 - b0, o) + view.shape[4:])[:, :, :, :wo]
            if bias is None:
                out[b0:b1] = res
            else:
                xp.add(res, bias.reshape(o, 1, 1), out=out[b0:b1])
        return out

    def conv2d_weight(a, grad, kernel, stride, padding, dilation, groups):
        """conv2d's weight gradient: per chunk of images, the output gradient times the
        transposed columns (read in place by BLAS), summed over the chunk. On wide columns
        the gradient is widened with zeros, so the junk columns add nothing."""
        view, wo = _columns(a, kernel, dilation, (padding[0],) * 2 + (padding[1],) * 2,
                            stride)
        n, o = grad.shape[:2]
        if view.shape[5] != wo:
            wide = xp.zeros((n, o) + view.shape[4:], dtype=grad.dtype)
            wide[:, :, :, :wo] = grad
            grad = wide
        g4 = grad.reshape(n, groups, o // groups, -1)
        out = xp.zeros((groups, o // groups, a.shape[1] // groups * kernel[0] * kernel[1]),
                       dtype=a.dtype)
        for b0, b1, cols in _chunks(view, groups):
            out += xp.matmul(g4[b0:b1], xp.swapaxes(cols, 2, 3)).sum(0)
        return out.reshape((o, a.shape[1] // groups) + tuple(kernel))

    def conv2d(a, w, b, stride, padding, dilation, groups):
        o, cg, kh, kw = w.shape
        pads = (padding[0], padding[0], padding[1], padding[1])
        return _correlate(a, w.reshape(groups, o // groups, cg * kh * kw), b, (kh, kw),
                          dilation, pads, stride)

    def _correlate_full(a, w, b, pads, output_padding, dilation):
        """A stride-1 transposed convolution as a plain correlation of the zero-padded input
        with the flipped kernel (in and out channels swapped), whose inner size is
        in_channels*kh*kw, where the column form's is in_channels alone."""
        cin, og, kh, kw = w.shape
        top, left = pads
        flipped = xp.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
        return _correlate(a, flipped.reshape(1, og, cin * kh * kw), b, (kh, kw), dilation,
                          (top, top + output_padding[0], left, left + output_padding[1]),
                          (1, 1))

    def conv_transpose2d(a, w, b, stride, padding, output_padding, dilation, groups):
        n, cin, h, wd = a.shape
        _, og, kh, kw = w.shape
        (dh, dw), kk = dilation, kh * kw
        hf, wf = h + dh * (kh - 1), wd + dw * (kw - 1)  # the full output, before cropping
        top, left = dh * (kh - 1) - padding[0], dw * (kw - 1) - padding[1]
        if tuple(stride) == (1, 1) and groups == 1 and min(top, left) >= 0 and \
                cin * (hf - 2 * padding[0] + output_padding[0]) * \
                (wd + 2 * left + output_padding[1]) <= og * h * wf:
            # the correlation's columns are no larger than the wide plane's: use them
            return _correlate_full(a, w, b, (top, left), output_padding, dilation)
        if tuple(stride) == (1, 1):
            # columns on the wide plane: position (y, x) of the input, x < wf, lands at flat
            # index (y + i*dh) * wf + x + j*dw for kernel offset (i, j); x >= wd holds zeros
            wide = xp.pad(a, ((0, 0), (0, 0), (0, 0), (0, wf - wd))) if wf > wd else a
            cols = xp.matmul(
                xp.swapaxes(w.reshape(groups, cin // groups, og * kk), 1, 2),
                wide.reshape(n, groups, cin // groups, h * wf))
            cols = cols.reshape(n, groups * og, kh, kw, h * wf)
            flat = xp.zeros((n, groups * og, hf * wf + dw * (kw - 1)), dtype=cols.dtype)
            run = h * wf
            for i in range(kh):
                for j in range(kw):
                    start = i * dh * wf + j * dw
                    flat[:, :, start:start + run] += cols[:, :, i, j]
            out = flat[:, :, :hf * wf].reshape(n, groups * og, hf, wf)
        else:
            cols = xp.matmul(xp.swapaxes(w.reshape(groups, cin // groups, og * kk), 1, 2),
                             a.reshape(n, groups, cin // groups, h * wd))
            hf, wf = [(s - 1) * st + d * (q - 1) + 1 for s, st, d, q in
                      zip((h, wd), stride, dilation, (kh, kw))]
            out = col2im(cols.reshape(n, groups * og * kk, h * wd), (hf, wf), (kh, kw), dilation,
                         (0, 0), stride)
        if any(output_padding):
            out = xp.pad(out, ((0, 0), (0, 0), (0, output_padding[0]), (0, output_padding[1])))
        if any(padding):
            out = out[:, :, padding[0]:hf + output_padding[0] - padding[0],
                      padding[1]:wf + output_padding[1] - padding[1]]
        return out if b is None else out + b.reshape(groups * og, 1, 1)

    return {"pad": pad, "im2col": im2col, "col2im": col2im, "max_pool2d": max_pool2d,
            "conv2d": conv2d, "conv_transpose2d": conv_transpose2d,
            "conv2d_weight": conv2d_weight}
