"""ember's JAX backend (immutable arrays, CPU or GPU). Registered through the ``ember.backends``
entry point ``jax``.

Loading it turns on ``jax_enable_x64`` for the whole process, so that int64 and float64 mean what
they say (JAX would otherwise silently compute in 32 bits).
"""
