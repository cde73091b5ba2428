"""The frozen backend's hooks: the module the ``ember.backends`` entry point ``frozen`` names.

Each function marked ``@ember.hookimpl`` implements the hook of the same name in
``ember.hookspecs``; ember calls each one once, when the backend is first used.
"""

import numpy as np

import ember

from . import __version__

DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
          "complex64", "complex128")


@ember.hookimpl
def ember_backend_info():
    return {"library": "ember-frozen", "version": f"{__version__} (numpy {np.__version__})",
            "mutable": False, "shares_numpy_memory": False, "dlpack": False}


@ember.hookimpl
def ember_backend_available():
    return None  # NumPy runs everywhere


@ember.hookimpl
def ember_backend_dtypes():
    return {name: np.dtype(name) for name in DTYPES}


@ember.hookimpl
def ember_backend_kernels():
    from .kernels import KERNELS  # imported here, so that listing backends stays cheap

    return KERNELS


@ember.hookimpl
def ember_backend_devices():
    return ["cpu"]


@ember.hookimpl
def ember_backend_expected_failures():
    return {}
