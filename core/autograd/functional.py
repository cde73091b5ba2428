"""``autograd.functional``: Jacobians, Hessians and vector products of a whole function.

Built on ``autograd.grad`` (reverse mode, one backward pass per output element: PyTorch's
``vectorize=False``). Forward-mode products (``jvp``, ``hvp``) use the double-vjp trick. As in
PyTorch, the results are detached unless ``create_graph=True``, an input the function does not
use gets zeros (an error with ``strict=True``), and tuples in give tuples out.
"""

from .. import tensor as _tensor
from .mode import enable_grad

__all__ = ["jacobian", "hessian", "vjp", "jvp", "vhp", "hvp"]


def _as_tuple(x, arg_name, fn_name):
    """(was it a tuple, the tensors as a tuple), or PyTorch's TypeError for a non-tensor."""
    is_tuple = isinstance(x, (tuple, list))
    xs = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(xs):
        if not isinstance(t, _tensor.Tensor):
            if is_tuple:
                raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                                f"tuple of Tensors but the value at index {i} has type "
                                f"{type(t).__name__}.")
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but the given {arg_name} has type "
                            f"{type(t).__name__}.")
    return is_tuple, xs


def _prepare(inputs, create_graph):
    """Inputs the function is differentiated at: fresh leaves, or (with create_graph) views
    that keep the caller's graph for higher-order use."""
    out = []
    for t in inputs:
        if create_graph and t._rg:
            out.append(t.reshape(t.shape))
        else:
            out.append(t.detach().requires_grad_(True))
    return tuple(out)


def _post(tensors, create_graph):
    return tuple(t if create_graph or t is None else t.detach() for t in tensors)


def _shape(is_tuples, nested):
    """Undo the tuple wrapping of inputs and outputs as PyTorch's ``_tuple_postprocess``."""
    out_tuple, in_tuple = is_tuples
    if not in_tuple:
        nested = tuple(row[0] for row in nested)
    if not out_tuple:
        nested = nested[0]
    return nested


def _independent(what, i):
    """PyTorch's strict-mode error: the `what` (output, jacobian ...) ignores input `i`."""
    return RuntimeError(f"The {what} of the user-provided function is independent of input {i}. "
                        f"This is not allowed in strict mode.")


def _grads(outputs, inputs, grad_outputs, create_graph, strict, what):
    """``autograd.grad`` of the outputs that require grad, unused inputs given zeros."""
    from ..ops.creation import zeros_like
    from . import grad

    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o._rg]
    res = [None] * len(inputs)
    if pairs:
        res = list(grad([o for o, _ in pairs], inputs, [g for _, g in pairs], retain_graph=True,
                        create_graph=create_graph, allow_unused=True))
    for i, r in enumerate(res):
        if r is None:
            if strict:
                raise _independent(what, i)
            res[i] = zeros_like(inputs[i])
    return tuple(res)


def _check_outputs(outputs, strict):
    if strict:
        for i, o in enumerate(outputs):
            if not o._rg:
                raise RuntimeError(f"Output {i} of the user-provided function does not require "
                                   f"gradients. The outputs must be computed in a differentiable "
                                   f"manner from the input when running in strict mode.")


def _vector(v, like, fn_name):
    """`v` (one tensor per entry of `like`, same shapes), or ones for single-element `like`."""
    from ..ops.creation import ones_like

    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function "
                               "returns a single Tensor with a single element.")
        return (ones_like(like[0]),)
    _, vs = _as_tuple(v, "v", fn_name)
    if len(vs) != len(like):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got "
                           f"{len(vs)}.")
    for i, (a, b) in enumerate(zip(vs, like)):
        if a.shape != b.shape:
            raise RuntimeError(f"Entry {i} in v has invalid size: should be {b.shape} but got "
                               f"{a.shape}.")
    return vs


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of `func` at `inputs`: for output i and input j, a tensor of shape
    ``outputs[i].shape + inputs[j].shape``."""
    from ..ops.creation import zeros
    from ..ops.shape import reshape, stack

    if vectorize or strategy != "reverse-mode":
        raise NotImplementedError("ember's jacobian computes one backward pass per output "
                                  "element: use vectorize=False and strategy='reverse-mode'")
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph)
        out_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function",
                                       "jacobian")
        _check_outputs(outputs, strict)
        jac = []
        for i, out in enumerate(outputs):
            flat = reshape(out, (-1,))
            rows = [[] for _ in inputs]
            for j in range(flat.numel()):
                grads = _grads((flat[j],), inputs, (None,), create_graph, False, "")
                for k, g in enumerate(grads):
                    rows[k].append(g)
            if strict and out._rg:
                for k, r in enumerate(rows):
                    if r and not _used(out, inputs[k]):
                        raise RuntimeError(f"Output {i} of the user-provided function is "
                                           f"independent of input {k}. This is not allowed in "
                                           f"strict mode.")
            per_input = []
            for k, x in enumerate(inputs):
                shape = tuple(out.shape) + tuple(x.shape)
                per_input.append(reshape(stack(rows[k]), shape) if rows[k] else
                                 zeros(shape, dtype=x.dtype, _backend=x._backend))
            jac.append(_post(per_input, create_graph))
        return _shape((out_tuple, in_tuple), tuple(jac))


def _used(out, x):
    """Whether `out` depends on `x` (there is a path in the graph)."""
    from .graph import edge

    target = edge(x)[0]
    stack, seen = [out.grad_fn], set()
    while stack:
        n = stack.pop()
        if n is None or n in seen:
            continue
        if n is target:
            return True
        seen.add(n)
        stack.extend(c for c, _ in n.next_functions)
    return False


def _single_element(func, fn_name):
    def f(*inp):
        out = func(*inp)
        if not isinstance(out, _tensor.Tensor):
            raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should "
                               f"contain a single element")
        return out.reshape(())

    return f


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of scalar `func` at `inputs` (for inputs i, j: ``inputs[i].shape +
    inputs[j].shape``)."""
    in_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    single = _single_element(func, "hessian")

    def jac_func(*inp):
        jac = jacobian(single, inp, create_graph=True)
        if strict:
            for i, j in enumerate(jac):
                if not j._rg:
                    raise _independent("jacobian", i)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _shape((in_tuple, in_tuple), res)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the outputs and the vector-Jacobian product."""
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph)
        out_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function",
                                       "vjp")
        _check_outputs(outputs, strict)
        v = _vector(v, outputs, "vjp")
        res = _grads(outputs, inputs, v, create_graph, strict, "output")
        outs = _post(outputs, create_graph)
        res = _post(res, create_graph)
    return (outs if out_tuple else outs[0]), (res if in_tuple else res[0])


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the outputs and the Jacobian-vector product (double-vjp)."""
    from ..ops.creation import zeros_like

    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph)
        v = _vector(v, inputs, "jvp")
        out_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function",
                                       "jvp")
        _check_outputs(outputs, strict)
        dummies = tuple(zeros_like(o).requires_grad_(True) for o in outputs)
        grad_in = _grads(outputs, inputs, dummies, True, strict, "output")
        res = _grads(grad_in, dummies, v, create_graph, strict, "gradient")
        outs = _post(outputs, create_graph)
        res = _post(res, create_graph)
    return (outs if out_tuple else outs[0]), (res if out_tuple else res[0])


def _hessian_product(func, inputs, v, create_graph, strict, fn_name, transpose):
    from ..ops.creation import zeros_like

    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
        inputs = _prepare(inputs, create_graph)
        v = _vector(v, inputs, fn_name)
        out = _single_element(func, fn_name)(*inputs)
        _check_outputs((out,), strict)
        jac = _grads((out,), inputs, (None,), True, strict, "output")
        if transpose:  # v^T H: one more vjp
            res = _grads(jac, inputs, v, create_graph, strict, "jacobian")
        else:  # H v by the double-vjp trick
            dummies = tuple(zeros_like(x).requires_grad_(True) for x in inputs)
            mid = _grads(jac, inputs, dummies, True, strict, "jacobian")
            res = _grads(mid, dummies, v, create_graph, strict, "jacobian")
        (out,) = _post((out,), create_graph)
        res = _post(res, create_graph)
    return out, (res if in_tuple else res[0])


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for scalar `func`."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp", True)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for scalar `func`."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp", False)
