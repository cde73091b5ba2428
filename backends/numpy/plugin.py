"""The NumPy backend's plugin hooks (see ``ember.hookspecs`` for the contract)."""

import numpy as np

import ember

DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
          "complex64", "complex128")


@ember.hookimpl
def ember_backend_info():
    return {"library": "numpy", "version": np.__version__, "mutable": True,
            "shares_numpy_memory": True, "dlpack": True,
            "out_kernels": ["add", "sub", "mul", "div"]}


@ember.hookimpl
def ember_backend_available():
    return None


@ember.hookimpl
def ember_backend_dtypes():
    return {name: np.dtype(name) for name in DTYPES}


@ember.hookimpl
def ember_backend_kernels():
    from ._alloc import tune
    from .kernels import make_kernels

    tune()  # keep freed temporaries' pages (glibc; EMBER_NO_MALLOPT=1 turns it off)
    return make_kernels(np)


@ember.hookimpl
def ember_backend_devices():
    return ["cpu"]


@ember.hookimpl
def ember_backend_expected_failures():
    return {}
