"""What ``ember.compile`` finds to be a step's state, and what it read to find it.

**State** is found by walking what the function can reach (:func:`_walk`): its arguments,
closure, the globals it names, bound ``self``, and through them Modules (parameters, buffers,
their ``.grad``), Optimizers (parameter groups, per-parameter state), schedulers, Generators (and
the default generator), containers and plain objects. Every Tensor found is state: an input of
the compiled program and, if the step writes it, an output that is written back into the *same*
Tensor object (same ``id()``, same ``state_dict()``), as an immutable backend's in-place ops
already do. Learning rates (``group["lr"]``) and numbers in optimizer state are lifted to 0-d
float64 tensors during the trace, so a scheduler does not force a recompile. Other Python scalars
found are guards: with the shapes, dtypes and flags of the tensors they make the guard key
(:meth:`_Found.key`).

A walk can record what it read (containers and their items, closure cells, globals,
attributes) in a :class:`_Fingerprint`; while all of it is the same objects, a new walk would
find the same state, so a repeated call can skip it (see ``ember._compile_program._Fast``).
"""

import builtins
import dis
import functools
import operator
import types

from .autograd.graph import grad_mode
from .tensor import Tensor

_SCALARS = (int, float, builtins.bool, str, bytes, type(None), complex)
_MAX_OBJECTS = 10_000  # the walk gives up descending past this many objects
_MISSING = object()  # no binding (a global not defined, an attribute not set); no fast result


def _ignore(container):
    return container


class _Fingerprint:
    """What one walk read: the containers it went through (their keys and items, by identity) and
    the bindings it followed (closure cells, globals, attributes). While all of it is the same
    objects a new walk would find the same state, so a repeated call skips the walk; any
    difference walks again (the walk stays the source of truth). Holding the objects keeps their
    ``id()`` from being reused."""

    __slots__ = ("dicts", "lists", "cells", "entries", "attrs", "where", "ok")

    def __init__(self):
        self.dicts = []  # [dict, its keys, its values]
        self.lists = []  # (list, its items)
        self.cells = []  # (closure cell, its contents)
        self.entries = []  # (dict.get, key, value or _MISSING): the globals a function names
        self.attrs = []  # (object, attribute, value)
        self.where = {}  # id(dict) -> its entry in `dicts`
        self.ok = True  # False where the walk read something this cannot check

    def container(self, c):
        """Record a dict's or list's contents (the walk calls it on what it iterates)."""
        if isinstance(c, dict):
            if id(c) not in self.where:
                self.where[id(c)] = entry = [c, tuple(c), tuple(c.values())]
                self.dicts.append(entry)
        elif isinstance(c, list):
            self.lists.append((c, tuple(c)))
        return c

    def attribute(self, obj, name, value=_MISSING):
        self.attrs.append((obj, name, getattr(obj, name) if value is _MISSING else value))

    def entry(self, d, key):
        """Record the binding of `key` in `d` (a function's globals), or that it has none."""
        self.entries.append((d.get, key, d.get(key, _MISSING)))  # (d.get holds d)

    def refresh(self, d):
        """`d`'s entries were rebound by a compiled call (lifted numbers): record them again."""
        entry = self.where.get(id(d))
        if entry is not None:
            entry[1], entry[2] = tuple(d), tuple(d.values())

    def matches(self):
        """Whether everything the walk read is still the same objects (per repeated call)."""
        if (self.dicts or self.lists) and not self.containers_match():
            return False
        missing = _MISSING
        for cell, value in self.cells:
            if cell.cell_contents is not value:
                return False
        for get, key, value in self.entries:
            if get(key, missing) is not value:
                return False
        for obj, name, value in self.attrs:
            if getattr(obj, name, missing) is not value:
                return False
        return True

    def containers_match(self):
        """Whether the containers the walk went through hold the same items (the bindings are
        checked apart: see :meth:`matches`)."""
        same = operator.is_
        for d, keys, values in self.dicts:
            if (len(d) != len(keys) or not all(map(same, d, keys))
                    or not all(map(same, d.values(), values))):
                return False
        for items, saved in self.lists:
            if len(items) != len(saved) or not all(map(same, items, saved)):
                return False
        return True


class _Found:
    """What a walk from a function and its arguments reached."""

    __slots__ = ("tensors", "arg_tensors", "args_key", "guards", "numbers", "generators",
                 "modules", "dicts", "ids", "grads")

    def __init__(self):
        self.tensors = []  # state tensors (parameters, buffers, grads, optimizer state...)
        self.arg_tensors = []  # tensors in the arguments, by position
        self.args_key = []
        self.guards = []  # Python scalars and structure the trace may depend on
        self.numbers = []  # (dict, key): numbers lifted to 0-d tensors while tracing
        self.generators = []
        self.modules = []
        self.dicts = []  # dicts a step may rebind entries of (optimizer and module state)
        self.ids = {}  # id(state tensor) -> its index in `tensors`
        self.grads = set()  # indices of tensors reached only as a .grad (new objects each step)

    def key(self):
        grads = self.grads
        metas = tuple((None if i in grads else id(t),) + _meta(t)
                      for i, t in enumerate(self.tensors))
        args = tuple((t._data.shape, t._dtype, t._rg) for t in self.arg_tensors)
        return (grad_mode.enabled, metas, args, tuple(self.args_key), tuple(self.guards),
                tuple(type(d[k]) for d, k in self.numbers))


def _meta(t):
    """What of a state tensor the guards read: shape, dtype, requires_grad, whether it is a leaf
    and whether it has a grad."""
    return (t._data.shape, t._dtype, t._rg, t.grad_fn is None, t._grad is None)


# over 80 lines on purpose: one traversal with a visitor per kind of object it meets (modules,
# optimizers, generators, containers, closures), kept together so the rules read in one place
def _walk(roots, fp=None):
    """Find the state reachable from (fn, args, kwargs); with a :class:`_Fingerprint` `fp`,
    record in it every container and binding the walk read."""
    from ._compile import CompiledFunction, OptimizedModule  # (the front imports this module)
    from .nn.modules.module import Module
    from .ops import random as _random
    from .ops.random import Generator
    from .optim.optimizer import Optimizer

    found = _Found()
    seen = set()
    tensors, ids = found.tensors, found.ids
    record = fp.container if fp is not None else _ignore

    def add_tensor(t):
        if id(t) not in ids:
            ids[id(t)] = len(tensors)
            tensors.append(t)
        g = t._grad
        if g is not None and id(g) not in ids:
            ids[id(g)] = len(tensors)
            found.grads.add(len(tensors))
            tensors.append(g)

    def visit(obj, depth):
        if isinstance(obj, Tensor):
            if id(obj) in ids:
                found.grads.discard(ids[id(obj)])
            add_tensor(obj)
            return
        if isinstance(obj, _SCALARS):
            found.guards.append(obj)
            return
        if id(obj) in seen or depth > 12 or len(seen) > _MAX_OBJECTS:
            return
        seen.add(id(obj))
        if isinstance(obj, Module):
            found.modules.append(obj)
            d = record(obj.__dict__)
            found.dicts += [d, d["_parameters"], d["_buffers"]]
            for key, value in d.items():
                if key in ("_forward_hooks", "_forward_pre_hooks", "_non_persistent_buffers"):
                    for hook in record(value).values() if isinstance(value, dict) else ():
                        visit(hook, depth + 1)
                    continue
                found.guards.append(key)
                visit(value, depth + 1)
        elif isinstance(obj, Optimizer):
            if fp is not None:
                fp.attribute(obj, "param_groups")
                fp.attribute(obj, "state")
            for group in record(obj.param_groups):
                for key in sorted(record(group), key=str):
                    value = group[key]
                    found.guards.append(key)
                    if key == "lr" and _is_number(value):
                        found.numbers.append((group, key))
                    else:
                        visit(value, depth + 1)
            found.dicts.append(record(obj.state))  # the first step adds each parameter's state
            for p, state in obj.state.items():
                visit(p, depth + 1)
                found.dicts.append(record(state))
                for key in sorted(state, key=str):
                    value = state[key]
                    found.guards.append(key)
                    if _is_number(value):
                        found.numbers.append((state, key))
                    else:
                        visit(value, depth + 1)
        elif isinstance(obj, Generator):
            found.generators.append(obj)
        elif isinstance(obj, (list, tuple)):
            found.guards.append(len(obj))
            for item in record(obj) if isinstance(obj, list) else obj:
                visit(item, depth + 1)
        elif isinstance(obj, dict):
            found.guards.append(len(obj))
            for key, value in record(obj).items():
                if isinstance(key, _SCALARS):
                    found.guards.append(key)
                visit(value, depth + 1)
        elif isinstance(obj, (types.FunctionType, types.MethodType, functools.partial)):
            _visit_callable(obj, visit, depth, fp)
        elif isinstance(obj, OptimizedModule):
            if fp is not None:
                fp.attribute(obj, "_orig_mod")
            visit(obj._orig_mod, depth + 1)
        elif isinstance(obj, (types.ModuleType, type, types.BuiltinFunctionType,
                              CompiledFunction)):
            return
        elif isinstance(getattr(obj, "__dict__", None), dict) and not _is_library(obj):
            for key, value in record(vars(obj)).items():
                visit(value, depth + 1)

    fn, args, kwargs = roots
    visit(fn, 0)
    if fp is not None:
        fp.entry(vars(_random), "default_generator")
    visit(_random.default_generator, 0)
    for path, value in _flatten((args, kwargs)):
        if isinstance(value, Tensor):
            found.arg_tensors.append(value)
            found.args_key.append(path)
        elif isinstance(value, _SCALARS):
            found.args_key.append((path, type(value), value))
        else:
            found.args_key.append((path, "id", id(value)))
            visit(value, 1)
    # a state tensor passed as an argument is state: keep one place for it
    found.arg_tensors = [t for t in found.arg_tensors if id(t) not in ids] \
        if any(id(t) in ids for t in found.arg_tensors) else found.arg_tensors
    return found


def _visit_callable(obj, visit, depth, fp):
    if isinstance(obj, types.MethodType):  # (its function and self cannot be rebound)
        visit(obj.__self__, depth + 1)
        visit(obj.__func__, depth + 1)
        return
    if isinstance(obj, functools.partial):
        for value in (obj.func, obj.args, obj.keywords):
            visit(value, depth + 1)
        return
    if (obj.__module__ or "").split(".")[0] in ("ember", "ember_jax", "ember_numpy", "ember_cupy"):
        return  # ember's own functions hold no user state
    for cell in obj.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell (filled later, perhaps: not checked by identity)
            if fp is not None:
                fp.ok = False
            continue
        if fp is not None:
            fp.cells.append((cell, value))
        visit(value, depth + 1)
    if fp is not None:
        fp.attribute(obj, "__defaults__", obj.__defaults__)
    visit(obj.__defaults__, depth + 1)
    g = obj.__globals__
    for name in _global_names(obj.__code__):
        if fp is not None:
            fp.entry(g, name)
        if name in g:
            visit(g[name], depth + 1)


@functools.lru_cache(maxsize=1024)
def _global_names(code):
    """The global names `code` (and the functions and comprehensions in it) reads or binds:
    ``co_names`` less the attribute names."""
    names = {ins.argval for ins in dis.get_instructions(code) if ins.opname in _GLOBAL_OPS}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.update(_global_names(const))
    return tuple(sorted(names))


_GLOBAL_OPS = ("LOAD_GLOBAL", "STORE_GLOBAL", "DELETE_GLOBAL", "LOAD_NAME", "STORE_NAME",
               "DELETE_NAME")


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, builtins.bool)


def _is_library(obj):
    module = type(obj).__module__ or ""
    return module.split(".")[0] in ("numpy", "jax", "jaxlib", "cupy", "builtins", "threading")


def _flatten(tree, path=()):
    """(path, leaf) pairs of nested tuples, lists and dicts."""
    if isinstance(tree, (list, tuple)) and not isinstance(tree, Tensor):
        for i, item in enumerate(tree):
            yield from _flatten(item, path + (i,))
    elif isinstance(tree, dict):
        for key in tree:
            yield from _flatten(tree[key], path + (key,))
    else:
        yield path, tree


def _unflatten(tree, leaves):
    """`tree` with its leaves replaced, in _flatten's order, from the iterator `leaves`."""
    if isinstance(tree, (list, tuple)) and not isinstance(tree, Tensor):
        items = [_unflatten(item, leaves) for item in tree]
        if isinstance(tree, list):
            return items
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    if isinstance(tree, dict):
        return type(tree)((key, _unflatten(tree[key], leaves)) for key in tree)
    return next(leaves)

