"""Autograd: one graph above all backends; derivatives are written with ember ops."""

from .. import tensor as _tensor
from .engine import run_backward
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import Node
from .mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "Node", "gradcheck", "gradgradcheck", "GradcheckError"]


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


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of `tensors` into the ``.grad`` of the leaves they depend on."""
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors)
    for t in tensors:
        if not t._rg:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a "
                               "grad_fn")
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(tensors, _root_grads(tensors, grad_tensors), retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """The gradients of `outputs` with respect to `inputs`, returned (``.grad`` is untouched)."""
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    for t in outputs:
        if not t._rg:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a "
                               "grad_fn")
    for t in inputs:
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    results = run_backward(outputs, _root_grads(outputs, _as_tuple(grad_outputs)), retain_graph,
                           create_graph, inputs=inputs)
    if not allow_unused and any(r is None for r in results):
        raise RuntimeError("One of the differentiated Tensors appears to not have been used in the "
                           "graph. Set allow_unused=True if this is the desired behavior.")
    return tuple(results)
