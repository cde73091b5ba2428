"""``opaque``: a test backend whose arrays and dtypes are not NumPy's.

Its raw array, ``Opaque``, wraps a NumPy array but exposes only ``.shape``, ``.ndim`` and
``.dtype``, and its ``.dtype`` is an ``OpaqueDType``: an object of its own with a name and
nothing else (no ``.kind``, ``.itemsize`` or ``.char``, and never equal to a NumPy dtype). Its
kernels are the NumPy backend's, each unwrapped on the way in and wrapped on the way out, so
any place where core reads NumPy's dtype attributes from a raw array, or hands a kernel
NumPy objects where the contract says backend ones, fails here. ``tests/test_opaque_backend.py``
registers it through an entry point (as a third party would) and runs the conformance suite
on it.
"""

import numpy as np

import ember

DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
          "complex64", "complex128")


class OpaqueDType:
    """A dtype that is only a name: one object per name, equal only to itself."""

    __slots__ = ("name",)
    _made = {}

    def __new__(cls, name):
        d = cls._made.get(name)
        if d is None:
            d = cls._made[name] = object.__new__(cls)
            object.__setattr__(d, "name", name)
        return d

    def __setattr__(self, key, value):
        raise AttributeError("OpaqueDType is immutable")

    def __reduce__(self):
        return OpaqueDType, (self.name,)

    def __repr__(self):
        return f"opaque.{self.name}"


class Opaque:
    """An n-d array of the opaque backend: a NumPy array behind ``.shape``, ``.ndim`` and an
    ``OpaqueDType``; no operators and no ``__array__``, so nothing reaches the NumPy array
    except through a kernel."""

    __slots__ = ("_a",)

    def __init__(self, array):
        self._a = array

    @property
    def shape(self):
        return self._a.shape

    @property
    def ndim(self):
        return self._a.ndim

    @property
    def dtype(self):
        return OpaqueDType(self._a.dtype.name)

    def __repr__(self):
        return f"Opaque({self._a!r})"


def unwrap(x):
    """NumPy's view of an argument: arrays and dtypes unwrapped, tuples and lists item by item."""
    if isinstance(x, Opaque):
        return x._a
    if isinstance(x, OpaqueDType):
        return np.dtype(x.name)
    if isinstance(x, tuple):
        return tuple(unwrap(i) for i in x)
    if isinstance(x, list):
        return [unwrap(i) for i in x]
    return x


def wrap(x):
    """A NumPy kernel's result as the backend's: arrays (NumPy scalars too) as Opaque."""
    if isinstance(x, (np.ndarray, np.generic)):
        return Opaque(np.asarray(x))
    if isinstance(x, tuple):
        return tuple(wrap(i) for i in x)
    if isinstance(x, list):
        return [wrap(i) for i in x]
    return x


def lift(name, fn):
    """NumPy backend kernel `fn` as an opaque kernel."""

    def kernel(*args, **kwargs):
        return wrap(fn(*unwrap(args), **{k: unwrap(v) for k, v in kwargs.items()}))

    kernel.__name__ = name
    return kernel


def _kernels():
    from ember_numpy.kernels import make_kernels

    table = {name: lift(name, fn) for name, fn in make_kernels(np).items()}
    # no memory shared with NumPy: host arrays are copied in and out
    table["to_numpy"] = lambda a: np.array(a._a, copy=True)
    table["from_numpy"] = lambda ndarray: Opaque(np.array(ndarray, copy=True))
    return table


@ember.hookimpl
def ember_backend_info():
    return {"library": "numpy behind opaque dtypes", "version": np.__version__,
            "mutable": True, "shares_numpy_memory": False, "dlpack": False}


@ember.hookimpl
def ember_backend_dtypes():
    return {name: OpaqueDType(name) for name in DTYPES}


@ember.hookimpl
def ember_backend_kernels():
    return _kernels()


@ember.hookimpl
def ember_backend_devices():
    return ["cpu"]
