"""One compiled program of ``ember.compile``: the trace, the write-back, and repeated calls.

- **The trace** (:meth:`_Program.first_call`) runs the user's step, ember's own autograd
  included, on the backend compiler's tracer arrays, as a pure function of the state's arrays,
  the arguments', the lifted numbers' and the generators' states. :class:`_Snapshot` puts all
  state back afterwards (a failed trace changes nothing); :func:`_plan` records in a
  :class:`_Plan` how the outputs go back into the same Tensor objects.
- **Lazily created state** (``.grad`` on the first backward, optimizer moments and step counts
  on the first step) is found by the first trace: whatever new tensors, dicts and numbers the
  step attaches to the state (``p.grad``, ``optimizer.state[p]``) become outputs that are
  attached again after each call. That state changes the guards, so the second call compiles the
  steady-state program (two compilations for a training step, none of them an eager step, which
  on JAX would compile every op on its own). The state's buffers are donated to the program
  (unchanged ones come back as the same buffers). A lifted number the step leaves alone is not
  read back (no host sync); step counts are 0-d tensors, as in PyTorch, so they stay on the
  device.
- **Repeated calls** skip the walk (:class:`_Fast`): a call records what its walk read (see
  ``ember._compile_state._Fingerprint``), each state tensor's array, grad and flags, and the
  kinds of its arguments; the next call that finds all of it the same objects (its tensor
  arguments the same shapes, dtypes and ``requires_grad``) runs the program at once, through the
  compiler's lean entry where it has one (:func:`_lean`). Anything changed between calls (a
  module reassigned, ``requires_grad_``, a scalar the trace read, ``load_state_dict``,
  ``eval()``, a new batch size) walks again.
"""

import gc

from . import views as _views
from . import dtypes as _dt
from ._compile_state import _MISSING, _SCALARS, _flatten, _meta, _unflatten
from .autograd.graph import grad_mode
from .tensor import Tensor, _wrap


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


def _arrays(found, donate):
    """(donated, inputs, where): the state's arrays, each once, donated unless an argument holds
    it too; `where` says where each state tensor's array went. Every donated array is also an
    output (unchanged ones alias their input buffer, at no cost)."""
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


class _Program:
    """One traced and compiled variant of a function (one guard key)."""

    def __init__(self, owner, be, where):
        self.owner = owner
        self.be = be
        self.where = where  # each state tensor's place among the program's inputs
        self.compiled = None
        self.plan = None
        self.numbers = {}  # lifted number index -> (its value, its array) in the last call

    def first_call(self, found, args, kwargs, donated, inputs):
        """Trace and compile, then run; a graph break or the user's error restores all state."""
        from ._compile import _tracing, _where  # (the front imports this module at load)

        be = self.be
        comp = be.compiler
        where = self.where
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
                lifted = []
                for d, key in found.numbers:
                    d[key] = _wrap(input_raws[pos], be, f64)
                    lifted.append((d[key], input_raws[pos]))
                    pos += 1
                keys = input_raws[pos:pos + len(snap.random)]
                for (_, s, _), key in zip(snap.random, keys):
                    comp.set_random_state(s, key)
                result = self.owner._fn(*args, **kwargs)
                plan, outs = _plan(found, snap, initial, [side == 0 for side, _ in where],
                                   keys, lifted, result, be)
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
        # no cyclic garbage collection while tracing and compiling: they make many objects
        # that live until they end (a collection in between only walks them), about a tenth
        # of a training step's first call
        collecting = gc.isenabled()
        gc.disable()
        try:
            out = self._invoke(found, tuple(donated), inputs)
        finally:
            if collecting:
                gc.enable()
        self.plan = recorded["plan"]
        return self.plan.apply(found, out, be, self.numbers)

    def _number_array(self, j, value):
        """The 0-d float64 array for lifted number `j`: the one the last call used or wrote back,
        if the number did not change since, else a new one."""
        cached = self.numbers.get(j)
        if cached is not None and cached[0] == value and type(cached[0]) is type(value):
            return cached[1]
        be = self.be
        raw = be.kernels["asarray"](float(value), be.dtype_native(_dt.float64))
        self.numbers[j] = (value, raw)
        return raw

    def _extra(self, found):
        """The inputs after the state's and the arguments' arrays: the lifted numbers' arrays and
        the generators' states."""
        be = self.be
        extra = ([self._number_array(j, d[k]) for j, (d, k) in enumerate(found.numbers)]
                 if found.numbers else [])
        for g in found.generators:
            extra.append(be.compiler.random_state(g.state_for(be)))
        return extra

    def _invoke(self, found, donated, inputs):
        """Run the program on the state's arrays (`donated`, a tuple, and `inputs`, a list) and
        the arguments', lifted numbers' and generators'; its outputs."""
        extra = [t._data for t in found.arg_tensors] + self._extra(found)
        return self.compiled(donated, tuple(inputs + extra))[0]

    def run(self, found, donated, inputs):
        return self.plan.apply(found, self._invoke(found, tuple(donated), inputs), self.be,
                               self.numbers)


class _Fast:
    """The shortcut of repeated calls to the program the last walked call ran: the walk's result
    (:class:`_Found`) and what it read (:class:`_Fingerprint`), each state tensor's array, grad
    and flags as the last call left them, and what kind each argument was. A call that matches
    all of it by identity (and its tensor arguments by shape, dtype and requires_grad) runs the
    program at once; after the write-back the record follows the state the plan rebound."""

    __slots__ = ("fp", "found", "program", "kinds", "names", "grad_mode", "state", "ids",
                 "valid", "slots", "shared", "call", "plan", "lean", "arrays_at", "donated",
                 "inputs", "extra_at", "written", "follow", "be", "only", "plain_args",
                 "matches", "pure")

    @classmethod
    def make(cls, fp, found, program, args, kwargs, grads):
        """A _Fast after a walked call's write-back (`grads`: the state's grads before it), or
        None where the state cannot be followed so (nested arguments, rebound dict entries)."""
        kinds = _arg_kinds(args + tuple(kwargs.values()), found.ids)
        where = program.where
        if (kinds is None or not fp.ok or program.plan.entries
                or (program.owner._donate and any(side for side, _ in where))):
            return None
        self = cls()
        self.fp, self.found, self.program, self.kinds = fp, found, program, kinds
        self.matches = fp.matches
        self.names = tuple(kwargs)
        self.grad_mode = grad_mode.enabled
        self.valid = True
        first, self.shared = {}, []
        for i, k in enumerate(where):
            if k in first:
                self.shared.append((first[k], i))
            else:
                first[k] = i
        self.slots = len(first)
        at = ([i for k, i in first.items() if k[0] == 0], [i for k, i in first.items() if k[0]])
        lean = _lean(program, *at)
        self.lean = lean is not None
        if self.lean:
            self.call, self.plan, self.arrays_at, self.extra_at = lean
        else:
            self.call, self.plan, self.arrays_at = program.compiled, program.plan, at
            self.extra_at = None
        self.written = [i for i, _, _ in self.plan.data]
        plan = self.plan
        self.follow = bool(not self.lean or self.written or plan.grads or plan.numbers)
        self.be = program.be
        self.only = plan.only_result if self.lean else None  # (then apply only wraps it)
        self.plain_args = not (kinds or self.names)  # (a step called without arguments)
        found.arg_tensors = ()  # (not kept alive: each call brings its own)
        replaced = self._replace_grads([grads[i] for i, _ in self.plan.grads])
        if replaced is None or (self.lean and not _stable(where, self.plan, replaced)):
            return None
        if not self._capture():
            return None
        self.pure = _pure_call(self) if self.only is not None else None
        return self

    def run(self, args, kwargs):
        """Run the program if a walk now would find what the last one did; else _MISSING."""
        if not self.valid or grad_mode.enabled is not self.grad_mode or not self.matches():
            return _MISSING
        for t, data, grad, rg, fn, dtype in self.state:
            if (t._data is not data or t._grad is not grad or t._rg is not rg
                    or t.grad_fn is not fn or t._dtype is not dtype):
                return _MISSING
        if self.plain_args and not (args or kwargs):
            arg_tensors = ()
        else:
            arg_tensors = self._arg_tensors(args, kwargs)
            if arg_tensors is None:
                return _MISSING
        found, extra_at = self.found, self.extra_at
        found.arg_tensors = arg_tensors
        try:
            inputs = self.inputs
            if extra_at is None or extra_at:  # (all of them, or those the program reads)
                extra = [t._data for t in arg_tensors] + self.program._extra(found)
                inputs += tuple(extra if extra_at is None else [extra[j] for j in extra_at])
            out = self.call(self.donated, inputs)
            only = self.only
            if only is not None:  # (a plan that writes nothing back: a forward, a grad)
                return _wrap(out[only[1]], self.be, only[2])
            result = self.plan.apply(found, out if self.lean else out[0], self.be,
                                     self.program.numbers)
            if self.follow:
                self.valid = self._follow()
        except BaseException:
            self.valid = False
            raise
        finally:
            found.arg_tensors = ()
        return result

    def _arg_tensors(self, args, kwargs):
        """The tensor arguments, if the arguments are of the kinds the last walk saw, or None."""
        return _match_args(args, kwargs, self.kinds, self.names, self.program.be,
                           self.found.ids, self.ids)

    def _replace_grads(self, old_grads):
        """Put each new grad the plan attached where its old one (`old_grads`) was among the
        state tensors (a grad reached only as a .grad); the indices replaced, or None where a
        walk would now find other state (a grad appeared or went away)."""
        found = self.found
        tensors, ids = found.tensors, found.ids
        replaced = []
        for (i, _), old in zip(self.plan.grads, old_grads):
            new = tensors[i]._grad
            j = ids.get(id(old))
            if old is None or new is None or j not in found.grads or id(new) in ids:
                return None
            del ids[id(old)]
            ids[id(new)] = j
            tensors[j] = new
            replaced.append(j)
        return replaced

    def _follow(self):
        """Update the record after a fast call's write-back; False where it cannot be."""
        plan, state, written = self.plan, self.state, self.written
        if plan.grads:
            replaced = self._replace_grads([state[i][2] for i, _ in plan.grads])
            if replaced is None:
                return False
            written = written + replaced + [i for i, _ in plan.grads]
        if plan.numbers:
            for j, _, _ in plan.numbers:
                self.fp.refresh(self.found.numbers[j][0])
        if not self.lean:  # (what another compiler returns: check it all)
            return self._capture()
        if written:  # (the arrays share as before: see _stable)
            tensors, ids = self.found.tensors, self.ids
            for i in written:
                ids.discard(id(state[i][1]))
                t = tensors[i]
                state[i] = (t, t._data, t._grad, t._rg, t.grad_fn, t._dtype)
                ids.add(id(t._data))
            self._arrays()
        return True

    def _capture(self):
        tensors = self.found.tensors
        self.state = [(t, t._data, t._grad, t._rg, t.grad_fn, t._dtype) for t in tensors]
        raws = [t._data for t in tensors]
        self.ids = set(map(id, raws))
        if len(self.ids) != self.slots or any(raws[i] is not raws[j] for i, j in self.shared):
            return False  # (the program was made for other sharing)
        self._arrays()
        return True

    def _arrays(self):
        tensors = self.found.tensors
        self.donated = tuple([tensors[i]._data for i in self.arrays_at[0]])
        self.inputs = tuple([tensors[i]._data for i in self.arrays_at[1]])


def _pure_call(fast):
    """A function ``(args, kwargs) -> result or _MISSING`` for a _Fast whose program writes
    nothing back (a forward, a gradient): the same checks as :meth:`_Fast.run`, written out as
    straight-line code for this state (each binding, tensor and flag a constant), then the
    program. Such a call changes nothing of ember's, so it needs no lock, and while its checks
    hold it is right whichever call made it."""
    fp, env, lines = fast.fp, {"M": _MISSING, "gm": grad_mode, "GM": fast.grad_mode}, []

    def const(value):
        name = f"c{len(env)}"
        env[name] = value
        return name

    lines.append("if gm.enabled is not GM: return M")
    if fp.dicts or fp.lists:
        lines.append(f"if not {const(fp.containers_match)}(): return M")
    for cell, value in fp.cells:
        lines.append(f"if {const(cell)}.cell_contents is not {const(value)}: return M")
    for get, key, value in fp.entries:
        lines.append(f"if {const(get)}({const(key)}, M) is not {const(value)}: return M")
    for obj, name, value in fp.attrs:
        lines.append(f"if getattr({const(obj)}, {const(name)}, M) is not {const(value)}: "
                     f"return M")
    for t, data, grad, rg, fn, dtype in fast.state:
        t = const(t)
        lines.append(f"if ({t}._data is not {const(data)} or {t}._grad is not {const(grad)} or "
                     f"{t}._rg is not {const(rg)} or {t}.grad_fn is not {const(fn)} or "
                     f"{t}._dtype is not {const(dtype)}): return M")
    call, donated, inputs = const(fast.call), const(fast.donated), const(fast.inputs)
    if fast.plain_args:
        lines.append("if args or kwargs: return M")
        tensors = "()"
    else:
        lines.append(f"tensors = {const(fast._arg_tensors)}(args, kwargs)")
        lines.append("if tensors is None: return M")
        tensors = "tensors"
    extra_at = fast.extra_at
    if extra_at:  # (the lifted numbers and generators it reads: see _Program._extra)
        lines.append(f"extra = [t._data for t in {tensors}] + "
                     f"{const(fast.program._extra)}({const(fast.found)})")
        lines.append(f"inputs = {inputs} + tuple([extra[j] for j in {const(extra_at)}])")
        inputs = "inputs"
    k, dtype = fast.only[1:3]
    lines.append(f"return {const(_wrap)}({call}({donated}, {inputs})[{k}], {const(fast.be)}, "
                 f"{const(dtype)})")
    source = "def pure(args, kwargs):\n" + "".join(f"    {line}\n" for line in lines)
    exec(compile(source, "<ember.compile guards>", "exec"), env)
    return env["pure"]


def _stable(where, plan, replaced):
    """Whether after each call the state's arrays share as `where` (before it) says, for a plan
    with the lean entry's outputs (each a new array): tensors that share one must all keep it or
    all get the same output, and no two arrays may become one."""
    written = {i: k for i, k, _ in plan.data}
    for (_, spec), j in zip(plan.grads, replaced):
        if spec[0] != "out":
            return False
        written[j] = spec[1]
    groups = {}
    for i, k in enumerate(where):
        groups.setdefault(k, set()).add(written.get(i))
    outs = [next(iter(g)) for g in groups.values() if len(g) == 1]
    news = [k for k in outs if k is not None]
    return len(outs) == len(groups) and len(set(news)) == len(news)


def _lean(program, donated_at, inputs_at):
    """The compiler's lean entry to `program` if it has one (the JAX compiler's, which leaves out
    what a step does not change or read: see its ``_Program.lean``), as (call, the plan with the
    entry's output indices, (the state tensors whose arrays it takes donated, and not donated),
    which of the other inputs it reads); None where the plan needs an output the entry passes
    through, other than a state array written back unchanged (then not written back at all).
    `donated_at` and `inputs_at`: a state tensor holding each donated and not donated array."""
    lean = getattr(program.compiled, "lean", None)
    if lean is None:
        return None
    call, donate_at, input_at, out_src = lean
    plan, n_donated = program.plan, len(donated_at)
    data = []
    for i, k, bump in plan.data:
        side, slot = program.where[i]
        if out_src[k] != (1, n_donated * side + slot) or bump:
            data.append((i, k, bump))

    def index(k):
        kind, m = out_src[k]
        if kind:
            raise LookupError(k)
        return m

    def spec(s):
        if s[0] == "out":
            return ("out", index(s[1])) + s[2:]
        return ("tree", s[1], [spec(x) for x in s[2]]) if s[0] == "tree" else s

    mapped = _Plan()
    try:
        mapped.data = [(i, index(k), bump) for i, k, bump in data]
        mapped.arg_data = [(i, index(k), bump) for i, k, bump in plan.arg_data]
        mapped.grads = [(i, spec(s)) for i, s in plan.grads]
        mapped.numbers = [(j, k if isinstance(k, tuple) else index(k), kind)
                          for j, k, kind in plan.numbers]
        mapped.random = [(j, index(k)) for j, k in plan.random]
        mapped.result = (plan.result[0], [spec(s) for s in plan.result[1]])
    except LookupError:
        return None
    mapped.seal()
    state = donated_at + inputs_at
    n_state = len(state)
    return (call, mapped, ([state[j] for j in donate_at],
                           [state[j] for j in input_at if j < n_state]),
            [j - n_state for j in input_at if j >= n_state])


def _match_args(args, kwargs, kinds, names, be, found_ids, state_ids):
    """The tensor arguments, if `args` and `kwargs` are of the `kinds` (see :func:`_arg_kinds`)
    and keyword `names` a walk saw, or None. `found_ids`: the ids of the state tensors it found,
    `state_ids`: those of their arrays (an argument must not be, or share, one)."""
    if kwargs or names:
        if tuple(kwargs) != names:
            return None
        args = args + tuple(kwargs.values())
    if len(args) != len(kinds):
        return None
    tensors = []
    for a, kind in zip(args, kinds):
        if kind[0] == 1:  # a tensor argument: its shape, dtype and requires_grad
            if (not isinstance(a, Tensor) or a._dtype is not kind[2] or a._rg is not kind[3]
                    or a._backend is not be or a._data.shape != kind[1]
                    or id(a) in found_ids or id(a._data) in state_ids):
                return None
            tensors.append(a)
        elif kind[0] == 0:  # state, or an object the walk went through
            if a is not kind[1]:
                return None
        elif type(a) is not kind[1] or a != kind[2]:  # a Python scalar: its value
            return None
    return tensors


class _Eager:
    """A function the last walk decided to run eagerly: its state is on a backend without a
    compiler, or its program for that walk's guards broke the graph. While a walk would find
    the same state with the same guards (the fingerprint holds, the arguments are of the same
    kinds, grad mode and each state tensor's backend, shape, dtype and flags are the same), a
    call runs the function at once, without walking."""

    __slots__ = ("fp", "metas", "be", "grad_mode", "kinds", "names", "found_ids", "state_ids")

    @classmethod
    def make(cls, fp, found, be, args, kwargs):
        """An _Eager after a walk that found state on `be` alone, or None where the walk read
        something the fingerprint cannot check or the arguments are nested."""
        kinds = _arg_kinds(args + tuple(kwargs.values()), found.ids)
        if kinds is None or not fp.ok:
            return None
        self = cls()
        self.fp, self.be, self.kinds, self.names = fp, be, kinds, tuple(kwargs)
        self.grad_mode = grad_mode.enabled
        self.metas = [(t, _meta(t)) for t in found.tensors]
        self.found_ids = dict(found.ids)
        self.state_ids = {id(t._data) for t in found.tensors}
        return self

    def holds(self, args, kwargs):
        if grad_mode.enabled is not self.grad_mode or not self.fp.matches():
            return False
        be = self.be
        for t, meta in self.metas:  # (what the guard key holds of each: see _Found.key)
            if t._backend is not be or _meta(t) != meta:
                return False
        return _match_args(args, kwargs, self.kinds, self.names, be, self.found_ids,
                           self.state_ids) is not None


def _arg_kinds(items, state_ids):
    """How :meth:`_Fast.match` checks each argument: (0, obj) the same object, (1, shape, dtype,
    requires_grad) a tensor argument, (2, type, value) a Python scalar; None for nested ones."""
    kinds = []
    for a in items:
        if isinstance(a, Tensor):
            kinds.append((0, a) if id(a) in state_ids else (1, a._data.shape, a._dtype, a._rg))
        elif isinstance(a, _SCALARS):
            kinds.append((2, type(a), a))
        elif isinstance(a, (list, tuple, dict)):
            return None
        else:
            kinds.append((0, a))
    return kinds


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

        self.only_result = None  # the result's leaf, where it is all (see seal)

    def seal(self):
        """Note, once the plan is made, whether its result is one new tensor and nothing else is
        written back (a forward, a gradient): then apply only wraps that array."""
        tree, leaves = self.result
        if (tree is None and leaves[0][0] == "out" and not (
                self.data or self.arg_data or self.grads or self.entries or self.numbers
                or self.random)):
            self.only_result = leaves[0]
        return self

    def apply(self, found, outs, be, numbers):
        if self.only_result is not None:  # (a plan that writes nothing back: a forward, a grad)
            spec = self.only_result
            return _wrap(outs[spec[1]], be, spec[2])
        tensors = found.tensors
        if self.data:
            check_aliases = not be.mutable
            for i, k, bump in self.data:
                t = tensors[i]
                t._data = outs[k]
                if bump:
                    t._vc[0] += bump
                if check_aliases and _views.has_aliases(t):
                    _views.written(t)
        for i, k, bump in self.arg_data:
            t = found.arg_tensors[i]
            t._data = outs[k]
            t._vc[0] += bump
        new = {}  # one Tensor per new tensor of the trace, wherever it appears
        if self.grads or self.entries:
            for i, spec in self.grads:
                tensors[i]._grad = _leaf(spec, outs, found, new, be)
            for j, key, spec in self.entries:
                d = found.dicts[j]
                if spec is None:
                    d.pop(key, None)
                else:
                    d[key] = _leaf(spec, outs, found, new, be)
        if self.numbers or self.random:
            self._numbers_and_random(found, outs, be, numbers)
        tree, leaves = self.result
        if tree is None:  # a single leaf
            spec = leaves[0]
            if spec[0] == "out" and not new:
                return _wrap(outs[spec[1]], be, spec[2])
            return _leaf(spec, outs, found, new, be)
        return _unflatten(tree, iter([_leaf(s, outs, found, new, be) for s in leaves]))

    def _numbers_and_random(self, found, outs, be, numbers):
        for j, k, kind in self.numbers:
            d, key = found.numbers[j]
            if isinstance(k, tuple):
                d[key] = k[1]
            else:  # (a host sync: only numbers the step changed come back)
                d[key] = value = kind(be.kernels["to_numpy"](outs[k]).item())
                numbers[j] = (value, outs[k])
        for j, k in self.random:
            g = found.generators[j]
            be.compiler.set_random_state(g.state_for(be), outs[k])


def _leaf(spec, outs, found, new, be):
    """The object a plan's leaf `spec` stands for after a call with outputs `outs`."""
    kind = spec[0]
    if kind == "out":
        t = new.get(spec[3])
        if t is None:
            t = new[spec[3]] = _wrap(outs[spec[1]], be, spec[2])
        return t
    if kind == "state":
        return found.tensors[spec[1]]
    if kind == "arg":
        return found.arg_tensors[spec[1]]
    if kind == "tree":
        return _unflatten(spec[1], iter([_leaf(s, outs, found, new, be) for s in spec[2]]))
    return spec[1]


def _plan(found, snap, initial, donated, keys, lifted, result, be):
    """After the trace: the plan of write-backs and the tracer arrays to output. `initial` holds
    each state tensor's input tracer, `donated` whether its buffer is donated (then it is always
    an output), `keys` the generators' input states, `lifted` the tensors the lifted numbers were
    given and their arrays (a number still holding its own is not written back: no host sync)."""
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
    # the state's new arrays first, in the state's order (that of the donated buffers): a
    # compiler that pairs donated buffers with results in order then writes each array's new
    # value over its own buffer (another pairing would have to copy buffers still to be read)
    for i, t in enumerate(found.tensors):
        if donated[i] or t._data is not initial[i]:  # (a donated array is always an output)
            plan.data.append((i, out(t._data), t._vc[0] - before[i][6]))
    for i, t in enumerate(found.tensors):
        g = t._grad
        if g is not before[i][2]:
            ran_backward = True
            plan.grads.append((i, spec(g)))
    for j, t in enumerate(found.arg_tensors):
        version0 = before[n + j][6]
        if t._vc[0] != version0:
            plan.arg_data.append((j, out(t._data), t._vc[0] - version0))
    numbers = {(id(d), k) for d, k in found.numbers}
    for j, (d, saved) in enumerate(snap.dicts):
        for key, value in d.items():
            if (id(d), key) not in numbers and (key not in saved or saved[key] is not value):
                plan.entries.append((j, key, spec(value)))
        plan.entries += [(j, key, None) for key in saved if key not in d]
    for j, (d, key) in enumerate(found.numbers):
        value = d[key]
        kind = type(snap.numbers[j][2])
        if value is lifted[j][0] and value._data is lifted[j][1]:
            continue  # unchanged (a learning rate no scheduler moved inside the step)
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
    return plan.seal(), outs

