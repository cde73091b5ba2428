"""``ember.compile``: a PyTorch-style step, unchanged, compiled whole by a backend's compiler.

``ember.compile(step)`` (or ``@ember.compile``, or ``ember.compile(module)``) returns a function
that runs the same program. On a backend that offers a compiler (``ember_backend_compiler`` in
``ember.hookspecs``; the JAX backend's is ``jax.jit``) it works like this:

- **State** is found by walking what the function can reach (its arguments, closure, globals,
  bound ``self``, and through them Modules, Optimizers, Generators, containers): every Tensor
  found is an input of the compiled program and, if the step writes it, an output written back
  into the *same* Tensor object; learning rates and numbers in optimizer state are lifted to 0-d
  tensors, other Python scalars are guards. See ``ember._compile_state``.
- **The program** is traced on the first call (with ember's own autograd on the compiler's
  tracer arrays), which also finds lazily created state (``.grad``, optimizer moments); the
  second call compiles the steady state. **Repeated calls** skip the walk while what it read is
  the same objects; anything changed between calls walks again. See ``ember._compile_program``.
- **Guards**: the shapes, dtypes, ``requires_grad`` and ``.grad`` presence of every state tensor
  and argument, grad mode, training flags and the other Python scalars found make a key; a new
  key compiles a new program (cached). Past ``recompile_limit`` programs (default 8, settable
  as ``ember.compile.config.recompile_limit`` or ``options={"recompile_limit": n}``) the
  function warns once and runs new variants eagerly (the compiled ones still run), as
  PyTorch does.
- **Graph breaks**: a host sync inside the step (``.item()``, ``bool(t)``, ``.numpy()``,
  ``.tolist()``, value-dependent control flow or shapes) cannot be traced. With
  ``fullgraph=False`` the function runs eagerly, warning once with the file, line and op that
  stopped the trace (:func:`_where`); with ``fullgraph=True`` it raises :class:`Unsupported`
  naming the same.
- A failed trace changes nothing: all state is restored before the error (the user's own
  exception, unchanged) propagates or the eager run starts. Ops that read a value on the host
  only to check it can skip the check while :func:`is_compiling` is true.
- Tensors returned by a function that ran backward inside it come back without history (the
  step's loss); a function whose outputs need autograd outside it (a compiled ``forward`` in a
  training loop) runs eagerly, so gradients stay correct.

On a backend without a compiler (NumPy, CuPy, third-party ones) the function runs eagerly,
silently. Python side effects inside a compiled step (appending to a list, printing) happen
once, when it is traced.

This module is the public front; ``_compile_state`` (the walk) and ``_compile_program`` (the
trace, the write-back, the fast path) import nothing from it at load.
"""

import functools
import linecache
import os
import sys
import threading
import types
import warnings

from ._compile_program import _Eager, _Fast, _GraphBreak, _Program, _arrays
from ._compile_state import _MISSING, _Fingerprint, _walk

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

    def __init__(self, fn, fullgraph, donate, limit, disable, quiet=False):
        self._fn = fn
        self._fullgraph = fullgraph
        self._donate = donate
        self._limit = limit
        self._disabled = disable
        self._programs = {}  # guard key -> _Program, or _EAGER after a graph break
        # `quiet`: ember's own use (an optimizer's fused step), where a graph break or the
        # recompile limit is ember's business, not the user's: eager from then on, no warning
        self._over_limit = False
        self._warned = quiet
        self._quiet = quiet
        self._fast = None  # a _Fast for repeated calls of the last program run, or None
        self._pure = None  # its lock-free call, where its program writes nothing back
        # an _Eager while a walk would again choose eager (no compiler, or a graph break)
        self._eager = None
        self._lock = threading.RLock()

    @property
    def compiled_variants(self):
        """How many programs (one per guard key) have been compiled so far."""
        return sum(1 for p in self._programs.values() if p is not _EAGER)

    def __get__(self, obj, objtype=None):
        return self if obj is None else types.MethodType(self, obj)

    def __call__(self, *args, **kwargs):
        pure = self._pure
        if pure is not None and not _tracing.active:  # (see _compile_program._pure_call)
            out = pure(args, kwargs)
            if out is not _MISSING:
                return out
        if self._disabled or _tracing.active:
            return self._fn(*args, **kwargs)
        with self._lock:
            fast = self._fast
            if fast is not None:  # a repeated call finding the same state: no walk
                out = fast.run(args, kwargs)
                if out is not _MISSING:
                    return out
                self._fast = self._pure = None
            eager = self._eager
            if eager is not None:  # the same state and guards as a walk that chose eager
                if eager.holds(args, kwargs):
                    return self._fn(*args, **kwargs)
                self._eager = None
            return self._call(args, kwargs)

    def _call(self, args, kwargs):
        fp = _Fingerprint()
        found = _walk((self._fn, args, kwargs), fp)
        be = _single_backend(found.tensors, found.arg_tensors)
        if be is None or be.compiler is None:
            if be is not None and found.tensors:  # (without state a walk costs little)
                self._eager = _Eager.make(fp, found, be, args, kwargs)
            return self._fn(*args, **kwargs)
        donated, inputs, where = _arrays(found, self._donate)
        key = (found.key(), tuple(where))  # (which state shares an array is part of a program)
        program = self._programs.get(key)
        if program is None:
            limit = self._limit if self._limit is not None else config.recompile_limit
            if len(self._programs) >= limit:  # the programs made so far still run
                if self._over_limit or self._quiet:
                    return self._fn(*args, **kwargs)
                self._over_limit = True
                warnings.warn(f"ember.compile: {_name(self._fn)} hit the recompile limit "
                              f"({limit}): its guards changed {limit} times (input shapes, "
                              f"dtypes, requires_grad, training mode or Python scalars). New "
                              f"variants run eagerly from now on; raise "
                              f"ember.compile.config.recompile_limit to compile more of them",
                              RecompileLimitWarning, stacklevel=3)
                return self._fn(*args, **kwargs)
            program = _Program(self, be, where)
            try:
                out = program.first_call(found, args, kwargs, donated, inputs)
            except _GraphBreak as brk:
                self._programs[key] = _EAGER
                return self._graph_break(brk, args, kwargs)
            self._programs[key] = program  # (not after the user's own error: it traces again)
            return out
        if program is _EAGER:  # (a graph break): eager while the guards stay the same
            if found.tensors:
                self._eager = _Eager.make(fp, found, be, args, kwargs)
            return self._fn(*args, **kwargs)
        grads = [t._grad for t in found.tensors]
        out = program.run(found, donated, inputs)
        self._fast = fast = _Fast.make(fp, found, program, args, kwargs, grads)
        self._pure = None if fast is None else fast.pure
        return out

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


_EAGER = object()  # a guard key whose program broke the graph: it runs eagerly


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
