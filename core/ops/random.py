"""Random creation: Generator, manual_seed, rand, randn, randint and their ``*_like`` forms.

Each backend draws numbers with its own generator (``generator(seed)`` gives its state), so a
seed makes runs reproducible on each backend; the numbers differ between backends.
"""

import os

from ._common import _dt, _wrap, as_shape, default_backend_for
from .registry import defop

_DEFAULT_SEED = 67280421310721


class Generator:
    """A source of random numbers: ``g = ember.Generator().manual_seed(0)``; pass ``generator=g``."""

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = _DEFAULT_SEED
        self._states = {}

    def manual_seed(self, seed):
        seed = int(seed)
        if not -0x8000_0000_0000_0000 <= seed <= 0xFFFF_FFFF_FFFF_FFFF:
            raise ValueError(f"Overflow when unpacking long long: seed {seed} is out of range")
        self._seed = seed % (1 << 64)
        self._states.clear()
        return self

    def seed(self):
        """Seed from the operating system's entropy; returns the seed."""
        self.manual_seed(int.from_bytes(os.urandom(8), "little") >> 1)
        return self._seed

    def initial_seed(self):
        return self._seed

    def state_for(self, be):
        state = self._states.get(be.name)
        if state is None:
            state = self._states[be.name] = be.kernels["generator"](self._seed)
        return state


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator, on every backend; returns it."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


@defop("generator", "random", "none",
       kernel="generator(seed) -> state  (an object the other random kernels advance)",
       function=False, method=False)
def _generator_state(be, seed):
    """A backend's random state for `seed` (used through ember.Generator)."""
    return be.kernels["generator"](seed)


def _draw(kernel, args, size, generator, dtype, device, requires_grad, backend, fn):
    shape = as_shape(size, fn)
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(shape)}")
    be = backend if backend is not None else default_backend_for(device)
    state = (generator or default_generator).state_for(be)
    out = _wrap(be.kernels[kernel](state, *args, shape, be.dtype_native(dtype)), be, dtype)
    if requires_grad:
        out.requires_grad_(True)
    return out


def _float_dtype(dtype, fn):
    dtype = dtype or _dt.get_default_dtype()
    if not (dtype.is_floating_point or dtype.is_complex):
        raise NotImplementedError(f'"{fn}" not implemented for \'{dtype.name}\'')
    return dtype


@defop("rand", "random", "the default float", kernel="rand(state, shape, dtype) -> uniform array in [0, 1)",
       method=False)
def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, _backend=None):
    """Uniform random numbers in [0, 1)."""
    return _draw("rand", (), size, generator, _float_dtype(dtype, "rand"), device, requires_grad,
                 _backend, "rand")


@defop("randn", "random", "the default float", kernel="randn(state, shape, dtype) -> standard normal array",
       method=False)
def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, _backend=None):
    """Standard normal random numbers."""
    return _draw("randn", (), size, generator, _float_dtype(dtype, "randn"), device, requires_grad,
                 _backend, "randn")


@defop("randint", "random", "int64", kernel="randint(state, low, high, shape, dtype) -> array",
       method=False)
def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False, _backend=None):
    """Random integers in [low, high)."""
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if size is None or high is None:
        raise TypeError("randint() missing required arguments 'high' and 'size'")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    return _draw("randint", (int(low), int(high)), (size,), generator, dtype or _dt.int64, device,
                 requires_grad, _backend, "randint")


def rand_like(input, *, dtype=None, generator=None):
    """Like :func:`rand`, with the size and dtype of `input`."""
    return rand(input.shape, dtype=dtype or input.dtype, generator=generator,
                _backend=input._backend)


def randn_like(input, *, dtype=None, generator=None):
    """Like :func:`randn`, with the size and dtype of `input`."""
    return randn(input.shape, dtype=dtype or input.dtype, generator=generator,
                 _backend=input._backend)
