"""Sample entries for the nn ops: activations, softmax, normalisation, dropout, embedding,
losses and attention (see ``ember_conformance.samples``).

The ops that live only in ``ember.nn.functional`` are called there (``call`` and ``code``).
"""

import math

import numpy as np

import ember

from ..entries import FLOAT, INT, AnyValues, E, Entry, S, int64
from ._common import (_functional, _quiet, unary_samples)

inf, nan = float("inf"), float("nan")


def _fixed(t):
    """`t` left out of gradcheck (class weights, running statistics: not differentiated)."""
    t.grad = False
    return t


def _float_errors(m):
    return [E(NotImplementedError, m(3, dtype=ember.int64)).requires(ember.int64),
            E(TypeError, "a")]


# -- activations -----------------------------------------------------------------------------------
def _activation_samples(special, **params):
    """unary_samples, plus one sample per parameter setting in `params` (name -> value)."""
    base = unary_samples(lambda m, *shape, dtype=None: m.away(*shape, dtype=dtype), special)

    def samples(m):
        out = base(m)
        for name, value in params.items():
            out.append(S(m.away(2, 3), **{name: value}).named(f"{name}={value!r}"))
        return out
    return samples


def _leaky_relu_ref(a, negative_slope=0.01, inplace=False):
    return np.where(a > 0, a, a * negative_slope)


def _elu_ref(a, alpha=1.0, inplace=False):
    return np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0)))


def _celu_ref(a, alpha=1.0, inplace=False):
    return np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0) / alpha))


def _selu_ref(a, inplace=False):
    return 1.0507009873554804934193349852946 * _elu_ref(a, 1.6732632423543772848170429916717)


def _normalize_samples(m):
    return [S(m(3, 4)).named("rows"), S(m(3, 4), p=1.0, dim=0).named("p=1 along dim 0"),
            S(m(2, 3, 4), dim=-1).named("3-d, last dim"), S(m(5), dim=0).named("1-d"),
            S(m(2, 0)).named("empty"),
            S(m(2, 3), p=float("inf")).named("p=inf")]


def _normalize_ref(a, p=2.0, dim=1, eps=1e-12):
    return a / np.maximum(np.linalg.norm(a, ord=p, axis=dim, keepdims=True), eps)


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _gelu_ref(a, approximate="none"):
    if approximate == "tanh":
        return 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)))
    return 0.5 * a * (1 + _erf(a / math.sqrt(2)))


def _silu_ref(a, inplace=False):
    return a / (1 + np.exp(-a))


def _softplus_ref(a, beta=1.0, threshold=20.0):
    z = a * beta
    return np.where(z > threshold, a, np.log1p(np.exp(np.minimum(z, threshold))) / beta)


def _hardtanh_ref(a, min_val=-1.0, max_val=1.0, inplace=False):
    return np.clip(a, min_val, max_val)


def _hardtanh_samples(m):
    if m.dtype is ember.uint8:  # PyTorch refuses negative limits on unsigned inputs
        return [S(m(2, 3), 0.0, 1.0).named("2-d"), S(m(), 0.0, 2.0).named("0-d"),
                S(m(0, 2), 0.0, 1.0).named("empty"), S(m(4, 5), 1.0, 2.0).named("bounds")]
    out = [S(m(2, 3)).named("2-d"), S(m()).named("0-d"), S(m(0, 2)).named("empty"),
           S(m(4, 5), -2.0, 2.0).named("bounds")]
    if m.dtype.is_floating_point:
        out.append(S(m.values([-inf, -1.0, 0.5, 1.0, inf, nan])).no_grad().key()
                   .named("special values"))
    return out


# -- softmax ---------------------------------------------------------------------------------------
def _log_softmax_ref(a, dim, dtype=None):
    if a.ndim == 0:
        return np.zeros_like(a)
    if a.shape[dim] == 0:
        return a.copy()
    shifted = a - a.max(axis=dim, keepdims=True)
    with np.errstate(all="ignore"):
        return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))


def _softmax_ref(a, dim, dtype=None):
    return np.exp(_log_softmax_ref(a, dim))


def _softmax_samples(m):
    f64, i64 = ember.float64, ember.int64
    out = [S(m(2, 3), 1).named("2-d"), S(m(2, 3), 0).named("dim 0"),
           S(m(2, 3, 2), -1).named("3-d, last dim"), S(m(), 0).named("0-d"),
           S(m(0, 3), 1).named("empty batch"), S(m(2, 0), 1).named("empty dim"),
           S(m(4, 5), 1).named("larger"),
           S(m.values([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -999.0]]), 1).no_grad().key()
           .named("extreme logits")]
    if m.dtype is not f64:
        out.append(S(m(2, 3), 1, dtype=f64).out(f64).requires(f64).named("dtype=float64"))
    if m.dtype is ember.float32:
        out.append(S(m(2, 3, dtype=i64), 1, dtype=ember.float32).out(ember.float32)
                   .requires(i64).named("integers with dtype="))
    return out


def _softmax_errors(m):
    return [E(IndexError, m(2, 3), 2), E(NotImplementedError, m(3, dtype=ember.int64), 0)
            .requires(ember.int64), E(TypeError, "a", 0)]


# -- normalisation ---------------------------------------------------------------------------------
def _norm_ref(x, dims, eps):
    mu = x.mean(axis=dims, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=dims, keepdims=True)
    return (x - mu) / np.sqrt(var + eps)


def _channel(p, ndim):
    return p.reshape((1, -1) + (1,) * (ndim - 2))


def _layer_norm_ref(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    k = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    out = _norm_ref(x, tuple(range(x.ndim - k, x.ndim)), eps)
    out = out if weight is None else out * weight
    return out if bias is None else out + bias


def _layer_norm_samples(m):
    return [S(m(2, 3), (3,), m(3), m(3)).named("affine"), S(m(2, 3), 3).named("int shape"),
            S(m(2, 2, 3), (2, 3)).named("two dims"), S(m(3, 4), [4], eps=1e-3).named("eps"),
            S(m(4, 8), (8,), m(8), m(8)).named("larger")]


def _group_norm_ref(x, num_groups, weight=None, bias=None, eps=1e-5):
    n = x.shape[0]
    out = _norm_ref(x.reshape(n, num_groups, -1), (2,), eps).reshape(x.shape)
    out = out if weight is None else out * _channel(weight, x.ndim)
    return out if bias is None else out + _channel(bias, x.ndim)


def _group_norm_samples(m):
    return [S(m(2, 4), 2, m(4), m(4)).named("affine"), S(m(2, 4, 2), 4).named("3-d, one each"),
            S(m(1, 4, 2), 1).named("one group"), S(m(3, 6, 2, 2), 3, m(6), m(6)).named("4-d")]


def _batch_norm_ref(x, running_mean, running_var, weight=None, bias=None, training=False,
                    momentum=0.1, eps=1e-5):
    if training:
        out = _norm_ref(x, tuple(i for i in range(x.ndim) if i != 1), eps)
    else:
        out = (x - _channel(running_mean, x.ndim)) / np.sqrt(_channel(running_var, x.ndim) + eps)
    out = out if weight is None else out * _channel(weight, x.ndim)
    return out if bias is None else out + _channel(bias, x.ndim)


def _batch_norm_samples(m):
    stats = lambda c: (_fixed(m(c)), _fixed(m.pos(c)))  # noqa: E731
    return [S(m(4, 3), None, None, m(3), m(3), training=True).named("training, affine"),
            S(m(2, 2, 3), None, None, training=True).named("training, 3-d"),
            S(m(3, 2), *stats(2), m(2), m(2)).named("eval, running statistics"),
            S(m(2, 3, 2, 2), *stats(3), training=False, eps=1e-3).named("eval, 4-d"),
            S(m(3, 4, 2), None, None, m(4), None, True, 0.1, 1e-3).named("training, 3-d, eps")]


def _batch_norm_errors(m):
    return [E(ValueError, m(1, 3), None, None, training=True),
            E(RuntimeError, m(2, 3), None, None, training=False)]


# -- dropout, embedding, one_hot -------------------------------------------------------------------
def _dropout_ref(x, p=0.5, training=True, inplace=False):
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0
    return AnyValues(x.shape)


def _dropout_samples(m):
    return [S(m(2, 3), 0.5, False).named("eval: the input"),
            S(m(2, 3), 0.0).named("p=0"), S(m(2, 3), 1.0).named("p=1: zeros"),
            S(m(4, 5), 0.3).no_grad().named("random mask"),
            S(m(2, 3), training=False).named("training=False")]


def _dropout_errors(m):
    return [E(ValueError, m(2, 3), 1.5), E(ValueError, m(2, 3), -0.1), E(TypeError, "a")]


def _embedding_ref(idx, weight, padding_idx=None, **kw):
    return weight[idx]


def _embedding_samples(m):
    w = m(4, 3)
    return [S(m.index([1, 0, 3]), w).named("1-d indices"),
            S(m.index([[0, 2], [2, 1]]), m(4, 2)).named("2-d indices"),
            # the padding row gets no gradient on purpose: finite differences would disagree
            S(m.index([0, 2, 0]), m(3, 2), padding_idx=0).no_grad().named("padding_idx"),
            S(m.index([1, 2]), m(3, 2), padding_idx=-1).no_grad().named("negative padding_idx"),
            S(m.index(2), m(3, 2)).named("0-d index"),
            S(m.index(np.zeros((0,), np.int64)), m(3, 2)).named("no indices")]


def _embedding_errors(m):
    return [E(RuntimeError, m(2, dtype=ember.float32), m(3, 2)).requires(ember.float32),
            E(IndexError, m.index([0, 3]), m(3, 2)),
            E(AssertionError, m.index([0, 1]), m(3, 2), padding_idx=3)]


def _one_hot_ref(t, num_classes=-1):
    n = int(t.max()) + 1 if num_classes == -1 else num_classes
    return (t[..., None] == np.arange(n)).astype(np.int64)


def _one_hot_samples(m):
    return [S(m.index([0, 2, 1])).named("inferred classes"),
            S(m.index([[0, 1], [3, 2]]), 5).named("2-d, num_classes"),
            S(m.index(1), 3).named("0-d"), S(m.index(np.zeros((0,), np.int64)), 2).named("empty")]


def _one_hot_errors(m):
    return [E(RuntimeError, m(2, dtype=ember.float32)).requires(ember.float32),
            E(RuntimeError, m.index([0, -1])), E(RuntimeError, m.index([0, 3]), 2),
            E(RuntimeError, m.index(np.zeros((0,), np.int64)))]


# -- losses ----------------------------------------------------------------------------------------
def _reduce_ref(loss, reduction):
    if reduction == "mean":
        return np.mean(loss)
    return np.sum(loss) if reduction == "sum" else loss


def _class_last(x):
    return x if x.ndim == 1 else np.moveaxis(x, 1, -1)


def _nll_parts(x, t, weight, ignore_index):
    """(per-sample -x[target] * w[target], per-sample weight), targets ignored giving 0."""
    xm = _class_last(x)
    w = np.ones(xm.shape[-1]) if weight is None else weight
    valid = t != ignore_index
    tc = np.where(valid, t, 0)
    picked = np.take_along_axis(xm, tc[..., None], -1)[..., 0]
    wt = np.where(valid, w[tc], 0.0)
    return -picked * wt, wt


def _nll_ref(x, t, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    loss, wt = _nll_parts(x, t, weight, ignore_index)
    if reduction == "mean":
        with np.errstate(all="ignore"):
            return np.sum(loss) / np.sum(wt)
    return _reduce_ref(loss, reduction)


def _class_samples(m, extreme=False):
    idx = m.index
    out = [S(m(3, 4), idx([0, 3, 1])).named("2-d"),
           S(m(3, 4), idx([0, 3, 1]), reduction="sum").named("sum"),
           S(m(3, 4), idx([0, 3, 1]), reduction="none").named("none"),
           S(m(3, 4), idx([0, 3, 1]), _fixed(m.pos(4))).named("class weights"),
           S(m(3, 4), idx([0, -100, 2])).named("ignored target"),
           S(m(3, 4), idx([0, 1, 1]), ignore_index=1, reduction="none").named("ignore_index"),
           S(m(4), idx(2)).named("1-d input"),
           S(m(2, 3, 2), idx([[0, 1], [2, 0]]), _fixed(m.pos(3))).named("K-dim, weights"),
           S(m(2, 3, 2), idx([[0, 1], [2, 0]]), reduction="none").named("K-dim, none"),
           S(m(2, 3), idx([-100, -100])).no_grad().named("all ignored: nan")]
    if extreme:
        out.append(S(m.values([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]]),
                     idx([1, 2])).key().named("logits at +-1000"))
    return out


def _nll_errors(m):
    return [E(ValueError, m(3, 4), m.index([0, 1])), E(IndexError, m(3, 4), m.index([0, 1, 4])),
            E(RuntimeError, m(3, 4), m(3)), E(ValueError, m(3, 4), m.index([0, 1, 2]),
                                                reduction="bad"),
            E(RuntimeError, m(3, 4), m.index([0, 1, 2]), m.pos(3))]


def _cross_entropy_ref(x, t, weight=None, size_average=None, ignore_index=-100, reduce=None,
                       reduction="mean", label_smoothing=0.0):
    cdim = 0 if x.ndim == 1 else 1
    logp = _log_softmax_ref(x, cdim)
    n = x.shape[cdim]
    w = np.ones(n) if weight is None else weight
    if t.dtype.kind == "f":
        t = t * (1 - label_smoothing) + label_smoothing / n
        return _reduce_ref(-(_class_last(logp) * _class_last(t) * w).sum(-1), reduction)
    nll = _nll_ref(logp, t, weight, ignore_index=ignore_index, reduction=reduction)
    if not label_smoothing:
        return nll
    _, wt = _nll_parts(logp, t, weight, ignore_index)
    smooth = np.where(t != ignore_index, -(_class_last(logp) * w).sum(-1), 0.0)
    if reduction == "mean":
        smooth = smooth.sum() / wt.sum() if weight is not None else \
            smooth.sum() / (t != ignore_index).sum()
    else:
        smooth = _reduce_ref(smooth, reduction)
    return (1 - label_smoothing) * nll + label_smoothing / n * smooth


def _cross_entropy_samples(m):
    probs = lambda *shape: m(*shape, low=0.0, high=1.0)  # noqa: E731
    return _class_samples(m, extreme=True) + [
        S(m(3, 4), m.index([0, 3, 1]), label_smoothing=0.2).named("label smoothing"),
        S(m(3, 4), m.index([0, -100, 1]), _fixed(m.pos(4)), label_smoothing=0.1)
        .named("label smoothing, weights, ignored"),
        S(m(3, 4), m.index([0, 3, 1]), label_smoothing=0.3, reduction="sum")
        .named("label smoothing, sum"),
        S(m(2, 3), probs(2, 3)).named("probabilities"),
        S(m(2, 3), probs(2, 3), _fixed(m.pos(3)), label_smoothing=0.1, reduction="none")
        .named("probabilities, weights, smoothing"),
        S(m(2, 3, 2), probs(2, 3, 2)).named("probabilities, K-dim"),
    ]


def _cross_entropy_errors(m):
    return _nll_errors(m)[:2] + [E(RuntimeError, m(3, 4), m.index([0, 1, 2]),
                                   label_smoothing=1.5),
                                 E(RuntimeError, m(3, 4), m(3))]  # float class indices


def _bce_ref(x, t, weight=None, size_average=None, reduce=None, reduction="mean"):
    with np.errstate(all="ignore"):
        loss = -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log1p(-x), -100))
    loss = loss if weight is None else loss * weight
    return _reduce_ref(loss, reduction)


def _bce_samples(m):
    p = lambda *shape: m(*shape, low=0.05, high=0.95)  # noqa: E731
    return [S(p(2, 3), p(2, 3)).named("2-d"), S(p(4), p(4), reduction="sum").named("sum"),
            S(p(2, 3), p(2, 3), _fixed(m.pos(3)), reduction="none").named("weight, none"),
            S(p(), p()).named("0-d"),
            S(m.values([0.0, 1.0, 0.5, 1.0]), m.values([1.0, 0.0, 0.5, 1.0])).no_grad().key()
            .named("probabilities 0 and 1: log bounded at -100")]


def _bce_errors(m):
    return [E(RuntimeError, m.values([0.5, 1.5]), m.values([0.0, 1.0])),
            E(ValueError, m.values([0.5, 0.5]), m.values([0.0, 1.0, 1.0]))]


def _bce_logits_ref(x, t, weight=None, size_average=None, reduce=None, reduction="mean",
                    pos_weight=None):
    lw = 1.0 if pos_weight is None else 1 + (pos_weight - 1) * t
    loss = (1 - t) * x + lw * np.logaddexp(0, -x)
    loss = loss if weight is None else loss * weight
    return _reduce_ref(loss, reduction)


def _bce_logits_samples(m):
    p = lambda *shape: m(*shape, low=0.0, high=1.0)  # noqa: E731
    return [S(m(2, 3), p(2, 3)).named("2-d"), S(m(4), p(4), reduction="sum").named("sum"),
            S(m(2, 3), p(2, 3), _fixed(m.pos(3)), reduction="none").named("weight"),
            S(m(2, 3), p(2, 3), pos_weight=_fixed(m.pos(3))).named("pos_weight"),
            S(m(), p()).named("0-d"),
            S(m.values([100.0, -100.0, 100.0, -100.0]), m.values([1.0, 0.0, 0.0, 1.0]),
              reduction="none").no_grad().key().named("logits at +-100")]


def _kl_div_ref(x, t, size_average=None, reduce=None, reduction="mean", log_target=False):
    if log_target:
        loss = np.exp(t) * (t - x)
    else:
        with np.errstate(all="ignore"):
            loss = np.where(t > 0, t * np.log(np.where(t > 0, t, 1)), 0.0) - t * x
    if reduction == "batchmean":
        return loss.sum() / (x.shape[0] if x.ndim else 1)
    return _reduce_ref(loss, reduction)


def _kl_div_samples(m):
    return [S(m(2, 3), m.pos(2, 3, low=0.1, high=1.0), reduction="sum").named("sum"),
            S(m(2, 3), m.pos(2, 3, low=0.1, high=1.0), reduction="batchmean").named("batchmean"),
            S(m(2, 3), m(2, 3), reduction="none", log_target=True).named("log_target"),
            S(m(3), m.values([0.0, 0.5, 0.5]), reduction="sum").no_grad()
            .named("zero target: no log(0)")]


def _smooth_l1_ref(x, t, size_average=None, reduce=None, reduction="mean", beta=1.0):
    d = np.abs(x - t)
    loss = d if beta == 0 else np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    return _reduce_ref(loss, reduction)


def _huber_ref(x, t, reduction="mean", delta=1.0, weight=None):
    d = np.abs(x - t)
    return _reduce_ref(np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction)


def _robust_samples(param, values):
    def samples(m):
        out = [S(m(2, 3), m(2, 3)).named("2-d"),
               S(m(4), m(4), reduction="sum").named("sum"),
               S(m(2, 3), m(2, 3), reduction="none").named("none")]
        out += [S(m(2, 3), m(2, 3), **{param: v}).named(f"{param}={v}") for v in values]
        return out
    return samples


def _robust_errors(param, bad):
    return lambda m: [E(RuntimeError, m(3), m(3), **{param: bad}),
                      E(ValueError, m(3), m(3), reduction="bad")]


# -- attention -------------------------------------------------------------------------------------
def _sdpa_ref(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    if is_causal:
        attn_mask = np.tril(np.ones((q.shape[-2], k.shape[-2]), bool))
    if attn_mask is not None:
        s = np.where(attn_mask, s, -inf) if attn_mask.dtype == bool else s + attn_mask
    return _softmax_ref(s, -1) @ v


def _sdpa_samples(m):
    return [S(m(2, 2), m(3, 2), m(3, 2)).named("2-d"),
            S(m(2, 2), m(2, 2), m(2, 2), is_causal=True).named("causal"),
            S(m(2, 2), m(3, 2), m(3, 2), m.mask(2, 3, data=[[1, 0, 1], [1, 1, 0]]))
            .named("bool mask"),
            S(m(2, 2), m(3, 2), m(3, 2), _fixed(m(2, 3)), scale=0.5).named("float mask, scale"),
            S(m(2, 3, 4), m(2, 5, 4), m(2, 5, 3)).named("batched")]


def _sdpa_errors(m):
    return [E(RuntimeError, m(2, 2), m(2, 2), m(2, 2), m.mask(2, 2), is_causal=True),
            E(RuntimeError, m(1, 3, 4), m(1, 3, 5), m(1, 3, 4))]


def _linear_ref(x, w, b=None):
    out = x @ w.T
    return out if b is None else out + b


def _linear_samples(m):
    return [S(m(4, 3), m(5, 3), m(5)).named("with bias"), S(m(4, 3), m(5, 3)).named("no bias"),
            S(m(2, 4, 3), m(5, 3), m(5)).named("3-d input"), S(m(3), m(2, 3), m(2)).named("1-d"),
            S(m(0, 3), m(2, 3), m(2)).named("empty batch"),
            S(m(16, 8), m(6, 8), m(6)).no_grad().named("larger")]


def _linear_errors(m):
    _other = ember.float32 if m.dtype is ember.float64 else ember.float64
    return [E(RuntimeError, m(4, 2), m(5, 3)), E(RuntimeError, m(4, 3), m(5, 3), m(4)),
            E(RuntimeError, m(4, 3), m(5, 3, dtype=_other)).requires(_other),
            E(TypeError, "a", m(5, 3))]


_HALF = {ember.float16: (1e-2, 1e-2), ember.bfloat16: (5e-2, 5e-2)}
_LOSS = dict(tol=_HALF)

ENTRIES = [
    Entry("linear", _linear_samples, _linear_ref, errors=_linear_errors, **_LOSS,
          **_functional("linear")),
    Entry("leaky_relu", _activation_samples([0.0, -inf, inf], negative_slope=0.2),
          _leaky_relu_ref, errors=_float_errors, **_functional("leaky_relu")),
    Entry("elu", _activation_samples([0.0, -inf, inf, -50.0, 50.0], alpha=0.5), _quiet(_elu_ref), errors=_float_errors, **_functional("elu")),
    Entry("celu", _activation_samples([0.0, -inf, inf, -50.0, 50.0], alpha=0.5),
          _quiet(_celu_ref), errors=lambda m: _float_errors(m) + [E(RuntimeError, m(3), 0.0)]),
    Entry("selu", _activation_samples([0.0, -inf, inf, -50.0, 50.0]), _quiet(_selu_ref),
          errors=_float_errors, tol=_HALF),
    Entry("normalize", _normalize_samples, _quiet(_normalize_ref), tol=_HALF,
          errors=lambda m: [E(RuntimeError, m(2, 3, dtype=ember.int64)).requires(ember.int64),
                            E(TypeError, "a")], **_functional("normalize")),
    Entry("gelu", _activation_samples([0.0, -inf, inf, -10.0, 10.0], approximate="tanh"),
          _quiet(_gelu_ref), errors=lambda m: _float_errors(m) + [
              E(RuntimeError, m(3), approximate="erf")], tol=_HALF, **_functional("gelu")),
    Entry("silu", _activation_samples([0.0, -inf, inf, -100.0, 100.0]), _quiet(_silu_ref), errors=_float_errors, tol=_HALF, **_functional("silu")),
    Entry("softplus", _activation_samples([0.0, -inf, inf, -100.0, 100.0, 19.0, 21.0], beta=2.0,
                                          threshold=1.0),
          _quiet(_softplus_ref), errors=_float_errors, tol=_HALF,
          **_functional("softplus")),
    Entry("hardtanh", _hardtanh_samples, _hardtanh_ref,
          errors=lambda m: [E(ValueError, m(3), 1.0, -1.0),
                            E(RuntimeError, m(3, dtype=ember.bool)).requires(ember.bool),
                            E(RuntimeError, m(3, dtype=ember.uint8)).requires(ember.uint8),
                            E(RuntimeError, m(3, dtype=ember.uint8), -1.0, -0.5)
                            .requires(ember.uint8)],
          **_functional("hardtanh")),
    Entry("softmax", _softmax_samples, _softmax_ref, errors=_softmax_errors,
          tol=_HALF),
    Entry("log_softmax", _softmax_samples, _log_softmax_ref, errors=_softmax_errors,
          tol=_HALF),
    Entry("layer_norm", _layer_norm_samples, _layer_norm_ref,
          errors=lambda m: [E(RuntimeError, m(2, 3), (4,)),
                            E(RuntimeError, m(2, 3), (3,), m(4))],
          **_LOSS, **_functional("layer_norm")),
    Entry("group_norm", _group_norm_samples, _group_norm_ref,
          errors=lambda m: [E(RuntimeError, m(2, 3), 2)], **_LOSS, **_functional("group_norm")),
    Entry("batch_norm", _batch_norm_samples, _batch_norm_ref, errors=_batch_norm_errors,
          **_LOSS, **_functional("batch_norm")),
    Entry("dropout", _dropout_samples, _dropout_ref, errors=_dropout_errors, **_LOSS,
          **_functional("dropout")),
    Entry("embedding", _embedding_samples, _embedding_ref, errors=_embedding_errors, **_LOSS,
          **_functional("embedding")),
    Entry("one_hot", _one_hot_samples, _one_hot_ref,
          errors=_one_hot_errors, **_functional("one_hot")),
    Entry("nll_loss", _class_samples, _nll_ref, errors=_nll_errors, **_LOSS,
          **_functional("nll_loss")),
    Entry("cross_entropy", _cross_entropy_samples, _cross_entropy_ref,
          errors=_cross_entropy_errors, **_LOSS, **_functional("cross_entropy")),
    Entry("binary_cross_entropy", _bce_samples, _bce_ref, errors=_bce_errors, **_LOSS,
          **_functional("binary_cross_entropy")),
    Entry("binary_cross_entropy_with_logits", _bce_logits_samples, _bce_logits_ref,
          errors=lambda m: [E(ValueError, m(2), m(3))], **_LOSS,
          **_functional("binary_cross_entropy_with_logits")),
    Entry("kl_div", _kl_div_samples, _kl_div_ref,
          errors=lambda m: [E(ValueError, m(3), m(3), reduction="bad")], **_LOSS,
          **_functional("kl_div")),
    Entry("smooth_l1_loss", _robust_samples("beta", (0.5, 0.0, 2.0)), _smooth_l1_ref,
          errors=_robust_errors("beta", -1.0), **_LOSS, **_functional("smooth_l1_loss")),
    Entry("huber_loss", _robust_samples("delta", (0.5, 2.0)), _huber_ref,
          errors=_robust_errors("delta", 0.0), **_LOSS, **_functional("huber_loss")),
    Entry("scaled_dot_product_attention", _sdpa_samples, _sdpa_ref, errors=_sdpa_errors,
          **_LOSS, **_functional("scaled_dot_product_attention")),
]
