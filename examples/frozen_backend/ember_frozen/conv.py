"""The frozen backend's kernels for padding and unfold/fold; ember composes convolution and
pooling from them (and from matmul, reshape, amax ...)."""

import numpy as np

from .array import lift

_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
              "circular": "wrap"}


def _pad(a, pads, mode, value):
    if mode == "constant":
        return np.pad(a, pads, mode="constant", constant_values=value)
    return np.pad(a, pads, mode=_PAD_MODES[mode])


def _offsets(shape, kernel, dilation, stride):
    """The window count per axis of a padded (N, C, H, W) plane, and each kernel offset's
    (rows, columns) slices into it."""
    (kh, kw), (dh, dw), (sh, sw) = kernel, dilation, stride
    ho = (shape[2] - dh * (kh - 1) - 1) // sh + 1
    wo = (shape[3] - dw * (kw - 1) - 1) // sw + 1
    return (ho, wo), [(slice(i * dh, i * dh + sh * (ho - 1) + 1, sh),
                       slice(j * dw, j * dw + sw * (wo - 1) + 1, sw))
                      for i in range(kh) for j in range(kw)]


def _im2col(a, kernel, dilation, padding, stride):
    (ph, pw) = padding
    a = np.pad(a, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    (ho, wo), offsets = _offsets(a.shape, kernel, dilation, stride)
    cols = np.stack([a[:, :, r, s] for r, s in offsets], axis=2)
    return cols.reshape(a.shape[0], -1, ho * wo)


def _col2im(cols, output_size, kernel, dilation, padding, stride):
    (h, w), (ph, pw) = output_size, padding
    n, ckk, _ = cols.shape
    kk = kernel[0] * kernel[1]
    out = np.zeros((n, ckk // kk, h + 2 * ph, w + 2 * pw), cols.dtype)
    blocks, offsets = _offsets(out.shape, kernel, dilation, stride)
    cols = cols.reshape((n, ckk // kk, kk) + blocks)
    for k, (r, s) in enumerate(offsets):
        out[:, :, r, s] += cols[:, :, k]
    return out[:, :, ph:ph + h, pw:pw + w]


KERNELS = {"pad": lift(_pad), "im2col": lift(_im2col), "col2im": lift(_col2im)}
