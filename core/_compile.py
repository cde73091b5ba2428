"""``ember.compile``: a PyTorch-style step, unchanged, compiled whole by a backend's compiler.

``ember.compile(step)`` (or ``@ember.compile``, or ``ember.compile(module)``) returns a function
that runs the same program. On a backend that offers a compiler (``ember_backend_compiler`` in
``ember.hookspecs``; the JAX backend's is ``jax.jit``) it works like this:

- **State** is found by walking what the function can reach: its arguments, closure, the
  globals it names, bound ``self``, and through them Modules (parameters, buffers, their
  ``.grad``), Optimizers (parameter groups, per-parameter state), schedulers, Generators (and
  the default generator), containers and plain objects. Every Tensor found is state: an input
  of the compiled program and, if the step writes it, an output that is written back into the
  *same* Tensor object (same ``id()``, same ``state_dict()``), as an immutable backend's in-place
  ops already do. Learning rates (``group["lr"]``) and numbers in optimizer state (step counts)
  are lifted to 0-d float64 tensors during the trace, so a scheduler or a step counter does not
  force a recompile; other Python scalars found are guards.
- **Lazily created state** (``.grad`` on the first backward, optimizer moments and step counts
  on the first step) is found by the first trace: the first call traces the function, with
  ember's own autograd running on the backend's tracer arrays, and whatever new tensors, dicts
  and numbers the step attaches to the state (``p.grad``, ``optimizer.state[p]``) become
  outputs that are attached again after each call. That state changes the guards, so the
  second call compiles the steady-state program (two compilations for a training step, none
  of them an eager step, which on JAX would compile every op on its own). The state's buffers
  are donated to the program (unchanged ones come back as the same buffers).
- **Guards**: the shapes, dtypes, ``requires_grad`` and ``.grad`` presence of every state tensor
  and argument, grad mode, training flags and the other Python scalars found make a key; a new
  key compiles a new program (cached). Past ``recompile_limit`` programs (default 8, settable
  as ``ember.compile.config.recompile_limit`` or ``options={"recompile_limit": n}``) the
  function warns once and runs new variants eagerly (the compiled ones still run), as
  PyTorch does.
- **Graph breaks**: a host sync inside the step (``.item()``, ``bool(t)``, ``.numpy()``,
  ``.tolist()``, value-dependent control flow or shapes) cannot be traced. With
  ``fullgraph=False`` the function runs eagerly, warning once with the file, line and op that
  stopped the trace; with ``fullgraph=True`` it raises :class:`Unsupported` naming the same.
- A failed trace changes nothing: all state is restored before the error (the user's own
  exception, unchanged) propagates or the eager run starts. Ops that read a value on the host
  only to check it can skip the check while :func:`is_compiling` is true.
- Tensors returned by a function that ran backward inside it come back without history (the
  step's loss); a function whose outputs need autograd outside it (a compiled ``forward`` in a
  training loop) runs eagerly, so gradients stay correct.

On a backend without a compiler (NumPy, CuPy, third-party ones) the function runs eagerly,
silently. Python side effects inside a compiled step (appending to a list, printing) happen
once, when it is traced.
"""

import builtins
import functools
import linecache
import os
import sys
import threading
import types
import warnings

from . import views as _views
from .autograd.graph import grad_mode
from .tensor import Tensor, _wrap
from . import dtypes as _dt

__all__ = ["compile", "is_compiling", "Unsupported", "GraphBreakWarning", "RecompileLimitWarning",
           "config"]


class Unsupported(RuntimeError):
    """A step with ``fullgraph=True`` cannot be traced whole (a host sync, a value-dependent
    branch or shape); the message names the file, line and op."""


class GraphBreakWarning(UserWarning):
    """A compiled function could not be traced whole and runs eagerly (once per function)."""


class RecompileLimitWarning(UserWarning):
    """A compiled function hit ``recompile_limit`` and runs eagerly from now on."""


class config:
    """Settings of ``ember.compile`` (``ember.compile.config``)."""

    recompile_limit = 8


_SCALARS = (int, float, builtins.bool, str, bytes, type(None), complex)
_MAX_OBJECTS = 10_000  # the walk gives up descending past this many objects
_EMBER_DIR = os.path.dirname(os.path.abspath(__file__))


@functools.lru_cache(maxsize=1)
def _lib_dirs():
    """Where installed libraries and the standard library live (not the user's code)."""
    import sysconfig

    paths = sysconfig.get_paths()
    return tuple({os.path.abspath(paths[k]) for k in ("purelib", "platlib", "stdlib")})


def compile(model=None, *, fullgraph=False, dynamic=False, backend=None, mode=None, options=None,
            disable=False, donate=True):  # noqa: A001 - PyTorch's name
    """Compile a function or an ``nn.Module``'s forward with its backend's compiler.

    Use it as ``torch.compile``: ``@ember.compile``, ``@ember.compile(fullgraph=True)``,
    ``step = ember.compile(step)``, ``model = ember.compile(model)``. `backend` and `mode` are
    accepted for PyTorch's signature; the compiler is the tensors' backend's. `dynamic` is
    accepted but shapes are always specialised (a new shape compiles a new program).
    """
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                 mode=mode, options=options, disable=disable, donate=donate)
    if not callable(model):
        raise TypeError(f"ember.compile expects a callable (a function or an nn.Module), got "
                        f"{type(model).__name__}: {model!r}")
    limit = (options or {}).get("recompile_limit")
    from .nn.modules.module import Module

    if isinstance(model, Module):
        return OptimizedModule(model, CompiledFunction(model.__call__, fullgraph, donate, limit,
                                                       disable))
    return functools.wraps(model)(CompiledFunction(model, fullgraph, donate, limit, disable))


class CompiledFunction:
    """What ``ember.compile(fn)`` returns: calls `fn`, compiled where its backend can."""

    def __init__(self, fn, fullgraph, donate, limit, disable):
        self._fn = fn
        self._fullgraph = fullgraph
        self._donate = donate
        self._limit = limit
        self._disabled = disable
        self._programs = {}  # guard key -> _Program, or _EAGER after a graph break
        self._over_limit = False
        self._warned = False
        self._lock = threading.RLock()

    @property
    def compiled_variants(self):
        """How many programs (one per guard key) have been compiled so far."""
        return sum(1 for p in self._programs.values() if p is not _EAGER)

    def __get__(self, obj, objtype=None):
        return self if obj is None else types.MethodType(self, obj)

    def __call__(self, *args, **kwargs):
        if self._disabled or _tracing.active:
            return self._fn(*args, **kwargs)
        with self._lock:
            return self._call(args, kwargs)

    def _call(self, args, kwargs):
        found = _walk((self._fn, args, kwargs))
        be = _single_backend(found.tensors, found.arg_tensors)
        if be is None or be.compiler is None:
            return self._fn(*args, **kwargs)
        key = found.key()
        program = self._programs.get(key)
        if program is None:
            limit = self._limit if self._limit is not None else config.recompile_limit
            if len(self._programs) >= limit:  # the programs made so far still run
                if self._over_limit:
                    return self._fn(*args, **kwargs)
                self._over_limit = True
                warnings.warn(f"ember.compile: {_name(self._fn)} hit the recompile limit "
                              f"({limit}): its guards changed {limit} times (input shapes, "
                              f"dtypes, requires_grad, training mode or Python scalars). New "
                              f"variants run eagerly from now on; raise "
                              f"ember.compile.config.recompile_limit to compile more of them",
                              RecompileLimitWarning, stacklevel=3)
                return self._fn(*args, **kwargs)
            program = _Program(self, be, found)
            try:
                out = program.first_call(found, args, kwargs)
            except _GraphBreak as brk:
                self._programs[key] = _EAGER
                return self._graph_break(brk, args, kwargs)
            self._programs[key] = program  # (not after the user's own error: it traces again)
            return out
        if program is _EAGER:
            return self._fn(*args, **kwargs)
        return program.run(found, args, kwargs)

    def _graph_break(self, brk, args, kwargs):
        if self._fullgraph:
            raise Unsupported(f"ember.compile(fullgraph=True): {_name(self._fn)} cannot be "
                              f"compiled whole: {brk.where}") from brk.cause
        if not self._warned:
            self._warned = True
            warnings.warn(f"ember.compile: graph break in {_name(self._fn)}: {brk.where}; it runs "
                          f"eagerly (use fullgraph=True to make this an error)", GraphBreakWarning,
                          stacklevel=4)
        return self._fn(*args, **kwargs)


class OptimizedModule:
    """What ``ember.compile(module)`` returns: calls the module through its compiled
    ``__call__`` and forwards everything else (parameters, ``state_dict``, ``train()``) to it.
    The original module is ``_orig_mod``."""

    def __init__(self, mod, compiled):
        object.__setattr__(self, "_orig_mod", mod)
        object.__setattr__(self, "_compiled", compiled)

    def __call__(self, *args, **kwargs):
        return self._compiled(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._orig_mod, name)

    def __setattr__(self, name, value):
        setattr(self._orig_mod, name, value)

    def __repr__(self):
        return f"OptimizedModule({self._orig_mod!r})"


_EAGER = object()


class _Tracing(threading.local):
    active = False


_tracing = _Tracing()


def is_compiling():
    """True while ember.compile traces a function on this thread (as
    ``torch.compiler.is_compiling()``): code that would read a value on the host only to check
    it (an op's range check of its indices) can skip the check then, since the values are not
    known yet."""
    return _tracing.active


def _name(fn):
    fn = getattr(fn, "__func__", fn)
    return getattr(fn, "__qualname__", None) or type(fn).__name__


def _single_backend(tensors, arg_tensors):
    be = None
    for t in arg_tensors + tensors:
        if be is None:
            be = t._backend
        elif t._backend is not be:
            return None  # mixed backends: eager, where the op reports the mix
    return be


# -- discovering state -------------------------------------------------------------------------------
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
        metas = tuple((None if i in grads else id(t), t._data.shape, t._dtype, t._rg,
                       t.grad_fn is None, t._grad is None) for i, t in enumerate(self.tensors))
        args = tuple((t._data.shape, t._dtype, t._rg) for t in self.arg_tensors)
        return (grad_mode.enabled, metas, args, tuple(self.args_key), tuple(self.guards),
                tuple(type(d[k]) for d, k in self.numbers))


# over 80 lines on purpose: one traversal with a visitor per kind of object it meets (modules,
# optimizers, generators, containers, closures), kept together so the rules read in one place
def _walk(roots):
    """Find the state reachable from (fn, args, kwargs)."""
    from .nn.modules.module import Module
    from .ops.random import Generator, default_generator
    from .optim.optimizer import Optimizer

    found = _Found()
    seen = set()
    tensors, ids = found.tensors, found.ids

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
            d = obj.__dict__
            found.dicts += [d, d["_parameters"], d["_buffers"]]
            for key, value in d.items():
                if key in ("_forward_hooks", "_forward_pre_hooks", "_non_persistent_buffers"):
                    for hook in value.values() if isinstance(value, dict) else ():
                        visit(hook, depth + 1)
                    continue
                found.guards.append(key)
                visit(value, depth + 1)
        elif isinstance(obj, Optimizer):
            for group in obj.param_groups:
                for key in sorted(group, key=str):
                    value = group[key]
                    found.guards.append(key)
                    if key == "lr" and _is_number(value):
                        found.numbers.append((group, key))
                    else:
                        visit(value, depth + 1)
            found.dicts.append(obj.state)  # the first step adds each parameter's state
            for p, state in obj.state.items():
                visit(p, depth + 1)
                found.dicts.append(state)
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
            for item in obj:
                visit(item, depth + 1)
        elif isinstance(obj, dict):
            found.guards.append(len(obj))
            for key, value in obj.items():
                if isinstance(key, _SCALARS):
                    found.guards.append(key)
                visit(value, depth + 1)
        elif isinstance(obj, (types.FunctionType, types.MethodType, functools.partial)):
            _visit_callable(obj, visit, depth)
        elif isinstance(obj, OptimizedModule):
            visit(obj._orig_mod, depth + 1)
        elif isinstance(obj, (types.ModuleType, type, types.BuiltinFunctionType,
                              CompiledFunction)):
            return
        elif isinstance(getattr(obj, "__dict__", None), dict) and not _is_library(obj):
            for key, value in vars(obj).items():
                visit(value, depth + 1)

    fn, args, kwargs = roots
    visit(fn, 0)
    visit(default_generator, 0)
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


def _visit_callable(obj, visit, depth):
    if isinstance(obj, types.MethodType):
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
            visit(cell.cell_contents, depth + 1)
        except ValueError:  # an empty cell
            pass
    visit(obj.__defaults__, depth + 1)
    g = obj.__globals__
    for name in _global_names(obj.__code__):
        if name in g:
            visit(g[name], depth + 1)


@functools.lru_cache(maxsize=1024)
def _global_names(code):
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.update(_global_names(const))
    return tuple(sorted(names))


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


# -- one compiled program ----------------------------------------------------------------------------
class _GraphBreak(Exception):
    def __init__(self, where, cause):
        super().__init__(where)
        self.where = where
        self.cause = cause


class _Snapshot:
    """Everything a trace may change, to put back afterwards (the trace's values are tracers)."""

    def __init__(self, found, be):
        self.tensors = [(t, t._data, t._grad, t.grad_fn, t._rg, t._output_nr, t._vc[0],
                         t._retains_grad) for t in found.tensors + found.arg_tensors]
        self.dicts = [(d, dict(d)) for d in found.dicts]
        # aliases of state tensors (``.data``, ``detach()``, a state_dict taken earlier): on an
        # immutable backend a write inside the trace gives them tracers too
        self.aliases = []
        for t in found.tensors:
            if _views.has_aliases(t):
                self.aliases += [(a, a._data) for a in (r() for r in list(t._aliases.values()))
                                 if a is not None]
        self.numbers = [(d, k, d[k]) for d, k in found.numbers]
        self.training = [(m, m.__dict__.get("training")) for m in found.modules]
        self.random = [(g, g.state_for(be)) for g in found.generators]
        self.random = [(g, s, be.compiler.random_state(s)) for g, s in self.random]
        self.be = be

    def restore(self):
        for t, data, grad, fn, rg, nr, version, retains in self.tensors:
            t._data, t._grad, t.grad_fn, t._rg, t._output_nr = data, grad, fn, rg, nr
            t._vc[0], t._retains_grad = version, retains
        for a, data in self.aliases:
            a._data = data
        for d, saved in self.dicts:
            d.clear()
            d.update(saved)
        for d, k, value in self.numbers:
            d[k] = value
        for m, flag in self.training:
            m.__dict__["training"] = flag
        for g, s, raw in self.random:
            g._states[self.be.name] = s
            self.be.compiler.set_random_state(s, raw)


class _Program:
    """One traced and compiled variant of a function (one guard key)."""

    def __init__(self, owner, be, found):
        self.owner = owner
        self.be = be
        self.compiled = None
        self.plan = None
        self.numbers = {}  # lifted number index -> (its Python value, its array) after a call

    def _arrays(self, found):
        """(donated, inputs, where): the state's arrays, each once, donated unless an argument
        holds it too; `where` says where each state tensor's array went. Every donated array
        is also an output (unchanged ones alias their input buffer, at no cost)."""
        donate = self.owner._donate
        arg_raws = {id(t._data) for t in found.arg_tensors}
        donated, inputs, where, slot = [], [], [], {}
        for t in found.tensors:
            raw = t._data
            k = slot.get(id(raw))
            if k is None:
                if donate and id(raw) not in arg_raws:
                    k = slot[id(raw)] = (0, len(donated))
                    donated.append(raw)
                else:
                    k = slot[id(raw)] = (1, len(inputs))
                    inputs.append(raw)
            where.append(k)
        return donated, inputs, where

    def first_call(self, found, args, kwargs):
        """Trace and compile, then run; a graph break or the user's error restores all state."""
        be = self.be
        comp = be.compiler
        donated, inputs, where = self._arrays(found)
        n_in = len(inputs)
        f64 = _dt.float64
        recorded = {}

        def pure(donated_raws, input_raws):
            # the first call's tensors carry whatever arrays a (re)trace is given
            snap = _Snapshot(found, be)
            _tracing.active = True
            try:
                initial = [(donated_raws, input_raws)[side][k] for side, k in where]
                for t, raw in zip(found.tensors, initial):
                    t._data = raw
                pos = n_in
                for t in found.arg_tensors:
                    t._data = input_raws[pos]
                    pos += 1
                for d, key in found.numbers:
                    d[key] = _wrap(input_raws[pos], be, f64)
                    pos += 1
                keys = input_raws[pos:pos + len(snap.random)]
                for (_, s, _), key in zip(snap.random, keys):
                    comp.set_random_state(s, key)
                result = self.owner._fn(*args, **kwargs)
                plan, outs = _plan(found, snap, initial, [side == 0 for side, _ in where],
                                   keys, result, be)
                if plan.needs_eager:  # stop before anything runs (or is donated)
                    raise _GraphBreak(plan.needs_eager, None)
                recorded["plan"] = plan
                return tuple(outs), ()
            except comp.graph_breaks as exc:
                raise _GraphBreak(_where(exc, be), exc) from None
            finally:
                _tracing.active = False
                snap.restore()

        self.compiled = comp.compile(pure, self.owner._donate)
        out = self._invoke(found, donated, inputs)
        self.plan = recorded["plan"]
        return self._write_back(found, out)

    def _number_array(self, j, value):
        """The 0-d float64 array for lifted number `j`: the one the last call wrote back, if
        the number did not change since, else a new one."""
        cached = self.numbers.get(j)
        if cached is not None and cached[0] == value and type(cached[0]) is type(value):
            return cached[1]
        be = self.be
        return be.kernels["asarray"](float(value), be.dtype_native(_dt.float64))

    def _invoke(self, found, donated, inputs):
        be = self.be
        extra = [t._data for t in found.arg_tensors]
        extra += [self._number_array(j, d[k]) for j, (d, k) in enumerate(found.numbers)]
        extra += [be.compiler.random_state(g.state_for(be)) for g in found.generators]
        return self.compiled(tuple(donated), tuple(inputs) + tuple(extra))

    def run(self, found, args, kwargs):
        donated, inputs, _ = self._arrays(found)
        return self._write_back(found, self._invoke(found, donated, inputs))

    def _write_back(self, found, out):
        return self.plan.apply(found, out[0], self.be, self.numbers)


class _Plan:
    """How a program's outputs go back into the state (recorded once, at the trace)."""

    def __init__(self):
        self.data = []  # (state index, output index, version bump)
        self.arg_data = []  # (arg index, output index, version bump)
        self.grads = []  # (state index, ("none",) | ("state", j) | ("new", out, dtype))
        self.numbers = []  # (number index, output index or ("const", value), type)
        self.random = []  # (generator index, output index)
        self.entries = []  # (dict index, key, leaf spec | None to delete)
        self.result = None  # the result's tree, leaves: ("out", k, dtype) | ("state", j) | value
        self.needs_eager = None

    def apply(self, found, outs, be, numbers):
        tensors = found.tensors
        for i, k, bump in self.data:
            t = tensors[i]
            t._data = outs[k]
            t._vc[0] += bump
            if not be.mutable and _views.has_aliases(t):
                _views.written(t)
        for i, k, bump in self.arg_data:
            t = found.arg_tensors[i]
            t._data = outs[k]
            t._vc[0] += bump
        new = {}

        def leaf(spec):
            if spec[0] == "out":
                t = new.get(spec[3])
                if t is None:
                    t = new[spec[3]] = _wrap(outs[spec[1]], be, spec[2])
                return t
            if spec[0] == "state":
                return tensors[spec[1]]
            if spec[0] == "arg":
                return found.arg_tensors[spec[1]]
            if spec[0] == "tree":
                return _unflatten(spec[1], iter([leaf(s) for s in spec[2]]))
            return spec[1]

        for i, spec in self.grads:
            tensors[i]._grad = leaf(spec)
        for j, key, spec in self.entries:
            d = found.dicts[j]
            if spec is None:
                d.pop(key, None)
            else:
                d[key] = leaf(spec)
        to_numpy = be.kernels["to_numpy"]
        for j, k, kind in self.numbers:
            d, key = found.numbers[j]
            if isinstance(k, tuple):
                d[key] = k[1]
            else:
                d[key] = value = kind(to_numpy(outs[k]).item())
                numbers[j] = (value, outs[k])
        for j, k in self.random:
            g = found.generators[j]
            be.compiler.set_random_state(g.state_for(be), outs[k])
        return _unflatten(self.result[0], iter([leaf(s) for s in self.result[1]]))


def _plan(found, snap, initial, donated, keys, result, be):
    """After the trace: the plan of write-backs and the tracer arrays to output. `initial` holds
    each state tensor's input tracer, `donated` whether its buffer is donated (then it is always
    an output), `keys` the generators' input states."""
    plan = _Plan()
    outs = []
    index = {}  # id(tracer) -> output index

    def out(raw):
        k = index.get(id(raw))
        if k is None:
            k = index[id(raw)] = len(outs)
            outs.append(raw)
        return k

    arg_pos = {id(t): j for j, t in enumerate(found.arg_tensors)}
    fresh = {}

    def spec(value):
        if isinstance(value, (dict, list, tuple)):  # new state made by the step (Adam's first)
            leaves = [leaf for _, leaf in _flatten(value)]
            if any(isinstance(leaf, Tensor) for leaf in leaves):
                return ("tree", _unflatten(value, iter([None] * len(leaves))),
                        [spec(leaf) for leaf in leaves])
            return ("value", value)
        if isinstance(value, Tensor):
            if id(value) in found.ids:
                return ("state", found.ids[id(value)])
            if id(value) in arg_pos:
                return ("arg", arg_pos[id(value)])
            # a new tensor: one object per traced one, even where two share an array
            return ("out", out(value._data), value._dtype, fresh.setdefault(id(value), len(fresh)))
        return ("value", value)

    before = snap.tensors
    n = len(found.tensors)
    ran_backward = False
    for i, t in enumerate(found.tensors):
        data0, grad0, version0 = before[i][1], before[i][2], before[i][6]
        if donated[i] or t._data is not initial[i]:  # (a donated array is always an output)
            plan.data.append((i, out(t._data), t._vc[0] - version0))
        g = t._grad
        if g is not grad0:
            ran_backward = True
            plan.grads.append((i, spec(g)))
    for j, t in enumerate(found.arg_tensors):
        version0 = before[n + j][6]
        if t._vc[0] != version0:
            plan.arg_data.append((j, out(t._data), t._vc[0] - version0))
    lifted = {(id(d), k) for d, k in found.numbers}
    for j, (d, saved) in enumerate(snap.dicts):
        for key, value in d.items():
            if (id(d), key) not in lifted and (key not in saved or saved[key] is not value):
                plan.entries.append((j, key, spec(value)))
        plan.entries += [(j, key, None) for key in saved if key not in d]
    for j, (d, key) in enumerate(found.numbers):
        value = d[key]
        kind = type(snap.numbers[j][2])
        if isinstance(value, Tensor):
            plan.numbers.append((j, out(value._data), kind))
        else:
            plan.numbers.append((j, ("const", value), kind))
    for j, (_, s, _) in enumerate(snap.random):
        key = be.compiler.random_state(s)
        if key is not keys[j]:  # the step drew from this generator
            plan.random.append((j, out(key)))
    leaves = []
    for _, value in _flatten(result):
        if (isinstance(value, Tensor) and value.grad_fn is not None and grad_mode.enabled
                and not ran_backward):
            plan.needs_eager = ("its result has autograd history to be used outside it "
                                "(compile the whole training step instead)")
        leaves.append(spec(value))
    plan.result = (_unflatten(result, iter([None] * len(leaves))), leaves)
    return plan, outs


def _where(exc, be):
    """'file:line in function, `source`: op -> Tensor.item()' for the user's line that stopped a
    trace, and the ember ops between it and the host sync."""
    comp_file = getattr(sys.modules.get(type(be.compiler).__module__), "__file__", None) or "."
    skip = (_EMBER_DIR, os.path.dirname(os.path.abspath(comp_file))) + _lib_dirs()
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    user, ops = None, []
    for frame, line in frames:
        path = os.path.abspath(frame.f_code.co_filename)
        if path.startswith(_EMBER_DIR):
            name = frame.f_code.co_qualname
            if "<locals>" not in name and name not in ops and not name.startswith("_"):
                ops.append(name)
            elif name.split(".")[-1] in _SYNCS and name not in ops:
                ops.append(name)
        elif not path.startswith(skip):
            user, ops = (frame, line), []
    kind = type(exc).__name__
    if user is None:
        return f"{kind}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    frame, line = user
    source = linecache.getline(frame.f_code.co_filename, line).strip()
    chain = " -> ".join(ops) if ops else "an op"
    return (f"{frame.f_code.co_filename}:{line} in {frame.f_code.co_name}, `{source}`: "
            f"{chain} needs a value on the host ({kind})")


_SYNCS = ("item", "tolist", "numpy", "__bool__", "__float__", "__int__", "__index__",
          "__array__", "__len__")


# reachable from the function, as ``ember.compile.config`` and ``ember.compile.Unsupported``
compile.config = config
compile.is_compiling = is_compiling
compile.Unsupported = Unsupported
compile.GraphBreakWarning = GraphBreakWarning
compile.RecompileLimitWarning = RecompileLimitWarning
