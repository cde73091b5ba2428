"""3-D convolution and pooling, and max unpooling (1-D to 3-D): composites of the 2-D ops.

A 3-D window is a 2-D window (height, width) times a depth window, so each op here runs the
registered 2-D op over every depth slice, folded into the batch, and handles depth itself:

- conv3d unfolds the input's depth windows into channels (``unfold`` with a (kd, 1) kernel) and
  runs one grouped ``conv2d``; conv_transpose3d, its adjoint, runs one ``conv_transpose2d`` and
  folds the depth windows back (``fold``);
- max and average pooling, and adaptive average pooling, pool each depth slice in 2-D, then pool
  depth as the height of a (D, cells) plane with the same 2-D op (a maximum is a maximum of
  maxima, and PyTorch's divisors are products of one per axis); a maximum's 3-D index is its
  depth and the 2-D index of its slice;
- adaptive max pooling takes each axis's windows with one index_select (windows padded to one
  length by repeating their last position) and its maxima, axis by axis;
- max_unpool scatters each value to its index in a zero output plane.

Gradients flow through those ops (second derivatives too), so every backend runs them with the
kernels it already has.
"""

import builtins

from . import creation as C
from . import elementwise as E
from . import indexing as I
from . import reduction as R
from . import shape as S
from ._common import _dt, check_tensor, same_backend
from .._compile import is_compiling
from .conv import (_check_conv_numbers, _check_conv_shapes, _ints, _same_padding, _windows,
                   conv2d, conv_transpose2d, fold, pad, unfold)
from .pooling import _check_pool_numbers, adaptive_avg_pool2d, avg_pool2d, max_pool2d
from .registry import FLOATING, REAL, defop

_ALL = (slice(None), slice(None))
_FLOAT32_64 = (_dt.float32, _dt.float64)


def _title(d):
    from .registry import dtype_title

    return dtype_title(d)


def _unbatched(input, nd, call):
    """`call` on `input` with a batch of one when it is unbatched (C, *spatial), squeezed
    after; results that are tuples (values, indices) are squeezed item by item."""
    if input.dim() != nd + 1:
        return call(input)
    out = call(S.unsqueeze(input, 0))
    return tuple(S.squeeze(o, 0) for o in out) if isinstance(out, tuple) else S.squeeze(out, 0)


# -- convolution -----------------------------------------------------------------------------------
# over 80 lines on purpose, as conv2d's: PyTorch checks a convolution's arguments in one order,
# and its errors depend on that order; the checks read top to bottom before the computation
def _convolution3d(fn, input, weight, bias, stride, padding, dilation, groups, transposed=False,
                   output_padding=0):
    """The front end of conv3d and conv_transpose3d (checks in PyTorch's order)."""
    check_tensor(input, "input", fn)
    check_tensor(weight, "weight", fn)
    same_backend([t for t in (input, weight, bias) if t is not None], fn)
    if input.dim() not in (4, 5):
        raise RuntimeError(f"Expected 4D (unbatched) or 5D (batched) input to {fn}, but got "
                           f"input of size: {list(input.shape)}")
    if input.dim() == 4:
        return S.squeeze(_convolution3d(fn, S.unsqueeze(input, 0), weight, bias, stride, padding,
                                        dilation, groups, transposed, output_padding), 0)
    for other in (weight, bias):
        if other is not None and other._dtype is not input._dtype:
            raise RuntimeError(f"expected scalar type {_title(input._dtype)} but found "
                               f"{_title(other._dtype)} (input and {fn}'s "
                               f"{'weight' if other is weight else 'bias'} must share a dtype)")
    if weight.dim() != 5:
        raise RuntimeError(f"weight should have 5 dimensions for {fn}, but got weight of size "
                           f"{list(weight.shape)}")
    stride = _ints(stride, 3, "stride", fn)
    dilation = _ints(dilation, 3, "dilation", fn)
    output_padding = _ints(output_padding, 3, "output_padding", fn)
    same = None
    if isinstance(padding, str):
        if transposed:
            raise TypeError(f"{fn}(): argument 'padding' must be tuple of ints, not str")
        if padding not in ("same", "valid"):
            raise RuntimeError(f"Invalid padding string: {padding!r}")
        if padding == "same" and builtins.max(stride) != 1:
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        if padding == "same":
            same = _same_padding(input.shape[2:], weight.shape[2:], dilation)
        padding = 0
    padding = _ints(padding, 3, "padding", fn)
    _check_conv_numbers(fn, stride, padding, dilation, groups, output_padding)
    _check_conv_shapes(input, weight, bias, input._data, groups, transposed)
    if same is not None:  # the whole 'same' padding up front (its extra one goes after)
        input = pad(input, [v for b, a in reversed(same) for v in (b, a)])
    kernel = tuple(weight.shape[2:])
    if transposed:
        if any(o >= s and o >= d for o, s, d in zip(output_padding, stride, dilation)):
            raise RuntimeError(
                "output padding must be smaller than either stride or dilation, but got " +
                " ".join(f"{name}_{axis}: {v}" for name, vs in
                         (("output_padding", output_padding), ("stride", stride),
                          ("dilation", dilation))
                         for axis, v in zip(("depth", "height", "width"), vs)))
        size = [(n - 1) * s - 2 * p + d * (k - 1) + o + 1 for n, s, p, d, k, o in
                zip(input.shape[2:], stride, padding, dilation, kernel, output_padding)]
        if builtins.min(size) < 1:
            raise RuntimeError(f"Given input size per channel: "
                               f"({' x '.join(map(str, input.shape[2:]))}). Calculated output "
                               f"size per channel: ({' x '.join(map(str, size))}). Output size "
                               f"is too small")
        out = _conv_transpose3d(input, weight, stride, padding, output_padding, dilation, groups)
    else:
        padded = [n + 2 * p for n, p in zip(input.shape[2:], padding)]
        if any(n - d * (k - 1) < 1 for n, d, k in zip(padded, dilation, kernel)):
            raise RuntimeError(f"Calculated padded input size per channel: "
                               f"({' x '.join(map(str, padded))}). Kernel size: "
                               f"({' x '.join(map(str, kernel))}). Kernel size can't be greater "
                               f"than actual input size")
        out = _conv3d(input, weight, stride, padding, dilation, groups)
    return out if bias is None else E.add(out, S.reshape(bias, (-1, 1, 1, 1)))


def _conv3d(x, w, stride, padding, dilation, groups):
    """conv3d as one grouped conv2d over the depth windows (unfolded into channels)."""
    n, c, d, h, wd = x.shape
    o, cg, kd, kh, kw = w.shape
    do = _windows(d, kd, stride[0], padding[0], dilation[0])
    if (kd, stride[0], padding[0]) == (1, 1, 0):  # no depth window: depth joins the batch
        planes = S.reshape(S.permute(x, (0, 2, 1, 3, 4)), (n * d, c, h, wd))
    else:  # columns (c, h, w, kd) per depth window, then channels (c, kd) per plane
        cols = unfold(S.reshape(S.permute(x, (0, 1, 3, 4, 2)), (n, c * h * wd, d, 1)), (kd, 1),
                      (dilation[0], 1), (padding[0], 0), (stride[0], 1))
        planes = S.reshape(S.permute(S.reshape(cols, (n, c, h, wd, kd, do)), (0, 5, 1, 4, 2, 3)),
                           (n * do, c * kd, h, wd))
    out = conv2d(planes, S.reshape(w, (o, cg * kd, kh, kw)), None, stride[1:], padding[1:],
                 dilation[1:], groups)
    return S.permute(S.reshape(out, (n, do, o) + tuple(out.shape[2:])), (0, 2, 1, 3, 4))


def _conv_transpose3d(x, w, stride, padding, output_padding, dilation, groups):
    """conv_transpose3d as one conv_transpose2d per depth slice (into channels (o, kd)), with
    the depth windows folded back onto the output's depth: conv3d's adjoint."""
    n, c, d, h, wd = x.shape
    _, og, kd, kh, kw = w.shape
    planes = S.reshape(S.permute(x, (0, 2, 1, 3, 4)), (n * d, c, h, wd))
    out = conv_transpose2d(planes, S.reshape(w, (c, og * kd, kh, kw)), None, stride[1:],
                           padding[1:], output_padding[1:], groups, dilation[1:])
    ho, wo, o = out.shape[2], out.shape[3], og * groups
    cols = S.reshape(S.permute(S.reshape(out, (n, d, o, kd, ho, wo)), (0, 2, 4, 5, 3, 1)),
                     (n, o * ho * wo * kd, d))
    full = (d - 1) * stride[0] + dilation[0] * (kd - 1) + 1
    out = fold(cols, (full, 1), (kd, 1), (dilation[0], 1), 0, (stride[0], 1))
    if padding[0] or output_padding[0]:  # crop the padding, add the output padding
        out = pad(out, (0, 0, -padding[0], output_padding[0] - padding[0]))
    return S.permute(S.reshape(out, (n, o, ho, wo, out.shape[2])), (0, 1, 4, 2, 3))


@defop("conv3d", "nn", "same", namespaces=("ember", "nn.functional"), dtypes=FLOATING,
       cpu_kernel="slow_conv3d_cpu", differentiable=True, method=False)
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D cross-correlation of (N, C, D, H, W) input with (O, C/groups, kd, kh, kw) weight;
    padding may be 'valid' or 'same'."""
    return _convolution3d("conv3d", input, weight, bias, stride, padding, dilation, groups)


@defop("conv_transpose3d", "nn", "same", namespaces=("ember", "nn.functional"),
       dtypes=FLOATING, cpu_kernel="slow_conv_transpose3d_cpu", differentiable=True,
       method=False)
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """The transposed 3-D convolution (conv3d's gradient with respect to its input); weight
    (C, O/groups, kd, kh, kw)."""
    return _convolution3d("conv_transpose3d", input, weight, bias, stride, padding, dilation,
                          groups, transposed=True, output_padding=output_padding)


# -- pooling ---------------------------------------------------------------------------------------
def _pool_ints(value, name, fn, what="either be a single int, or a tuple of three ints"):
    """A pooling parameter as 3 ints (PyTorch's wording for a wrong count)."""
    if isinstance(value, builtins.bool) or not isinstance(value, (int, tuple, list)):
        raise TypeError(f"{fn}(): argument '{name}' must be tuple of ints, not "
                        f"{type(value).__name__}")
    if isinstance(value, (tuple, list)) and len(value) not in (1, 3):
        raise RuntimeError(f"{fn}: {name} must {what}")
    return _ints(value, 3, name, fn)


def _pool3d_args(fn, input, kernel_size, stride, padding, dilation, ceil_mode):
    """Checked 3-D pooling parameters and the output size, in PyTorch's order."""
    check_tensor(input, "input", fn)
    if input.dim() not in (4, 5) or input.numel() == 0:
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    kernel = _pool_ints(kernel_size, "kernel_size", fn)
    stride = kernel if stride is None or stride == [] or stride == () else \
        _pool_ints(stride, "stride", fn, "either be omitted, a single int, or a tuple of three "
                                         "ints")
    padding = _pool_ints(padding, "padding", fn)
    dilation = _pool_ints(dilation, "dilation", fn, "be either a single int, or a tuple of three "
                                                    "ints")
    _check_pool_numbers(kernel, stride, padding, dilation)
    size = tuple(_windows(n, k, s, p, d, ceil_mode) for n, k, s, p, d in
                 zip(input.shape[-3:], kernel, stride, padding, dilation))
    return kernel, stride, padding, dilation, size


@defop("max_pool3d", "nn", "same", namespaces=("ember", "nn.functional"), dtypes=REAL,
       cpu_kernel="max_pool3d", differentiable=True, method=False)
def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The maximum of each 3-D window; with `return_indices`, also each maximum's flat index
    into its input volume (as max_unpool3d takes it)."""
    kernel, stride, padding, dilation, size = _pool3d_args(
        "max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode)
    if size[0] < 1 or size[1] < 1 or size[2] < 1:
        ins = "x".join(str(n) for n in input.shape[-4:])
        outs = "x".join(str(n) for n in (input.shape[-4],) + size)
        raise RuntimeError(f"Given input size: ({ins}). Calculated output size: ({outs}). Output "
                           f"size is too small")

    def pool(x):
        n, c, d, h, w = x.shape
        planes = max_pool2d(S.reshape(x, (n, c * d, h, w)), kernel[1:], stride[1:], padding[1:],
                            dilation[1:], ceil_mode, return_indices)
        if return_indices:
            planes, index = planes
        cells = size[1] * size[2]
        depth = max_pool2d(S.reshape(planes, (n, c, d, cells)), (kernel[0], 1), (stride[0], 1),
                           (padding[0], 0), (dilation[0], 1), ceil_mode, return_indices)
        if not return_indices:
            return S.reshape(depth, (n, c) + size)
        best, at = depth  # at: (depth, cell) flat in the (D, cells) plane
        z = E.floor_divide(at, cells)
        plane = I.gather(S.reshape(index, (n, c, d, cells)), 2, z)
        return S.reshape(best, (n, c) + size), S.reshape(E.add(E.mul(z, h * w), plane),
                                                         (n, c) + size)

    return _unbatched(input, 3, pool)


@defop("avg_pool3d", "nn", "same", namespaces=("nn.functional",), dtypes=_FLOAT32_64,
       cpu_kernel="avg_pool3d_out_frame", differentiable=True, method=False)
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """The mean of each 3-D window (or its sum over `divisor_override`)."""
    kernel, stride, padding, _, size = _pool3d_args("avg_pool3d", input, kernel_size, stride,
                                                    padding, 1, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if builtins.min(size) < 1:
        t, h, w = input.shape[-3:]
        raise RuntimeError(f"input image (T: {t} H: {h} W: {w}) smaller than kernel size (kT: "
                           f"{kernel[0]} kH: {kernel[1]} kW: {kernel[2]})")

    def pool(x):
        # the plane means, then the mean over depth of those: PyTorch's divisors are products
        # of one divisor per axis, so the two means make the 3-D one
        n, c, d, h, w = x.shape
        planes = avg_pool2d(S.reshape(x, (n, c * d, h, w)), kernel[1:], stride[1:], padding[1:],
                            ceil_mode, count_include_pad, None if divisor_override is None else 1)
        depth = avg_pool2d(S.reshape(planes, (n, c, d, size[1] * size[2])), (kernel[0], 1),
                           (stride[0], 1), (padding[0], 0), ceil_mode, count_include_pad,
                           divisor_override)
        return S.reshape(depth, (n, c) + size)

    return _unbatched(input, 3, pool)


def _output_size3(fn, input, output_size):
    """adaptive pooling's output size: an int or 3 (None keeps that size)."""
    if isinstance(output_size, int) and not isinstance(output_size, builtins.bool):
        output_size = (output_size,) * 3
    output_size = tuple(output_size)
    if len(output_size) != 3:
        raise RuntimeError(f"{fn}: output_size must be 3" if fn == "adaptive_avg_pool3d" else
                           f"{fn}(): internal error: output_size.size() must be 3")
    return tuple(input.shape[i - 3] if s is None else s for i, s in enumerate(output_size))


def _windows_of(n, m):
    """Adaptive pooling's m windows over n positions: [floor(i n/m), ceil((i+1) n/m))."""
    return [((i * n) // m, -(-((i + 1) * n) // m)) for i in range(m)]


@defop("adaptive_avg_pool3d", "nn", "same", namespaces=("nn.functional",), dtypes=FLOATING,
       dtype_error=lambda d: RuntimeError(
           f"mean(): could not infer output dtype. Input dtype must be either a floating point "
           f"or complex dtype. Got: {_title(d)}") if d.category <= 1 else None,
       differentiable=True, method=False)
def adaptive_avg_pool3d(input, output_size):
    """Average pooling to a fixed (D, H, W) output size (None keeps that size)."""
    check_tensor(input, "input", "adaptive_avg_pool3d")
    size = _output_size3("adaptive_avg_pool3d", input, output_size)
    if input.dim() not in (4, 5):
        raise RuntimeError(f"adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got "
                           f"{list(input.shape)}")
    if builtins.min(size) < 0:
        raise RuntimeError(f"adaptive_avg_pool3d: elements of output_size must be greater than or "
                           f"equal to 0 but received {{{size[0]}, {size[1]},{size[2]}}}")
    if size == (1, 1, 1):  # a global average, as PyTorch does it
        return R.mean(input, (-3, -2, -1), keepdim=True)

    def pool(x):
        n, c, d, h, w = x.shape
        planes = adaptive_avg_pool2d(S.reshape(x, (n, c * d, h, w)), size[1:])
        cells = size[1] * size[2]
        depth = adaptive_avg_pool2d(S.reshape(planes, (n, c, d, cells)), (size[0], cells))
        return S.reshape(depth, (n, c) + size)

    return _unbatched(input, 3, pool)


def _adaptive_max_axis(x, dim, m):
    """The maxima of adaptive pooling's m windows along `dim` of `x`: (values, position of each
    maximum along dim). Windows are padded to one length by repeating their last position."""
    n = x.shape[dim]
    windows = _windows_of(n, m)
    length = builtins.max(e - s for s, e in windows)
    table = [builtins.min(s + j, e - 1) for s, e in windows for j in range(length)]
    taken = I.index_select(x, dim, C.tensor(table, dtype=_dt.int64, _backend=x._backend))
    shape = tuple(x.shape)
    vals, which = R.max(S.reshape(taken, shape[:dim] + (m, length) + shape[dim + 1:]), dim + 1)
    starts = C.tensor([s for s, _ in windows], dtype=_dt.int64, _backend=x._backend)
    starts = S.reshape(starts, (m,) + (1,) * (len(shape) - dim - 1))
    return vals, E.add(which, starts)


@defop("adaptive_max_pool3d", "nn", "same", namespaces=("nn.functional",), dtypes=FLOATING,
       cpu_kernel="adaptive_max_pool3d_cpu", differentiable=True, method=False)
def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max pooling to a fixed (D, H, W) output size (None keeps that size); with
    `return_indices`, also each maximum's flat index into its input volume."""
    check_tensor(input, "input", "adaptive_max_pool3d")
    size = _output_size3("adaptive_max_pool3d", input, output_size)
    if input.dim() not in (4, 5):
        raise RuntimeError(f"adaptive_max_pool3d(): Expected 4D or 5D tensor, but got: "
                           f"{list(input.shape)}")
    if builtins.min(size) < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {builtins.min(size)}:"
                           f" {list(input.shape[:-3]) + list(size)}")
    if builtins.min(size) == 0 or input.numel() == 0:
        raise RuntimeError(f"adaptive_max_pool3d(): Expected input to have non-zero size for "
                           f"non-batch dimensions, and output_size to be positive, but got input "
                           f"{list(input.shape)} and output_size {list(size)}")

    def pool(x):
        h, w = x.shape[3:]
        vals, wpos = _adaptive_max_axis(x, 4, size[2])  # width first: ties keep the first in
        vals, hpos = _adaptive_max_axis(vals, 3, size[1])  # (depth, height, width) order
        wpos = I.gather(wpos, 3, hpos)
        vals, dpos = _adaptive_max_axis(vals, 2, size[0])
        hpos, wpos = I.gather(hpos, 2, dpos), I.gather(wpos, 2, dpos)
        if not return_indices:
            return vals
        return vals, E.add(E.mul(E.add(E.mul(dpos, h), hpos), w), wpos)

    return _unbatched(input, 3, pool)


# -- max unpooling ---------------------------------------------------------------------------------
def _unpool_size(input, nd, kernel, stride, padding, output_size):
    """The spatial output size: the default, or `output_size` checked against it (PyTorch's
    ValueError)."""
    default = [(n - 1) * s - 2 * p + k for n, s, p, k in
               zip(input.shape[-nd:], stride, padding, kernel)]
    if output_size is None:
        return tuple(default)
    given = list(output_size)
    if len(given) == nd + 2:
        given = given[2:]
    if len(given) != nd:
        raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} "
                         f"elements, but it has a length of '{len(output_size)}'")
    for d, (size, want, s) in enumerate(zip(given, default, stride)):
        if not want - s < size < want + s:
            raise ValueError(f'invalid output_size "{tuple(output_size)}" (dim {d} must be '
                             f'between {want - s} and {want + s})')
    return tuple(given)


def _max_unpool(fn, nd, input, indices, kernel_size, stride, padding, output_size):
    check_tensor(input, "input", fn)
    check_tensor(indices, "indices", fn)
    kernel = _ints(kernel_size, nd, "kernel_size", fn)
    stride = kernel if stride is None else _ints(stride, nd, "stride", fn)
    padding = _ints(padding, nd, "padding", fn)
    if input.dim() not in (nd + 1, nd + 2):
        lo = builtins.max(nd + 1, 3)  # 1-D unpooling runs as 2-D, and says so
        raise RuntimeError(f"Input to max_unpooling{builtins.max(nd, 2)}d should be a {lo}d or "
                           f"{lo + 1}d Tensor, but got a tensor with {input.dim()} dimensions.")
    size = _unpool_size(input, nd, kernel, stride, padding, output_size)
    if indices._dtype is not _dt.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: "
                           f"{_title(indices._dtype)}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    same_backend([input, indices], fn)
    total = 1
    for s in size:
        total *= s
    if indices.numel() and not is_compiling():  # (a traced step's values are unknown)
        low, high = int(R.min(indices).item()), int(R.max(indices).item())
        if low < 0 or high >= total:
            shown = "x".join(map(str, size + (1,) * (nd == 1)))
            raise RuntimeError(f"Found an invalid max index: {high if high >= total else low} "
                               f"(output volumes are of size {shown})")
    lead = tuple(input.shape[:-nd])  # (N, C) or (C,)
    zeros = C.zeros(lead + (total,), dtype=input._dtype, _backend=input._backend)
    out = I.scatter(zeros, len(lead), S.reshape(indices, lead + (-1,)),
                    S.reshape(input, lead + (-1,)))
    return S.reshape(out, lead + size)


def _unpool_op(nd):
    name = f"max_unpool{nd}d"

    def unpool(input, indices, kernel_size, stride=None, padding=0, output_size=None):
        return _max_unpool(name, nd, input, indices, kernel_size, stride, padding, output_size)

    unpool.__name__ = unpool.__qualname__ = name
    unpool.__doc__ = (f"The inverse of max_pool{nd}d: each value put at its index (from "
                      f"max_pool{nd}d's return_indices) in a zero output.")
    return defop(name, "nn", "same", namespaces=("nn.functional",), dtypes=FLOATING,
                 cpu_kernel=f"max_unpool{builtins.max(nd, 2)}d", differentiable=True,
                 method=False)(unpool)


max_unpool1d, max_unpool2d, max_unpool3d = (_unpool_op(nd) for nd in (1, 2, 3))
