"""nn ops built on sliding windows: padding, unfold/fold and convolutions (pooling, which
shares their window helpers, is in ``pooling``).

Two primitives carry the windows: ``im2col`` (``F.unfold``: every kernel-sized window of a
zero-padded (N, C, H, W) array as the columns of an (N, C*kh*kw, L) array) and its adjoint
``col2im`` (``F.fold``: the columns summed back into place). Convolutions and pooling are
composites over them (a backend may override them with faster kernels), and their derivatives
are written with ember ops, so second derivatives come free and every backend gets the same
gradient. conv2d's weight gradient is an op of its own, ``conv2d_weight`` (PyTorch's ``torch.nn.grad.conv2d_weight``;
im2col and a product by default), so that a backend can compute it without building the whole
batch's columns. 1-D ops run as 2-D ops on a height-1 input;
unbatched inputs get a batch of one.
"""

import builtins

from . import creation as C
from . import elementwise as E
from . import indexing as I
from . import linalg as L
from . import reduction as R
from . import shape as S
from ._common import _dt, _wrap, check_tensor, grad_mode, record, same_backend
from .registry import COMPLEX, FLOATING, REGISTRY, defop


_ALL = (slice(None), slice(None))


# -- argument helpers ------------------------------------------------------------------------------
def _ints(value, n, name, fn):
    """`value` (an int or a sequence of 1 or n ints) as a tuple of n ints."""
    if isinstance(value, builtins.bool) or not isinstance(value, (int, tuple, list)):
        raise TypeError(f"{fn}(): argument '{name}' must be tuple of ints, not "
                        f"{type(value).__name__}")
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    for v in value:
        if isinstance(v, builtins.bool) or not isinstance(v, int):
            raise TypeError(f"{fn}(): argument '{name}' must be tuple of ints, but found element "
                            f"of type {type(v).__name__}")
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values "
                           f"to match the convolution dimensions, but got {name}={list(value)}")
    return value


def _windows(size, kernel, stride, padding, dilation, ceil_mode=False):
    """How many windows fit along one axis (PyTorch's pooling_output_shape for ceil_mode)."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if ceil_mode:
        n = -(-span // stride) + 1
        if (n - 1) * stride >= size + padding:  # the last window must start inside the input
            n -= 1
        return n
    return span // stride + 1


def _as(t, shape):
    """`t` reshaped to `shape` (no node when it already has it)."""
    return t if tuple(t.shape) == tuple(shape) else S.reshape(t, shape)


def _batched(x, fn, nd, what="input"):
    """The raw (N, C, H, W) array of a (C, *spatial) or (N, C, *spatial) tensor, for nd-D ops."""
    shape = x._data.shape
    if len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) {what} to {fn}, "
                           f"but got {what} of size: {list(shape)}")
    four = ((1,) if len(shape) == nd + 1 else ()) + shape[:-nd] + (1,) * (2 - nd) + shape[-nd:]
    return x._backend.kernels["reshape"](x._data, four) if four != shape else x._data


def _unbatch(raw, be, like, nd):
    """Kernel output (N, C, H, W) shaped as `like`'s layout (unbatched and/or 1-D)."""
    shape = raw.shape
    want = shape[:2] + shape[4 - nd:] if len(like) == nd + 2 else shape[1:2] + shape[4 - nd:]
    return be.kernels["reshape"](raw, want) if want != shape else raw


def _spatial(params, nd):
    """nd-D window parameters as 2-D ones (a 1-D op is a 2-D op of height 1)."""
    return tuple((1,) * (2 - nd) + p if i != 2 else (0,) * (2 - nd) + p
                 for i, p in enumerate(params))


def _lowest(dtype):
    """The value no element of `dtype` is below: the fill of max pooling's padding."""
    if dtype.category >= 2:
        return float("-inf")
    return -(1 << (8 * dtype.itemsize - 1)) if dtype.is_signed else 0


def _check_float(x, fn, allowed):
    if x._dtype.category not in allowed:
        raise NotImplementedError(f"\"{fn}\" not implemented for '{E._dtype_title(x._dtype)}'")


# -- pad -------------------------------------------------------------------------------------------
_PAD_MODES = {"constant": 0, "reflect": 1, "replicate": 4, "circular": 7}
_PAD_NODES = ("ConstantPadNdBackward0", "ReflectionPad1DBackward0", "ReflectionPad2DBackward0",
              "ReflectionPad3DBackward0", "ReplicationPad1DBackward0", "ReplicationPad2DBackward0",
              "ReplicationPad3DBackward0", "CopySlices")


def _source_index(mode, n, before, after):
    """For each position of a padded axis, the input position its value comes from."""
    out = []
    for i in range(-before, n + after):
        if mode == "reflect":
            j = -i if i < 0 else i
            out.append(2 * (n - 1) - j if j >= n else j)
        elif mode == "replicate":
            out.append(builtins.min(builtins.max(i, 0), n - 1))
        else:
            out.append(i % n)
    return out


def _pad_backward(node, g):
    mode, pads, shape = node.ctx
    if mode == "constant":
        return (I.getitem(g, tuple(slice(b, b + n) for (b, _), n in zip(pads, shape))),)
    for d, ((b, a), n) in enumerate(zip(pads, shape)):
        if b or a:  # sum the gradient of every copy of an element back onto it, axis by axis
            index = C.tensor(_source_index(mode, n, b, a), dtype=_dt.int64, _backend=g._backend)
            target = tuple(n if i == d else s for i, s in enumerate(g.shape))
            zeros = C.zeros(target, dtype=g._dtype, _backend=g._backend)
            g = I.index_put(zeros, (slice(None),) * d + (index,), g, accumulate=True)
    return (g,)


@defop("pad", "nn", "same",
       kernel="pad(a, pads, mode, value) -> array  (pads: a (before, after) pair of non-negative "
              "ints per dim; mode: 'constant', 'reflect', 'replicate' or 'circular')",
       grad_fn=_PAD_NODES, backward=_pad_backward, namespaces=("nn.functional",), method=False)
def pad(input, pad, mode="constant", value=None):
    """`input` padded: ``pad`` lists (before, after) sizes from the last dim backwards; negative
    sizes crop. Modes: constant (`value`, default 0), reflect, replicate, circular."""
    check_tensor(input, "input", "pad")
    pad = tuple(pad)
    nd = input.dim()
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > nd:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{nd}")
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    k = len(pad) // 2
    if mode != "constant":
        if value is not None and value != 0:
            raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
        if nd not in (k + 1, k + 2) or k > 3:
            raise NotImplementedError(
                f"Padding size {len(pad)} is not supported for {nd}D input tensor.\nSupported "
                f"combinations for non-constant padding:\n  - 2D or 3D input: padding size = 2 "
                f"(pads last dimension)\n  - 3D or 4D input: padding size = 4 (pads last 2 "
                f"dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    pairs = [(0, 0)] * (nd - k) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(k))]
    if any(b < 0 or a < 0 for b, a in pairs):  # crop first (differentiably), then pad
        shape = input.shape
        input = I.getitem(input, tuple(slice(-builtins.min(b, 0), n + builtins.min(a, 0))
                                       for (b, a), n in zip(pairs, shape)))
        pairs = [(builtins.max(b, 0), builtins.max(a, 0)) for b, a in pairs]
    shape = tuple(input.shape)
    for d, ((b, a), n) in enumerate(zip(pairs, shape)):
        if mode == "reflect" and (b >= n or a >= n) and (b or a):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({b}, {a}) at dimension {d} of "
                               f"input {list(shape)}")
        if mode == "circular" and (b > n or a > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and n == 0 and (b or a):
            raise RuntimeError(f"Expected input of non-zero size at dimension {d} to replicate")
    be = input._backend
    out = _wrap(be.kernels["pad"](input._data, tuple(pairs), mode, 0 if value is None else value),
                be, input._dtype)
    if input._rg and grad_mode.enabled:
        node = _PAD_MODES[mode] + (0 if mode in ("constant", "circular") else k - 1)
        record(REGISTRY["pad"].nodes[node], out, (input,), (), (mode, tuple(pairs), shape))
    return out


# -- unfold and fold -------------------------------------------------------------------------------
def _window_args(kernel_size, dilation, padding, stride, fn):
    kernel = _ints(kernel_size, 2, "kernel_size", fn)
    dilation = _ints(dilation, 2, "dilation", fn)
    padding = _ints(padding, 2, "padding", fn)
    stride = _ints(stride, 2, "stride", fn)
    if builtins.min(kernel) <= 0 or builtins.min(dilation) <= 0 or builtins.min(stride) <= 0 \
            or builtins.min(padding) < 0:
        raise RuntimeError(f"{fn}(): expected kernel_size, dilation and stride to be positive and "
                           f"padding non-negative, but got kernel_size={kernel}, dilation="
                           f"{dilation}, padding={padding}, stride={stride}")
    return kernel, dilation, padding, stride


def _im2col_backward(node, g):
    size, kernel, dilation, padding, stride = node.ctx
    return (fold(g, size, kernel, dilation, padding, stride),)


@defop("im2col", "nn", "same", dtypes=FLOATING + COMPLEX,
       kernel="im2col(a, kernel, dilation, padding, stride) -> array  (a: (N, C, H, W); result "
             "(N, C*kh*kw, L), the zero-padded windows as columns; pairs of ints)",
       grad_fn="Im2ColBackward0", backward=_im2col_backward, function="unfold",
       namespaces=("nn.functional",), method=False)
def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Every sliding window of a (N, C, H, W) or (C, H, W) input as a column:
    (N, C*kh*kw, L)."""
    check_tensor(input, "input", "unfold")
    if input.dim() not in (3, 4):
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got "
                           f"{input.dim()}D)")
    args = _window_args(kernel_size, dilation, padding, stride, "unfold")
    kernel, dilation, padding, stride = args
    raw = _batched(input, "unfold", 2)
    size = raw.shape[2:]
    if builtins.min(_windows(n, k, s, p, d) for n, k, s, p, d in
                    zip(size, kernel, stride, padding, dilation)) < 1:
        raise RuntimeError(f"Given input with spatial size {tuple(size)}, kernel_size={kernel}, "
                           f"dilation={dilation}, padding={padding}, calculated shape of the array "
                           f"of sliding blocks as non-positive")
    be = input._backend
    out = be.kernels["im2col"](raw, *args)
    if input.dim() == 3:
        out = be.kernels["reshape"](out, out.shape[1:])
    out = _wrap(out, be, input._dtype)
    if input._rg and grad_mode.enabled:
        record(unfold.op.node, out, (input,), (), (tuple(size),) + args)
    return out


def _col2im_backward(node, g):
    _, kernel, dilation, padding, stride = node.ctx
    return (unfold(g, kernel, dilation, padding, stride),)


@defop("col2im", "nn", "same", dtypes=FLOATING + COMPLEX,
       kernel="col2im(cols, output_size, kernel, dilation, padding, stride) -> array  (cols: "
             "(N, C*kh*kw, L); sums each column back onto the (N, C, H, W) output; pairs)",
       grad_fn="Col2ImBackward0", backward=_col2im_backward, function="fold",
       namespaces=("nn.functional",), method=False)
def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The adjoint of unfold: columns (N, C*kh*kw, L) summed into an (N, C, H, W) output."""
    check_tensor(input, "input", "fold")
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           f"batch size and non-zero dimensions for input, but got: "
                           f"{list(input.shape)}")
    size = _ints(output_size, 2, "output_size", "fold")
    args = _window_args(kernel_size, dilation, padding, stride, "fold")
    kernel, dilation, padding, stride = args
    be = input._backend
    raw = input._data if input.dim() == 3 else be.kernels["reshape"](input._data,
                                                                    (1,) + input._data.shape)
    K = kernel[0] * kernel[1]
    if raw.shape[1] % K:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={raw.shape[1]} and "
                           f"kernel_size={kernel}.")
    blocks = [_windows(n, k, s, p, d) for n, k, s, p, d in
              zip(size, kernel, stride, padding, dilation)]
    if blocks[0] * blocks[1] != raw.shape[2] or builtins.min(blocks) < 1:
        raise RuntimeError(f"Given output_size={size}, kernel_size={kernel}, dilation={dilation}, "
                           f"padding={padding}, stride={stride}, expected size of input's "
                           f"dimension 2 to match the calculated number of sliding blocks "
                           f"{blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
                           f"input.size(2)={raw.shape[2]}.")
    out = be.kernels["col2im"](raw, size, *args)
    if input.dim() == 2:
        out = be.kernels["reshape"](out, out.shape[1:])
    out = _wrap(out, be, input._dtype)
    if input._rg and grad_mode.enabled:
        record(fold.op.node, out, (input,), (), (size,) + args)
    return out


# -- convolution -----------------------------------------------------------------------------------
def _conv2d_kernel(k, a, w, b, stride, padding, dilation, groups, cols=None):
    """conv2d as im2col and one (grouped) matrix product (`cols`: a's im2col, if at hand)."""
    n, _, h, wd = a.shape
    o, cg, kh, kw = w.shape
    if cols is None:
        cols = k["im2col"](a, (kh, kw), dilation, padding, stride)
    ho = _windows(h, kh, stride[0], padding[0], dilation[0])
    wo = _windows(wd, kw, stride[1], padding[1], dilation[1])
    if groups == 1:
        out = k["matmul"](k["reshape"](w, (o, cg * kh * kw)), cols)
    else:
        out = k["matmul"](k["reshape"](w, (groups, o // groups, cg * kh * kw)),
                          k["reshape"](cols, (n, groups, cg * kh * kw, ho * wo)))
    out = k["reshape"](out, (n, o, ho, wo))
    return out if b is None else k["add"](out, k["reshape"](b, (o, 1, 1)))


def _conv_transpose2d_kernel(k, a, w, b, stride, padding, output_padding, dilation, groups):
    """conv_transpose2d as one (grouped) matrix product and col2im: conv2d's adjoint."""
    n, cin, h, wd = a.shape
    _, og, kh, kw = w.shape
    cg, kk = cin // groups, kh * kw
    wt = k["transpose"](k["reshape"](w, (groups, cg, og * kk)), 1, 2)
    cols = k["matmul"](wt, k["reshape"](a, (n, groups, cg, h * wd)))
    full = [(s - 1) * st + d * (q - 1) + 1 for s, st, d, q in zip((h, wd), stride, dilation,
                                                                  (kh, kw))]
    out = k["col2im"](k["reshape"](cols, (n, groups * og * kk, h * wd)), tuple(full), (kh, kw),
                      dilation, (0, 0), stride)
    if any(output_padding):
        out = k["pad"](out, ((0, 0), (0, 0), (0, output_padding[0]), (0, output_padding[1])),
                       "constant", 0)
    if any(padding):
        out = k["getitem"](out, _ALL + tuple(slice(p, f + op - p) for p, f, op in
                                             zip(padding, full, output_padding)))
    return out if b is None else k["add"](out, k["reshape"](b, (groups * og, 1, 1)))


def _summed_product(cols, other, shape):
    """sum over the batch of other @ cols^T (both (N, G, rows, L)), shaped as a weight: BLAS
    reads the columns transposed in place, and the sum comes out in the weight's layout
    (measured 10-25% faster on a small ResNet's layers than (cols @ other^T)^T)."""
    return S.reshape(R.sum(L.matmul(other, S.transpose(cols, 2, 3)), 0), shape)


def output_padding_for(in_sizes, out_sizes, kernel, stride, padding, dilation):
    """The output_padding with which a transposed convolution of spatial input sizes
    `in_sizes` has spatial output sizes `out_sizes`: from its smallest output up to stride - 1
    more, as PyTorch allows; a ValueError naming the valid range otherwise."""
    out = []
    for n, want, q, s, p, d in zip(in_sizes, out_sizes, kernel, stride, padding, dilation):
        smallest = (n - 1) * s - 2 * p + d * (q - 1) + 1
        largest = smallest + s - 1
        if not smallest <= want <= largest:
            raise ValueError(f"requested an output size of {list(out_sizes)}, but valid sizes "
                             f"range from {smallest} to {largest} (for an input of "
                             f"{list(in_sizes)})")
        out.append(want - smallest)
    return tuple(out)


def _input_grad(g, w, x_shape, spec):
    """The gradient of conv2d(x, w) with respect to x (of shape `x_shape`) for output gradient
    `g`: the transposed convolution, padded out to x's size where a stride left rows over."""
    stride, padding, dilation, groups = spec[:4]
    extra = output_padding_for(g.shape[2:], x_shape[2:], w.shape[2:], stride, padding, dilation)
    return conv_transpose2d(g, w, None, stride, padding, extra, groups, dilation)


def _conv_grads(x, w, g, spec, nx, nw, cols=None):
    """Gradients of conv2d(x, w) for output gradient g (all 4-D), with ember ops; `cols`, the
    forward's im2col of x, stands in for the columns unless a gradient must flow back to x."""
    stride, padding, dilation, groups = spec[:4]
    gx = _input_grad(g, w, x.shape, spec) if nx else None
    gw = None
    if nw and cols is not None and not (grad_mode.enabled and x._rg):
        n, o = g.shape[0], g.shape[1]
        cols = S.reshape(cols, (n, groups, cols.shape[1] // groups, cols.shape[2]))
        g3 = S.reshape(g, (n, groups, o // groups, cols.shape[3]))
        gw = _summed_product(cols, g3, w.shape)
    elif nw:
        gw = conv2d_weight(x, tuple(w.shape), g, stride, padding, dilation, groups)
    return gx, gw


def _conv2d_weight_kernel(k, a, grad, kernel, stride, padding, dilation, groups):
    """conv2d's weight gradient as im2col and one batched product summed over the batch."""
    n, c = a.shape[:2]
    o = grad.shape[1]
    cols = k["im2col"](a, kernel, dilation, padding, stride)
    cols = k["reshape"](cols, (n, groups, cols.shape[1] // groups, cols.shape[2]))
    g4 = k["reshape"](grad, (n, groups, o // groups, cols.shape[3]))
    out = k["sum"](k["matmul"](g4, k["transpose"](cols, 2, 3)), (0,), False)
    return k["reshape"](out, (o, c // groups) + tuple(kernel))


def _conv2d_weight_backward(node, gw):
    """conv2d_weight(x, g) is bilinear, <w, conv2d_weight(x, g)> = <conv2d(x, w), g>: its
    gradient is the input gradient of conv2d(x, gw) for x, and conv2d(x, gw) itself for g."""
    x, g = node.saved_tensors
    spec = node.ctx
    nx, ng = node.needs_input_grad
    gx = _input_grad(g, gw, x.shape, spec) if nx else None
    gg = conv2d(x, gw, None, *spec[:4]) if ng else None
    return gx, gg


@defop("conv2d_weight", "nn", "same", dtypes=FLOATING,
       kernel="conv2d_weight(a, grad, kernel, stride, padding, dilation, groups) -> array  (a: "
              "conv2d's input (N, C, H, W), grad: its output's gradient (N, O, Ho, Wo); result "
              "the weight's gradient (O, C/groups, kh, kw); pairs)",
       decomposition=_conv2d_weight_kernel, grad_fn="ConvolutionBackwardBackward0",
       backward=_conv2d_weight_backward, function=False, method=False)
def conv2d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv2d's weight, of size `weight_size` (O, C/groups, kh, kw), for 4-D
    `input` and output gradient `grad_output` (``torch.nn.grad.conv2d_weight``)."""
    check_tensor(input, "input", "conv2d_weight")
    check_tensor(grad_output, "grad_output", "conv2d_weight")
    be = same_backend([input, grad_output], "conv2d_weight")
    size = tuple(weight_size)
    spec = tuple(_ints(v, 2, name, "conv2d_weight") for v, name in
                 ((stride, "stride"), (padding, "padding"), (dilation, "dilation")))
    if len(size) != 4 or input.dim() != 4 or grad_output.dim() != 4 or \
            (grad_output.shape[0], grad_output.shape[1], input.shape[1]) != \
            (input.shape[0], size[0], size[1] * groups) or size[0] % groups or \
            list(grad_output.shape[2:]) != [_windows(n, q, s, p, d) for n, q, s, p, d in
                                            zip(input.shape[2:], size[2:], *spec)]:
        raise RuntimeError(f"conv2d_weight: expected a 4-D input and the gradient of its "
                           f"convolution with a weight of size {list(size)}, but got input "
                           f"{list(input.shape)} and grad_output {list(grad_output.shape)} "
                           f"(groups={groups})")
    raw = be.kernels["conv2d_weight"](input._data, grad_output._data, size[2:], *spec, groups)
    out = _wrap(raw, be, input._dtype)
    if grad_mode.enabled and (input._rg or grad_output._rg):
        record(conv2d_weight.op.node, out, (input, grad_output), (input, grad_output),
               spec + (groups,))
    return out


def _conv_transpose_grads(x, w, g, spec, nx, nw, cols=None):
    """Gradients of conv_transpose2d(x, w) for output gradient g (all 4-D), with ember ops."""
    stride, padding, dilation, groups = spec[:4]
    kernel = tuple(w.shape[2:])
    h, wd = x.shape[2:]
    gx = gw = None
    if nx:
        gx = conv2d(g, w, None, stride, padding, dilation, groups)
        if tuple(gx.shape[2:]) != (h, wd):  # output_padding of a stride or more
            gx = I.getitem(gx, _ALL + (slice(0, h), slice(0, wd)))
    if nw:
        n, cin = x.shape[:2]
        cols = unfold(g, kernel, dilation, padding, stride)
        blocks = [_windows(m, q, s, p, d) for m, q, s, p, d in
                  zip(g.shape[2:], kernel, stride, padding, dilation)]
        if blocks != [h, wd]:
            cols = S.reshape(cols, (n, cols.shape[1]) + tuple(blocks))
            cols = S.reshape(I.getitem(cols, _ALL + (slice(0, h), slice(0, wd))),
                             (n, cols.shape[1], h * wd))
        cols = S.reshape(cols, (n, groups, cols.shape[1] // groups, h * wd))
        x3 = S.reshape(x, (n, groups, cin // groups, h * wd))
        gw = _summed_product(cols, x3, w.shape)
    return gx, gw


def _conv_backward(node, g):
    x, w = node.saved_tensors
    spec, x4, w4, o4, cols = node.ctx
    nx, nw, nb = node.needs_input_grad
    g4 = _as(g, o4)
    grads = _conv_transpose_grads if spec[4] else _conv_grads
    gx, gw = grads(_as(x, x4), _as(w, w4), g4, spec, nx, nw, cols)
    gb = R.sum(g4, (0, 2, 3)) if nb else None
    return (None if gx is None else _as(gx, x.shape), None if gw is None else _as(gw, w.shape),
            gb)


# the largest im2col columns a convolution keeps for its weight's gradient; larger ones are rebuilt
# in backward (one more copy of the windows) rather than held: kept, a small ResNet's columns
# took its peak training memory to 2.2 times PyTorch's
COLS_KEPT_BYTES = 8 << 20


def _cols_bytes(x, w, padded, stride, dilation):
    """The size in bytes of im2col's columns of raw input `x` for weight `w`; `padded`: the
    padded input size less the dilated kernel's span, per spatial axis."""
    blocks = 1
    for p, s in zip(padded, stride):
        blocks *= (p - 1) // s + 1
    itemsize = getattr(x.dtype, "itemsize", 8)
    return x.shape[0] * x.shape[1] * w.shape[2] * w.shape[3] * blocks * itemsize


def _same_padding(size, kernel, dilation):
    """'same' padding per axis as (before, after): the extra one goes after, as PyTorch."""
    total = [d * (k - 1) for k, d in zip(kernel, dilation)]
    return [(t // 2, t - t // 2) for t in total]


# over 80 lines on purpose: PyTorch checks a convolution's arguments in one order, and its error
# messages depend on that order; the checks read top to bottom before the one kernel call
def _convolution(op, fn, input, weight, bias, stride, padding, dilation, groups, nd,
                 transposed=False, output_padding=0):
    """The front end shared by conv1d, conv2d and conv_transpose2d."""
    check_tensor(input, "input", fn)
    check_tensor(weight, "weight", fn)
    be = same_backend([t for t in (input, weight, bias) if t is not None], fn)
    _check_float(input, "slow_conv2d_cpu", (1, 2, 3))
    if input.dim() == nd + 1:  # unbatched: a batch of one, squeezed after (as PyTorch)
        return S.squeeze(_convolution(op, fn, S.unsqueeze(input, 0), weight, bias, stride,
                                      padding, dilation, groups, nd, transposed,
                                      output_padding), 0)
    for other in (weight, bias):
        if other is not None and other._dtype is not input._dtype:
            raise RuntimeError(f"expected scalar type {E._dtype_title(input._dtype)} but found "
                               f"{E._dtype_title(other._dtype)} (input and {fn}'s "
                               f"{'weight' if other is weight else 'bias'} must share a dtype)")
    x = _batched(input, fn, nd)
    if weight.dim() != nd + 2:
        raise RuntimeError(f"weight should have {nd + 2} dimensions for {fn}, but got weight of "
                           f"size {list(weight.shape)}")
    w = _batched(weight, fn, nd, "weight")
    stride = _ints(stride, nd, "stride", fn)
    dilation = _ints(dilation, nd, "dilation", fn)
    output_padding = _ints(output_padding, nd, "output_padding", fn)
    same = None
    if isinstance(padding, str):
        if transposed or padding not in ("same", "valid"):
            raise (TypeError(f"{fn}(): argument 'padding' must be tuple of ints, not str")
                   if transposed else RuntimeError(f"Invalid padding string: {padding!r}"))
        if padding == "same" and builtins.max(stride) != 1:
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        if padding == "same":
            same = _same_padding(x.shape[4 - nd:], weight.shape[2:], dilation)
        padding = (0,) * nd
    padding = _ints(padding, nd, "padding", fn)
    _check_conv_numbers(fn, stride, padding, dilation, groups, output_padding)
    _check_conv_shapes(input, weight, bias, x, groups, transposed)
    if same is not None and any(b != a for b, a in same):  # odd total: pad the extra one first
        input = pad(input, [v for b, a in reversed(same) for v in (0, a - b)])
        x = _batched(input, fn, nd)
    if same is not None:
        padding = tuple(b for b, _ in same)
    spec = _spatial((stride, dilation, padding, output_padding), nd)
    stride, dilation, padding, output_padding = spec
    cols = None
    if transposed:
        for o, s, d in zip(output_padding, stride, dilation):
            if o >= s and o >= d:
                raise RuntimeError(
                    f"output padding must be smaller than either stride or dilation, but got "
                    f"output_padding_height: {output_padding[0]} output_padding_width: "
                    f"{output_padding[1]} stride_height: {stride[0]} stride_width: {stride[1]} "
                    f"dilation_height: {dilation[0]} dilation_width: {dilation[1]}")
        size = [(n - 1) * s - 2 * p + d * (k - 1) + o + 1 for n, s, p, d, k, o in
                zip(x.shape[2:], stride, padding, dilation, w.shape[2:], output_padding)]
        if builtins.min(size) < 1:
            raise RuntimeError(f"Given input size per channel: ({x.shape[2]} x {x.shape[3]}). "
                               f"Calculated output size per channel: ({size[0]} x {size[1]}). "
                               f"Output size is too small")
        raw = be.kernels["conv_transpose2d"](x, w, None if bias is None else bias._data, stride,
                                             padding, output_padding, dilation, groups)
    else:
        padded = [n + 2 * p - d * (k - 1) for n, p, d, k in
                  zip(x.shape[2:], padding, dilation, w.shape[2:])]
        if builtins.min(padded) < 1:
            sizes = " x ".join(str(n + 2 * p) for n, p in zip(x.shape[4 - nd:],
                                                               padding[2 - nd:]))
            ks = " x ".join(str(k) for k in w.shape[4 - nd:])
            raise RuntimeError(f"Calculated padded input size per channel: ({sizes}). Kernel "
                               f"size: ({ks}). Kernel size can't be greater than actual input "
                               f"size")
        conv, b = be.kernels["conv2d"], None if bias is None else bias._data
        if weight._rg and grad_mode.enabled and getattr(conv, "func", None) is _conv2d_kernel \
                and _cols_bytes(x, w, padded, stride, dilation) <= COLS_KEPT_BYTES:
            # the backend runs core's im2col route: keep the columns for the weight's gradient
            # (small ones only: they are kh*kw times the input, held until backward)
            cols = be.kernels["im2col"](x, w.shape[2:], dilation, padding, stride)
            raw = _conv2d_kernel(be.kernels, x, w, b, stride, padding, dilation, groups, cols)
            cols = _wrap(cols, be, input._dtype)
        else:
            raw = conv(x, w, b, stride, padding, dilation, groups)
    out = _wrap(_unbatch(raw, be, input._data.shape, nd), be, input._dtype)
    if grad_mode.enabled and any(t is not None and t._rg for t in (input, weight, bias)):
        record(op.node, out, (input, weight, bias), (input, weight),
               ((stride, padding, dilation, groups, transposed), x.shape, w.shape, raw.shape,
                cols))
    return out


def _check_conv_numbers(fn, stride, padding, dilation, groups, output_padding):
    """PyTorch's errors for a convolution's stride, padding, dilation, groups and output
    padding (tuples of ints, and an int)."""
    if isinstance(groups, builtins.bool) or not isinstance(groups, int):
        raise TypeError(f"{fn}(): argument 'groups' must be int, not {type(groups).__name__}")
    if builtins.min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if builtins.min(padding) < 0:
        raise RuntimeError("negative padding is not supported")
    if builtins.min(dilation) <= 0:
        raise RuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if builtins.min(output_padding) < 0:
        raise RuntimeError("negative output_padding is not supported")


def _check_conv_shapes(input, weight, bias, x, groups, transposed):
    ws = list(weight.shape)
    if not transposed and ws[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{ws}] instead")
    channels = ws[0] if transposed else ws[1] * groups
    if x.shape[1] != channels or (transposed and ws[0] % groups):
        raise RuntimeError(f"Given {'transposed=1' if transposed else f'groups={groups}'}, weight "
                           f"of size {ws}, expected input{list(input.shape)} to have {channels} "
                           f"channels, but got {x.shape[1]} channels instead")
    out_channels = ws[1] * groups if transposed else ws[0]
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(f"Given weight of size {ws}, expected bias to be 1-dimensional with "
                           f"{out_channels} elements, but got bias of size {list(bias.shape)} "
                           f"instead")


@defop("conv2d", "nn", "same", namespaces=("ember", "nn.functional"), dtypes=FLOATING,
       kernel="conv2d(a, weight, bias, stride, padding, dilation, groups) -> array  (a: (N, C, "
              "H, W); bias an array or None; stride, padding, dilation pairs)",
       decomposition=_conv2d_kernel, grad_fn="ConvolutionBackward0", backward=_conv_backward,
       method=False)
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation of (N, C, H, W) input with (O, C/groups, kh, kw) weight; padding
    may be 'valid' or 'same'."""
    return _convolution(conv2d.op, "conv2d", input, weight, bias, stride, padding, dilation,
                        groups, 2)


@defop("conv1d", "nn", "same", namespaces=("ember", "nn.functional"), dtypes=FLOATING,
       grad_fn="ConvolutionBackward0", backward=_conv_backward, method=False)
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation of (N, C, L) input with (O, C/groups, k) weight (run by the conv2d
    kernel on a height-1 input)."""
    return _convolution(conv1d.op, "conv1d", input, weight, bias, stride, padding, dilation,
                        groups, 1)


@defop("conv_transpose2d", "nn", "same", namespaces=("ember", "nn.functional"), dtypes=FLOATING,
       kernel="conv_transpose2d(a, weight, bias, stride, padding, output_padding, dilation, "
              "groups) -> array  (the adjoint of conv2d; weight (C, O/groups, kh, kw))",
       decomposition=_conv_transpose2d_kernel, grad_fn="ConvolutionBackward0",
       backward=_conv_backward, method=False)
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """The transposed 2-D convolution (conv2d's gradient with respect to its input)."""
    return _convolution(conv_transpose2d.op, "conv_transpose2d", input, weight, bias, stride,
                        padding, dilation, groups, 2, transposed=True,
                        output_padding=output_padding)
