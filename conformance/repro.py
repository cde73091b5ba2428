"""Reproduction snippets: a failing check prints the few lines of Python that show the failure."""

import math

import numpy as np

import ember

from .entries import A, T


def literal(values):
    """`values` (a NumPy array) as a Python literal that ``ember.tensor`` accepts."""
    def item(v):
        if isinstance(v, float):
            if math.isnan(v):
                return "float('nan')"
            if math.isinf(v):
                return "float('inf')" if v > 0 else "-float('inf')"
        return repr(v)

    def walk(x):
        if isinstance(x, list):
            inner = ", ".join(walk(v) for v in x)
            return f"[{inner}]"
        return item(x)

    return walk(np.asarray(values).tolist())


class Names:
    """Gives each tensor input a variable name (x0, x1, ...) and the line that makes it."""

    def __init__(self):
        self.lines = []
        self.names = {}

    def tensor(self, t, requires_grad=False, noncontiguous=False):
        key = id(t)
        if key in self.names:
            return self.names[key]
        name = f"x{len(self.names)}"
        self.names[key] = name
        rg = ", requires_grad=True" if requires_grad or t.requires_grad else ""
        vals, suffix = t.values, ""
        if t.layout == "expanded":
            vals, suffix = vals[:1], f".expand({', '.join(map(str, t.values.shape))})"
        elif t.layout == "stepped":
            vals, suffix = np.repeat(vals, 2, axis=-1), "[..., ::2]"
        elif (noncontiguous or t.layout == "transposed") and vals.ndim >= 2:
            vals, suffix = np.swapaxes(vals, -1, -2), ".transpose(-1, -2)"
        elif noncontiguous and vals.ndim == 1:
            vals, suffix = np.repeat(vals, 2), "[::2]"
        self.lines.append(f"{name} = ember.tensor({literal(vals)}, dtype=ember.{t.dtype.name}{rg})"
                          f"{suffix}")
        return name

    def array(self, a):
        name = f"a{len(self.names)}"
        self.names[id(a)] = name
        dtype = f", dtype=np.{a.dtype.name}" if a.dtype is not None else ""
        self.lines.append(f"{name} = np.array({literal(a.values)}{dtype})")
        return name


def render(value, names, grad_inputs=(), noncontiguous=False, subscript=False):
    """Python source for an argument value, registering its tensors with `names`."""
    if isinstance(value, T):
        return names.tensor(value, requires_grad=any(value is g for g in grad_inputs),
                            noncontiguous=noncontiguous)
    if isinstance(value, A):
        return names.array(value)
    if isinstance(value, ember.dtype):
        return f"ember.{value.name}"
    if value is Ellipsis:
        return "..."
    if isinstance(value, slice):
        if subscript:
            parts = ["" if v is None else repr(v) for v in (value.start, value.stop, value.step)]
            return ":".join(parts[:2]) + (f":{parts[2]}" if value.step is not None else "")
        return f"slice({value.start!r}, {value.stop!r}, {value.step!r})"
    if isinstance(value, tuple):
        parts = [render(v, names, grad_inputs, noncontiguous, subscript) for v in value]
        if subscript:
            return ", ".join(parts) if parts else "()"
        return f"({parts[0]},)" if len(parts) == 1 else f"({', '.join(parts)})"
    if isinstance(value, list):
        return "[" + ", ".join(render(v, names, grad_inputs, noncontiguous) for v in value) + "]"
    return repr(value)


def call_source(entry, op, args, kwargs, names, grad_inputs=(), noncontiguous=False):
    """The source of one call of the op (an expression, or statements that set ``out``)."""
    kw = ", ".join(f"{k}={render(v, names, grad_inputs, noncontiguous)}" for k, v in kwargs.items())
    if entry.code is not None or op.method == "__getitem__":
        code = entry.code or "{0}[{1}]"
        parts = [render(a, names, grad_inputs, noncontiguous,
                        subscript=(i == 1 and "[{1}]" in code)) for i, a in enumerate(args)]
        return code.format(*parts, kw=(", " + kw) if kw else "")
    parts = [render(a, names, grad_inputs, noncontiguous) for a in args]
    if op.function:
        return f"{op.qualname}({', '.join(parts + ([kw] if kw else []))})"
    return f"{parts[0]}.{op.method}({', '.join(parts[1:] + ([kw] if kw else []))})"


def _indent(lines, n=4):
    return [" " * n + line for line in lines]


def snippet(backend, entry, op, args, kwargs, *, grad=None, noncontiguous=False, expected=None,
            tail=()):
    """A runnable reproduction: make the inputs, call the op, print the result.

    `grad` is None, "gradcheck" or "gradgradcheck"; `tail` adds lines after the call.
    """
    names = Names()
    grad_inputs = [] if grad is None else differentiated(args, kwargs)
    call = call_source(entry, op, args, kwargs, names, grad_inputs, noncontiguous)
    body = list(names.lines)
    if grad:
        params = ", ".join(names.names[id(t)] for t in grad_inputs)
        if "out =" in call:
            body.append(f"def f({params}):")
            body.extend(_indent(call.split("; ")))
            body.append("    return out")
        else:
            body.append(f"f = lambda {params}: {call}")
        inputs = f"({params},)" if len(grad_inputs) == 1 else f"({params})"
        body.append(f"print(ember.autograd.{grad}(f, {inputs}))")
    else:
        body.extend(call.split("; ") if "out =" in call else [f"out = {call}"])
        body.append("print(out)")
    body.extend(tail)
    needs_np = any(isinstance(a, A) for a in flatten((args, kwargs)))
    head = ["import ember"] + (["import numpy as np"] if needs_np else [])
    head.append(f"with ember.default_backend({backend!r}):")
    text = "\n".join(head + _indent(body))
    if expected is not None:
        text += "\n# expected (float64 NumPy reference):\n" + "\n".join(
            "# " + line for line in expected.splitlines())
    return text


def flatten(value):
    """Every leaf value of nested tuples, lists and dicts, in order."""
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in flatten(v)]
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in flatten(v)]
    return [value]


def map_leaves(value, fn):
    """`value` (nested tuples, lists and dicts) with each leaf replaced by ``fn(leaf)``."""
    if isinstance(value, tuple):
        return tuple(map_leaves(v, fn) for v in value)
    if isinstance(value, list):
        return [map_leaves(v, fn) for v in value]
    if isinstance(value, dict):
        return {k: map_leaves(v, fn) for k, v in value.items()}
    return fn(value)


def swap_ids(value, new):
    """`value` with each leaf whose id is a key of `new` replaced by ``new[id(leaf)]``."""
    return map_leaves(value, lambda v: new.get(id(v), v))


def differentiated(args, kwargs):
    """The float64 tensor inputs gradcheck differentiates, in order of appearance."""
    seen, out = set(), []
    for v in flatten((args, kwargs)):
        if isinstance(v, T) and v.grad and v.dtype is ember.float64 and id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out
