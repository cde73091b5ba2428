"""Random creation: Generator, manual_seed, rand, randn, randint, randperm, normal, bernoulli,
multinomial and the ``*_like`` forms.

On the CPU every backend draws from one generator in core (:mod:`ember._mt19937`): PyTorch's
Mersenne Twister with PyTorch's transforms, computed with NumPy and converted to the backend's
array, so a seed gives PyTorch CPU's numbers on NumPy, JAX and any third-party CPU backend.
Backends on other devices (CuPy), and draws inside a function that ``ember.compile`` traces, use
the backend's own generator (``generator(seed)`` gives its state), as PyTorch's CUDA generator
and ``torch.compile`` give other numbers than its eager CPU one.
"""

import os

import numpy as np

from .. import _mt19937
from ._common import _dt, _wrap, as_shape, check_tensor, default_backend_for, grad_mode, record
from .registry import COMPLEX, FLOATING, REAL, defop

_DEFAULT_SEED = 67280421310721


class Generator:
    """A source of random numbers: ``g = ember.Generator().manual_seed(0)``; pass ``generator=g``.
    Its CPU state is PyTorch's (:meth:`get_state` gives PyTorch's bytes)."""

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = _DEFAULT_SEED
        self._states = {}
        self._cpu = _mt19937.CPUGenerator(_DEFAULT_SEED)

    def manual_seed(self, seed):
        seed = int(seed)
        if not -0x8000_0000_0000_0000 <= seed <= 0xFFFF_FFFF_FFFF_FFFF:
            raise ValueError(f"Overflow when unpacking long long: seed {seed} is out of range")
        self._seed = seed % (1 << 64)
        self._cpu.manual_seed(self._seed)
        self._states.clear()
        return self

    def seed(self):
        """Seed from the operating system's entropy; returns the seed."""
        self.manual_seed(int.from_bytes(os.urandom(8), "little") >> 1)
        return self._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The CPU generator's state as a uint8 tensor of PyTorch's layout (5056 bytes), which
        ``torch.Generator.set_state`` also accepts."""
        from .creation import from_numpy

        return from_numpy(self._cpu.get_state())

    def set_state(self, new_state):
        """Restore a state from :meth:`get_state` (or from PyTorch's ``get_state()``)."""
        from ._common import Tensor

        if not isinstance(new_state, Tensor) or new_state._dtype is not _dt.uint8:
            got = new_state._dtype if isinstance(new_state, Tensor) else type(new_state).__name__
            raise TypeError(f"RNG state must be a torch.ByteTensor, got {got}")
        self._cpu.set_state(new_state._backend.kernels["to_numpy"](new_state._data))
        self._seed = self._cpu.seed  # the bytes hold the CPU state only: GPU streams stay
        return self

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


def get_rng_state():
    """The default generator's state (a uint8 tensor, PyTorch's layout)."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restore the default generator's state from :func:`get_rng_state`."""
    default_generator.set_state(new_state)


def _host(be):
    """True when draws on `be` come from core's CPU generator: a CPU backend, outside a trace
    of ``ember.compile`` (there the numbers must be computed by the traced program)."""
    if not be.default_device.startswith("cpu"):
        return False
    from .._compile import _tracing

    return not _tracing.active


def _native(be, dtype):
    """The NumPy dtype host draws of `dtype` are made in: the backend's native dtype where it
    is a NumPy one, else NumPy's dtype of that name (a backend's dtypes need not be NumPy's)."""
    native = be.dtype_native(dtype)
    try:
        return np.dtype(native)
    except TypeError:
        return np.dtype(dtype.name)


def _from_host(arr, be, dtype):
    """A NumPy result as a tensor of `be` and `dtype`."""
    native = _native(be, dtype)
    if arr.dtype != native:
        arr = arr.astype(native)
    return _wrap(be.kernels["from_numpy"](arr), be, dtype)


def _host_draw(kernel, args, shape, cpu, native):
    """The CPU generator's numbers for one of the creation kernels, as a NumPy array."""
    if kernel == "randint":
        low, high = args
        n = int(np.prod(shape, dtype=np.int64))
        return cpu.integers(n, low, high).astype(native).reshape(shape)
    return _host_floats(kernel, shape, cpu, native, 0.0, 1.0)


def _host_floats(kind, shape, cpu, native, a, b):
    """Uniforms in [a, b) (`kind` "rand") or normals of mean a and std b ("randn") of NumPy
    dtype `native`; a complex tensor is filled as its real view, a normal's std divided by
    sqrt(2) so that the complex variance is b ** 2, as PyTorch does."""
    n = int(np.prod(shape, dtype=np.int64))
    complex_ = native.kind == "c"
    real = np.empty(0, native).real.dtype if complex_ else native
    count = 2 * n if complex_ else n
    if kind == "rand":
        out = cpu.uniform(count, real, a, b)
    else:
        out = cpu.normal(count, real, a, b / 2 ** 0.5 if complex_ else b)
    out = out.astype(real, copy=False)
    return (out.view(native) if complex_ else out).reshape(shape)


def fill_numbers(like, kind, a, b, generator=None):
    """``like.uniform_(a, b)`` (`kind` "rand") or ``like.normal_(a, b)`` ("randn")'s numbers from
    the CPU generator, as a tensor like `like`; None where the backend's own generator draws."""
    be = like._backend
    if not _host(be) or not (like._dtype.is_floating_point or like._dtype.is_complex):
        return None
    cpu = (generator or default_generator)._cpu
    host = _host_floats(kind, tuple(like.shape), cpu, _native(be, like._dtype), a, b)
    return _from_host(host, be, like._dtype)


def random_int64(generator=None):
    """``torch.empty((), dtype=torch.int64).random_(generator=generator).item()``: a seed drawn
    from the CPU generator, as PyTorch's samplers and DataLoader draw theirs."""
    return (generator or default_generator)._cpu.random_int64()


@defop("generator", "random", "custom", dtypes=(),
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
    gen = generator or default_generator
    if _host(be):
        out = _from_host(_host_draw(kernel, args, shape, gen._cpu, _native(be, dtype)), be, dtype)
    else:
        out = _wrap(be.kernels[kernel](gen.state_for(be), *args, shape, be.dtype_native(dtype)),
                    be, dtype)
    if requires_grad:
        out.requires_grad_(True)
    return out


def _float_dtype(dtype, fn):
    dtype = dtype or _dt.get_default_dtype()
    if not (dtype.is_floating_point or dtype.is_complex):
        raise NotImplementedError(f'"{fn}" not implemented for \'{dtype.name}\'')
    return dtype


@defop("rand", "random", "requested", dtypes=FLOATING + COMPLEX,
       kernel="rand(state, shape, dtype) -> uniform array in [0, 1)", method=False)
def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, _backend=None):
    """Uniform random numbers in [0, 1)."""
    return _draw("rand", (), size, generator, _float_dtype(dtype, "rand"), device, requires_grad,
                 _backend, "rand")


@defop("randn", "random", "requested", dtypes=FLOATING + COMPLEX,
       kernel="randn(state, shape, dtype) -> standard normal array", method=False)
def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, _backend=None):
    """Standard normal random numbers."""
    return _draw("randn", (), size, generator, _float_dtype(dtype, "randn"), device, requires_grad,
                 _backend, "randn")


@defop("randint", "random", "requested", dtypes=REAL, dtype_args=("dtype",),
       dtype_error=lambda d: RuntimeError(
           "check_random_bounds handles only integral, floating-point and boolean types"),
       kernel="randint(state, low, high, shape, dtype) -> array", method=False)
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


def rand_like(input, *, dtype=None, generator=None, device=None, requires_grad=False,
              memory_format=None):
    """Like :func:`rand`, with the size and dtype of `input`."""
    return rand(input.shape, dtype=dtype or input.dtype, generator=generator,
                requires_grad=requires_grad, _backend=input._backend)


def randn_like(input, *, dtype=None, generator=None, device=None, requires_grad=False,
               memory_format=None):
    """Like :func:`randn`, with the size and dtype of `input`."""
    return randn(input.shape, dtype=dtype or input.dtype, generator=generator,
                 requires_grad=requires_grad, _backend=input._backend)


def randint_like(input, low=0, high=None, *, dtype=None, generator=None, device=None,
                 requires_grad=False, memory_format=None):
    """Like :func:`randint`, with the size (and by default the dtype) of `input`."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype,
                   generator=generator, requires_grad=requires_grad, _backend=input._backend)


@defop("randperm", "random", "requested", dtypes=(_dt.int16, _dt.int32, _dt.int64, _dt.float32,
                                             _dt.float64),
       dtype_args=("dtype",), cpu_kernel="randperm",
       kernel="randperm(state, n, dtype) -> a random permutation of 0..n-1", method=False)
def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, _backend=None):
    """The integers 0..n-1 in random order."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"randperm(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dtype = dtype or _dt.int64
    be = _backend if _backend is not None else default_backend_for(device)
    if _host(be):
        out = _from_host((generator or default_generator)._cpu.randperm(n), be, dtype)
    else:
        out = _wrap(be.kernels["randperm"](_state(generator, be), n, be.dtype_native(dtype)), be,
                    dtype)
    return out.requires_grad_(True) if requires_grad else out


def _state(generator, be):
    return (generator or default_generator).state_for(be)


def _bernoulli_kernel(k, state, p):
    return k["astype"](k["lt"](k["rand"](state, tuple(p.shape), p.dtype), p), p.dtype)


@defop("bernoulli", "random", "same", dtypes=FLOATING,
       kernel="bernoulli(state, p) -> array of p's dtype: 1 where a uniform draw is below p",
       decomposition=_bernoulli_kernel, grad_fn="BernoulliBackward0",
       backward=lambda node, g: (g * 0,))
def bernoulli(input, p=None, *, generator=None):
    """Ones with probability `input` (or `p`, a float), else zeros, in `input`'s shape and dtype;
    its gradient is zero."""
    check_tensor(input, "input", "bernoulli")
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f'"bernoulli_tensor_cpu_self_" not implemented for '
                                  f"'{input._dtype.name}'")
    if p is not None and not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    be = input._backend
    if _host(be):
        cpu = (generator or default_generator)._cpu
        if p is None:
            host = cpu.bernoulli_tensor(be.kernels["to_numpy"](input._data))
        else:
            host = cpu.bernoulli_scalar(input.numel(), p).reshape(tuple(input.shape))
        out = _from_host(host, be, input._dtype)
    else:
        from .creation import full_like

        probs = input if p is None else full_like(input, p)
        out = _wrap(be.kernels["bernoulli"](_state(generator, be), probs._data), be,
                    input._dtype)
    if input._rg and grad_mode.enabled and p is None:
        record(bernoulli.op.node, out, (input,), (), None)
    return out


def _check_probs(input, num_samples, replacement):
    """multinomial's checks: a 1-d or 2-d non-negative float tensor with a positive sum per row,
    and enough categories without replacement."""
    check_tensor(input, "input", "multinomial")
    if not input._dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{input._dtype.name.capitalize()}")
    if input.dim() not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (got {num_samples})")
    host = input._backend.kernels["to_numpy"](input._data).astype("float64")
    if not (host >= 0).all() or not abs(host.sum()) < float("inf"):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = host.reshape(-1, host.shape[-1])
    if (rows.sum(-1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement:
        if num_samples > host.shape[-1]:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                               "replacement")
        if ((rows > 0).sum(-1) < num_samples).any():
            raise RuntimeError("invalid multinomial distribution (with replacement=False, not "
                               "enough non-negative category to sample)")


@defop("multinomial", "random", "int64", dtypes=FLOATING,
       kernel="multinomial(state, probs, num_samples, replacement) -> int64 array  (probs 2-d, "
              "rows non-negative with a positive sum; one row of category indices per row)")
def multinomial(input, num_samples, replacement=False, *, generator=None):
    """`num_samples` category indices per row of `input` (non-negative weights), drawn with or
    without replacement."""
    _check_probs(input, num_samples, replacement)
    be = input._backend
    k = be.kernels
    if _host(be):
        rows = k["to_numpy"](input._data).reshape(-1, input.shape[-1])
        host = (generator or default_generator)._cpu.multinomial(rows, int(num_samples),
                                                                 bool(replacement))
        return _from_host(host.reshape(tuple(input.shape[:-1]) + (int(num_samples),)), be,
                          _dt.int64)
    rows = input._data if input.dim() == 2 else k["reshape"](input._data, (1, input.shape[0]))
    raw = k["multinomial"](_state(generator, be), rows, int(num_samples), bool(replacement))
    if input.dim() == 1:
        raw = k["reshape"](raw, (int(num_samples),))
    return _wrap(raw, be, _dt.int64)


@defop("normal", "random", "custom", dtypes=FLOATING,
       differentiable=True)
def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """Normal draws with the given `mean` and `std` (tensors broadcast together, or floats with
    a `size`): ``mean + std * randn``, so gradients reach tensor means and stds."""
    from ._common import Tensor

    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments: with float "
                            "mean and std, give a size")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        from .creation import empty

        out = empty(size, dtype=_float_dtype(dtype, "normal"), device=device)
        out.normal_(mean, std, generator=generator)
        return out.requires_grad_(True) if requires_grad else out
    for t in tensors:
        if not (t._dtype.is_floating_point or t._dtype.is_complex):
            raise NotImplementedError(f'"normal_kernel_cpu" not implemented for '
                                      f"'{t._dtype.name}'")
    if isinstance(std, Tensor):
        host = std._backend.kernels["to_numpy"](std._data)
        if (host < 0).any():
            raise RuntimeError(f"normal expects all elements of std >= 0.0 (found "
                               f"{host[host < 0].flat[0]})")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    from ._common import broadcast_shapes, result_dtype

    shape = tensors[0]._data.shape if len(tensors) == 1 else \
        broadcast_shapes(mean._data.shape, std._data.shape)
    dt = result_dtype(mean, std)
    if isinstance(std, Tensor):  # PyTorch: standard normals, times std, plus mean
        noise = randn(shape, generator=generator, dtype=dt, _backend=tensors[0]._backend)
        return noise * std + mean
    # a float std scales the draws themselves (normal_(0, std)), then the mean is added
    noise = tensors[0].new_empty(shape, dtype=dt).normal_(0.0, std, generator=generator)
    return noise + mean
