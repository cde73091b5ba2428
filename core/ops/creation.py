"""Creation ops: tensor, as_tensor, from_numpy, zeros, ones, full, empty, arange, linspace, eye,
the ``*_like`` forms and the legacy constructors (``ember.Tensor(2, 3)``, ``ember.FloatTensor``).
"""

import builtins

import numpy as np

from ._common import Size, Tensor, _dt, _wrap, as_shape, default_backend_for
from .registry import BOOL, COMPLEX, FLOATING, INTEGRAL, NUMERIC, REAL, defop

# NumPy dtypes that map to ember dtypes (data arriving from the host is parsed with NumPy)
_FROM_NUMPY = {np.dtype(n): getattr(_dt, n) for n in
               ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32",
                "float64", "complex64", "complex128")}


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


def _pick_backend(device, backend):
    return backend if backend is not None else default_backend_for(device)


def host_array(data):
    """`data` (nested lists, scalars, NumPy arrays) as a NumPy array and its inferred ember dtype."""
    if isinstance(data, np.ndarray) or isinstance(data, np.generic):
        arr = np.asarray(data)
        dt = _FROM_NUMPY.get(arr.dtype)
        if dt is None:
            raise TypeError(f"can't convert np.ndarray of type numpy.{arr.dtype}. The only "
                            f"supported types are: float64, float32, float16, complex64, "
                            f"complex128, int64, int32, int16, int8, uint8, and bool.")
        return arr, dt
    if isinstance(data, Tensor):
        return data._backend.kernels["to_numpy"](data._data), data._dtype
    if data is None:
        raise RuntimeError("Could not infer dtype of NoneType")
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    _check_ragged(data, 0)
    try:
        arr = np.asarray(data)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"could not build a tensor from {type(data).__name__}: {exc}") from None
    if arr.dtype == object:
        raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    kind = arr.dtype.kind
    if kind == "b":
        dt = _dt.bool
    elif kind in "iu":
        dt = _dt.int64
    elif kind == "f":
        dt = _dt.get_default_dtype() if _all_python(data) else _FROM_NUMPY.get(arr.dtype)
    elif kind == "c":
        dt = _dt.default_complex_dtype()
    else:
        raise TypeError(f"Could not infer dtype of {arr.dtype}")
    return arr, dt


def _all_python(data):
    """True unless the nested data holds NumPy floats or tensors with their own dtype."""
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, (np.generic, np.ndarray, Tensor)):
            return False
    return True


def _check_ragged(data, dim):
    if isinstance(data, (list, tuple)) and data:
        first = data[0]
        if isinstance(first, (list, tuple)):
            n = len(first)
            for item in data:
                if not isinstance(item, (list, tuple)):
                    raise ValueError(f"expected sequence of length {n} at dim {dim + 1} "
                                     f"(got {type(item).__name__})")
                if len(item) != n:
                    raise ValueError(f"expected sequence of length {n} at dim {dim + 1} "
                                     f"(got {len(item)})")
            _check_ragged(first, dim + 1)
            for item in data[1:]:
                _check_ragged(item, dim + 1)


@defop("asarray", "creation", "requested",
       kernel="asarray(ndarray, dtype) -> array  (a new array, never sharing)", method=False,
       function="tensor")
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False,
           _backend=None):
    """A new tensor holding a copy of `data`, with its dtype inferred (``tensor(1.)`` is float32,
    ``tensor(1)`` int64, a NumPy array keeps its dtype)."""
    be = data._backend if isinstance(data, Tensor) and device is None and _backend is None \
        else _pick_backend(device, _backend)
    arr, inferred = host_array(data)
    dt = dtype or inferred
    return _finish(_wrap(be.kernels["asarray"](arr, be.dtype_native(dt)), be, dt), requires_grad)


@defop("from_numpy", "creation", "same",
       dtypes=BOOL + INTEGRAL + COMPLEX + (_dt.float16, _dt.float32, _dt.float64),
       kernel="from_numpy(ndarray) -> array  (shares memory if shares_numpy_memory)",
       method=False)
def from_numpy(ndarray):
    """A tensor sharing memory with a NumPy array (on backends that can share; others copy)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    arr, dt = host_array(ndarray)
    be = default_backend_for(None)
    be.dtype_native(dt)
    return _wrap(be.kernels["from_numpy"](arr), be, dt)


def as_tensor(data, dtype=None, device=None):
    """`data` as a tensor, sharing memory with a NumPy array or tensor when it can."""
    if isinstance(data, Tensor):
        if dtype is None or dtype is data._dtype:
            return data
        return data.to(dtype)
    if isinstance(data, np.ndarray) and device is None:
        arr, dt = host_array(data)
        if dtype is None or dtype is dt:
            return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


@defop("full", "creation", "requested",
       kernel="full(shape, value, dtype) -> array", method=False)
def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, _backend=None):
    """A tensor of `size` filled with `fill_value`."""
    shape = as_shape((size,), "full")
    if dtype is None:
        if isinstance(fill_value, Tensor):
            fill_value = fill_value.item()
        dtype = _dt.dtype_for_scalar_category(_dt.scalar_category(fill_value))
    be = _pick_backend(device, _backend)
    _check_sizes(shape)
    return _finish(_wrap(be.kernels["full"](shape, fill_value, be.dtype_native(dtype)), be, dtype),
                   requires_grad)


def _check_sizes(shape):
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(shape)}")


def _filled(value, name):
    def create(*size, dtype=None, device=None, requires_grad=False, _backend=None):
        shape = as_shape(size, name)
        _check_sizes(shape)
        dt = dtype or _dt.get_default_dtype()
        be = _pick_backend(device, _backend)
        return _finish(_wrap(be.kernels[name](shape, be.dtype_native(dt)), be, dt), requires_grad)

    create.__name__ = create.__qualname__ = name
    create.__doc__ = f"A tensor of the given size filled with {value} (default float dtype)."
    return create


zeros = defop("zeros", "creation", "requested", kernel="zeros(shape, dtype)",
              decomposition=lambda k, shape, dtype: k["full"](shape, 0, dtype),
              method=False)(_filled(0, "zeros"))
ones = defop("ones", "creation", "requested", kernel="ones(shape, dtype)",
             decomposition=lambda k, shape, dtype: k["full"](shape, 1, dtype),
             method=False)(_filled(1, "ones"))
empty = defop("empty", "creation", "requested",
              kernel="empty(shape, dtype) -> array  (uninitialised)",
              method=False)(_filled("uninitialised values", "empty"))


@defop("arange", "creation", "custom", dtypes=REAL, dtype_args=("dtype",),
       kernel="arange(start, end, step, dtype) -> array", method=False)
def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False,
           _backend=None):
    """Values from `start` up to (not including) `end`, `step` apart."""
    if end is None:
        start, end = 0, start
    for name, v in (("start", start), ("end", end), ("step", step)):
        if isinstance(v, Tensor):
            v = v.item()
        if not isinstance(v, (int, float)) or isinstance(v, complex):
            raise TypeError(f"arange(): argument '{name}' must be Number, not {type(v).__name__}")
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError(f"upper bound and larger bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    if dtype is None:
        is_int = all(isinstance(v, int) for v in (start, end, step))
        dtype = _dt.int64 if is_int else _dt.get_default_dtype()
    be = _pick_backend(device, _backend)
    return _finish(_wrap(be.kernels["arange"](start, end, step, be.dtype_native(dtype)), be, dtype),
                   requires_grad)


@defop("linspace", "creation", "requested", dtypes=NUMERIC, dtype_args=("dtype",),
       kernel="linspace(start, end, steps, dtype)", method=False)
def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, _backend=None):
    """`steps` evenly spaced values from `start` to `end`, both included."""
    if not isinstance(steps, int) or steps < 0:
        raise RuntimeError(f"number of steps must be non-negative, got {steps}")
    dtype = dtype or _dt.get_default_dtype()
    be = _pick_backend(device, _backend)
    if dtype.category == 1:
        raw = _integer_linspace(be, _wrapped(start, dtype), _wrapped(end, dtype), steps,
                                be.dtype_native(dtype))
    else:
        raw = be.kernels["linspace"](start, end, steps, be.dtype_native(dtype))
    return _finish(_wrap(raw, be, dtype), requires_grad)


def _wrapped(value, dtype):
    """A number converted to integer dtype `dtype` as C does: truncated, then wrapped around."""
    size = 1 << (8 * dtype.itemsize)
    low = -(size >> 1) if dtype.is_signed else 0
    return (int(value) - low) % size + low


def _integer_linspace(be, start, end, steps, native):
    """linspace in an integer dtype as PyTorch computes it: the ends made integers first, the
    values stepped in float64 from the nearer end, and truncated toward zero."""
    k = be.kernels
    f64 = be.dtype_native(_dt.float64)
    i = k["linspace"](0, builtins.max(steps - 1, 0), steps, f64)  # 0, 1, ..., steps - 1 exactly
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    lower = k["add"](k["mul"](i, step), start)
    upper = k["sub"](end, k["mul"](k["sub"](steps - 1, i), step))
    return k["astype"](k["where"](k["lt"](i, builtins.max(steps // 2, 1)), lower, upper), native)


def _logspace_kernel(k, start, end, steps, base, dtype, work):
    return k["astype"](k["pow"](float(base), k["linspace"](start, end, steps, work)), dtype)


@defop("logspace", "creation", "requested", dtypes=FLOATING + (_dt.int64,), dtype_args=("dtype",),
       kernel="logspace(start, end, steps, base, dtype, work) -> array  (work: the float dtype the "
              "exponents are spaced in)", decomposition=_logspace_kernel,
       method=False)
def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False,
             _backend=None):
    """`steps` values from ``base ** start`` to ``base ** end``, evenly spaced in the exponent."""
    if not isinstance(steps, int) or steps < 0:
        raise RuntimeError(f"number of steps must be non-negative, got {steps}")
    dtype = dtype or _dt.get_default_dtype()
    be = _pick_backend(device, _backend)
    work = dtype if dtype.is_floating_point or dtype.is_complex else _dt.float64
    raw = be.kernels["logspace"](start, end, steps, base, be.dtype_native(dtype),
                                 be.dtype_native(work))
    return _finish(_wrap(raw, be, dtype), requires_grad)


@defop("eye", "creation", "requested", kernel="eye(n, m, dtype) -> array", method=False)
def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, _backend=None):
    """An n x m matrix with ones on the diagonal."""
    m = n if m is None else m
    for name, v in (("n", n), ("m", m)):
        if v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    dtype = dtype or _dt.get_default_dtype()
    be = _pick_backend(device, _backend)
    return _finish(_wrap(be.kernels["eye"](n, m, be.dtype_native(dtype)), be, dtype), requires_grad)


def _like(create, name):
    def like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
             memory_format=None):
        out = create(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad,
                     _backend=input._backend)
        return _with_format(out, input, memory_format, name)

    like.__name__ = like.__qualname__ = name
    like.__doc__ = f"Like :func:`{create.__name__}`, with the size (and by default the dtype) of input."
    return like


zeros_like = _like(zeros, "zeros_like")
ones_like = _like(ones, "ones_like")
empty_like = _like(empty, "empty_like")


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """A tensor like `input` filled with `fill_value`."""
    out = full(input.shape, fill_value, dtype=dtype or input.dtype, requires_grad=requires_grad,
               _backend=input._backend)
    return _with_format(out, input, memory_format, "full_like")


def _with_format(out, input, memory_format, fn):
    """`out` laid out as `memory_format` says for a tensor made like `input` (ember._layout)."""
    from .. import _layout

    strides = _layout.like_strides(input, memory_format, fn)
    return out if strides is None else _layout.relayout(out, strides)


def legacy_tensor(args, dtype, device=None):
    """``ember.Tensor(...)`` / ``ember.FloatTensor(...)``: sizes give an uninitialised tensor, data a
    copy in `dtype`."""
    if not args:
        return tensor([], dtype=dtype, device=device)
    if all(isinstance(a, int) and not isinstance(a, builtins.bool) for a in args):
        return zeros(*args, dtype=dtype, device=device)
    if len(args) == 1 and isinstance(args[0], Size):
        return zeros(*args[0], dtype=dtype, device=device)
    if len(args) != 1:
        raise TypeError(f"new() received an invalid combination of arguments: {args!r}")
    return tensor(args[0], dtype=dtype, device=device)


def _legacy_type(dtype, name):
    def construct(*args, device=None):
        return legacy_tensor(args, dtype, device)

    construct.__name__ = construct.__qualname__ = name
    construct.__doc__ = f"``ember.{name}(...)``: a {dtype.name} tensor (legacy constructor)."
    return construct


FloatTensor = _legacy_type(_dt.float32, "FloatTensor")
DoubleTensor = _legacy_type(_dt.float64, "DoubleTensor")
LongTensor = _legacy_type(_dt.int64, "LongTensor")
IntTensor = _legacy_type(_dt.int32, "IntTensor")
BoolTensor = _legacy_type(_dt.bool, "BoolTensor")
