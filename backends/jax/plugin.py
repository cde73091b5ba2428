"""The JAX backend's plugin hooks (see ``ember.hookspecs`` for the contract).

jax is imported inside the hooks, never at module level, so that ``import ember`` does not import
it. When the backend loads it sets ``jax_enable_x64``: a process-wide JAX option, so the user's
own JAX code in the same process also gets 64-bit defaults from then on.
"""

import ember

DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
          "float64", "complex64", "complex128")

_NOT_INSTALLED = "jax is not installed (pip install 'ember[jax]')"


def _try_import():
    """The jax module, or None if it cannot be imported."""
    try:
        import jax
    except Exception:  # noqa: BLE001 - a broken install is reported as unavailable
        return None
    return jax


def _jax():
    """The jax module with 64-bit types enabled (ember's int64/float64 need them)."""
    import jax

    jax.config.update("jax_enable_x64", True)
    _persistent_cache(jax)
    return jax


def _persistent_cache(jax):
    """Keep compiled XLA programs in a user cache directory, so that a second run of a program
    does not compile every op's kernel again (seconds of eager start-up). Left alone if the user
    configured JAX's cache; ``EMBER_JAX_CACHE_DIR=""`` turns it off."""
    import os

    if getattr(jax.config, "jax_compilation_cache_dir", None) is not None:
        return  # the user's own setting (or an old JAX without the option: see below)
    path = os.environ.get("EMBER_JAX_CACHE_DIR")
    if path is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = os.path.join(base, "ember", "jax")
    if path:
        try:
            jax.config.update("jax_compilation_cache_dir", path)
            jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
            jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
        except (AttributeError, ValueError):  # a JAX without these options: no cache
            pass


@ember.hookimpl
def ember_backend_info():
    jax = _try_import()
    return {"library": "jax", "version": getattr(jax, "__version__", None), "extra": "jax",
            "mutable": False, "shares_numpy_memory": False, "dlpack": True,
            # JAX runs threads from its first use: a forked child deadlocks in them
            "start_method": "spawn",
            # eager ops lower and compile one XLA program per primitive, shape and dtype
            "compiles_per_shape": True}


@ember.hookimpl
def ember_backend_available():
    try:
        import jax  # noqa: F401
    except ImportError:
        return _NOT_INSTALLED
    except Exception as exc:  # noqa: BLE001 - this hook must not raise
        return f"jax could not be imported: {type(exc).__name__}: {exc}"
    return None


@ember.hookimpl
def ember_backend_dtypes():
    _jax()
    import jax.numpy as jnp

    return {name: jnp.dtype(name) for name in DTYPES}


@ember.hookimpl
def ember_backend_kernels():
    from .kernels import make_kernels

    _jax()
    return make_kernels()


@ember.hookimpl
def ember_backend_devices():
    """JAX's default devices as ember names: "cpu" for CPUs, "cuda:N" for GPUs."""
    names = []
    index = {}
    for d in _jax().devices():
        if d.platform == "cpu":
            name = "cpu"
        else:
            kind = "cuda" if d.platform in ("gpu", "cuda", "rocm") else d.platform
            name = f"{kind}:{index.setdefault(kind, 0)}"
            index[kind] += 1
        if name not in names:
            names.append(name)
    return names or ["cpu"]


@ember.hookimpl
def ember_backend_expected_failures():
    return {}


@ember.hookimpl
def ember_backend_compiler():
    from .compiler import Compiler

    _jax()
    return Compiler()
