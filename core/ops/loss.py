"""Loss ops: nll_loss, cross_entropy, binary cross-entropy (with logits), kl_div, smooth L1 and
Huber losses, and the reduction helpers the nn.functional losses share.

nll_loss and binary_cross_entropy compute their value with ember ops and record their own node:
one node instead of a chain (the fast path of cross_entropy), and a gradient that stays finite
at probabilities 0 and 1. The others are written with ember ops, so autograd flows through them.
"""

import math
import warnings

from . import conversion as V
from . import creation as C
from . import elementwise as E
from . import indexing as I
from . import reduction as R
from . import shape as S
from .._compile import is_compiling
from ._common import _dt, check_tensor, needs_grad, record
from .nn import _NN, _no_grad, log_softmax, softplus
from .registry import FLOATING, defop


# -- losses ----------------------------------------------------------------------------------------
def legacy_reduction(size_average, reduce, reduction):
    """The reduction, from PyTorch's deprecated size_average/reduce arguments when given."""
    if size_average is None and reduce is None:
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"{reduction} is not a valid value for reduction")
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{reduction}' instead.", stacklevel=3)
    return reduction


def reduce_loss(loss, reduction):
    """Mean, sum or none of elementwise `loss`."""
    if reduction == "mean":
        return R.mean(loss)
    if reduction == "sum":
        return R.sum(loss)
    return loss


def weighted_loss(loss, weight, input, reduction, by_weight):
    """Elementwise `loss` times `weight` (of the input's size, as PyTorch requires), reduced;
    with `by_weight`, 'mean' divides by the sum of the weights instead of their count."""
    if weight is None:
        return reduce_loss(loss, reduction)
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = E.mul(loss, weight)
    if reduction == "mean" and by_weight:
        return E.div(R.sum(loss), R.sum(weight))
    return reduce_loss(loss, reduction)


def _class_layout(input, target, fn):
    """Check class-index targets against `input` (C), (N, C) or (N, C, d1, ...); returns the
    class dim."""
    check_tensor(input, "input", fn)
    check_tensor(target, "target", fn)
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if target._dtype not in (_dt.int64, _dt.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{E._dtype_title(target._dtype)}")
    cdim = 0 if input.dim() == 1 else 1
    if input.dim() > 1 and target.dim() >= 1 and input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0]}).")
    want = tuple(s for i, s in enumerate(input.shape) if i != cdim)
    if tuple(target.shape) != want:
        raise RuntimeError(f"Expected target size {list(want)}, got {list(target.shape)}")
    return cdim


def _class_weight(weight, input, cdim):
    """`weight` (C,) viewed to broadcast along the class dim, or None."""
    if weight is None:
        return None
    n = input.shape[cdim]
    if tuple(weight.shape) != (n,):
        raise RuntimeError(f"weight tensor should be defined either for all {n} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    return S.reshape(weight, tuple(n if i == cdim else 1 for i in range(input.dim())))


def _check_targets(target, valid, n):
    """PyTorch's IndexError for a target (other than ignore_index) outside [0, n); the common
    case, every target in range, costs two reductions."""
    if is_compiling() or not target.numel() or (R.amin(target).item() >= 0
                                                 and R.amax(target).item() < n):
        return  # (a compiled step has no values to check while it is traced)
    bad = E.where(valid, E.where(E.lt(target, 0), True, E.ge(target, n)), False)
    if R.amax(bad).item():
        raise IndexError(f"Target {I.getitem(target, bad).tolist()[0]} is out of bounds.")


def _target_mask(input, target, cdim, ignore_index):
    """The bool mask, shaped like `input`, of each sample's target class (none where ignored);
    and the mask of targets that are not ignored."""
    n = input.shape[cdim]
    if target._dtype is not _dt.int64:  # uint8 cannot be compared with ignore_index=-100
        target = V.astype(target, _dt.int64)
    valid = E.ne(target, ignore_index)
    _check_targets(target, valid, n)
    classes = S.reshape(C.arange(n, _backend=input._backend),
                        tuple(n if i == cdim else 1 for i in range(input.dim())))
    hit = E.eq(S.unsqueeze(target, cdim), classes)
    return E.where(S.unsqueeze(valid, cdim), hit, False), valid


def _nll_backward(node, g):
    mask, w, total, reduction, cdim = node.ctx
    if reduction == "none":
        g = S.unsqueeze(g, cdim)
    elif reduction == "mean":
        g = E.div(g, total)
    coef = E.neg(g) if w is None else E.mul(E.neg(g), w)
    return (E.where(mask, coef, 0.0), None)


@defop("nll_loss", "nn", "same", dtypes=FLOATING, grad_fn="NllLossBackward0",
       backward=_nll_backward, **_NN)
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """The negative log-likelihood of each sample's target class, from log-probabilities
    `input`; mean weighted by the targets' class weights, ignoring `ignore_index`."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    cdim = _class_layout(input, target, "nll_loss")
    w = _class_weight(weight, input, cdim)
    with _no_grad():
        mask, valid = _target_mask(input, target, cdim, ignore_index)
        picked = R.sum(E.where(mask, input, 0.0), cdim)
        per = (R.sum(E.where(mask, w, 0.0), cdim) if w is not None
               else V.astype(valid, input._dtype))
        loss = E.neg(picked if w is None else E.mul(picked, per))
        total = None
        if reduction == "mean":
            total = R.sum(per)
            out = E.div(R.sum(loss), total)
        else:
            out = R.sum(loss) if reduction == "sum" else loss
    if needs_grad(input):
        record(nll_loss.op.node, out, (input, None), (),
               (mask, None if w is None else w.detach(), total, reduction, cdim))
    return out


@defop("cross_entropy", "nn", "same", dtypes=FLOATING, differentiable=True, **_NN)
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """log_softmax over the class dim, then nll_loss (class-index targets) or the cross
    entropy with class probabilities (a floating target shaped like the input)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_tensor(input, "input", "cross_entropy")
    check_tensor(target, "target", "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    cdim = 0 if input.dim() == 1 else 1
    logp = log_softmax(input, cdim)
    n = input.shape[cdim] if input.dim() else 1
    if target._dtype.is_floating_point:
        if tuple(target.shape) != tuple(input.shape):  # class indices, of the wrong dtype
            if input.dim() <= 2 and target.dim() > 1:
                raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
            raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                               f"{E._dtype_title(target._dtype)}")
        w = _class_weight(weight, input, cdim)
        if label_smoothing > 0:
            target = E.add(E.mul(target, 1 - label_smoothing), label_smoothing / n)
        prod = E.mul(logp, target)
        loss = E.neg(R.sum(prod if w is None else E.mul(prod, w), cdim))
        return reduce_loss(loss, reduction)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0:
        return nll
    w = _class_weight(weight, input, cdim)
    with _no_grad():
        mask, valid = _target_mask(input, target, cdim, ignore_index)
    smooth = E.neg(R.sum(logp if w is None else E.mul(logp, w), cdim))
    smooth = E.where(valid, smooth, 0.0)
    if reduction == "sum":
        smooth = R.sum(smooth)
    elif reduction == "mean":
        per = V.astype(valid, input._dtype) if w is None else E.where(mask, w.detach(), 0.0)
        smooth = E.div(R.sum(smooth), R.sum(per))
    return E.add(E.mul(nll, 1 - label_smoothing), E.mul(smooth, label_smoothing / n))


def _same_size(input, target, fn):
    check_tensor(input, "input", fn)
    check_tensor(target, "target", fn)


def _broadcast_grad(g, reduction, like):
    """The gradient of a reduced loss, spread back over the elementwise loss's shape."""
    if reduction == "none":
        return g
    if reduction == "mean":
        g = E.div(g, like.numel())
    return S.expand(g, tuple(like.shape))


def _clamped_log(x):
    """log(x), at least -100 (PyTorch's binary_cross_entropy bound)."""
    lg = E.log(x)
    return E.where(E.lt(lg, -100.0), -100.0, lg)


def _bce_backward(node, g):
    x, t = node.saved_tensors[:2]
    w = node.saved_tensors[2] if len(node.saved_tensors) == 3 else None
    (reduction,) = node.ctx
    g = _broadcast_grad(g, reduction, x)
    if w is not None:
        g = E.mul(g, w)
    nx, nt = node.needs_input_grad[:2]
    gx = gt = None
    if nx:
        denom = E.mul(E.sub(1, x), x)
        gx = E.div(E.mul(g, E.sub(x, t)), E.where(E.lt(denom, 1e-12), 1e-12, denom))
    if nt:
        gt = E.mul(g, E.sub(_clamped_log(E.sub(1, x)), _clamped_log(x)))
    return (gx, gt, None)


@defop("binary_cross_entropy", "nn", "same", dtypes=FLOATING, grad_fn="BinaryCrossEntropyBackward0",
       backward=_bce_backward, **_NN)
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-(t log x + (1 - t) log(1 - x)) for probabilities x, each log at least -100."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _same_size(input, target, "binary_cross_entropy")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         f"size.")
    with _no_grad():
        if input.numel() and not is_compiling() and (R.amin(input).item() < 0
                                                     or R.amax(input).item() > 1):
            raise RuntimeError("all elements of input should be between 0 and 1")
        loss = E.neg(E.add(E.mul(target, _clamped_log(input)),
                           E.mul(E.sub(1, target), _clamped_log(E.sub(1, input)))))
        if weight is not None:
            loss = E.mul(loss, weight)
        out = reduce_loss(loss, reduction)
    if needs_grad(input, target):
        saved = (input, target) + (() if weight is None else (S.expand(weight.detach(),
                                                                       tuple(input.shape)),))
        record(binary_cross_entropy.op.node, out, (input, target, None), saved, (reduction,))
    return out


@defop("binary_cross_entropy_with_logits", "nn", "same", dtypes=FLOATING, differentiable=True,
       **_NN)
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Binary cross entropy of sigmoid(input), computed from the logits without overflow:
    (1 - t) x + (1 + (pos_weight - 1) t) softplus(-x)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _same_size(input, target, "binary_cross_entropy_with_logits")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    sp = softplus(E.neg(input))
    if pos_weight is not None:
        sp = E.mul(sp, E.add(E.mul(E.sub(pos_weight, 1), target), 1))
    loss = E.add(E.mul(E.sub(1, target), input), sp)
    if weight is not None:
        loss = E.mul(loss, weight)
    return reduce_loss(loss, reduction)


@defop("kl_div", "nn", "promote", dtypes=FLOATING, differentiable=True, **_NN)
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """target * (log(target) - input), with `input` log-probabilities (and `target` too when
    `log_target`); 'batchmean' divides the sum by the batch size."""
    _same_size(input, target, "kl_div")
    if reduction == "batchmean":
        if size_average is not None or reduce is not None:
            reduction = legacy_reduction(size_average, reduce, "mean")
    else:
        reduction = legacy_reduction(size_average, reduce, reduction)
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    if log_target:
        loss = E.mul(E.exp(target), E.sub(target, input))
    else:  # xlogy(t, t) - t * input, 0 where t == 0
        pos = E.gt(target, 0)
        safe = E.where(pos, target, 1.0)
        loss = E.sub(E.where(pos, E.mul(target, E.log(safe)), 0.0), E.mul(target, input))
    if reduction == "batchmean":
        return E.div(R.sum(loss), input.shape[0] if input.dim() else 1)
    return reduce_loss(loss, reduction)


@defop("smooth_l1_loss", "nn", "promote", dtypes=FLOATING, differentiable=True, **_NN)
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where d = |input - target| < beta, else d - 0.5 beta."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _same_size(input, target, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = E.abs(E.sub(input, target))
    if beta == 0:
        return reduce_loss(d, reduction)
    loss = E.where(E.lt(d, beta), E.mul(E.mul(d, d), 0.5 / beta), E.sub(d, 0.5 * beta))
    return reduce_loss(loss, reduction)


@defop("huber_loss", "nn", "promote", dtypes=FLOATING, differentiable=True, **_NN)
def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where d = |input - target| < delta, else delta (d - 0.5 delta)."""
    _same_size(input, target, "huber_loss")
    reduction = legacy_reduction(None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = E.abs(E.sub(input, target))
    loss = E.where(E.lt(d, delta), E.mul(E.mul(d, d), 0.5), E.mul(E.sub(d, 0.5 * delta), delta))
    return weighted_loss(loss, weight, input, reduction, by_weight=False)

