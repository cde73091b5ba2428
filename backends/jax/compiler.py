"""The JAX backend's compiler for ``ember.compile``: one ``jax.jit`` program per step.

ember hands over a pure function of raw arrays, ``fn(state, inputs) -> (new_state, outputs)``;
``jax.jit`` traces it once with tracers (ember runs the user's step, autograd included, on them)
and compiles it to one XLA program, with the state's buffers donated to the new state.
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
        return self._jax.jit(fn, donate_argnums=(0,) if donate else ())

    @staticmethod
    def random_state(state):
        return state.key

    @staticmethod
    def set_random_state(state, raw):
        state.key = raw
