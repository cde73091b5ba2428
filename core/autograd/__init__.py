"""Autograd: one graph above all backends; derivatives are written with ember ops."""

from .. import tensor as _tensor
from .engine import run_backward
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import Node
from .mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                   no_grad, set_grad_enabled)
from .function import Function, FunctionCtx
from . import functional  # noqa: E402

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "is_inference_mode_enabled", "Node", "Function", "FunctionCtx",
           "functional", "gradcheck", "gradgradcheck", "GradcheckError"]


def _as_tuple(x):
    if x is None:
        return None
    return (x,) if isinstance(x, _tensor.Tensor) else tuple(x)


def _root_grads(tensors, grad_tensors):
    from .. import ops

    grads = []
    for i, t in enumerate(tensors):
        g = grad_tensors[i] if grad_tensors is not None else None
        if g is None:
            if t.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = ops.creation.ones_like(t)
        elif not isinstance(g, _tensor.Tensor):
            g = ops.creation.full(t.shape, g, dtype=t.dtype, _backend=t._backend)
        elif tuple(g.shape) != tuple(t.shape):
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                               f"output[{i}] has a shape of {t.shape}.")
        grads.append(g)
    return grads


def _check_outputs(tensors):
    for i, t in enumerate(tensors):
        if not t._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a "
                               f"grad_fn")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of `tensors` into the ``.grad`` of the leaves they depend on (only
    into those of `inputs`, when given)."""
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors)
    inputs = _as_tuple(inputs)
    if inputs is not None and not inputs:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    _check_outputs(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(tensors, _root_grads(tensors, grad_tensors), retain_graph, create_graph,
                 inputs=inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, returned (``.grad`` is untouched).

    An input the outputs do not depend on is an error, unless `allow_unused` (its gradient is
    then None, or zeros with `materialize_grads`)."""
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    _check_outputs(outputs)
    for t in inputs:
        if not isinstance(t, _tensor.Tensor):
            raise TypeError(f"grad(): inputs must be Tensors, got {type(t).__name__}")
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    results = run_backward(outputs, _root_grads(outputs, _as_tuple(grad_outputs)), retain_graph,
                           create_graph, inputs=inputs, accumulate=False)
    for i, r in enumerate(results):
        if r is None:
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   f"been used in the graph. Set allow_unused=True if this is "
                                   f"the desired behavior.")
            if materialize_grads:
                from ..ops.creation import zeros_like

                results[i] = zeros_like(inputs[i])
    return tuple(results)
