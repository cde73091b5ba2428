"""Elementwise ops: arithmetic and division, unary math, rounding, activations, lerp, clamp; the
machinery every elementwise op shares (``_binary``, ``_unary``). The ops that test and select
(predicates, logic, bitwise ops, comparisons, nan_to_num, masked_fill, where) are in
``comparison`` and re-exported here; writing results with a kernel's ``out=`` is in ``inplace``.

Each op is one ``@defop`` entry with its front end and its derivative, written with ember ops.
"""

import builtins
import math
import numbers

from . import reduction as R
from .._compile import is_compiling
from ..backends import ember_dtype
from ._common import (Tensor, _dt, _wrap, broadcast_shapes, check_result, grad_mode, needs_grad,
                      promote, record, result_dtype, same_backend)
from ..autograd.graph import _sum_to
from .inplace import _binary_into, _into_with_alpha
from .registry import dtype_title as _dtype_title
from .registry import ALL, BOOL, COMPLEX, FLOATING, INTEGRAL, NUMERIC, REAL, defop

_FLOAT = 2


def _scalar(x, fn, name):
    if isinstance(x, (int, float, complex)):
        return x
    if isinstance(x, numbers.Number):  # numpy scalars and the like
        return x.item() if hasattr(x, "item") else complex(x)
    raise TypeError(f"{fn}(): argument '{name}' must be Tensor or Number, not {type(x).__name__}")


def _wrapped_int(value, ct, name):
    """Python int `value` in integer dtype `ct`: two's-complement wrapped, as PyTorch casts the
    scalar operand of arithmetic, bitwise and comparison ops (``int8_tensor + 300`` adds 44);
    pow refuses it instead (``value cannot be converted to type int8_t without overflow``)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    bits = 8 * ct.itemsize
    low = -(1 << (bits - 1)) if ct.is_signed else 0
    if low <= value < low + (1 << bits):
        return value
    if name == "pow":
        raise RuntimeError(f"value cannot be converted to type {ct.name}_t without overflow")
    return (value - low) % (1 << bits) + low


def _binary(op, a, b, float_result=False, compare=False, check=None, node=None):
    """Run binary elementwise op `op` on Tensors or Python scalars; record its node (`node`,
    else the op's first). `check(dtype)` may refuse the computation dtype before the kernel.

    The common cases take a short path: two tensors of one dtype on one backend, or a floating
    tensor and a Python float or int (no promotion, no cast); the rest go through
    ``_operands``. No autograd work is done unless an input requires grad."""
    if isinstance(a, Tensor):
        be, ct, ra = a._backend, a._dtype, a._data
        sa = ra.shape
        if isinstance(b, Tensor):
            rb = b._data
            sb = rb.shape
            rg = a._rg or b._rg
            fast = b._dtype is ct and b._backend is be
        else:
            rb, sb, rg = b, (), a._rg
            fast = (type(b) is float or type(b) is int) and ct.category >= _FLOAT
    elif isinstance(b, Tensor):
        be, ct, rb = b._backend, b._dtype, b._data
        ra, sa, sb, rg = a, (), rb.shape, b._rg
        fast = (type(a) is float or type(a) is int) and ct.category >= _FLOAT
    else:
        raise TypeError(f"{op.name}(): expected at least one Tensor argument, got "
                        f"{type(a).__name__} and {type(b).__name__}")
    if not fast or check is not None or ct not in op.allowed or \
            (float_result and ct.category < _FLOAT):
        ct, ra, rb = _operands(op, a, b, be, float_result, check)
    shape = sa if sa == sb else broadcast_shapes(sa, sb) if sa and sb else sa or sb
    rt = _dt.bool if compare else ct
    raw = be.kernels[op.name](ra, rb)
    try:  # the kernel's result checked cheaply: same native dtype object, same shape
        bad = raw.dtype is not be.native[rt] or raw.shape != shape
    except AttributeError:
        bad = True
    if bad:
        check_result(raw, be, rt, shape, op.name)
    out = _wrap(raw, be, rt)
    if rg and grad_mode.enabled and (node is not None or op.node is not None):
        # the node, with what its derivative reads, the Python scalars (ctx), and the inputs'
        # shapes where one was broadcast (a Python scalar takes no part)
        ta = a if isinstance(a, Tensor) else None
        tb = b if isinstance(b, Tensor) else None
        record(op.node if node is None else node, out, (ta, tb),
               _saved_for(op, ta, tb, out) if op.saves else (),
               (sa, sb, ct, a if ta is None else None, b if tb is None else None),
               () if (ta is None or sa == shape) and (tb is None or sb == shape) else
               (sa if ta is not None else None, sb if tb is not None else None))
    return out


def _operands(op, a, b, be, float_result, check):
    """The computation dtype and the raw operands of a binary op in the general case: PyTorch's
    promotion (Python scalars are weak), the declared dtypes, integer results of float-valued
    ops (`float_result`) cast to the default float, Python ints wrapped to an integer dtype,
    then `check(dtype)`. Returns (dtype, raw a, raw b)."""
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb:
        if b._backend is not be:
            same_backend((a, b), op.name)
        ct = promote(a, b)
    elif ta:
        b = _scalar(b, op.name, "other")
        ct = _dt.result_type_with_scalar(a._dtype, b)
    else:
        a = _scalar(a, op.name, "input")
        ct = _dt.result_type_with_scalar(b._dtype, a)
    if ct not in op.allowed:  # the declared dtypes, on the common dtype (as PyTorch checks)
        raise op.refuse(ct)
    if float_result and ct.category < _FLOAT:
        ct = _dt.get_default_dtype()
    elif ct.category == 1:  # a Python int is cast to the integer dtype as PyTorch does: wrapped
        a = a if ta else _wrapped_int(a, ct, op.name)
        b = b if tb else _wrapped_int(b, ct, op.name)
    if check is not None:
        check(ct)
    return ct, _raw_in(a, ta, ct, be), _raw_in(b, tb, ct, be)


def _raw_in(x, is_tensor, ct, be):
    """Operand `x` as the kernel takes it: a tensor's array in dtype `ct`, or the scalar."""
    if not is_tensor or x._dtype is ct:
        return x._data if is_tensor else x
    return be.kernels["astype"](x._data, be.dtype_native(ct))


_INPUT_OTHER = ("input", "other")


def _saved_for(op, a, b, out):
    """What the op's derivative reads, as its declaration's ``saves`` names it."""
    if op.saves == _INPUT_OTHER:  # the commonest (mul, div...), without a loop
        return (a,) if b is None else (b,) if a is None else (a, b)
    saved = []
    for name in op.saves:
        value = a if name == "input" else b if name == "other" else out
        if value is not None:
            saved.append(value)
    return tuple(saved)


def _unary(op, x, float_result=False, out_dtype=None, check=None):
    """Run unary elementwise op `op`; `out_dtype` fixes the result dtype (bool predicates),
    `check(dtype)` may refuse the input dtype."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op.name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    be = x._backend
    ct = x._dtype
    if check is not None:
        check(ct)
    raw = x._data
    if float_result and ct.category < _FLOAT:
        ct = _dt.get_default_dtype()
        raw = be.kernels["astype"](raw, be.dtype_native(ct))
    ct = ct if out_dtype is None else out_dtype
    result = be.kernels[op.name](raw)
    try:  # the kernel's result checked cheaply: same native dtype object, same shape
        bad = result.dtype is not be.native[ct] or result.shape != raw.shape
    except AttributeError:
        bad = True
    if bad:
        check_result(result, be, ct, raw.shape, op.name)
    out = _wrap(result, be, ct)
    if op.node is not None and x._rg and grad_mode.enabled:
        need = op.saves
        saved = (x,) if need == ("input",) else (out,) if need == ("result",) else ()
        record(op.node, out, (x,), saved, None)
    return out


_SAVED_NAMES = {"a": ("input",), "o": ("result",)}  # the short forms _float_unary takes


def sum_to(g, shape):
    """Sum gradient `g` down to `shape`, undoing broadcasting (the engine's own reduction, for
    the derivatives that undo a broadcast themselves: expand, setitem, batched matmul)."""
    return g if g._data.shape == tuple(shape) else _sum_to(g, shape)


# -- arithmetic --------------------------------------------------------------------------------------
def _add_backward(node, g):
    na, nb = node.needs_input_grad
    return (g if na else None, g if nb else None)


@defop("add", "elementwise", "promote", dtype_args=(), broadcasts=True,
       kernel="add(a, b) -> array", grad_fn="AddBackward0", backward=_add_backward, inplace=True,
       operators=("__add__", "__radd__", "__iadd__"))
def add(input, other, *, alpha=1):
    """input + alpha * other, broadcasting, with PyTorch's type promotion."""
    if alpha != 1 or alpha is True:
        other = _scaled(input, other, alpha)
    return _binary(add.op, input, other)


def _sub_backward(node, g):
    na, nb = node.needs_input_grad
    return (g if na else None, neg(g) if nb else None)


@defop("sub", "elementwise", "promote", dtype_args=(), broadcasts=True, dtypes=NUMERIC,
       kernel="sub(a, b) -> array", grad_fn="SubBackward0", backward=_sub_backward, inplace=True,
       operators=("__sub__", "__rsub__", "__isub__"))
def sub(input, other, *, alpha=1):
    """input - alpha * other."""
    if _either_bool(input, other):
        if _is_bool(input) and _is_bool(other):
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                               "supported. Use the `^` or `logical_xor()` operator instead.")
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    if alpha != 1 or alpha is True:
        other = _scaled(input, other, alpha)
    return _binary(sub.op, input, other)


def _is_bool(x):
    return isinstance(x, bool) or (isinstance(x, Tensor) and x._dtype is _dt.bool)


def _either_bool(a, b):
    """Whether `a` or `b` is a bool or a bool tensor (one call on sub's every use)."""
    bool_ = _dt.bool
    return (a is True or a is False or b is True or b is False
            or (isinstance(a, Tensor) and a._dtype is bool_)
            or (isinstance(b, Tensor) and b._dtype is bool_))


def _scaled(input, other, alpha):
    """alpha * other for add and sub, checked as PyTorch does: alpha does not take part in the
    result dtype (bool + bool stays bool), must be whole for integer results and may be a bool
    only for bool results."""
    ct = result_dtype(input, other)
    if isinstance(alpha, bool) and ct is not _dt.bool:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if ct.category < _FLOAT and isinstance(alpha, float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    if ct is _dt.bool:  # a nonzero alpha keeps `other`; zero drops it
        alpha = builtins.bool(alpha)
        if not isinstance(other, Tensor):
            return builtins.bool(other) and alpha
    return mul(other, alpha) if isinstance(other, Tensor) else other * alpha


def _pick(node):
    """The saved (a, b) of a binary node, with Python scalars in place of missing tensors."""
    saved = node.saved_tensors
    _, _, _, a, b = node.ctx
    if a is None:
        return saved if b is None else (saved[0], b)
    return a, saved[0]


def _mul_backward(node, g):
    a, b = _pick(node)
    na, nb = node.needs_input_grad
    return (mul(g, b) if na else None, mul(g, a) if nb else None)


@defop("mul", "elementwise", "promote", dtype_args=(), broadcasts=True, saves=("input", "other"),
       kernel="mul(a, b) -> array", grad_fn="MulBackward0", backward=_mul_backward, inplace=True,
       operators=("__mul__", "__rmul__", "__imul__"))
def mul(input, other):
    """input * other, broadcasting."""
    return _binary(mul.op, input, other)


def _div_backward(node, g):
    na, nb = node.needs_input_grad
    if type(node) is div.op.nodes[1]:  # DivBackward2: a rounded quotient is piecewise constant
        return (mul(g, 0) if na else None, mul(g, 0) if nb else None)
    a, b = _pick(node)
    ga = div(g, b) if na else None
    gb = neg(div(mul(g, a), mul(b, b))) if nb else None
    return ga, gb


@defop("div", "elementwise", "float", aliases=("true_divide",), dtype_args=(), broadcasts=True,
       saves=("input", "other"), kernel="div(a, b) -> array",
       grad_fn=("DivBackward0", "DivBackward2"), backward=_div_backward, inplace=True,
       operators=("__truediv__", "__rtruediv__", "__itruediv__"))
def div(input, other, *, rounding_mode=None):
    """input / other: true division (integers give the default float dtype), or the quotient
    rounded toward zero (``rounding_mode='trunc'``) or down (``'floor'``) in the promoted dtype."""
    if rounding_mode is None:
        return _binary(div.op, input, other, float_result=True)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                         f"found '{rounding_mode}'")
    from ..autograd.mode import no_grad

    with no_grad():
        if rounding_mode == "floor":
            out = floor_divide(input, other)
        else:
            out = _trunc_divide(input, other)
    if needs_grad(input, other):
        ta, tb = (x if isinstance(x, Tensor) else None for x in (input, other))
        record(div.op.nodes[1], out, (ta, tb), (), (_shape(input), _shape(other)))
    return out


def _shape(x):
    return x._data.shape if isinstance(x, Tensor) else ()


def _trunc_divide(a, b):
    """The quotient rounded toward zero: trunc(a / b) for floats; for integers (a - fmod(a, b))
    divides b exactly, so the floor division of it is exact."""
    ct = result_dtype(a, b)
    _real_only("div_trunc")(ct)
    if ct.category >= _FLOAT:
        return trunc(div(a, b))
    return floor_divide(sub(a, fmod(a, b)), b)


def _real_only(kernel):
    """A dtype check refusing bool and complex, as PyTorch's CPU kernel `kernel` does."""
    def check(ct):
        if ct is _dt.bool or ct.is_complex:
            raise NotImplementedError(f'"{kernel}_cpu" not implemented for \'{_dtype_title(ct)}\'')
    return check


def _int_divisor(kernel):
    """`_real_only(kernel)`, and for integer division a RuntimeError on a zero divisor."""
    real = _real_only(kernel)

    def check(ct, b):
        real(ct)
        if ct.category == 1 and (not isinstance(b, Tensor) and b == 0
                                 or isinstance(b, Tensor) and not is_compiling()
                                 and R.sum(eq(b, 0)).item()):
            raise RuntimeError("ZeroDivisionError")
    return check


def _integer_safe(op, kernel, a, b, node=None):
    """A division-like binary op: bool and complex refused, integer division by zero raises
    (unless the result is empty: nothing is divided)."""
    check = _int_divisor(kernel)
    if any(isinstance(x, Tensor) and 0 in x._data.shape for x in (a, b)):
        check = _real_only(kernel)
        return _binary(op, a, b, check=check, node=node)
    return _binary(op, a, b, check=lambda ct: check(ct, b), node=node)


def _no_derivative(name):
    """The backward of an op PyTorch has no derivative for: its result requires grad (node
    ``NotImplemented``), and backward through it raises PyTorch's error."""
    def backward(node, g):
        raise RuntimeError(f"derivative for aten::{name} is not implemented")
    return backward


@defop("floor_divide", "elementwise", "promote", dtype_args=(), dtypes=REAL,
       kernel="floor_divide(a, b) -> array", inplace=True,
       operators=("__floordiv__", "__rfloordiv__", "__ifloordiv__"), grad_fn="NotImplemented",
       backward=_no_derivative("floor_divide"), differentiable=False)
def floor_divide(input, other):
    """The quotient rounded down, as Python's ``//`` (floats use NumPy's and PyTorch's
    fmod-based algorithm); integer division by zero is a RuntimeError."""
    return _integer_safe(floor_divide.op, "div_floor", input, other)


def _remainder_backward(node, g):
    sa, sb = node.ctx[0], node.ctx[1]
    a, b = _pick(node)
    na, nb = node.needs_input_grad
    q = div(a, b, rounding_mode="floor" if node._op_name == "remainder" else "trunc")
    return (g if na else None, neg(mul(g, q)) if nb else None)


@defop("remainder", "elementwise", "promote", dtype_args=(), broadcasts=True,
       saves=("input", "other"), dtypes=REAL, kernel="remainder(a, b) -> array",
       grad_fn=("RemainderBackward0", "RemainderBackward1"), backward=_remainder_backward,
       inplace=True, operators=("__mod__", "__rmod__", "__imod__"))
def remainder(input, other):
    """The remainder of floor division, with the sign of `other` (Python's ``%``)."""
    return _integer_safe(remainder.op, "remainder", input, other,
                         node=remainder.op.nodes[isinstance(other, Tensor)])


@defop("fmod", "elementwise", "promote", dtype_args=(), broadcasts=True, saves=("input", "other"),
       dtypes=REAL, kernel="fmod(a, b) -> array", grad_fn=("FmodBackward0", "FmodBackward1"),
       backward=_remainder_backward, inplace=True)
def fmod(input, other):
    """The remainder of division rounded toward zero, with the sign of `input` (C's fmod)."""
    return _integer_safe(fmod.op, "fmod", input, other,
                         node=fmod.op.nodes[isinstance(other, Tensor)])


def _pow_backward(node, g):
    """PyTorch's derivatives of input ** exponent: 0 for the input where the exponent is 0, and
    0 for the exponent where the input is 0 and the exponent >= 0 (not 0 * inf = nan)."""
    sa, sb = node.ctx[0], node.ctx[1]
    saved = list(node.saved_tensors)
    out = saved.pop()
    _, _, _, a_scalar, b_scalar = node.ctx
    a = saved.pop(0) if a_scalar is None else a_scalar
    b = saved.pop(0) if b_scalar is None else b_scalar
    na, nb = node.needs_input_grad
    ga = gb = None
    if na:
        if isinstance(b, Tensor):
            ga = where(eq(b, 0), 0.0, mul(mul(g, b), pow(a, sub(b, 1))))
        else:
            ga = mul(g, 0.0) if b == 0 else mul(mul(g, b), pow(a, b - 1))
    if nb:
        if isinstance(a, Tensor):
            gb = mul(mul(g, out), log(a))
            if not a._dtype.is_complex:
                gb = where(logical_and(eq(a, 0), ge(b, 0)), 0.0, gb)
        elif a == 0:
            gb = where(ge(b, 0), 0.0, mul(mul(g, out), -math.inf))
        else:
            gb = mul(mul(g, out), _scalar_log(a))
    return ga, gb


def _scalar_log(a):
    """log of a Python number as the derivative of a ** x needs it: NaN for a negative real."""
    if isinstance(a, complex):
        import cmath

        return cmath.log(a)
    return math.log(a) if a > 0 else math.nan


def _integer_pow(input, exponent, ct):
    """Integer ** integer as PyTorch computes it: a negative Python exponent is an error; a
    negative entry of an exponent tensor gives 1 for a base of 1, +-1 for -1, else 0."""
    if not isinstance(exponent, Tensor):
        if exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return None
    if is_compiling() or not R.any(lt(exponent, 0)).item():
        return None
    from ..autograd.mode import no_grad

    negative = lt(exponent, 0)
    with no_grad():
        out = _binary(pow.op, input, where(negative, 0, exponent))
        odd = ne(remainder(exponent, 2), 0)
        sign = where(odd, -1, 1)
        if isinstance(input, Tensor):
            special = where(eq(input, 1), 1, where(eq(input, -1), sign, 0))
        else:
            special = 1 if input == 1 else sign if input == -1 else 0
        return where(negative, special, out).to(ct)


@defop("pow", "elementwise", "promote", dtype_args=(), broadcasts=True,
       saves=("input", "other", "result"), dtypes=NUMERIC, kernel="pow(a, b) -> array",
       grad_fn="PowBackward0", backward=_pow_backward, inplace=True,
       operators=("__pow__", "__rpow__", "__ipow__"))
def pow(input, exponent):
    """input ** exponent, elementwise."""
    if _integral(input) and _integral(exponent) and \
            (isinstance(input, Tensor) or isinstance(exponent, Tensor)):
        out = _integer_pow(input, exponent, result_dtype(input, exponent))
        if out is not None:
            return out
    return _binary(pow.op, input, exponent)


def _integral(x):
    """An integer or bool tensor, or a Python int (not a bool)."""
    if isinstance(x, Tensor):
        return x._dtype.category <= 1
    return isinstance(x, int) and not isinstance(x, bool)


def _maxmin_backward(node, g):
    sa, sb = node.ctx[0], node.ctx[1]
    a, b = node.saved_tensors
    na, nb = node.needs_input_grad
    win_a = gt(a, b) if node._op_name == "maximum" else lt(a, b)
    tie = eq(a, b)
    half = mul(g, 0.5)
    ga = where(win_a, g, where(tie, half, 0.0)) if na else None
    gb = where(win_a, 0.0, where(tie, half, g)) if nb else None
    return ga, gb


def _tensors_only(fn, a, b):
    for name, x in (("input", a), ("other", b)):
        if not isinstance(x, Tensor):
            raise TypeError(f"{fn}(): argument '{name}' must be Tensor, not {type(x).__name__}")


@defop("maximum", "elementwise", "promote", dtype_args=(), broadcasts=True,
       saves=("input", "other"), dtypes=BOOL + INTEGRAL + FLOATING,
       kernel="maximum(a, b) -> array", grad_fn="MaximumBackward0", backward=_maxmin_backward)
def maximum(input, other):
    """The elementwise maximum of two tensors (a NaN in either gives NaN)."""
    _tensors_only("maximum", input, other)
    return _binary(maximum.op, input, other)


@defop("minimum", "elementwise", "promote", dtype_args=(), broadcasts=True,
       saves=("input", "other"), dtypes=BOOL + INTEGRAL + FLOATING,
       kernel="minimum(a, b) -> array", grad_fn="MinimumBackward0", backward=_maxmin_backward)
def minimum(input, other):
    """The elementwise minimum of two tensors (a NaN in either gives NaN)."""
    _tensors_only("minimum", input, other)
    return _binary(minimum.op, input, other)


# -- unary -----------------------------------------------------------------------------------------
@defop("neg", "elementwise", "same", dtypes=NUMERIC,
       dtype_error=lambda d: RuntimeError(_NEG_BOOL) if d is _dt.bool else None,
       kernel="neg(a) -> array", grad_fn="NegBackward0",
       backward=lambda node, g: (neg(g),), inplace=True, operators=("__neg__",))
def neg(input):
    """-input."""
    return _unary(neg.op, input)


_NEG_BOOL = ("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
             "invert a mask, use the `~` or `logical_not()` operator instead.")


@defop("exp", "elementwise", "float", saves=("result",), kernel="exp(a) -> array",
       grad_fn="ExpBackward0", backward=lambda node, g: (mul(g, node.saved_tensors[0]),),
       inplace=True)
def exp(input):
    """e ** input."""
    return _unary(exp.op, input, float_result=True)


@defop("log", "elementwise", "float", saves=("input",), kernel="log(a) -> array",
       grad_fn="LogBackward0", backward=lambda node, g: (div(g, node.saved_tensors[0]),),
       inplace=True)
def log(input):
    """The natural logarithm (NaN below 0, -inf at 0)."""
    return _unary(log.op, input, float_result=True)


@defop("sqrt", "elementwise", "float", saves=("result",), kernel="sqrt(a) -> array",
       grad_fn="SqrtBackward0", backward=lambda node, g: (div(g, mul(node.saved_tensors[0], 2)),),
       inplace=True)
def sqrt(input):
    """The square root (NaN below 0)."""
    return _unary(sqrt.op, input, float_result=True)


@defop("abs", "elementwise", "same", saves=("input",), dtypes=NUMERIC, kernel="abs(a) -> array",
       grad_fn="AbsBackward0", backward=lambda node, g: (mul(g, sign(node.saved_tensors[0])),),
       inplace=True, operators=("__abs__",))
def abs(input):
    """|input| (real for a complex input, as PyTorch)."""
    real = _REAL_OF.get(input._dtype) if isinstance(input, Tensor) else None
    return _unary(abs.op, input, out_dtype=real)  # complex: the magnitudes, a real array


_REAL_OF = {_dt.complex64: _dt.float32, _dt.complex128: _dt.float64}


@defop("sign", "elementwise", "same", dtypes=BOOL + INTEGRAL + FLOATING,
       kernel="sign(a) -> array", grad_fn="SignBackward0", backward=lambda node, g: (mul(g, 0),),
       inplace=True)
def sign(input):
    """-1, 0 or 1 by the sign of each element (0 for NaN, so |x|'s gradient there is 0)."""
    if isinstance(input, Tensor) and input._dtype.is_complex:
        raise NotImplementedError("Unlike NumPy, torch.sign is not intended to support complex "
                                  "numbers. Please use torch.sgn instead.")
    out = _unary(sign.op, input)
    if out._dtype.category >= _FLOAT:  # NumPy's and JAX's sign of NaN is NaN, PyTorch's is 0
        k = out._backend.kernels
        out._data = k["where"](k["isnan"](input._data), 0.0, out._data)
    return out


def _tanh_backward(node, g):
    (y,) = node.saved_tensors
    return (mul(g, rsub_one(mul(y, y))),)


@defop("tanh", "elementwise", "float", saves=("result",), kernel="tanh(a) -> array",
       grad_fn="TanhBackward0", backward=_tanh_backward, inplace=True)
def tanh(input):
    """The hyperbolic tangent."""
    return _unary(tanh.op, input, float_result=True)


@defop("sin", "elementwise", "float", saves=("input",), kernel="sin(a) -> array",
       grad_fn="SinBackward0", backward=lambda node, g: (mul(g, cos(node.saved_tensors[0])),),
       inplace=True)
def sin(input):
    """The sine, in radians."""
    return _unary(sin.op, input, float_result=True)


@defop("cos", "elementwise", "float", saves=("input",), kernel="cos(a) -> array",
       grad_fn="CosBackward0",
       backward=lambda node, g: (neg(mul(g, sin(node.saved_tensors[0]))),), inplace=True)
def cos(input):
    """The cosine, in radians."""
    return _unary(cos.op, input, float_result=True)


def rsub_one(t):
    """1 - t, for the derivatives (t a floating tensor: sub's refusal of bool does not apply)."""
    return _binary(sub.op, 1, t)


def _sigmoid_backward(node, g):
    (y,) = node.saved_tensors
    return (mul(g, mul(y, rsub_one(y))),)


@defop("sigmoid", "elementwise", "float", saves=("result",), kernel="sigmoid(a) -> array",
       grad_fn="SigmoidBackward0", backward=_sigmoid_backward, inplace=True)
def sigmoid(input):
    """1 / (1 + exp(-input)), computed without overflow."""
    return _unary(sigmoid.op, input, float_result=True)


@defop("relu", "elementwise", "same", saves=("result",), dtypes=REAL, kernel="relu(a) -> array",
       grad_fn="ReluBackward0", backward=lambda node, g: (mul(g, gt(node.saved_tensors[0], 0)),),
       inplace=True)
def relu(input):
    """max(input, 0)."""
    if isinstance(input, Tensor) and input._dtype is _dt.bool:
        raise RuntimeError('"clamp_min_cpu" not implemented for \'Bool\'')
    return _unary(relu.op, input)


# -- more unary math -------------------------------------------------------------------------------
_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _float_unary(name, grad_fn, derivative, saves, doc, check=None, decomposition=None,
                 dtypes=ALL, cpu_kernel=None, aliases=()):
    """Declare a unary op computed in floating point (integers and bool give the default float
    dtype). `derivative(g, saved)` is its backward, with `saves` naming the tensor it reads
    ("a" the input, "o" the output)."""
    def backward(node, g):
        return (derivative(g, node.saved_tensors[0]),)

    @defop(name, "elementwise", "float", dtypes=dtypes, cpu_kernel=cpu_kernel,
           kernel=f"{name}(a) -> array",
           grad_fn=grad_fn, backward=backward, saves=_SAVED_NAMES[saves], inplace=True,
           decomposition=decomposition, aliases=aliases)
    def front(input):
        return _unary(front.op, input, float_result=True, check=check)

    front.__name__ = front.__qualname__ = name
    front.__doc__ = front.op.doc = doc
    return front


def _one_minus_square(x):
    return rsub_one(mul(x, x))


reciprocal = _float_unary(
    "reciprocal", "ReciprocalBackward0", lambda g, o: neg(mul(g, mul(o, o))), "o",
    "1 / input.", decomposition=lambda k, a: k["div"](1, a))
rsqrt = _float_unary(
    "rsqrt", "RsqrtBackward0", lambda g, o: mul(g, mul(mul(o, mul(o, o)), -0.5)), "o",
    "1 / sqrt(input) (inf at 0, NaN below).", decomposition=lambda k, a: k["div"](1, k["sqrt"](a)))
exp2 = _float_unary("exp2", "Exp2Backward0", lambda g, o: mul(g, mul(o, _LN2)), "o",
                    "2 ** input.")
expm1 = _float_unary("expm1", "Expm1Backward0", lambda g, o: mul(g, add(o, 1)), "o",
                     "exp(input) - 1, accurate near 0.")
log2 = _float_unary("log2", "Log2Backward0", lambda g, x: div(g, mul(x, _LN2)), "a",
                    "The base-2 logarithm.")
log10 = _float_unary("log10", "Log10Backward0", lambda g, x: div(g, mul(x, _LN10)), "a",
                     "The base-10 logarithm.")
log1p = _float_unary("log1p", "Log1PBackward0", lambda g, x: div(g, add(x, 1)), "a",
                     "log(1 + input), accurate near 0.")
tan = _float_unary("tan", "TanBackward0", lambda g, o: mul(g, add(mul(o, o), 1)), "o",
                   "The tangent, in radians.")
asin = _float_unary("asin", "AsinBackward0", lambda g, x: div(g, sqrt(_one_minus_square(x))),
                    "a", "The inverse sine (NaN outside [-1, 1]).")
acos = _float_unary("acos", "AcosBackward0",
                    lambda g, x: neg(div(g, sqrt(_one_minus_square(x)))), "a",
                    "The inverse cosine (NaN outside [-1, 1]).")
atan = _float_unary("atan", "AtanBackward0", lambda g, x: div(g, add(mul(x, x), 1)), "a",
                    "The inverse tangent.")
sinh = _float_unary("sinh", "SinhBackward0", lambda g, x: mul(g, cosh(x)), "a",
                    "The hyperbolic sine.")
cosh = _float_unary("cosh", "CoshBackward0", lambda g, x: mul(g, sinh(x)), "a",
                    "The hyperbolic cosine.")


def _acosh_raw(k, a):
    """acosh on raw arrays: below 2, log1p((a - 1) + sqrt((a - 1) * (a + 1))) (exact near 1);
    from 2, log(a) + log1p(sqrt(1 - 1/a**2)) (no overflow, even in float16); for complex a,
    the principal branch log(a + sqrt(a + 1) * sqrt(a - 1))."""
    if ember_dtype(a.dtype).is_complex:
        return k["log"](k["add"](a, k["mul"](k["sqrt"](k["add"](a, 1)), k["sqrt"](k["sub"](a, 1)))))
    am1 = k["sub"](a, 1)
    near = k["log1p"](k["add"](am1, k["sqrt"](k["mul"](am1, k["add"](a, 1)))))
    far = k["add"](k["log"](a), k["log1p"](k["sqrt"](k["sub"](1, k["div"](1, k["mul"](a, a))))))
    return k["where"](k["lt"](a, 2), near, far)


def _asinh_raw(k, a):
    """asinh on raw arrays, odd: for |a| below 2, log1p(|a| + |a| / (1/|a| + sqrt(1 + 1/a**2)))
    (accurate near 0); from 2, log(|a|) + log1p(sqrt(1 + 1/a**2)) (no overflow); for complex
    a, log(a + sqrt(a**2 + 1))."""
    if ember_dtype(a.dtype).is_complex:
        return k["log"](k["add"](a, k["sqrt"](k["add"](k["mul"](a, a), 1))))
    ax = k["abs"](a)
    t = k["div"](1, ax)
    root = k["sqrt"](k["add"](k["mul"](t, t), 1))
    near = k["log1p"](k["add"](ax, k["div"](ax, k["add"](t, root))))
    far = k["add"](k["log"](ax), k["log1p"](root))
    return k["mul"](k["sign"](a), k["where"](k["lt"](ax, 2), near, far))


def _atanh_raw(k, a):
    """atanh on raw arrays: (log1p(a) - log1p(-a)) / 2 (no cancellation near 0)."""
    return k["mul"](k["sub"](k["log1p"](a), k["log1p"](k["neg"](a))), 0.5)


acosh = _float_unary("acosh", "AcoshBackward0",
                     lambda g, x: div(g, sqrt(mul(sub(x, 1), add(x, 1)))), "a",
                     "The inverse hyperbolic cosine (NaN below 1).", decomposition=_acosh_raw,
                     aliases=("arccosh",))
asinh = _float_unary("asinh", "AsinhBackward0",
                     lambda g, x: div(g, sqrt(add(mul(x, x), 1))), "a",
                     "The inverse hyperbolic sine.", decomposition=_asinh_raw,
                     aliases=("arcsinh",))
atanh = _float_unary("atanh", "AtanhBackward0", lambda g, x: div(g, _one_minus_square(x)), "a",
                     "The inverse hyperbolic tangent (NaN outside [-1, 1]).",
                     decomposition=_atanh_raw, aliases=("arctanh",))


def _no_complex(kernel):
    def check(ct):
        if ct.is_complex:
            raise NotImplementedError(f'"{kernel}" not implemented for \'{_dtype_title(ct)}\'')
    return check


erf = _float_unary("erf", "ErfBackward0",
                   lambda g, x: mul(g, mul(exp(neg(mul(x, x))), _TWO_OVER_SQRT_PI)), "a",
                   "The error function, 2/sqrt(pi) * integral of exp(-t**2) from 0 to input.",
                   dtypes=BOOL + REAL, cpu_kernel="erf_vml_cpu")


@defop("square", "elementwise", "same", differentiable=True, inplace=True)
def square(input):
    """input ** 2 (as PyTorch, recorded as PowBackward0)."""
    return pow(input, 2)


# -- rounding --------------------------------------------------------------------------------------
def _rounding(name, grad_fn, doc):
    """Declare floor, ceil or trunc: same dtype, integers unchanged, zero derivative."""
    check = _real_only(f"{name}_vml")

    @defop(name, "elementwise", "same", dtypes=REAL, kernel=f"{name}(a) -> array  (a float array)",
           grad_fn=grad_fn, backward=lambda node, g: (mul(g, 0),), inplace=True)
    def front(input):
        if isinstance(input, Tensor):
            check(input._dtype)
            if input._dtype.category == 1:  # integers are already whole
                return _copy(input)
        return _unary(front.op, input)

    front.__name__ = front.__qualname__ = name
    front.__doc__ = front.op.doc = doc
    return front


def _copy(t):
    return _wrap(t._backend.kernels["clone"](t._data), t._backend, t._dtype)


floor = _rounding("floor", "FloorBackward0", "The largest whole number <= input.")
ceil = _rounding("ceil", "CeilBackward0", "The smallest whole number >= input.")
trunc = _rounding("trunc", "TruncBackward0", "input rounded toward zero.")


@defop("frac", "elementwise", "same", dtypes=FLOATING, kernel="frac(a) -> array",
       decomposition=lambda k, a: k["sub"](a, k["trunc"](a)), grad_fn="FracBackward0",
       backward=lambda node, g: (g,), inplace=True)
def frac(input):
    """The fractional part, input - trunc(input), with the sign of input (NaN for infinities)."""
    return _unary(frac.op, input)


@defop("round", "elementwise", "same", dtypes=REAL,
       kernel="round(a, decimals) -> array  (a float array; half to even)",
       grad_fn=("RoundBackward0", "RoundBackward1"), backward=lambda node, g: (mul(g, 0),),
       inplace=True)
def round(input, *, decimals=0):
    """input rounded to `decimals` decimal places, halves to even (as PyTorch and NumPy)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"round(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    ct = input._dtype
    _real_only("round" if decimals else "round_vml")(ct)
    if ct.category == 1:
        if decimals:
            raise NotImplementedError(f'"round_cpu" not implemented for \'{_dtype_title(ct)}\'')
        return _copy(input)
    be = input._backend
    out = _wrap(be.kernels["round"](input._data, decimals), be, ct)
    if input._rg and grad_mode.enabled:
        record(round.op.nodes[1 if decimals else 0], out, (input,), (), None)
    return out


# -- two-argument math -----------------------------------------------------------------------------
def _atan2_backward(node, g):
    sa, sb = node.ctx[0], node.ctx[1]
    a, b = node.saved_tensors
    na, nb = node.needs_input_grad
    den = add(mul(a, a), mul(b, b))
    return (mul(g, div(b, den)) if na else None,
            neg(mul(g, div(a, den))) if nb else None)


@defop("atan2", "elementwise", "float", aliases=("arctan2",), dtype_args=(), broadcasts=True,
       saves=("input", "other"), dtypes=BOOL + INTEGRAL + FLOATING, kernel="atan2(a, b) -> array",
       grad_fn="Atan2Backward0", backward=_atan2_backward, inplace=True)
def atan2(input, other):
    """The angle of the point (other, input), in radians, in [-pi, pi]."""
    _tensors_only("atan2", input, other)
    return _binary(atan2.op, input, other, float_result=True, check=_no_complex("atan2_cpu"))


arctan2 = atan2


def _lerp_backward(node, g):
    shapes, weight_is_tensor = node.ctx[0], node.ctx[1]
    saved = node.saved_tensors
    na, nb = node.needs_input_grad[:2]
    if weight_is_tensor:
        start, end, weight = saved
        nw = node.needs_input_grad[2]
    else:
        weight, nw = node.ctx[2], False
    one_minus = rsub_one(weight) if isinstance(weight, Tensor) else 1 - weight
    ga = mul(g, one_minus) if na else None
    gb = mul(g, weight) if nb else None
    gw = mul(g, sub(end, start)) if nw else None
    return (ga, gb, gw) if weight_is_tensor else (ga, gb)


@defop("lerp", "elementwise", "same", broadcasts=True, dtypes=FLOATING + COMPLEX,
       kernel="lerp(a, b, weight) -> array  (weight an array or a Python scalar)",
       grad_fn=("LerpBackward0", "LerpBackward1"), backward=_lerp_backward, inplace=True,
       decomposition=lambda k, a, b, w: _lerp_raw(k, a, b, w))
def lerp(input, end, weight):
    """input + weight * (end - input), computed from the nearer end as PyTorch does."""
    tensors = [input, end] + ([weight] if isinstance(weight, Tensor) else [])
    for name, t in zip(("input", "end", "weight"), tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"lerp(): argument '{name}' must be Tensor, not {type(t).__name__}")
    be = same_backend(tensors, "lerp")
    ct = input._dtype
    for name, t in zip(("end", "weight"), tensors[1:]):
        if t._dtype is not ct:
            raise RuntimeError(f"expected dtype {_dtype_name(ct)} for `{name}` but got dtype "
                               f"{_dtype_name(t._dtype)}")
    if ct.category < _FLOAT:
        raise NotImplementedError(f'"lerp_kernel_scalar" not implemented for '
                                  f"'{_dtype_title(ct)}'")
    shapes = [t._data.shape for t in tensors] + ([] if len(tensors) == 3 else [()])
    broadcast_shapes(broadcast_shapes(shapes[0], shapes[1]), shapes[2])
    w = weight._data if isinstance(weight, Tensor) else _scalar(weight, "lerp", "weight")
    out = _wrap(be.kernels["lerp"](input._data, end._data, w), be, ct)
    if needs_grad(*tensors):
        if len(tensors) == 3:
            record(lerp.op.nodes[1], out, tuple(tensors), tuple(tensors), (shapes, True))
        else:
            record(lerp.op.nodes[0], out, (input, end), (), (shapes, False, w))
    return out


def _lerp_raw(k, a, b, w):
    """lerp on raw arrays: from `a` where |w| < 1/2, else from `b` (exact at both ends)."""
    diff = k["sub"](b, a)
    if not hasattr(w, "shape"):
        if builtins.abs(w) < 0.5:
            return k["add"](a, k["mul"](diff, w))
        return k["sub"](b, k["mul"](diff, 1 - w))
    near_a = k["lt"](k["abs"](w), 0.5)
    return k["where"](near_a, k["add"](a, k["mul"](diff, w)),
                      k["sub"](b, k["mul"](diff, k["sub"](1, w))))


def _dtype_name(d):
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>"}.get(d.name, d.name)


# in-place forms that write straight into the tensor's array where the backend allows it
add.op.into = _into_with_alpha(add.op)
sub.op.into = _into_with_alpha(sub.op)
mul.op.into = lambda a, other: _binary_into(mul.op, a, other)
div.op.into = lambda a, other, *, rounding_mode=None: (
    rounding_mode is None and _binary_into(div.op, a, other, float_result=True))


# the testing and selecting ops live in their own module; the ones above use them, and other
# modules reach them through this one
from .comparison import (allclose, clamp, bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or,
                         bitwise_right_shift, bitwise_xor, eq, equal, ge, gt, isclose, isfinite,
                         isinf, isnan, le, logical_and, logical_not, logical_or, logical_xor, lt,
                         masked_fill, nan_to_num, ne, where)  # noqa: E402
