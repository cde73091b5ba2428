"""PyTorch as a second oracle (``--ember-oracle=torch``).

The suite's own reference is a float64 NumPy function and a dtype rule written by hand; the
oracle runs each sample through PyTorch too, the op found by the name ember exports it under
(``ember.nn.functional.gelu`` -> ``torch.nn.functional.gelu``, a method by its name), and
compares, inside the existing checks: values (forward), result dtypes (dtype), gradients of a
fixed weighted sum of the outputs (grad) and the exception type of each error sample (errors).

A disagreement fails the check unless ``differences.DIFFERENCES`` lists it with a reason
(keys as for expected failures: ``op``, ``op[check]``, ``op[check-dtype]``): the check is then
reported as an expected failure with that reason, and an entry that no longer differs anywhere
is reported as stale. PyTorch is never imported unless the option asks for it.
"""

import importlib
import re

import numpy as np

import ember

from . import differences
from .entries import A, AnyValues, T

ACTIVE = False  # set by the plugin from --ember-oracle; read in every process (xdist workers too)
CHECKED = ("forward", "dtype", "grad", "errors")  # the checks the oracle adds to

_NAMED = re.compile(r"^ember\.([\w.]+)(\(|$)")
_METHOD = re.compile(r"^\{0\}\.(\w+)\(")
# ops whose sample entry calls them through a statement: the PyTorch form of the same statement
_SPECIAL = {
    "setitem": lambda torch: _setitem,
    "astype": lambda torch: lambda x, dtype: x.to(dtype),
    "assign": lambda torch: lambda dst, src: dst.copy_(src),
    "to_numpy": lambda torch: lambda x: x.numpy(),
}


# PyTorch's F.max_pool*d dispatch on return_indices and so take it by keyword only (and
# torch.max_pool*d not at all), although their documented signatures list it seventh; ember's
# samples pass it positionally, so the oracle passes it to PyTorch by keyword
_FLAGS_BY_KEYWORD = {"max_pool1d", "max_pool2d", "max_pool3d"}


def _positional_flags(fn):
    """`fn` with a 7th positional argument (return_indices) passed by keyword."""
    def call(x, *args, **kwargs):
        if len(args) >= 6:
            kwargs["return_indices"], args = args[5], args[:5] + args[6:]
        return fn(x, *args, **kwargs)
    return call


class NoCounterpart(Exception):
    """The op has no PyTorch function, method or statement to compare with."""


def _setitem(x, index, value):
    out = x.clone()
    out[index] = value
    return out


def torch_module():
    return importlib.import_module("torch")


def available():
    """None if PyTorch can be imported, else why not."""
    try:
        torch_module()
    except ImportError as exc:
        return f"PyTorch is not installed ({exc})"
    return None


def _resolve(qualname):
    """``ember.a.b.f`` -> ``torch.a.b.f``."""
    path, _, attr = qualname.rpartition(".")
    try:
        module = importlib.import_module("torch" + path[len("ember"):])
        return getattr(module, attr)
    except (ImportError, AttributeError):
        raise NoCounterpart(f"PyTorch has no {'torch' + qualname[len('ember'):]}") from None


def torch_callable(entry, op):
    """The PyTorch callable that does what the entry's call of `op` does."""
    torch = torch_module()
    if op.name in _SPECIAL:
        return _SPECIAL[op.name](torch)
    if entry.code is not None:
        m = _NAMED.match(entry.code)
        method = _METHOD.match(entry.code)
        if m is None and method is not None and hasattr(torch.Tensor, method.group(1)):
            return lambda x, *a, name=method.group(1), **k: getattr(x, name)(*a, **k)
        if m is None:
            raise NoCounterpart(f"the sample calls {entry.code!r}, which has no PyTorch form")
        return _resolve("ember." + m.group(1))
    if op.method == "__getitem__":
        return lambda x, index: x[index]
    if op.function:
        try:
            fn = _resolve(op.qualname)
        except NoCounterpart:
            if not op.method or not hasattr(torch.Tensor, op.method):
                raise
        else:
            if op.name in _FLAGS_BY_KEYWORD:  # torch.max_pool2d has no return_indices
                return _positional_flags(_resolve("ember.nn.functional." + op.name))
            return fn
    if not hasattr(torch.Tensor, op.method):
        raise NoCounterpart(f"torch.Tensor has no method {op.method!r}")
    return lambda x, *a, **k: getattr(x, op.method)(*a, **k)


def torch_dtype(d):
    return getattr(torch_module(), d.name)


def to_torch(value, leaves=None):
    """A sample argument for PyTorch: each T a new torch tensor, each ember dtype PyTorch's.
    With `leaves` ({id(T): tensor}), those T are given tensors (the gradient's inputs)."""
    torch = torch_module()
    if isinstance(value, T):
        if leaves is not None and id(value) in leaves:
            return leaves[id(value)]
        x = _laid_out(torch, value)
        if value.requires_grad:
            x.requires_grad_(True)
        return x
    if isinstance(value, A):
        return value.array()
    if isinstance(value, ember.dtype):
        return torch_dtype(value)
    if isinstance(value, tuple):
        return tuple(to_torch(v, leaves) for v in value)
    if isinstance(value, list):
        return [to_torch(v, leaves) for v in value]
    if isinstance(value, dict):
        return {k: to_torch(v, leaves) for k, v in value.items()}
    return value


def _laid_out(torch, t):
    """A torch tensor of T `t` in the layout the suite gives ember's (checks.tensor_of):
    expanded, stepped or transposed inputs are views in PyTorch too."""
    def dense(a):  # torch.tensor keeps a NumPy view's strides: copy into C order first
        return torch.tensor(np.array(a, order="C"), dtype=torch_dtype(t.dtype))  # 0-d stays 0-d

    vals = np.asarray(t.values)
    layout = getattr(t, "layout", None)
    if layout == "expanded":
        return dense(vals[:1]).expand(*vals.shape)
    if layout == "stepped":
        return dense(np.repeat(vals, 2, axis=-1))[..., ::2]
    if layout == "transposed" and vals.ndim >= 2:
        return dense(np.swapaxes(vals, -1, -2)).transpose(-1, -2)
    return dense(vals)


def call(ctx, sample, leaves=None):
    """The result of the sample in PyTorch."""
    fn = torch_callable(ctx.entry, ctx.op)
    return fn(*to_torch(sample.args, leaves), **to_torch(sample.kwargs, leaves))


def host(x):
    """A PyTorch result as NumPy (floats as float64, complex as complex128) or a plain value."""
    torch = torch_module()
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.is_complex():
            x = x.to(torch.complex128)
        elif x.is_floating_point():
            x = x.to(torch.float64)
        return x.resolve_conj().resolve_neg().numpy()
    return x


def _outputs(result):
    torch = torch_module()
    if isinstance(result, (tuple, list)) and not isinstance(result, torch.Size):
        return list(result)
    return [result]


def _dtype_name(x):
    torch = torch_module()
    if isinstance(x, torch.Tensor):
        return str(x.dtype).removeprefix("torch.")
    if isinstance(x, ember.Tensor):
        return x.dtype.name
    return None


# -- the hooks the checks call ----------------------------------------------------------------------
def _note(ctx, i, sample, problem, **kw):
    ctx.oracle_problems.append((i, sample, f"PyTorch disagrees: {problem}", kw))


def _counterpart(ctx, i, sample, fn):
    """Run fn() and note a missing counterpart or a PyTorch crash as a disagreement."""
    try:
        return True, fn()
    except NoCounterpart as exc:
        _note(ctx, i, sample, str(exc))
    except Exception as exc:  # noqa: BLE001 - PyTorch refusing what ember accepts is a difference
        _note(ctx, i, sample, f"PyTorch raised {type(exc).__name__}: {str(exc)[:300]}")
    return False, None


def forward(ctx, i, sample, result, reference):
    """Values of ember's `result` against PyTorch's, within twice the check's tolerance
    (both sides round)."""
    from .checks import compare, tolerance

    ok, got = _counterpart(ctx, i, sample, lambda: call(ctx, sample))
    if not ok:
        return
    mine, theirs = _outputs(result), _outputs(got)
    if len(mine) != len(theirs):
        _note(ctx, i, sample, f"PyTorch returns {len(theirs)} outputs, ember {len(mine)}")
        return
    for k, (a, b) in enumerate(zip(mine, theirs)):
        label = f"output {k}: " if len(mine) > 1 else ""
        if isinstance(reference, AnyValues) or not isinstance(a, ember.Tensor):
            if isinstance(a, ember.Tensor):
                if list(a.shape) != list(b.shape):
                    _note(ctx, i, sample, f"{label}shape {list(a.shape)}, PyTorch's "
                                          f"{list(b.shape)}")
            elif not isinstance(a, np.ndarray) and a != b:
                _note(ctx, i, sample, f"{label}{a!r}, PyTorch gives {b!r}")
            continue
        d = a.dtype
        rtol, atol = tolerance(ctx.entry, d)
        problem = compare(a, host(b), d, (2 * rtol, 2 * atol))
        if problem:
            _note(ctx, i, sample, f"{label}{problem}")
            return


def dtype(ctx, i, sample, result):
    """ember's result dtypes against PyTorch's."""
    ok, got = _counterpart(ctx, i, sample, lambda: call(ctx, sample))
    if not ok:
        return
    for k, (a, b) in enumerate(zip(_outputs(result), _outputs(got))):
        da, db = _dtype_name(a), _dtype_name(b)
        if da != db:
            label = f"output {k}: " if len(_outputs(result)) > 1 else ""
            _note(ctx, i, sample, f"{label}result dtype {da}, PyTorch's {db}")
            return


def _weights(shape, k):
    """A fixed cotangent, the same for both frameworks: no two entries alike."""
    n = int(np.prod(shape, dtype=np.int64))
    return (np.arange(n, dtype=np.float64).reshape(shape) % 7 - 3 + 0.5 * (k + 1)) / 3


def grad(ctx, i, sample, diff):
    """The gradient of sum(w * output) in float64, ember against PyTorch."""
    torch = torch_module()

    def total(outs, lib, make):
        acc = None
        for k, o in enumerate(outs):
            if not isinstance(o, (ember.Tensor, torch.Tensor)) or not o.requires_grad:
                continue
            if not o.dtype.is_floating_point:
                continue
            term = (o * make(_weights(tuple(o.shape), k), o.dtype)).sum()
            acc = term if acc is None else acc + term
        return acc

    try:
        with ember.default_backend(ctx.backend.name):
            inputs = [ember.tensor(t.values, dtype=t.dtype, requires_grad=True) for t in diff]
            given = dict(zip(map(id, diff), inputs))
            args = ctx.materialize(sample.args, given=given)
            kwargs = ctx.materialize(sample.kwargs, given=given)
            out = total(_outputs(ctx.invoke(args, kwargs)), ember,
                        lambda w, d: ember.tensor(w, dtype=d))
            if out is None:
                return
            mine = ember.autograd.grad(out, inputs, allow_unused=True)
    except Exception:  # noqa: BLE001 - the gradcheck beside it reports ember's own crash
        return

    def theirs():
        xs = [torch.tensor(t.values, dtype=torch_dtype(t.dtype), requires_grad=True)
              for t in diff]
        result = call(ctx, sample, leaves=dict(zip(map(id, diff), xs)))
        tot = total(_outputs(result), torch, lambda w, d: torch.tensor(w, dtype=d))
        if tot is None:
            raise RuntimeError("no output of PyTorch's result requires grad")
        return torch.autograd.grad(tot, xs, allow_unused=True)

    ok, got = _counterpart(ctx, i, sample, theirs)
    if not ok:
        return
    for k, (a, b) in enumerate(zip(mine, got)):
        ha = np.zeros(diff[k].values.shape) if a is None else np.asarray(a.detach().numpy())
        hb = np.zeros(diff[k].values.shape) if b is None else host(b)
        if ha.shape != hb.shape or not np.allclose(ha, hb, rtol=1e-6, atol=1e-7, equal_nan=True):
            _note(ctx, i, sample, f"gradient of input {k} (fixed weights on the outputs): "
                                  f"ember\n{_show(ha)}\nPyTorch\n{_show(hb)}", grad="gradcheck")
            return


def _show(a):
    return np.array2string(np.asarray(a), precision=6, threshold=20)


def error(ctx, i, sample):
    """PyTorch raises the exception type the error sample expects of ember."""
    want = sample.exc
    try:
        fn = torch_callable(ctx.entry, ctx.op)
        args, kwargs = to_torch(sample.args), to_torch(sample.kwargs)
    except NoCounterpart as exc:
        _note(ctx, i, sample, str(exc))
        return
    try:
        fn(*args, **kwargs)
    except want:
        return
    except Exception as exc:  # noqa: BLE001
        _note(ctx, i, sample, f"PyTorch raises {type(exc).__name__} ({str(exc)[:200]}), "
                              f"ember {want.__name__}")
        return
    _note(ctx, i, sample, f"PyTorch accepts it; ember raises {want.__name__}")


def settle(ctx):
    """At the end of a check: unlisted disagreements become failures; listed ones are kept
    for ``expected`` (an expected failure with the table's reason)."""
    problems = getattr(ctx, "oracle_problems", None)
    if not problems:
        return
    c = ctx.case
    if differences.lookup(c.op, c.check, c.dtype) is None:
        for i, s, problem, kw in problems:
            ctx.fail_sample(i, s, problem, **kw)
        problems.clear()


def expected(ctx):
    """After the check's own failures: the listed differences seen, as an expected failure."""
    import pytest

    problems = getattr(ctx, "oracle_problems", None)
    if not problems:
        return
    c = ctx.case
    key, reason = differences.lookup(c.op, c.check, c.dtype)
    first = problems[0][2].splitlines()[0]
    pytest.xfail(f"deliberate difference from PyTorch {key!r}: {reason} ({len(problems)} "
                 f"sample(s); first: {first})")
