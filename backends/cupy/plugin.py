"""The CuPy backend's plugin hooks (see ``ember.hookspecs`` for the contract).

cupy is imported inside the hooks, never at module level, so that ``import ember`` stays fast
and a machine without CUDA lists the backend as unavailable instead of failing.
"""

import numpy as np

import ember

# CuPy has no bfloat16
DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
          "complex64", "complex128")

_NOT_INSTALLED = "cupy is not installed (pip install 'ember[cuda]')"


def _device_count():
    import cupy

    return cupy.cuda.runtime.getDeviceCount()


@ember.hookimpl
def ember_backend_info():
    try:
        import cupy
        version = cupy.__version__
    except Exception:  # noqa: BLE001 - reported by ember_backend_available
        version = None
    return {"library": "cupy", "version": version, "extra": "cuda", "mutable": True,
            "shares_numpy_memory": False, "dlpack": True,
            "out_kernels": ["add", "sub", "mul", "div"],
            "start_method": "spawn"}  # CUDA cannot be used in a forked child


@ember.hookimpl
def ember_backend_available():
    try:
        import cupy  # noqa: F401
    except ImportError:
        return _NOT_INSTALLED
    except Exception as exc:  # noqa: BLE001 - this hook must not raise
        return f"cupy could not be imported: {type(exc).__name__}: {exc}"
    try:
        count = _device_count()
    except Exception as exc:  # noqa: BLE001 - no driver, no device, broken runtime
        return f"no CUDA device: {exc}"
    if count == 0:
        return "no CUDA device: cudaGetDeviceCount() found none"
    return None


@ember.hookimpl
def ember_backend_dtypes():
    return {name: np.dtype(name) for name in DTYPES}


@ember.hookimpl
def ember_backend_kernels():
    from .kernels import make_kernels

    return make_kernels()


@ember.hookimpl
def ember_backend_devices():
    return [f"cuda:{i}" for i in range(_device_count())]


@ember.hookimpl
def ember_backend_synchronize(device):
    import cupy

    cupy.cuda.Device(int(device.split(":")[1])).synchronize()


@ember.hookimpl
def ember_backend_expected_failures():
    return {}
