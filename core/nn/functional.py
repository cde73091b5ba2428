"""``nn.functional``: the layers as functions, written with ember ops."""

import warnings

from .. import ops
from ..ops.loss import legacy_reduction as _legacy_reduction
from ..ops.loss import weighted_loss as _weighted_loss
from ..ops.nn import log_softmax as _log_softmax
from ..ops.nn import softmax as _softmax
from ..ops.resample import upsample, upsample_bilinear, upsample_nearest  # noqa: F401

_E = ops.elementwise

# the registry ops exported to nn.functional (convolution, pooling, activations, normalisation,
# losses...: each declares it); the functions below add nn.functional's own signatures
ops.bind_namespace("nn.functional", globals())


def relu(input, inplace=False):
    return input.relu_() if inplace else _E.relu(input)


def sigmoid(input):
    return _E.sigmoid(input)


def tanh(input):
    return _E.tanh(input)


def _softmax_dim(dim, ndim, name, stacklevel):
    """`dim`, or PyTorch's deprecated implicit choice (with its warning) when None."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  f"include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """softmax along `dim` (``ember.softmax`` with nn.functional's signature)."""
    return _softmax(input, _softmax_dim(dim, input.dim(), "softmax", _stacklevel), dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log_softmax along `dim` (``ember.log_softmax`` with nn.functional's signature)."""
    return _log_softmax(input, _softmax_dim(dim, input.dim(), "log_softmax", _stacklevel),
                        dtype=dtype)


def _check_sizes(input, target, name):
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      f"broadcasting. Please ensure they have the same size.", stacklevel=3)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error between `input` and `target`; with `weight`, each term is weighted
    and 'mean' divides by the weights' sum."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_sizes(input, target, "mse_loss")
    diff = _E.sub(input, target)
    return _weighted_loss(_E.mul(diff, diff), weight, input, reduction, by_weight=True)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error between `input` and `target`; with `weight`, each term is weighted
    and 'mean' divides by the weights' sum."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_sizes(input, target, "l1_loss")
    return _weighted_loss(_E.abs(_E.sub(input, target)), weight, input, reduction, by_weight=True)


def __getattr__(name):
    """Functions that live beside their modules (``bilinear`` with ``nn.Bilinear``, the attention
    forward with ``nn.MultiheadAttention``): imported on first use, as those modules import this
    one."""
    if name == "bilinear":
        from .modules.linear import bilinear

        return bilinear
    if name == "multi_head_attention_forward":
        from .modules.transformer import multi_head_attention_forward

        return multi_head_attention_forward
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
