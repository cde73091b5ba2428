"""Elementwise ops that test and select: predicates (isnan...), logic and bitwise ops,
comparisons (elementwise and whole-tensor: isclose, allclose, equal), nan_to_num, masked_fill,
where and clamp.

They share ``elementwise``'s machinery (``_binary``, ``_unary``) and are re-exported there.
"""

from . import reduction as R
from ._common import (Tensor, _dt, _wrap, broadcast_shapes, grad_mode, needs_grad, record,
                      result_dtype, same_backend)
from .elementwise import (abs, add, _binary, _copy, div, _dtype_name, _dtype_title, _FLOAT, mul,
                         _scalar, sub, _tensors_only, _unary)
from .registry import ALL, BOOL, INTEGRAL, REAL, defop


# -- predicates and logic --------------------------------------------------------------------------
def _predicate(name, doc):
    """Declare a unary op with a bool result and no derivative."""
    @defop(name, "elementwise", "bool", kernel=f"{name}(a) -> bool array")
    def front(input):
        return _unary(front.op, input, out_dtype=_dt.bool)

    front.__name__ = front.__qualname__ = name
    front.__doc__ = front.op.doc = doc
    return front


isnan = _predicate("isnan", "True where input is NaN.")
isinf = _predicate("isinf", "True where input is +inf or -inf.")
isfinite = _predicate("isfinite", "True where input is neither inf nor NaN.")


@defop("logical_not", "elementwise", "bool", kernel="logical_not(a) -> bool array", inplace=True)
def logical_not(input):
    """True where input is zero (in place, the tensor keeps its dtype and holds 0 or 1)."""
    return _unary(logical_not.op, input, out_dtype=_dt.bool)


def _logical(name, doc):
    """Declare logical_and, logical_or or logical_xor: tensors of any dtypes, bool result."""
    @defop(name, "elementwise", "bool", dtype_args=(), kernel=f"{name}(a, b) -> bool array",
           inplace=True)
    def front(input, other):
        _tensors_only(name, input, other)
        return _binary(front.op, input, other, compare=True)

    front.__name__ = front.__qualname__ = name
    front.__doc__ = front.op.doc = doc
    return front


logical_and = _logical("logical_and", "True where both input and other are nonzero.")
logical_or = _logical("logical_or", "True where input or other is nonzero.")
logical_xor = _logical("logical_xor", "True where exactly one of input and other is nonzero.")


def _integral_only(kernel, bool_ok=True):
    """A dtype check for bitwise ops: integers (and bool where `bool_ok`) only."""
    def check(ct):
        if ct.category >= _FLOAT or (ct is _dt.bool and not bool_ok):
            raise NotImplementedError(f'"{kernel}_cpu" not implemented for \'{_dtype_title(ct)}\'')
    return check


@defop("bitwise_not", "elementwise", "same", dtypes=BOOL + INTEGRAL,
       kernel="bitwise_not(a) -> array", inplace=True, operators=("__invert__",),
       operator_error=lambda d: TypeError("~ (operator.invert) is only implemented on integer "
                                         "and Boolean-type tensors"))
def bitwise_not(input):
    """~input: every bit flipped (logical not for bool)."""
    return _unary(bitwise_not.op, input, check=_integral_only("bitwise_not"))


def _bitwise(name, kernel, doc, operators, bool_ok=True):
    """Declare a binary bitwise op on integers (and bool where `bool_ok`), promoting."""
    check = _integral_only(kernel, bool_ok)

    @defop(name, "elementwise", "promote", dtypes=BOOL + INTEGRAL if bool_ok else INTEGRAL,
           dtype_args=(),
           kernel=f"{name}(a, b) -> array", inplace=True, operators=operators)
    def front(input, other):
        return _binary(front.op, input, other, check=check)

    front.__name__ = front.__qualname__ = name
    front.__doc__ = front.op.doc = doc
    return front


bitwise_and = _bitwise("bitwise_and", "bitwise_and", "input & other, bit by bit.",
                       ("__and__", "__rand__", "__iand__"))
bitwise_or = _bitwise("bitwise_or", "bitwise_or", "input | other, bit by bit.",
                      ("__or__", "__ror__", "__ior__"))
bitwise_xor = _bitwise("bitwise_xor", "bitwise_xor", "input ^ other, bit by bit.",
                       ("__xor__", "__rxor__", "__ixor__"))
bitwise_left_shift = _bitwise(
    "bitwise_left_shift", "lshift",
    "input << other (0 where the shift is negative or not below the bit width).",
    ("__lshift__", "__rlshift__", "__ilshift__"), bool_ok=False)
bitwise_right_shift = _bitwise(
    "bitwise_right_shift", "rshift",
    "input >> other, arithmetic (the sign fills a shift that is negative or not below the bit "
    "width).", ("__rshift__", "__rrshift__", "__irshift__"), bool_ok=False)


# -- comparing whole tensors -----------------------------------------------------------------------
@defop("isclose", "elementwise", "bool", differentiable=False)
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True where |input - other| <= atol + rtol * |other| (or the values are equal, infinities
    included); NaNs are close to each other only with ``equal_nan``."""
    _tensors_only("isclose", input, other)
    if input._dtype is not other._dtype:
        raise RuntimeError(f"{_dtype_title(input._dtype)} did not match "
                           f"{_dtype_title(other._dtype)}")
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"rtol and atol must be non-negative, got rtol={rtol} and atol={atol}")
    close = eq(input, other)
    if equal_nan:
        close = logical_or(close, logical_and(isnan(input), isnan(other)))
    if rtol or atol:
        a, b = input, other
        if a._dtype.category < _FLOAT:  # no unsigned wrap-around in a - b
            a, b = a.to(_dt.float64), b.to(_dt.float64)
        error = abs(sub(a, b))
        close = logical_or(close, logical_and(isfinite(error),
                                              le(error, add(mul(abs(b), rtol), atol))))
    return close


@defop("allclose", "elementwise", "custom", differentiable=False)
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True if every element of input is close to other's (see :func:`isclose`)."""
    return not R.sum(logical_not(isclose(input, other, rtol, atol, equal_nan))).item()


@defop("equal", "elementwise", "custom", differentiable=False)
def equal(input, other):
    """True if both tensors have the same shape and the same values (NaN is never equal)."""
    _tensors_only("equal", input, other)
    if input._data.shape != other._data.shape:
        return False
    return not R.sum(ne(input, other)).item()


# -- cleaning and filling --------------------------------------------------------------------------
@defop("nan_to_num", "elementwise", "same",
       kernel="nan_to_num(a, nan, posinf, neginf) -> array  (None: the dtype's max / min)",
       grad_fn="NanToNumBackward0", inplace=True,
       backward=lambda node, g: (where(isfinite(node.saved_tensors[0]), g, 0.0),))
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN replaced by `nan`, +inf by `posinf` and -inf by `neginf` (default: the largest and
    lowest finite values of the dtype); integer and bool tensors are copied unchanged."""
    if not isinstance(input, Tensor):
        raise TypeError(f"nan_to_num(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if input._dtype.category < _FLOAT:
        return _copy(input)
    be = input._backend
    out = _wrap(be.kernels["nan_to_num"](input._data, nan, posinf, neginf), be, input._dtype)
    if input._rg and grad_mode.enabled:
        record(nan_to_num.op.node, out, (input,), (input,), None)
    return out


def _masked_fill_backward(node, g):
    mask, shapes = node.ctx
    na = node.needs_input_grad[0]
    ga = where(mask, 0.0, g) if na else None
    if len(node.needs_input_grad) == 1:
        return (ga,)
    gv = R.sum(where(mask, g, 0.0)) if node.needs_input_grad[2] else None
    return ga, None, gv


@defop("masked_fill", "elementwise", "same", broadcasts=True,
       kernel="masked_fill(a, mask, value) -> array  (mask bool; value a 0-d array)",
       grad_fn=("MaskedFillBackward0", "MaskedFillBackward1"), backward=_masked_fill_backward,
       inplace=True, decomposition=lambda k, a, mask, value: k["where"](mask, value, a))
def masked_fill(input, mask, value):
    """input with `value` (a number or a 0-d tensor) where the bool `mask` holds."""
    if not isinstance(input, Tensor):
        raise TypeError(f"masked_fill(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if not isinstance(mask, Tensor):
        raise TypeError(f"masked_fill(): argument 'mask' (position 2) must be Tensor, not "
                        f"{type(mask).__name__}")
    if mask._dtype is not _dt.bool:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_dtype_name(mask._dtype)}")
    tensors = [input, mask] + ([value] if isinstance(value, Tensor) else [])
    be = same_backend(tensors, "masked_fill")
    ct = input._dtype
    native = be.dtype_native(ct)
    if isinstance(value, Tensor):
        if value._data.shape:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {len(value._data.shape)} dimension(s).")
        raw_value = value._data if value._dtype is ct else be.kernels["astype"](value._data,
                                                                                native)
    else:
        raw_value = be.kernels["full"]((), _scalar(value, "masked_fill", "value"), native)
    broadcast_shapes(input._data.shape, mask._data.shape)
    out = _wrap(be.kernels["masked_fill"](input._data, mask._data, raw_value), be, ct)
    if needs_grad(input, value):
        shapes = (input._data.shape,)
        if isinstance(value, Tensor):
            record(masked_fill.op.nodes[1], out, (input, None, value), (), (mask.detach(), shapes))
        else:
            record(masked_fill.op.nodes[0], out, (input,), (), (mask.detach(), shapes))
    return out


# -- comparisons -----------------------------------------------------------------------------------
def _comparison(name, doc, dunder, rdunder, dtypes=ALL):
    @defop(name, "elementwise", "bool", dtypes=dtypes, dtype_args=(),
           kernel=f"{name}(a, b) -> bool array",
           inplace=False,
           operators=(dunder,) + ((rdunder,) if rdunder else ()))
    def compare(input, other):
        return _binary(compare.op, input, other, compare=True)

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = doc
    compare.op.doc = doc
    return compare


eq = _comparison("eq", "input == other, elementwise, as a bool tensor.", "__eq__", None)
ne = _comparison("ne", "input != other, elementwise, as a bool tensor.", "__ne__", None)
lt = _comparison("lt", "input < other, elementwise, as a bool tensor.", "__lt__", None,
                  dtypes=BOOL + REAL)
le = _comparison("le", "input <= other, elementwise, as a bool tensor.", "__le__", None,
                  dtypes=BOOL + REAL)
gt = _comparison("gt", "input > other, elementwise, as a bool tensor.", "__gt__", None,
                  dtypes=BOOL + REAL)
ge = _comparison("ge", "input >= other, elementwise, as a bool tensor.", "__ge__", None,
                  dtypes=BOOL + REAL)


# -- where -----------------------------------------------------------------------------------------
def _where_backward(node, g):
    cond, shapes = node.ctx
    _, na, nb = node.needs_input_grad
    ga = where(cond, g, 0.0) if na else None
    gb = where(cond, 0.0, g) if nb else None
    return None, ga, gb


@defop("where", "elementwise", "promote", broadcasts=True,
       kernel="where(cond, a, b) -> array  (cond a bool array; a, b arrays or Python scalars)",
       grad_fn="WhereBackward0", backward=_where_backward, method=False)
def where(condition, input=None, other=None):
    """Elements of `input` where `condition` holds, else of `other` (broadcasting all three)."""
    if input is None and other is None:  # where(condition) is nonzero(condition, as_tuple=True)
        from .indexing import nonzero

        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() takes either one argument (condition) or three (condition, "
                        "input, other)")
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' must be Tensor, not "
                        f"{type(condition).__name__}")
    if condition._dtype is not _dt.bool:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {_dtype_title(condition._dtype)}")
    tensors = [t for t in (condition, input, other) if isinstance(t, Tensor)]
    be = same_backend(tensors, "where")
    if not isinstance(input, Tensor):
        input = _scalar(input, "where", "input")
    if not isinstance(other, Tensor):
        other = _scalar(other, "where", "other")
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        ct = _where_dtype(input, other)
    else:
        ct = _dt.dtype_for_scalar_category(max(_dt.scalar_category(input),
                                               _dt.scalar_category(other)))
    shapes = [t._data.shape if isinstance(t, Tensor) else () for t in (condition, input, other)]
    broadcast_shapes(broadcast_shapes(shapes[0], shapes[1]), shapes[2])
    native = be.dtype_native(ct)
    ra = _raw_in(input, ct, native, be)
    rb = _raw_in(other, ct, native, be)
    out = _wrap(be.kernels["where"](condition._data, ra, rb), be, ct)
    if grad_mode.enabled and any(t._rg for t in tensors):
        record(where.op.node, out, (None, input if isinstance(input, Tensor) else None,
                                    other if isinstance(other, Tensor) else None),
               (), (condition.detach(), shapes))
    return out


def _where_dtype(a, b):
    return result_dtype(a, b)


def _raw_in(x, ct, native, be):
    if not isinstance(x, Tensor):  # a 0-d array, so that the kernel's result has dtype ct
        return be.kernels["full"]((), x, native)
    return x._data if x._dtype is ct else be.kernels["astype"](x._data, native)


# -- clamp -----------------------------------------------------------------------------------------
def _clamp_backward(node, g):
    x, lo, hi = node.ctx[0]
    shapes = node.ctx[1]
    needs = node.needs_input_grad
    inside = None
    if lo is not None:
        inside = ge(x, lo)
    if hi is not None:
        below = le(x, hi)
        inside = below if inside is None else logical_and(inside, below)
    grads = [where(inside, g, 0.0) if needs[0] else None]
    for i, bound, outside in ((1, lo, lt), (2, hi, gt)):
        if len(needs) > i:
            grads.append(where(outside(x, bound), g, 0.0)
                         if needs[i] and isinstance(bound, Tensor) else None)
    return tuple(grads)


@defop("clamp", "elementwise", "promote", aliases=("clip",), broadcasts=True, dtypes=REAL,
       kernel="clamp(a, lo, hi) -> array  (lo, hi arrays, Python scalars or None)",
       grad_fn=("ClampBackward1", "ClampBackward0"), backward=_clamp_backward, inplace=True,
       decomposition=lambda k, a, lo, hi: _clamp_raw(k, a, lo, hi))
def clamp(input, min=None, max=None):
    """input limited to [min, max] (either bound may be None; a tensor bound broadcasts).
    Where min > max every element is max, as PyTorch."""
    if not isinstance(input, Tensor):
        raise TypeError(f"clamp(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    bounds = [b if b is None or isinstance(b, Tensor) else _scalar(b, "clamp", name)
              for b, name in ((min, "min"), (max, "max"))]
    tensors = [input] + [b for b in bounds if isinstance(b, Tensor)]
    be = same_backend(tensors, "clamp")
    ct = input._dtype
    for b in bounds:  # PyTorch's result type of (input, min, max), pair by pair
        if b is not None:
            ct = _dt.promote_types(ct, result_dtype(input, b))
    if ct.is_complex:
        raise NotImplementedError("clamp is not supported for complex types")
    if ct.category == 1:
        for b in bounds:
            if b is not None and not isinstance(b, Tensor):
                _check_int_range(b, ct)
    shape = input._data.shape
    for b in tensors[1:]:  # the bounds must broadcast with the input
        shape = broadcast_shapes(shape, b._data.shape)
    native = be.dtype_native(ct)
    raw = [(t._data if t._dtype is ct else be.kernels["astype"](t._data, native))
           if isinstance(t, Tensor) else t for t in [input] + bounds]
    out = _wrap(be.kernels["clamp"](*raw), be, ct)
    if needs_grad(*tensors):
        with_tensors = len(tensors) > 1
        inputs = (input,) + tuple(b if isinstance(b, Tensor) else None for b in bounds) \
            if with_tensors else (input,)
        shapes = tuple(t._data.shape if isinstance(t, Tensor) else () for t in inputs)
        record(clamp.op.nodes[with_tensors], out, inputs, (),
               ((input.detach(),) + tuple(b.detach() if isinstance(b, Tensor) else b
                                          for b in bounds), shapes))
    return out


def _check_int_range(value, ct):
    """PyTorch's error for a Python int that integer dtype `ct` cannot hold."""
    bits = 8 * ct.itemsize
    if ct.is_signed:
        low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    else:
        low, high = 0, (1 << bits) - 1
    if not low <= value <= high:
        ctype = ct.name + "_t"
        raise RuntimeError(f"value cannot be converted to type {ctype} without overflow")


def _clamp_raw(k, a, lo, hi):
    """clamp on raw arrays: max with `lo`, then min with `hi` (NaN in `a` stays NaN)."""
    if lo is not None:
        a = k["maximum"](a, lo)
    if hi is not None:
        a = k["minimum"](a, hi)
    return a
