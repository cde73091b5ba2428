"""``nn.utils``: gradient clipping and parameter vectors."""

import math

from ..autograd.mode import no_grad
from ..ops import creation, shape
from ..ops.linalg import vector_norm
from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _as_list(parameters):
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients of `parameters` in place so that their joint `norm_type`-norm is at
    most `max_norm`; returns the norm they had before (a 0-d tensor)."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not grads:
        return creation.tensor(0.0)
    with no_grad():
        norms = shape.stack([vector_norm(g, norm_type).to(grads[0].dtype) for g in grads])
        total = vector_norm(norms, norm_type)
        if error_if_nonfinite and not math.isfinite(total.item()):
            raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                               "`parameters` is non-finite, so it cannot be clipped. To disable "
                               "this error and scale the gradients by the non-finite norm anyway, "
                               "set `error_if_nonfinite=False`")
        coef = (max_norm / (total + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef.to(g.dtype))
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient of `parameters` into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    with no_grad():
        for p in _as_list(parameters):
            g = p.grad
            if g is None:
                continue
            g.clamp_(-clip_value, clip_value)


def _check_tensor(x):
    if not isinstance(x, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(x).__name__}")


def parameters_to_vector(parameters):
    """All of `parameters` flattened into one 1-d tensor (differentiable)."""
    flat = []
    for p in parameters:
        _check_tensor(p)
        flat.append(p.reshape(-1))
    return shape.cat(flat)


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-d tensor `vec` into `parameters` (their ``.data``)."""
    _check_tensor(vec)
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.dim() != 1 or vec.numel() != total:
        raise RuntimeError(f"vector_to_parameters: expected a 1-d vector of {total} elements (the "
                           f"parameters' total), got shape {list(vec.shape)}")
    start = 0
    for p in params:
        _check_tensor(p)
        n = p.numel()
        p.data = vec[start:start + n].reshape(p.shape).detach()
        start += n
