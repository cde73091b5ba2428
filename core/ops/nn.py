"""nn ops: linear, activations, softmax, normalisation, dropout, embedding and attention
(the losses are in ``loss``).

Activations, softmax and log_softmax are registry ops with their own node (PyTorch's grad_fn
name) and a decomposition over other kernels that a backend may replace. Normalisation,
dropout, embedding, most losses and attention are written with other ember ops, so autograd
flows through those. nll_loss and binary_cross_entropy compute their
value with ember ops and record their own node: one node instead of a chain (the fast path of
cross_entropy), and a gradient that stays finite at probabilities 0 and 1.
"""

import math

from . import conversion as V
from . import creation as C
from . import elementwise as E
from . import indexing as I
from . import linalg as L
from . import random as RND
from . import reduction as R
from . import shape as S
from .._compile import is_compiling
from ._common import _dt, _wrap, _wrap_dim, check_tensor, grad_mode, needs_grad, record
from .registry import COMPLEX, FLOATING, REAL, defop


_NN = dict(method=False, namespaces=("nn.functional",))  # ember.nn.functional.<name>


# -- linear ----------------------------------------------------------------------------------------
def _linear_backward(node, g):
    """x @ W.T + b: the weight's gradient is computed as g^T @ x, in the weight's own layout, so
    an optimizer's in-place update runs over contiguous memory."""
    x, w = node.saved_tensors
    nx, nw, nb = node.needs_input_grad
    gx = L.matmul(g, w) if nx else None
    gw = gb = None
    if nw or nb:
        g2 = S.reshape(g, (-1, g.shape[-1])) if g.dim() != 2 else g
        if nw:
            x2 = S.reshape(x, (-1, x.shape[-1])) if x.dim() != 2 else x
            gw = L.matmul(S.transpose(g2, 0, 1), x2)
        if nb:
            gb = R.sum(g2, 0)
    return gx, gw, gb


@defop("linear", "nn", "same", dtypes=FLOATING,
       grad_fn=("AddmmBackward0", "MmBackward0"), backward=_linear_backward, **_NN)
def linear(input, weight, bias=None):
    """input @ weight.T + bias, for input of shape (*, in_features) and weight (out, in)."""
    for name, t in (("input", input), ("weight", weight)):
        check_tensor(t, name, "linear")
    tensors = (input, weight) if bias is None else (input, weight, check_tensor(bias, "bias",
                                                                               "linear"))
    be = input._backend
    for t in tensors[1:]:
        if t._backend is not be:
            from ._common import same_backend

            same_backend(tensors, "linear")
        if t._dtype is not input._dtype:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                               f"{t._dtype.name} != {input._dtype.name}")
    sx, sw = input._data.shape, weight._data.shape
    if len(sw) != 2 or not sx or sx[-1] != sw[1]:
        rows = 1
        for n in sx[:-1]:
            rows *= n
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x"
                           f"{sx[-1] if sx else 1} and {'x'.join(map(str, sw[::-1]))})")
    k = be.kernels
    raw = k["matmul"](input._data, k["transpose"](weight._data, 0, 1))
    if bias is not None:
        out_shape = raw.shape
        if bias._data.shape not in ((), (1,), (sw[0],)):
            raise RuntimeError(f"The expanded size of the tensor ({sw[0]}) must match the existing "
                               f"size ({bias._data.shape[-1] if bias._data.shape else 1}) at "
                               f"non-singleton dimension {len(out_shape) - 1}.  Target sizes: "
                               f"{list(out_shape)}.  Tensor sizes: {list(bias._data.shape)}")
        raw = k["add"](raw, bias._data)
    out = _wrap(raw, be, input._dtype)
    if needs_grad(*tensors):
        record(linear.op.nodes[0 if bias is not None else 1], out,
               (input, weight, bias), (input, weight), None)
    return out


def _no_grad():
    from ..autograd.mode import no_grad

    return no_grad()


def _floating(input, fn, kernel_name):
    """Check that `input` is a floating-point tensor, as PyTorch's CPU kernels require."""
    check_tensor(input, "input", fn)
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel_name}" not implemented for '
                                  f"'{E._dtype_title(input._dtype)}'")
    return input


def _inplace(fn, input, inplace):
    """``fn(input)``, written back into `input` when `inplace` (computed from a clone when
    autograd needs the original values)."""
    if not inplace:
        return fn(input)
    src = V.clone(input) if needs_grad(input) else input
    return input.copy_(fn(src))


# -- activations -----------------------------------------------------------------------------------
_HALF = (_dt.float16, _dt.bfloat16)


def _activation(op, input, *params):
    """Run activation `op`'s kernel with scalar `params` (half precision computed in float32,
    as PyTorch does); record its node, saving the input."""
    be = input._backend
    k = be.kernels
    raw = input._data
    if input._dtype in _HALF:
        raw = k["astype"](k[op.name](k["astype"](raw, be.dtype_native(_dt.float32)), *params),
                          be.dtype_native(input._dtype))
    else:
        raw = k[op.name](raw, *params)
    out = _wrap(raw, be, input._dtype)
    if input._rg and grad_mode.enabled:
        record(op.node, out, (input,), (input,), params)
    return out


def _leaky_relu_backward(node, g):
    (x,) = node.saved_tensors
    return (E.where(E.gt(x, 0), g, E.mul(g, node.ctx[0])),)


@defop("leaky_relu", "nn", "same", dtypes=FLOATING, kernel="leaky_relu(a, negative_slope) -> array",
       decomposition=lambda k, a, slope: k["where"](k["gt"](a, 0), a, k["mul"](a, slope)),
       grad_fn="LeakyReluBackward0", backward=_leaky_relu_backward, **_NN)
def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x > 0, else negative_slope * x."""
    _floating(input, "leaky_relu", "leaky_relu_cpu")
    return _inplace(lambda x: _activation(leaky_relu.op, x, negative_slope), input, inplace)


def _elu_backward(node, g):
    (x,) = node.saved_tensors
    alpha = node.ctx[0]
    pos = E.gt(x, 0)
    return (E.where(pos, g, E.mul(g, E.mul(E.exp(E.where(pos, 0.0, x)), alpha))),)


@defop("elu", "nn", "same", dtypes=FLOATING, kernel="elu(a, alpha) -> array",
       decomposition=lambda k, a, alpha: k["where"](
           k["gt"](a, 0), a, k["mul"](k["expm1"](k["minimum"](a, 0)), alpha)),
       grad_fn="EluBackward0", backward=_elu_backward, **_NN)
def elu(input, alpha=1.0, inplace=False):
    """x where x > 0, else alpha * (exp(x) - 1)."""
    _floating(input, "elu", "elu_cpu")
    return _inplace(lambda x: _activation(elu.op, x, alpha), input, inplace)


def _celu_backward(node, g):
    (x,) = node.saved_tensors
    alpha = node.ctx[0]
    pos = E.gt(x, 0)
    return (E.where(pos, g, E.mul(g, E.exp(E.div(E.where(pos, 0.0, x), alpha)))),)


@defop("celu", "nn", "same", dtypes=FLOATING, cpu_kernel="elu_cpu",
       kernel="celu(a, alpha) -> array",
       decomposition=lambda k, a, alpha: k["where"](
           k["gt"](a, 0), a, k["mul"](k["expm1"](k["div"](k["minimum"](a, 0), alpha)), alpha)),
       grad_fn="CeluBackward0", backward=_celu_backward, method=False,
       namespaces=("ember", "nn.functional"))
def celu(input, alpha=1.0, inplace=False):
    """x where x > 0, else alpha * (exp(x / alpha) - 1): elu, continuously differentiable."""
    _floating(input, "celu", "elu_cpu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _inplace(lambda x: _activation(celu.op, x, alpha), input, inplace)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _selu_backward(node, g):
    (x,) = node.saved_tensors
    pos = E.gt(x, 0)
    return (E.mul(E.where(pos, g, E.mul(g, E.mul(E.exp(E.where(pos, 0.0, x)), _SELU_ALPHA))),
                  _SELU_SCALE),)


@defop("selu", "nn", "same", dtypes=FLOATING, cpu_kernel="elu_cpu", kernel="selu(a) -> array",
       decomposition=lambda k, a: k["mul"](k["elu"](a, _SELU_ALPHA), _SELU_SCALE),
       grad_fn="EluBackward0", backward=_selu_backward, method=False,
       namespaces=("ember", "nn.functional"))
def selu(input, inplace=False):
    """scale * elu(x, alpha) with PyTorch's fixed alpha and scale (self-normalising)."""
    _floating(input, "selu", "elu_cpu")
    return _inplace(lambda x: _activation(selu.op, x), input, inplace)


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_C = 0.044715


def _gelu_kernel(k, a, approximate):
    if approximate == "tanh":
        inner = k["mul"](k["add"](a, k["mul"](k["mul"](k["mul"](a, a), a), _GELU_C)),
                         _SQRT_2_OVER_PI)
        return k["mul"](k["mul"](a, 0.5), k["add"](k["tanh"](inner), 1))
    return k["mul"](k["mul"](a, 0.5), k["add"](k["erf"](k["mul"](a, math.sqrt(0.5))), 1))


def _gelu_backward(node, g):
    (x,) = node.saved_tensors
    if node.ctx[0] == "tanh":
        x2 = E.mul(x, x)
        inner = E.mul(E.add(x, E.mul(E.mul(x2, x), _GELU_C)), _SQRT_2_OVER_PI)
        t = E.tanh(inner)
        d_inner = E.mul(E.add(E.mul(x2, 3 * _GELU_C), 1), _SQRT_2_OVER_PI)
        left = E.mul(E.add(t, 1), 0.5)
        right = E.mul(E.mul(E.mul(x, 0.5), E.sub(1, E.mul(t, t))), d_inner)
        return (E.mul(g, E.add(left, right)),)
    cdf = E.mul(E.add(E.erf(E.mul(x, math.sqrt(0.5))), 1), 0.5)
    pdf = E.mul(E.exp(E.mul(E.mul(x, x), -0.5)), 1 / math.sqrt(2 * math.pi))
    return (E.mul(g, E.add(cdf, E.mul(x, pdf))),)


@defop("gelu", "nn", "same", dtypes=FLOATING,
       kernel="gelu(a, approximate) -> array  (approximate: 'none' or 'tanh')",
       decomposition=_gelu_kernel, grad_fn="GeluBackward0", backward=_gelu_backward, **_NN)
def gelu(input, approximate="none"):
    """x * Phi(x), Phi the standard normal CDF (or its tanh approximation)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _floating(input, "gelu", "GeluKernelImpl")
    return _activation(gelu.op, input, approximate)


def _silu_backward(node, g):
    (x,) = node.saved_tensors
    s = E.sigmoid(x)
    return (E.mul(g, E.mul(s, E.add(E.mul(x, E.sub(1, s)), 1))),)


@defop("silu", "nn", "same", dtypes=FLOATING, kernel="silu(a) -> array",
       decomposition=lambda k, a: k["mul"](a, k["sigmoid"](a)),
       grad_fn="SiluBackward0", backward=_silu_backward, **_NN)
def silu(input, inplace=False):
    """x * sigmoid(x) (the swish)."""
    _floating(input, "silu", "silu_cpu")
    return _inplace(lambda x: _activation(silu.op, x), input, inplace)


def _softplus_backward(node, g):
    (x,) = node.saved_tensors
    beta, threshold = node.ctx
    z = E.mul(x, beta)
    return (E.where(E.gt(z, threshold), g, E.mul(g, E.sigmoid(z))),)


def _softplus_kernel(k, a, beta, threshold):
    z = k["mul"](a, beta)
    # exp() only sees values up to the threshold, so the branch where() discards cannot overflow
    soft = k["div"](k["log1p"](k["exp"](k["minimum"](z, threshold))), beta)
    return k["where"](k["gt"](z, threshold), a, soft)


@defop("softplus", "nn", "same", dtypes=FLOATING,
       kernel="softplus(a, beta, threshold) -> array  (log1p(exp(beta*a))/beta; a where "
              "beta*a > threshold)", decomposition=_softplus_kernel,
       grad_fn="SoftplusBackward0", backward=_softplus_backward, **_NN)
def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold."""
    _floating(input, "softplus", "softplus_cpu")
    return _activation(softplus.op, input, beta, threshold)


def _hardtanh_backward(node, g):
    (x,) = node.saved_tensors
    lo, hi = node.ctx
    return (E.where(E.le(x, lo), 0.0, E.where(E.ge(x, hi), 0.0, g)),)


@defop("hardtanh", "nn", "same", dtypes=REAL, kernel="hardtanh(a, min_val, max_val) -> array",
       decomposition=lambda k, a, lo, hi: k["astype"](k["maximum"](k["minimum"](a, hi), lo),
                                                      a.dtype),
       grad_fn="HardtanhBackward0", backward=_hardtanh_backward, **_NN)
def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """input clamped to [min_val, max_val]."""
    check_tensor(input, "input", "hardtanh")
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if input._dtype is _dt.bool:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if input._dtype is _dt.uint8 and (min_val < 0 or max_val < 0):
        raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
    if input._dtype.is_complex:
        raise NotImplementedError(f"\"hardtanh\" not implemented for "
                                  f"'{E._dtype_title(input._dtype)}'")
    if not input._dtype.is_floating_point:  # integer limits, truncated as PyTorch does (and
        min_val, max_val = int(min_val), int(max_val)  # no float scalar on an integer kernel)
    return _inplace(lambda x: _activation(hardtanh.op, x, min_val, max_val), input, inplace)


# -- softmax ---------------------------------------------------------------------------------------
def _softmax_kernel(k, a, dim):
    e = k["exp"](k["sub"](a, k["amax"](a, (dim,), True)))
    return k["div"](e, k["sum"](e, (dim,), True))


def _log_softmax_kernel(k, a, dim):
    shifted = k["sub"](a, k["amax"](a, (dim,), True))
    return k["sub"](shifted, k["log"](k["sum"](k["exp"](shifted), (dim,), True)))


def _softmax_like(op, input, dim, dtype, fn):
    """Run softmax or log_softmax along `dim` (0-d and empty inputs included); record the node,
    saving the output."""
    check_tensor(input, "input", fn)
    if dtype is not None:
        input = V.astype(input, dtype)
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f'"{fn}_lastdim_kernel_impl" not implemented for '
                                  f"'{E._dtype_title(input._dtype)}'")
    ndim = input.dim()
    d = _wrap_dim(dim, ndim)
    be, raw = input._backend, input._data
    shape = raw.shape
    if ndim == 0:
        raw = be.kernels["reshape"](raw, (1,))
    if raw.shape[d] == 0:
        out_raw = be.kernels["full"](raw.shape, 0, be.dtype_native(input._dtype))
    else:
        out_raw = be.kernels[op.name](raw, d)
    if ndim == 0:
        out_raw = be.kernels["reshape"](out_raw, shape)
    out = _wrap(out_raw, be, input._dtype)
    if input._rg and grad_mode.enabled:
        record(op.node, out, (input,), (out,), d)
    return out


def _softmax_backward(node, g):
    (y,) = node.saved_tensors
    return (E.mul(y, E.sub(g, R.sum(E.mul(g, y), node.ctx, keepdim=True))),)


@defop("softmax", "nn", "same", namespaces=("ember", "nn.functional"), dtypes=FLOATING,
       kernel="softmax(a, dim) -> array", decomposition=_softmax_kernel,
       grad_fn="SoftmaxBackward0", backward=_softmax_backward)
def softmax(input, dim, dtype=None):
    """exp(x) / sum(exp(x)) along `dim`, shifted by the maximum so nothing overflows; `dtype`
    casts the input first."""
    return _softmax_like(softmax.op, input, dim, dtype, "softmax")


def _log_softmax_backward(node, g):
    (y,) = node.saved_tensors
    return (E.sub(g, E.mul(E.exp(y), R.sum(g, node.ctx, keepdim=True))),)


@defop("log_softmax", "nn", "same", namespaces=("ember", "nn.functional"), dtypes=FLOATING,
       kernel="log_softmax(a, dim) -> array", decomposition=_log_softmax_kernel,
       grad_fn="LogSoftmaxBackward0", backward=_log_softmax_backward)
def log_softmax(input, dim, dtype=None):
    """x - logsumexp(x) along `dim`, computed stably; `dtype` casts the input first."""
    return _softmax_like(log_softmax.op, input, dim, dtype, "log_softmax")


# -- normalisation ---------------------------------------------------------------------------------
def _normalize(x, dims, eps):
    """(x - mean) / sqrt(var + eps) over `dims` (biased variance), with the mean and variance;
    half precision is computed in float32, as PyTorch does."""
    half = x._dtype if x._dtype in _HALF else None
    if half is not None:
        x = V.astype(x, _dt.float32)
    mu = R.mean(x, dims, keepdim=True)
    xc = E.sub(x, mu)
    var = R.mean(E.mul(xc, xc), dims, keepdim=True)
    out = E.div(xc, E.sqrt(E.add(var, eps)))
    if half is not None:
        out, mu, var = (V.astype(t, half) for t in (out, mu, var))
    return out, mu, var


def _affine(x, weight, bias, shape):
    """x * weight + bias, the parameters viewed as `shape` for broadcasting."""
    if weight is not None:
        x = E.mul(x, S.reshape(weight, shape))
    if bias is not None:
        x = E.add(x, S.reshape(bias, shape))
    return x


@defop("layer_norm", "nn", "same", dtypes=FLOATING, differentiable=True, **_NN)
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last ``len(normalized_shape)`` dims, then scale and shift."""
    check_tensor(input, "input", "layer_norm")
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    ns = tuple(normalized_shape)
    k = len(ns)
    if k == 0 or input.dim() < k or tuple(input.shape[input.dim() - k:]) != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*, {', '.join(map(str, ns))}], but got input of size"
                           f"{list(input.shape)}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got "
                               f"{name} of shape {list(p.shape)} and normalized_shape = {list(ns)}")
    out, _, _ = _normalize(input, tuple(range(input.dim() - k, input.dim())), eps)
    return _affine(out, weight, bias, ns)


def _channel_shape(input):
    """(1, C, 1, ...): a per-channel tensor viewed to broadcast against `input`."""
    return tuple(s if i == 1 else 1 for i, s in enumerate(input.shape))


@defop("group_norm", "nn", "same", dtypes=FLOATING, differentiable=True, **_NN)
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each group of ``C // num_groups`` channels of each sample, then scale and
    shift per channel."""
    check_tensor(input, "input", "group_norm")
    shape = tuple(input.shape)
    if input.dim() < 2 or shape[1] % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {list(shape)} and num_groups={num_groups}")
    grouped = S.reshape(input, (shape[0], num_groups, -1))
    out, _, _ = _normalize(grouped, (2,), eps)
    return _affine(S.reshape(out, shape), weight, bias, _channel_shape(input))


def _channel_dot(k, a, b):
    """sum(a * b) over every dim but 1 of raw arrays `a`, `b` (N, C, ...), kept as (1, C, 1,
    ...): per channel, N dot products of length H*W (one matrix product, no product array)."""
    n, c = a.shape[:2]
    rest = math.prod(a.shape[2:])
    rows = k["reshape"](a, (n, c, 1, rest))
    cols = k["reshape"](b, (n, c, rest, 1))
    return k["reshape"](k["sum"](k["matmul"](rows, cols), (0,), False),
                        (1, c) + (1,) * (len(a.shape) - 2))


def _batch_stats(k, x, dims, eps):
    """(centred x, mean, biased variance, 1 / sqrt(variance + eps)) of raw `x` over `dims`,
    kept."""
    mu = k["mean"](x, dims, True)
    xc = k["sub"](x, mu)
    var = k["div"](_channel_dot(k, xc, xc), math.prod(x.shape) // max(x.shape[1], 1))
    return xc, mu, var, k["rsqrt"](k["add"](var, eps))


class _Raw:
    """The few ops of batch norm's gradient on raw arrays (a backend's kernels): the backward
    runs them when no graph of the gradient is wanted, skipping the ember ops' dispatch."""

    def __init__(self, k):
        self.k = k
        self.sub, self.mul, self.add = k["sub"], k["mul"], k["add"]

    def sum(self, a, dims):
        return self.k["sum"](a, dims, True)

    def dot(self, a, b, dims):
        return _channel_dot(self.k, a, b)

    def flat(self, a):
        return self.k["reshape"](a, (math.prod(a.shape),))


class _Ops:
    """The same ops as ember ops, differentiable (for double backward)."""

    sub, mul, add = E.sub, E.mul, E.add

    @staticmethod
    def sum(a, dims):
        return R.sum(a, dims, keepdim=True)

    @staticmethod
    def dot(a, b, dims):
        return R.sum(E.mul(a, b), dims, keepdim=True)

    @staticmethod
    def flat(a):
        return S.reshape(a, (-1,))


def _batch_norm_grads(ops, g, xc, invstd, weight, dims, n, needs):
    """Batch normalisation's gradients in closed form, per channel over the n values of
    `dims`: gx = w * invstd * (g - mean(g) - xc * invstd^2 * mean(g * xc)),
    gw = invstd * sum(g * xc), gb = sum(g) (xc = x - mean; `weight` viewed per channel)."""
    nx, nw, nb = needs
    sg = ops.sum(g, dims)
    sgx = ops.dot(g, xc, dims)
    gx = None
    if nx:
        a = invstd if weight is None else ops.mul(invstd, weight)
        c = ops.mul(a, ops.mul(sg, -1.0 / n))
        b = ops.mul(a, ops.mul(ops.mul(invstd, invstd), ops.mul(sgx, -1.0 / n)))
        gx = ops.add(ops.add(ops.mul(g, a), ops.mul(xc, b)), c)
    return (gx, ops.flat(ops.mul(sgx, invstd)) if nw else None,
            ops.flat(sg) if nb else None)


def _batch_norm_backward(node, g):
    """Batch normalisation's closed-form gradient. When a graph of the gradient is wanted
    (double backward) it runs as ember ops, the statistics recomputed from x so that they
    carry their own derivative; otherwise on raw arrays, with the forward's statistics."""
    x, weight = (node.saved_tensors + (None,))[:2]
    mu, invstd, dims, eps = node.ctx
    n = x.numel() // max(x.shape[1], 1)
    if grad_mode.enabled:
        xc = E.sub(x, R.mean(x, dims, keepdim=True))
        invstd = E.rsqrt(E.add(R.mean(E.mul(xc, xc), dims, keepdim=True), eps))
        w = None if weight is None else S.reshape(weight, invstd.shape)
        return _batch_norm_grads(_Ops, g, xc, invstd, w, dims, n, node.needs_input_grad)
    be = x._backend
    k = be.kernels
    w = None if weight is None else k["reshape"](weight._data, invstd.shape)
    grads = _batch_norm_grads(_Raw(k), g._data, k["sub"](x._data, mu), invstd, w, dims, n,
                              node.needs_input_grad)
    return tuple(None if r is None else _wrap(r, be, x._dtype) for r in grads)


def _fused_batch_norm(input, weight, bias, eps):
    """Training-mode batch normalisation as one node (raw kernels forward, closed-form
    backward): (output, mean, biased variance) with the statistics raw (1, C, 1, ...)."""
    be, k = input._backend, input._backend.kernels
    dims = tuple(i for i in range(input.dim()) if i != 1)
    x = input._data
    xc, mu, var, invstd = _batch_stats(k, x, dims, eps)
    cshape = invstd.shape
    scale = invstd if weight is None else k["mul"](invstd, k["reshape"](weight._data, cshape))
    raw = k["mul"](xc, scale)
    if bias is not None:
        raw = k["add"](raw, k["reshape"](bias._data, cshape))
    out = _wrap(raw, be, input._dtype)
    if needs_grad(input, weight, bias):
        record(batch_norm.op.node, out, (input, weight, bias),
               (input,) if weight is None else (input, weight), (mu, invstd, dims, eps))
    return out, mu, var


def _fusable(input, weight, bias):
    """Whether training-mode batch norm of `input` runs fused: float32 or float64 throughout
    (half precision goes through float32 in the composite form), and not empty."""
    return input._dtype not in _HALF and input.dim() >= 2 and input.numel() > 0 and all(
        p is None or p._dtype is input._dtype for p in (weight, bias))


@defop("batch_norm", "nn", "same", dtypes=FLOATING, grad_fn="NativeBatchNormBackward0",
       backward=_batch_norm_backward, **_NN)
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) over the batch and spatial dims: with the batch's
    statistics when training (updating the running ones in place by `momentum`), else with
    the running statistics."""
    check_tensor(input, "input", "batch_norm")
    cshape = _channel_shape(input)
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError(f"running_{'mean' if running_mean is None else 'var'} must be "
                               f"defined in evaluation mode")
        x = E.sub(input, S.reshape(running_mean, cshape))
        out = E.div(x, E.sqrt(E.add(S.reshape(running_var, cshape), eps)))
    else:
        n = input.numel() // max(input.shape[1], 1) if input.dim() > 1 else input.numel()
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {input.shape}")
        fused = _fusable(input, weight, bias)
        if fused:
            out, mu, var = _fused_batch_norm(input, weight, bias, eps)
            mu, var = (_wrap(a, input._backend, input._dtype) for a in (mu, var))
        else:
            out, mu, var = _normalize(input, tuple(i for i in range(input.dim()) if i != 1),
                                      eps)
        with _no_grad():
            if running_mean is not None:
                running_mean.mul_(1 - momentum).add_(E.mul(S.reshape(mu, (-1,)), momentum))
            if running_var is not None:
                unbiased = E.mul(S.reshape(var, (-1,)), n / (n - 1))
                running_var.mul_(1 - momentum).add_(E.mul(unbiased, momentum))
        if fused:
            return out
    out = _affine(out, weight, bias, cshape)
    # float32 statistics or parameters with a half-precision input give the input's dtype
    return out if out._dtype is input._dtype else V.astype(out, input._dtype)


def _normalize_dtype_error(d):
    return RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                        f"input. Got {E._dtype_title(d)}")


@defop("normalize", "nn", "same", dtypes=FLOATING + COMPLEX, dtype_error=_normalize_dtype_error,
       differentiable=True, **_NN)
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p, eps) along `dim`: each slice scaled to unit p-norm."""
    check_tensor(input, "input", "normalize")
    if out is not None:
        raise TypeError("normalize(): out= is not supported by ember; assign the result instead")
    norm = E.clamp(L.vector_norm(input, p, dim, True), min=eps)
    return E.div(input, norm)


# -- dropout and embedding -------------------------------------------------------------------------
@defop("dropout", "nn", "same", dtypes=FLOATING, differentiable=True, **_NN)
def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability `p` and scale the rest by 1 / (1 - p), as PyTorch:
    ``input * (bernoulli mask of 1 - p) / (1 - p)``, so a seed gives PyTorch's mask on the CPU;
    the input itself when not training."""
    check_tensor(input, "input", "dropout")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input

    def drop(x):
        if p == 1.0:
            return E.mul(x, 0.0)
        mask = RND.bernoulli(C.empty(tuple(x.shape), dtype=x.dtype, _backend=x._backend),
                             1.0 - p)
        return E.mul(x, E.div(mask, 1.0 - p))

    return _inplace(drop, input, inplace)


def _renorm_rows(weight, input, max_norm, norm_type):
    """Scale the rows of `weight` indexed by `input` whose `norm_type`-norm exceeds `max_norm`
    down to it, in place and unseen by autograd (as PyTorch's embedding_renorm_)."""
    with _no_grad():
        idx = S.reshape(input, (-1,))
        rows = I.getitem(weight, idx)
        norms = E.pow(R.sum(E.pow(E.abs(rows), norm_type), -1, keepdim=True), 1.0 / norm_type)
        scale = E.where(E.gt(norms, max_norm), E.div(max_norm, E.add(norms, 1e-7)), 1.0)
        I.setitem(weight, idx, E.mul(rows, scale))


@defop("embedding", "nn", "same", dtypes=FLOATING, dtype_args=("weight",), differentiable=True,
       **_NN)
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """The rows of `weight` at the indices in `input`; the row at `padding_idx` gets no
    gradient."""
    check_tensor(input, "input", "embedding")
    check_tensor(weight, "weight", "embedding")
    if input._dtype not in (_dt.int64, _dt.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {input._type_name()} "
                           f"instead (while checking arguments for embedding)")
    num = weight.shape[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= num
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse gradients are not "
                                  "supported yet")
    if input.numel() and not is_compiling() and (R.amin(input).item() < 0
                                                 or R.amax(input).item() >= num):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(weight, input, max_norm, norm_type)
    out = I.getitem(weight, input)
    if padding_idx is not None and needs_grad(out):
        keep = S.unsqueeze(E.ne(input, padding_idx), -1)
        out = E.where(keep, out, out.detach())
    return out


@defop("one_hot", "nn", "int64", dtypes=(_dt.int64,), differentiable=False,
       dtype_error=lambda d: RuntimeError(
           "one_hot is only applicable to index tensor of type LongTensor."), **_NN)
def one_hot(tensor, num_classes=-1):
    """An int64 tensor with a trailing dim of `num_classes`: 1 at each index, else 0."""
    check_tensor(tensor, "tensor", "one_hot")
    if tensor._dtype is not _dt.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() and not (is_compiling() and num_classes != -1):
        if R.amin(tensor).item() < 0:
            raise RuntimeError("Class values must be non-negative.")
        top = R.amax(tensor).item()
        if num_classes == -1:
            num_classes = top + 1
        elif top >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    elif num_classes == -1:
        raise RuntimeError("Can not infer total number of classes from empty tensor.")
    classes = C.arange(num_classes, _backend=tensor._backend)
    return V.astype(E.eq(S.unsqueeze(tensor, -1), classes), _dt.int64)


# -- attention -------------------------------------------------------------------------------------
def _repeat_heads(t, r):
    """(..., H, S, E) -> (..., H * r, S, E), each head repeated r times in a row."""
    if r == 1:
        return t
    shape = tuple(t.shape)
    wide = S.expand(S.unsqueeze(t, -3), shape[:-2] + (r,) + shape[-2:])
    return S.reshape(wide, shape[:-3] + (shape[-3] * r,) + shape[-2:])


@defop("scaled_dot_product_attention", "nn", "same", dtypes=FLOATING, differentiable=True, **_NN)
def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(query @ key^T * scale + mask) @ value; a bool mask keeps the True positions,
    a float mask is added, `is_causal` keeps the lower triangle."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        check_tensor(t, name, "scaled_dot_product_attention")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    if enable_gqa:  # each group of query heads shares one key/value head
        key, value = (_repeat_heads(t, query.shape[-3] // t.shape[-3]) for t in (key, value))
    lq, sk, e = query.shape[-2], key.shape[-2], query.shape[-1]
    scale = 1.0 / math.sqrt(e) if scale is None else scale
    scores = E.mul(L.matmul(query, S.transpose(key, -2, -1)), scale)
    if is_causal:
        be = query._backend
        rows = S.reshape(C.arange(lq, _backend=be), (lq, 1))
        attn_mask = E.ge(rows, C.arange(sk, _backend=be))
    if attn_mask is not None:
        if attn_mask._dtype is _dt.bool:
            scores = E.where(attn_mask, scores, float("-inf"))
        else:
            scores = E.add(scores, attn_mask)
    weights = softmax(scores, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return L.matmul(weights, value)
