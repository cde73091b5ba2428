"""gradcheck and gradgradcheck: derivatives checked against central finite differences.

As ``torch.autograd.gradcheck``: the analytical Jacobian, built row by row with
``ember.autograd.grad``, must match the numerical one within ``atol + rtol * |numerical|``.
Inputs are perturbed by making new tensors from NumPy copies (never by writing into arrays), so
the check runs unchanged on immutable backends such as JAX.
"""

import warnings

import numpy as np

from .. import dtypes as _dt
from .. import tensor as _tensor
from .graph import grad_mode

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """A derivative disagrees with finite differences (or breaks another gradcheck rule)."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _is_float(t):
    return t._dtype.is_floating_point or t._dtype.is_complex


def _new_tensor(values, like, requires_grad):
    """A leaf on `like`'s backend and dtype holding the NumPy array `values`."""
    from ..ops.creation import tensor

    return tensor(values, dtype=like._dtype, requires_grad=requires_grad, _backend=like._backend)


def _host(t):
    """A float64 NumPy copy of tensor `t`'s values."""
    return np.array(t.detach().numpy(), dtype=np.float64, copy=True)


def _tensor_outputs(out):
    outs = _as_tuple(out)
    for i, o in enumerate(outs):
        if not isinstance(o, _tensor.Tensor):
            raise GradcheckError(f"gradcheck expects func to return Tensors, but output {i} is "
                                 f"a {type(o).__name__}")
    return outs


def _fail(msg, raise_exception):
    if raise_exception:
        raise GradcheckError(msg)
    return False


def _check_inputs(inputs):
    tensors = [(i, x) for i, x in enumerate(inputs) if isinstance(x, _tensor.Tensor) and x._rg]
    if not tensors:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    for i, x in tensors:
        if x._dtype.is_complex:
            raise NotImplementedError(f"gradcheck: input #{i} is complex; ember's gradcheck "
                                      f"checks real-valued inputs only")
        if x._dtype is not _dt.float64:
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          f"point or complex. This check will likely fail if all the inputs are "
                          f"not of double precision floating point or complex. ", stacklevel=3)
    return [i for i, _ in tensors]


def _numerical_jacobians(func, inputs, diff_idx, eps):
    """``jac[i][o]``: the (numel of input i, numel of output o) finite-difference Jacobian."""
    base = [_host(inputs[i]) for i in diff_idx]
    jac = []
    for pos, i in enumerate(diff_idx):
        x = inputs[i]
        flat = base[pos].reshape(-1)
        native = x.detach().numpy().dtype
        cols = None
        for k in range(flat.size):
            values = []
            for step in (eps, -eps):
                moved = flat.copy()
                moved[k] += step
                args = list(inputs)
                args[i] = _new_tensor(moved.reshape(base[pos].shape).astype(native), x, x._rg)
                values.append([_host(o).reshape(-1) for o in _tensor_outputs(func(*args))])
            diffs = [(p - m) / (2 * eps) for p, m in zip(*values)]
            if cols is None:
                cols = [np.zeros((flat.size, d.size)) for d in diffs]
            for o, d in enumerate(diffs):
                cols[o][k] = d
        if cols is None:  # an empty input: nothing to perturb
            cols = [np.zeros((0, o.numel())) for o in _tensor_outputs(func(*inputs))]
        jac.append(cols)
    return jac


def _analytical_jacobians(outputs, inputs, diff_idx, raise_exception, check_grad_dtypes):
    """``jac[i][o]`` from ``autograd.grad``, one row per output element; None on a bad grad."""
    from . import grad as autograd_grad

    diff_inputs = [inputs[i] for i in diff_idx]
    jac = [[np.zeros((x.numel(), o.numel())) for o in outputs] for x in diff_inputs]
    for o_pos, out in enumerate(outputs):
        if not out._rg:
            continue
        n = out.numel()
        for j in range(n):
            one_hot = np.zeros(n)
            one_hot[j] = 1.0
            g = _new_tensor(one_hot.reshape(out.shape).astype(out.detach().numpy().dtype), out,
                            False)
            grads = autograd_grad(out, diff_inputs, grad_outputs=g, retain_graph=True,
                                  allow_unused=True)
            for pos, (x, gx) in enumerate(zip(diff_inputs, grads)):
                if gx is None:
                    continue
                if tuple(gx.shape) != tuple(x.shape):
                    _fail(f"Gradient has shape mismatch for input #{diff_idx[pos]}: got "
                          f"{list(gx.shape)}, but the input has shape {list(x.shape)}",
                          raise_exception)
                    return None
                if check_grad_dtypes and gx._dtype is not x._dtype:
                    _fail(f"Gradient has dtype mismatch for input #{diff_idx[pos]}: got "
                          f"{gx._dtype}, but the input has dtype {x._dtype}", raise_exception)
                    return None
                jac[pos][o_pos][:, j] = _host(gx).reshape(-1)
    return jac


def _check_undefined_grad(outputs, inputs, diff_idx, raise_exception):
    """A backward given an all-zero output gradient must give zero (or no) input gradients."""
    from . import grad as autograd_grad

    outs = [o for o in outputs if o._rg]
    zeros = [_new_tensor(np.zeros(o.shape), o, False) for o in outs]
    grads = autograd_grad(outs, [inputs[i] for i in diff_idx], grad_outputs=zeros,
                          retain_graph=True, allow_unused=True)
    for i, g in zip(diff_idx, grads):
        # nan is allowed: zeros stand in for PyTorch's undefined grads, and 0 / 0 gives nan
        if g is not None and np.any(np.nan_to_num(_host(g), nan=0.0) != 0):
            return _fail(f"Expected backward function to handle undefined (all-zero) output "
                         f"grads: input #{i} got a nonzero gradient {_host(g)}", raise_exception)
    return True


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False, check_forward_ad=False,
              check_backward_ad=True, fast_mode=False, masked=None):
    """Check the gradients of `func` at `inputs` against central finite differences.

    `inputs` is a tensor or a tuple passed as ``func(*inputs)``; the tensors among them with
    ``requires_grad=True`` (float64, or a warning) are differentiated. Returns True, or raises
    ``GradcheckError`` showing both Jacobians (returns False with ``raise_exception=False``).
    ``fast_mode`` is accepted and computes the full Jacobians, like the slow mode.
    """
    if check_batched_grad or check_batched_forward_grad or check_forward_ad or masked:
        raise NotImplementedError("ember's gradcheck supports backward-mode checks only "
                                  "(check_batched_grad, forward AD and masked are not available)")
    inputs = _as_tuple(inputs)
    diff_idx = _check_inputs(inputs)
    if not check_backward_ad:
        return True
    outputs = _tensor_outputs(func(*inputs))
    for i, o in enumerate(outputs):
        if o._dtype.is_complex:
            raise NotImplementedError(f"gradcheck: output {i} is complex; ember's gradcheck "
                                      f"checks real-valued outputs only")
    float_outs = [o for o in outputs if _is_float(o)]
    if not float_outs:
        return _fail("gradcheck expects func to return at least one floating-point tensor",
                     raise_exception)

    with grad_mode_enabled():
        numerical = _numerical_jacobians(lambda *a: [o for o in _tensor_outputs(func(*a))
                                                     if _is_float(o)], inputs, diff_idx, eps)
        analytical = _analytical_jacobians(float_outs, inputs, diff_idx, raise_exception,
                                           check_grad_dtypes)
    if analytical is None:
        return False
    for pos, i in enumerate(diff_idx):
        for o, out in enumerate(float_outs):
            n, a = numerical[pos][o], analytical[pos][o]
            if not out._rg:
                if np.any(n != 0):
                    return _fail(f"Numerical gradient for function expected to be zero: output "
                                 f"{o} does not require grad, but changes with input #{i}:\n"
                                 f"numerical:{n}\n", raise_exception)
                continue
            if n.shape != a.shape or not np.allclose(a, n, rtol=rtol, atol=atol):
                return _fail(f"Jacobian mismatch for output {o} with respect to input {i},\n"
                             f"numerical:{n}\nanalytical:{a}\n", raise_exception)

    with grad_mode_enabled():
        again = _analytical_jacobians(float_outs, inputs, diff_idx, raise_exception,
                                      check_grad_dtypes)
    if again is None:
        return False
    for pos, i in enumerate(diff_idx):
        for o in range(len(float_outs)):
            if np.any(np.abs(again[pos][o] - analytical[pos][o]) > nondet_tol):
                return _fail(f"Backward is not reentrant, i.e., running backward with same input "
                             f"and grad_output multiple times gives different values, although "
                             f"analytical gradient matches numerical gradient. The tolerance for "
                             f"nondeterminism was {nondet_tol}.", raise_exception)

    if check_undefined_grad and any(o._rg for o in float_outs):
        with grad_mode_enabled():
            if not _check_undefined_grad(float_outs, inputs, diff_idx, raise_exception):
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Check the second derivatives of `func`: gradcheck of ``(inputs, grad_outputs) ->
    autograd.grad(func(inputs), inputs, grad_outputs, create_graph=True)``.

    Without `grad_outputs`, random float64 ones (fixed seed, ``requires_grad=True``) are used, so
    the gradients with respect to them are checked too.
    """
    if check_fwd_over_rev or check_batched_grad or masked:
        raise NotImplementedError("ember's gradgradcheck supports reverse-over-reverse checks "
                                  "only")
    if not check_rev_over_rev:
        return True
    inputs = _as_tuple(inputs)
    diff_idx = _check_inputs(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        outs = [o for o in _tensor_outputs(func(*inputs)) if o._rg]
        grad_outputs = tuple(_new_tensor(np.asarray(rng.uniform(-1, 1, tuple(o.shape))), o, True)
                             for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_derivative(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = [o for o in _tensor_outputs(func(*ins)) if o._rg]
        if not outs:
            raise GradcheckError("gradgradcheck: no output of func requires grad")
        from . import grad as autograd_grad

        grads = autograd_grad(outs, [ins[i] for i in diff_idx], grad_outputs=list(gos),
                              create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivative, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, fast_mode=fast_mode)


class grad_mode_enabled:
    """Turn recording on for the duration of a check (the caller may be under no_grad)."""

    def __enter__(self):
        self._prev = grad_mode.enabled
        grad_mode.enabled = True

    def __exit__(self, *exc):
        grad_mode.enabled = self._prev
        return False
