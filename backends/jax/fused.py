"""Composite ops as one jitted program each, for eager mode.

Core runs a composite op (``max_pool2d``, ``log_softmax``...) as its
decomposition into other kernels; on JAX each of those kernels, run eagerly, is an XLA program of
its own, lowered and compiled once per shape (and lowered again in every new process, even with
the persistent compile cache). Here the decompositions listed in ``FUSED`` run under one
``jax.jit``: the same kernels in the same order, so the same values, as one program per call
instead of four to seven. Arrays are the traced arguments, the other arguments (sizes, dims,
Python numbers, None) are static. Inside a trace (``ember.compile``) the decomposition runs as it
is, inlined into the caller's program.

Only decompositions that read no value on the host belong in ``FUSED`` (a traced value cannot be
read, and a kernel that checks indices on the host skips the check under a trace).
"""

import functools

FUSED = ("max_pool2d", "log_softmax", "softmax")


def one_program(fn):
    """`fn`, a kernel of raw arrays and hashable plain arguments, as one jitted program (per
    distinct plain arguments); called as it is inside a trace."""
    import jax

    array, tracer = jax.Array, jax.core.Tracer
    jitted = {}

    @functools.wraps(fn)
    def kernel(*args):
        dynamic = tuple(i for i, x in enumerate(args) if isinstance(x, array))
        if any(isinstance(args[i], tracer) for i in dynamic):
            return fn(*args)
        static = tuple(i for i in range(len(args)) if i not in dynamic)
        try:
            for i in static:
                hash(args[i])
        except TypeError:  # an argument jit cannot key on: run the kernels one by one
            return fn(*args)
        f = jitted.get(dynamic)
        if f is None:
            f = jitted[dynamic] = jax.jit(fn, static_argnums=static)
        return f(*args)

    return kernel


def fuse(kernels):
    """`kernels` with one-program kernels for the composite ops in ``FUSED`` that the table does
    not give itself (each decomposition bound to the table that core will complete)."""
    from ember.ops import registry

    full = registry.resolve_kernels(kernels)
    out = dict(kernels)
    for name in FUSED:
        op = registry.REGISTRY.get(name)
        if name not in kernels and op is not None and op.decomposition is not None:
            out[name] = one_program(functools.partial(op.decomposition, full))
    return out
