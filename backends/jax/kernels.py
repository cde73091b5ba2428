"""Kernels written against ``jax.numpy``, for ember's JAX backend.

``make_kernels()`` returns the kernel table; the signatures are those of
``ember.ops.kernel_signatures()``. It mirrors ``ember_numpy.kernels`` and differs only where JAX
does:

- arrays are immutable: ``assign`` returns the source, ``setitem`` and ``index_put`` return a new
  array made with ``a.at[index]``, and ember rebinds the tensor to it;
- JAX clamps (gather) or drops (scatter) out-of-range integer array indices, so they are checked
  here and raise IndexError, as in NumPy;
- JAX silently computes integers to negative powers; they raise ValueError here, as in NumPy;
- JAX saturates floats cast to small integers; they wrap here, as in NumPy and PyTorch;
- random numbers come from ``jax.random`` keys held in a small mutable state object;
- indexing and random draws run as jitted functions: JAX's eager indexing and ``jax.random``
  build their work op by op, and take tens to hundreds of microseconds a call;
- matmul asks for full float32 precision (JAX would use TF32 or bf16 passes on some GPUs).
"""

import functools

import numpy as np

from . import elementwise, reduction, linalg, shape, indexing, random, conv, nn

AREAS = (elementwise, reduction, linalg, shape, indexing, random, conv, nn)

_NEGATIVE_POWER = "Integers to negative integer powers are not allowed."


class RandomState:
    """A ``jax.random`` key that each draw splits and advances (JAX keys are values)."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key

    def __repr__(self):
        return f"RandomState({self.key!r})"


def make_kernels():
    """The kernel table of the JAX backend (jax imported, with 64-bit types enabled)."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    # -- creation and conversion -------------------------------------------------------------------
    def asarray(data, dtype):
        return jnp.array(data, dtype=dtype)

    def from_numpy(arr):
        return jnp.array(arr)  # a copy: JAX arrays cannot share NumPy's mutable memory

    def to_numpy(a):
        return np.array(a)  # a writable copy (np.asarray would give a read-only view)

    small_ints = {jnp.dtype(n) for n in ("uint8", "int8", "int16")}

    def astype(a, dtype):
        if a.dtype.kind == "c" and dtype.kind not in "cb":
            a = jnp.real(a)  # NumPy drops the imaginary part; JAX warns it will refuse to
        if a.dtype.kind == "f" and dtype in small_ints:
            # through int64, so out-of-range values wrap as in NumPy and PyTorch (JAX saturates)
            return a.astype(jnp.int64).astype(dtype)
        return a.astype(dtype)

    def assign(dst, src):
        return src  # immutable: the tensor is rebound to src

    def clone(a):
        return jnp.array(a, copy=True)

    def full(shape, value, dtype):
        return jnp.full(shape, value, dtype=dtype)

    def empty(shape, dtype):
        return jnp.empty(shape, dtype=dtype)

    def arange(start, end, step, dtype):
        return jnp.arange(start, end, step, dtype=dtype)

    def linspace(start, end, steps, dtype):
        return jnp.linspace(start, end, steps, dtype=dtype)

    def eye(n, m, dtype):
        return jnp.eye(n, m, dtype=dtype)

    # -- random ------------------------------------------------------------------------------------
    def generator(seed):
        seed = int(seed) % (1 << 64)
        if seed >= 1 << 63:  # jax.random.key takes a signed 64-bit seed; keep the bits
            seed -= 1 << 64
        return RandomState(jax.random.key(seed))

    # each draw splits the key and returns (next key, numbers), one jitted call per shape and dtype
    @functools.partial(jax.jit, static_argnums=(1, 2))
    def _uniform(key, shape, dtype):
        key, sub = jax.random.split(key)
        if dtype.kind == "c":
            part = jnp.finfo(dtype).dtype
            kr, ki = jax.random.split(sub)
            return key, lax.complex(jax.random.uniform(kr, shape, part),
                                    jax.random.uniform(ki, shape, part))
        return key, jax.random.uniform(sub, shape, dtype)

    @functools.partial(jax.jit, static_argnums=(1, 2))
    def _normal(key, shape, dtype):
        key, sub = jax.random.split(key)
        return key, jax.random.normal(sub, shape, dtype)

    @functools.partial(jax.jit, static_argnums=(3, 4))
    def _integers(key, low, high, shape, dtype):
        key, sub = jax.random.split(key)
        return key, jax.random.randint(sub, shape, low, high, dtype=jnp.int64).astype(dtype)

    def rand(state, shape, dtype):
        state.key, out = _uniform(state.key, tuple(shape), jnp.dtype(dtype))
        return out

    def randn(state, shape, dtype):
        state.key, out = _normal(state.key, tuple(shape), jnp.dtype(dtype))
        return out

    def randint(state, low, high, shape, dtype):
        state.key, out = _integers(state.key, low, high, tuple(shape), jnp.dtype(dtype))
        return out

    # -- elementwise -------------------------------------------------------------------------------
    def _dtype_of(a, b):
        return a.dtype if hasattr(a, "dtype") else b.dtype

    def power(a, b):
        dtype = _dtype_of(a, b)
        if dtype.kind in "iu" and (bool(jnp.any(b < 0)) if hasattr(b, "dtype") else b < 0):
            raise ValueError(_NEGATIVE_POWER)
        out = jnp.power(a, b)
        if dtype.kind == "c":  # JAX gives nan for 0 ** z; NumPy 0 when Re(z) > 0
            return jnp.where((a == 0) & (b.real > 0), 0, out)
        return out.astype(dtype) if out.dtype != dtype else out  # bool ** bool gives ints

    def sigmoid(a):
        if a.dtype.kind == "c":
            return 1 / (1 + jnp.exp(-a))
        # 1 / (1 + e^-a) for a >= 0 and e^a / (1 + e^a) below, so neither side overflows
        e = jnp.exp(-jnp.abs(a))
        return jnp.where(a >= 0, 1 / (1 + e), e / (1 + e))

    def sign(a):
        return a if a.dtype == jnp.bool_ else jnp.sign(a)  # jnp.sign refuses bool

    def relu(a):
        return jnp.maximum(a, 0) if a.dtype != jnp.bool_ else a

    def where(cond, a, b):
        out = jnp.where(cond, a, b)
        # two Python scalars give a "weak" array, which later ops would let other dtypes override
        return out if hasattr(a, "dtype") or hasattr(b, "dtype") else out.astype(out.dtype)

    # -- reductions --------------------------------------------------------------------------------
    def reduce_with(fn):
        def reduce(a, dims, keepdim):
            return fn(a, axis=dims, keepdims=keepdim)

        return reduce

    def arg_with(fn):
        def arg(a, dim, keepdim):
            return fn(a, axis=dim, keepdims=keepdim)

        return arg

    # -- indexing ----------------------------------------------------------------------------------
    # One jitted function per index structure: ints and index arrays are traced arguments, slices
    # are part of the structure (as they are of JAX's own slice ops). A bool mask becomes its
    # nonzero() index arrays first (same meaning; JAX needs concrete shapes).

    def _rebuild(a, static, dynamic):
        """Inside a jitted function: the index for `a`, and whether an index array is out of
        range (JAX would clamp it when reading and drop it when writing)."""
        parts = iter(dynamic)
        covered = a.ndim - sum(_static_consumed(s) for s in static if s is not Ellipsis)
        index, bad, dim = [], False, 0
        for s in static:
            if s is Ellipsis:
                index.append(s)
                dim += covered
            elif s == _ARRAY:
                item = next(parts).astype(jnp.int64)  # int8 indices cannot address dims > 127
                size = a.shape[dim]
                bad = bad | jnp.any((item >= size) | (item < -size))
                index.append(item)
                dim += 1
            elif s == _INT:
                index.append(next(parts))
                dim += 1
            elif type(s) is tuple and s[0] == "mask":
                index.extend(next(parts) for _ in range(s[1]))
                dim += s[1]
            elif type(s) is tuple:
                index.append(slice(*s[1:]))
                dim += 1
            else:
                index.append(s)  # None, True, False
        return tuple(index), bad

    @functools.partial(jax.jit, static_argnums=(2,))
    def _gather(a, dynamic, static):
        index, bad = _rebuild(a, static, dynamic)
        return a[index], bad

    @functools.partial(jax.jit, static_argnums=(3, 4))
    def _scatter(a, dynamic, values, static, how):
        index, bad = _rebuild(a, static, dynamic)
        values = jnp.asarray(values).astype(a.dtype)  # a Python 2.7 into ints is 2, as in NumPy
        if values.ndim and values.shape[0] == 1:
            target = a[index].ndim  # NumPy drops extra leading 1-dims; JAX's scatter refuses them
            while values.ndim > target and values.shape[0] == 1:
                values = values[0]
        ref = a.at[index]
        out = ref.set(values) if how == "set" else ref.add(values) if how == "add" else \
            ref.max(values)
        return out, bad

    def getitem(a, index):
        static, dynamic = split_index(a.shape, index)
        out, bad = _gather(a, dynamic, static)
        if _ARRAY in static and bool(bad):
            raise_out_of_range(a.shape, index)
        return out

    def _put(a, index, values, how):
        static, dynamic = split_index(a.shape, index)
        out, bad = _scatter(a, dynamic, values, static, how)
        if _ARRAY in static and bool(bad):
            raise_out_of_range(a.shape, index)
        return out

    def index_put(a, index, values, accumulate):
        if not accumulate:
            return _put(a, index, values, "set")
        return _put(a, index, values, "or" if a.dtype == jnp.bool_ else "add")

    def setitem(a, index, values):
        return _put(a, index, values, "set")

    # -- linear algebra ----------------------------------------------------------------------------
    def matmul(a, b):
        return jnp.matmul(a, b, precision=lax.Precision.HIGHEST)

    table = {
        # creation and conversion
        "asarray": asarray, "from_numpy": from_numpy, "to_numpy": to_numpy, "astype": astype,
        "assign": assign, "clone": clone, "full": full, "empty": empty,
        "arange": arange, "linspace": linspace, "eye": eye,
        # random
        "generator": generator, "rand": rand, "randn": randn, "randint": randint,
        # elementwise
        "add": jnp.add, "sub": jnp.subtract, "mul": jnp.multiply, "div": jnp.true_divide,
        "pow": power, "neg": jnp.negative, "exp": jnp.exp, "log": jnp.log, "sqrt": jnp.sqrt,
        "sin": jnp.sin, "cos": jnp.cos,
        "abs": jnp.abs, "sign": sign, "tanh": jnp.tanh, "sigmoid": sigmoid, "relu": relu,
        "maximum": jnp.maximum, "minimum": jnp.minimum, "where": where,
        "eq": jnp.equal, "ne": jnp.not_equal, "lt": jnp.less, "le": jnp.less_equal,
        "gt": jnp.greater, "ge": jnp.greater_equal,
        # reductions
        "sum": reduce_with(jnp.sum), "mean": reduce_with(jnp.mean), "amax": reduce_with(jnp.max),
        "amin": reduce_with(jnp.min), "argmax": arg_with(jnp.argmax),
        "argmin": arg_with(jnp.argmin),
        # shape and indexing
        "reshape": jnp.reshape, "permute": jnp.transpose, "transpose": jnp.swapaxes,
        "expand": jnp.broadcast_to, "cat": lambda arrays, dim: jnp.concatenate(arrays, axis=dim),
        "stack": lambda arrays, dim: jnp.stack(arrays, axis=dim),
        "getitem": getitem, "index_put": index_put, "setitem": setitem,
        # linear algebra
        "matmul": matmul,
    }
    for area in AREAS:  # the kernels of the ops added later, one module per area
        table.update(area.make())
    return table


_ARRAY, _INT = ("array",), ("int",)  # index structure tags for the traced parts


def _static_consumed(s):
    """How many dims of the indexed array a structure entry uses up."""
    if s is None or s is Ellipsis or isinstance(s, bool):
        return 0
    return s[1] if s[0] == "mask" else 1


def split_index(shape, index):
    """(structure, traced parts) of `index`: a hashable description with slices, None, Ellipsis
    and bools in place, and the ints and integer arrays to pass as arguments. A bool mask is
    checked against the dims it covers and becomes its nonzero() arrays (computed on the host)."""
    consumed = sum(_consumed(i) for i in index if i is not Ellipsis)
    static, dynamic = [], []
    dim = 0
    for item in index:
        if item is Ellipsis:
            static.append(item)
            dim += len(shape) - consumed
        elif hasattr(item, "dtype") and item.dtype.kind == "b":
            mask = np.asarray(item)
            for j, n in enumerate(mask.shape):
                if n != shape[dim + j]:
                    raise IndexError(f"The shape of the mask {list(mask.shape)} at index {j} does "
                                     f"not match the shape of the indexed tensor {list(shape)} at "
                                     f"index {dim + j}")
            if mask.ndim == 0:  # x[True-array] adds a dim, x[False-array] empties it
                static.append(bool(mask))
            else:
                static.append(("mask", mask.ndim))
                dynamic.extend(mask.nonzero())
            dim += mask.ndim
        elif hasattr(item, "dtype"):
            static.append(_ARRAY)
            dynamic.append(item)
            dim += 1
        elif isinstance(item, slice):
            static.append(("slice", item.start, item.stop, item.step))
            dim += 1
        elif isinstance(item, int) and not isinstance(item, bool):
            static.append(_INT)
            dynamic.append(item)
            dim += 1
        else:
            static.append(item)  # None, True, False
    return tuple(static), tuple(dynamic)


def _consumed(item):
    """How many dims of the indexed array an index item uses up."""
    if item is None or isinstance(item, bool):
        return 0
    if hasattr(item, "dtype") and item.dtype.kind == "b":
        return item.ndim
    return 1


def raise_out_of_range(shape, index):
    """Raise NumPy's and PyTorch's IndexError for the first out-of-range integer array index
    (called once the jitted check has found one)."""
    covered = len(shape) - sum(_consumed(i) for i in index if i is not Ellipsis)
    dim = 0
    for item in index:
        if item is Ellipsis:
            dim += covered
            continue
        if hasattr(item, "dtype") and item.dtype.kind in "iu":
            size = shape[dim]
            host = np.asarray(item).astype(np.int64)
            bad = host[(host >= size) | (host < -size)]
            if bad.size:
                raise IndexError(f"index {bad[0]} is out of bounds for dimension {dim} with size "
                                 f"{size}")
        dim += _consumed(item)
    raise IndexError(f"an index is out of range for a tensor of shape {list(shape)}")
