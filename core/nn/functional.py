"""``nn.functional``: the layers as functions, written with ember ops."""

import warnings

from .. import ops
from ..ops.conv import *  # noqa: F401,F403 - convolutions and pooling are registry ops
from ..ops.nn import *  # noqa: F401,F403 - and so are activations, normalisation and losses

_E, _R, _S, _L = ops.elementwise, ops.reduction, ops.shape, ops.linalg


def linear(input, weight, bias=None):
    """input @ weight.T + bias."""
    out = _L.matmul(input, _S.transpose(weight, 0, 1))
    return out if bias is None else _E.add(out, bias)


def relu(input, inplace=False):
    return input.relu_() if inplace else _E.relu(input)


def sigmoid(input):
    return _E.sigmoid(input)


def tanh(input):
    return _E.tanh(input)


def _reduce(loss, reduction):
    if reduction == "mean":
        return _R.mean(loss)
    if reduction == "sum":
        return _R.sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _check_sizes(input, target, name):
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      f"broadcasting. Please ensure they have the same size.", stacklevel=3)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean squared error between `input` and `target`."""
    _check_sizes(input, target, "mse_loss")
    diff = _E.sub(input, target)
    return _reduce(_E.mul(diff, diff), reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean absolute error between `input` and `target`."""
    _check_sizes(input, target, "l1_loss")
    return _reduce(_E.abs(_E.sub(input, target)), reduction)
