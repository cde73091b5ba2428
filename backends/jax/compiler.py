"""The JAX backend's compiler for ``ember.compile``: one ``jax.jit`` program per step.

ember hands over a pure function of raw arrays, ``fn(state, inputs) -> (new_state, outputs)``.
It is traced once to a jaxpr (ember runs the user's step, autograd included, on JAX's tracers),
and the jaxpr is compiled by ``jax.jit`` without what a step leaves alone: a state array the step
returns unchanged is neither donated nor an output (it comes back as the same array), and an input
the step never reads is not passed. Each output of a compiled program costs a new array per call
and each input a transfer check, so a step that reads a parameter without changing it (a forward
pass, a gradient) runs as a hand-written ``jax.jit`` of the same computation would. The state's
other buffers are donated to the new state.
"""


class Compiler:
    """What ``ember_backend_compiler`` returns (see ``ember.hookspecs``)."""

    def __init__(self):
        import jax

        self._jax = jax
        errors = jax.errors
        self.graph_breaks = (errors.ConcretizationTypeError, errors.TracerArrayConversionError,
                             errors.TracerBoolConversionError,
                             errors.TracerIntegerConversionError)

    def compile(self, fn, donate):
        return _Program(self._jax, fn, donate)

    @staticmethod
    def random_state(state):
        return state.key

    @staticmethod
    def set_random_state(state, raw):
        state.key = raw


class _Program:
    """A compiled ``fn(state, inputs)``, traced on its first call.

    After that call ``lean`` is ``(call, donate_at, input_at, out_src)`` for callers that gather
    the arguments themselves: with ``full = state + inputs``, ``call(tuple(full[j] for j in
    donate_at), tuple(full[j] for j in input_at))`` returns the computed outputs, and output `k`
    of `fn` is ``computed[m]`` where ``out_src[k] == (0, m)`` or ``full[j]`` where it is
    ``(1, j)`` (passed through unchanged)."""

    def __init__(self, jax, fn, donate):
        self._jax = jax
        self._fn = fn
        self._donate = donate
        self.lean = None

    def __call__(self, state, inputs):
        if self.lean is None:
            self.lean = self._trace(state, inputs)
        call, donate_at, input_at, out_src = self.lean
        full = state + inputs
        computed = call(tuple([full[j] for j in donate_at]), tuple([full[j] for j in input_at]))
        return tuple([computed[m] if kind == 0 else full[m] for kind, m in out_src]), ()

    def _trace(self, state, inputs):
        from jax.extend.core import jaxpr_as_fun

        closed = self._jax.make_jaxpr(self._fn)(state, inputs)
        jaxpr = closed.jaxpr
        n_in = len(state) + len(inputs)
        if len(jaxpr.invars) != n_in:  # (inputs that are not single arrays: no pruning)
            raise TypeError("ember.compile hands the JAX compiler tuples of arrays")
        position = {id(v): j for j, v in enumerate(jaxpr.invars)}
        read = {id(v) for eqn in jaxpr.eqns for v in eqn.invars}
        out_src, computed = [], []
        for k, v in enumerate(jaxpr.outvars):
            j = position.get(id(v))
            if j is None:
                out_src.append((0, len(computed)))
                computed.append(k)
            else:
                out_src.append((1, j))
        read.update(id(jaxpr.outvars[k]) for k in computed)
        passed = {j for kind, j in out_src if kind == 1}
        donate_at = [j for j in range(len(state)) if self._donate and j not in passed]
        input_at = [j for j, v in enumerate(jaxpr.invars)
                    if j not in donate_at and id(v) in read]
        run = jaxpr_as_fun(closed)

        def lean(donated, used):
            args = [None] * n_in  # (inputs nothing reads stay None)
            for j, raw in zip(donate_at, donated):
                args[j] = raw
            for j, raw in zip(input_at, used):
                args[j] = raw
            outs = run(*args)
            return tuple([outs[k] for k in computed])

        call = self._jax.jit(lean, donate_argnums=(0,) if donate_at else ())
        return call, donate_at, input_at, out_src
