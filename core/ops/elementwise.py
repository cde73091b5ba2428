"""Elementwise ops: arithmetic and division, unary math, rounding, activations, logic and bitwise
ops, lerp, clamp, comparisons (whole-tensor ones too), nan_to_num, masked_fill, where.

Each op is one ``@defop`` entry with its front end and its derivative, written with ember ops.
"""

import builtins
import math
import numbers
import threading

from . import reduction as R
from . import shape as S
from ._common import (Tensor, _dt, _wrap, broadcast_shapes, grad_mode, needs_grad, promote,
                      record, result_dtype, same_backend)
from .registry import defop

_FLOAT = 2


def _scalar(x, fn, name):
    if isinstance(x, (int, float, complex)):
        return x
    if isinstance(x, numbers.Number):  # numpy scalars and the like
        return x.item() if hasattr(x, "item") else complex(x)
    raise TypeError(f"{fn}(): argument '{name}' must be Tensor or Number, not {type(x).__name__}")


def _binary(op, a, b, float_result=False, compare=False, check=None, node=None):
    """Run binary elementwise op `op` on Tensors or Python scalars; record its node (`node`,
    else the op's first). `check(dtype)` may refuse the computation dtype before the kernel."""
    if isinstance(a, Tensor):
        be = a._backend
        if isinstance(b, Tensor):
            if b._backend is not be:
                same_backend((a, b), op.name)
            ct = a._dtype if a._dtype is b._dtype else promote(a, b)
            rb = b._data if b._dtype is ct else None
        else:
            b = _scalar(b, op.name, "other")
            ct = _dt.result_type_with_scalar(a._dtype, b)
            rb = b
        ra = a._data if a._dtype is ct else None
    elif isinstance(b, Tensor):
        be = b._backend
        a = _scalar(a, op.name, "input")
        ct = _dt.result_type_with_scalar(b._dtype, a)
        ra, rb = a, (b._data if b._dtype is ct else None)
    else:
        raise TypeError(f"{op.name}(): expected at least one Tensor argument, got "
                        f"{type(a).__name__} and {type(b).__name__}")
    if float_result and ct.category < _FLOAT:
        ct = _dt.get_default_dtype()
        ra = None if isinstance(a, Tensor) else ra  # integer operands are cast to ct below
        rb = None if isinstance(b, Tensor) else rb
    if check is not None:
        check(ct)
    if ra is None or rb is None:
        kernels = be.kernels
        native = be.dtype_native(ct)
        if ra is None:
            ra = a._data if a._dtype is ct else kernels["astype"](a._data, native)
        if rb is None:
            rb = b._data if b._dtype is ct else kernels["astype"](b._data, native)
    sa = ra.shape if isinstance(a, Tensor) else ()
    sb = rb.shape if isinstance(b, Tensor) else ()
    if sa != sb and sa and sb:
        broadcast_shapes(sa, sb)
    out = _wrap(be.kernels[op.name](ra, rb), be, _dt.bool if compare else ct)
    node = op.node if node is None else node
    if node is not None and grad_mode.enabled and (
            (isinstance(a, Tensor) and a._rg) or (isinstance(b, Tensor) and b._rg)):
        ta = a if isinstance(a, Tensor) else None
        tb = b if isinstance(b, Tensor) else None
        record(node, out, (ta, tb), _saved_for(op, ta, tb, out),
               (sa, sb, ct, a if ta is None else None, b if tb is None else None))
    return out


def _saved_for(op, a, b, out):
    need = _SAVES.get(op.name, "")
    saved = []
    if "a" in need and a is not None:
        saved.append(a)
    if "b" in need and b is not None:
        saved.append(b)
    if "o" in need:
        saved.append(out)
    return tuple(saved)


def _fits_into(a, b):
    """Whether tensor `b` can enter an op written into `a` as it is: same backend and dtype, and
    a shape that broadcasts to `a`'s."""
    if b._backend is not a._backend or b._dtype is not a._dtype:
        return False
    sb, sa = b._data.shape, a._data.shape
    return sb == sa or (len(sb) <= len(sa) and all(
        x == y or y == 1 for x, y in zip(sa[len(sa) - len(sb):], sb)))


def _binary_into(op, a, b, float_result=False, rb=None):
    """Write ``op(a, b)`` into `a`'s own array with the kernel's ``out=`` (see ``OpDef.into``):
    only when the result has `a`'s dtype and shape, so nothing is cast or broadcast into it.
    `rb` is `b`'s raw array when the caller has computed it already."""
    if rb is None:
        if isinstance(b, Tensor):
            if not _fits_into(a, b):
                return False
            rb = b._data
        elif isinstance(b, (int, float)) and not isinstance(b, bool):
            if _dt.result_type_with_scalar(a._dtype, b) is not a._dtype:
                return False
            rb = b
        else:
            return False
    if float_result and a._dtype.category < _FLOAT:
        return False
    a._backend.kernels[op.name](a._data, rb, out=a._data)
    return True


class _Scratch(threading.local):
    """One reusable array per thread, shape and dtype, for ``alpha * other`` in ``add_`` /
    ``sub_`` with ``alpha``: a fresh multi-megabyte array on every optimizer step would cost
    its page faults each time."""

    def __init__(self):
        self.arrays = {}

    def get(self, backend, raw):
        key = (id(backend), raw.shape, raw.dtype)
        out = self.arrays.get(key)
        if out is None:
            if len(self.arrays) > 64:
                self.arrays.clear()
            out = self.arrays[key] = backend.kernels["empty"](raw.shape, raw.dtype)
        return out


_scratch = _Scratch()


def _into_with_alpha(op):
    def into(a, other, *, alpha=1):
        if alpha == 1:
            return _binary_into(op, a, other)
        if (not isinstance(other, Tensor) or not isinstance(alpha, (int, float))
                or isinstance(alpha, bool) or not _fits_into(a, other)
                or _dt.result_type_with_scalar(other._dtype, alpha) is not a._dtype
                or "mul" not in a._backend.out_kernels):
            return False
        scaled = _scratch.get(a._backend, other._data)
        a._backend.kernels["mul"](other._data, alpha, out=scaled)
        return _binary_into(op, a, other, rb=scaled)

    return into


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
    out = _wrap(be.kernels[op.name](raw), be, ct if out_dtype is None else out_dtype)
    if op.node is not None and x._rg and grad_mode.enabled:
        need = _SAVES.get(op.name, "")
        saved = (x,) if need == "a" else (out,) if need == "o" else ()
        record(op.node, out, (x,), saved, None)
    return out


# which tensors each derivative reads: a = first input, b = second, o = output
_SAVES = {"sin": "a", "cos": "a", "mul": "ab", "div": "ab", "remainder": "ab", "fmod": "ab",
          "atan2": "ab", "pow": "abo", "exp": "o", "log": "a", "sqrt": "o",
          "abs": "a", "tanh": "o", "sigmoid": "o", "relu": "o", "maximum": "ab", "minimum": "ab"}


def sum_to(g, shape):
    """Sum gradient `g` down to `shape`, undoing broadcasting."""
    gs = g._data.shape
    if gs == tuple(shape):
        return g
    lead = len(gs) - len(shape)
    dims = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and gs[i + lead] != 1)
    if dims:
        g = R.sum(g, dims, keepdim=True)
    return S.reshape(g, tuple(shape)) if g._data.shape != tuple(shape) else g


# -- arithmetic --------------------------------------------------------------------------------------
def _add_backward(node, g):
    sa, sb, _, _, _ = node.ctx
    na, nb = node.needs_input_grad
    return (sum_to(g, sa) if na else None, sum_to(g, sb) if nb else None)


@defop("add", "elementwise", "promote", kernel="add(a, b) -> array", grad_fn="AddBackward0",
       backward=_add_backward, inplace=True, operators=("__add__", "__radd__", "__iadd__"))
def add(input, other, *, alpha=1):
    """input + alpha * other, broadcasting, with PyTorch's type promotion."""
    if alpha != 1:
        other = mul(other, alpha)
    return _binary(add.op, input, other)


def _sub_backward(node, g):
    sa, sb, _, _, _ = node.ctx
    na, nb = node.needs_input_grad
    return (sum_to(g, sa) if na else None, sum_to(neg(g), sb) if nb else None)


@defop("sub", "elementwise", "promote", kernel="sub(a, b) -> array", grad_fn="SubBackward0",
       backward=_sub_backward, inplace=True, operators=("__sub__", "__rsub__", "__isub__"))
def sub(input, other, *, alpha=1):
    """input - alpha * other."""
    if _is_bool(input) and _is_bool(other):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if alpha != 1:
        other = mul(other, alpha)
    return _binary(sub.op, input, other)


def _is_bool(x):
    return isinstance(x, bool) or (isinstance(x, Tensor) and x._dtype is _dt.bool)


def _pick(node):
    """The saved (a, b) of a binary node, with Python scalars in place of missing tensors."""
    saved = iter(node.saved_tensors)
    _, _, _, sa_scalar, sb_scalar = node.ctx
    a = next(saved) if sa_scalar is None else sa_scalar
    b = next(saved) if sb_scalar is None else sb_scalar
    return a, b


def _mul_backward(node, g):
    sa, sb = node.ctx[0], node.ctx[1]
    a, b = _pick(node)
    na, nb = node.needs_input_grad
    return (sum_to(mul(g, b), sa) if na else None, sum_to(mul(g, a), sb) if nb else None)


@defop("mul", "elementwise", "promote", kernel="mul(a, b) -> array", grad_fn="MulBackward0",
       backward=_mul_backward, inplace=True, operators=("__mul__", "__rmul__", "__imul__"))
def mul(input, other):
    """input * other, broadcasting."""
    return _binary(mul.op, input, other)


def _div_backward(node, g):
    sa, sb = node.ctx[0], node.ctx[1]
    na, nb = node.needs_input_grad
    if type(node) is div.op.nodes[1]:  # DivBackward2: a rounded quotient is piecewise constant
        return (sum_to(mul(g, 0), sa) if na else None, sum_to(mul(g, 0), sb) if nb else None)
    a, b = _pick(node)
    ga = sum_to(div(g, b), sa) if na else None
    gb = sum_to(neg(div(mul(g, a), mul(b, b))), sb) if nb else None
    return ga, gb


@defop("div", "elementwise", "promote, integers to the default float (rounding modes: promote)",
       kernel="div(a, b) -> array", grad_fn=("DivBackward0", "DivBackward2"),
       backward=_div_backward, inplace=True,
       operators=("__truediv__", "__rtruediv__", "__itruediv__"))
def div(input, other, *, rounding_mode=None):
    """input / other: true division (integers give the default float dtype), or the quotient
    rounded toward zero (``rounding_mode='trunc'``) or down (``'floor'``) in the promoted dtype."""
    if rounding_mode is None:
        return _binary(div.op, input, other, float_result=True)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
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
                                 or isinstance(b, Tensor) and R.sum(eq(b, 0)).item()):
            raise RuntimeError("ZeroDivisionError")
    return check


def _integer_safe(op, kernel, a, b, node=None):
    """A division-like binary op: bool and complex refused, integer division by zero raises."""
    check = _int_divisor(kernel)
    return _binary(op, a, b, check=lambda ct: check(ct, b), node=node)


@defop("floor_divide", "elementwise", "promote", kernel="floor_divide(a, b) -> array",
       inplace=True, operators=("__floordiv__", "__rfloordiv__", "__ifloordiv__"),
       differentiable=False)
def floor_divide(input, other):
    """The quotient rounded down, as Python's ``//`` (floats use NumPy's and PyTorch's
    fmod-based algorithm); integer division by zero is a RuntimeError."""
    return _integer_safe(floor_divide.op, "div_floor", input, other)


def _remainder_backward(node, g):
    sa, sb = node.ctx[0], node.ctx[1]
    a, b = _pick(node)
    na, nb = node.needs_input_grad
    q = div(a, b, rounding_mode="floor" if node._op_name == "remainder" else "trunc")
    return (sum_to(g, sa) if na else None, sum_to(neg(mul(g, q)), sb) if nb else None)


@defop("remainder", "elementwise", "promote", kernel="remainder(a, b) -> array",
       grad_fn=("RemainderBackward0", "RemainderBackward1"), backward=_remainder_backward,
       inplace=True, operators=("__mod__", "__rmod__", "__imod__"))
def remainder(input, other):
    """The remainder of floor division, with the sign of `other` (Python's ``%``)."""
    return _integer_safe(remainder.op, "remainder", input, other,
                         node=remainder.op.nodes[isinstance(other, Tensor)])


@defop("fmod", "elementwise", "promote", kernel="fmod(a, b) -> array",
       grad_fn=("FmodBackward0", "FmodBackward1"), backward=_remainder_backward, inplace=True)
def fmod(input, other):
    """The remainder of division rounded toward zero, with the sign of `input` (C's fmod)."""
    return _integer_safe(fmod.op, "fmod", input, other,
                         node=fmod.op.nodes[isinstance(other, Tensor)])


def _pow_backward(node, g):
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
            ga = sum_to(mul(mul(g, b), pow(a, sub(b, 1))), sa)
        else:
            ga = mul(g, 0.0) if b == 0 else mul(mul(g, b), pow(a, b - 1))
    if nb:
        import math

        loga = log(a) if isinstance(a, Tensor) else math.log(a)
        gb = sum_to(mul(mul(g, out), loga), sb)
    return ga, gb


@defop("pow", "elementwise", "promote", kernel="pow(a, b) -> array", grad_fn="PowBackward0",
       backward=_pow_backward, inplace=True, operators=("__pow__", "__rpow__", "__ipow__"))
def pow(input, exponent):
    """input ** exponent, elementwise."""
    return _binary(pow.op, input, exponent)


def _maxmin_backward(node, g):
    sa, sb = node.ctx[0], node.ctx[1]
    a, b = node.saved_tensors
    na, nb = node.needs_input_grad
    win_a = gt(a, b) if node._op_name == "maximum" else lt(a, b)
    tie = eq(a, b)
    half = mul(g, 0.5)
    ga = sum_to(where(win_a, g, where(tie, half, 0.0)), sa) if na else None
    gb = sum_to(where(win_a, 0.0, where(tie, half, g)), sb) if nb else None
    return ga, gb


def _tensors_only(fn, a, b):
    for name, x in (("input", a), ("other", b)):
        if not isinstance(x, Tensor):
            raise TypeError(f"{fn}(): argument '{name}' must be Tensor, not {type(x).__name__}")


@defop("maximum", "elementwise", "promote", kernel="maximum(a, b) -> array",
       grad_fn="MaximumBackward0", backward=_maxmin_backward)
def maximum(input, other):
    """The elementwise maximum of two tensors (a NaN in either gives NaN)."""
    _tensors_only("maximum", input, other)
    return _binary(maximum.op, input, other)


@defop("minimum", "elementwise", "promote", kernel="minimum(a, b) -> array",
       grad_fn="MinimumBackward0", backward=_maxmin_backward)
def minimum(input, other):
    """The elementwise minimum of two tensors (a NaN in either gives NaN)."""
    _tensors_only("minimum", input, other)
    return _binary(minimum.op, input, other)


# -- unary -----------------------------------------------------------------------------------------
@defop("neg", "elementwise", "same", kernel="neg(a) -> array", grad_fn="NegBackward0",
       backward=lambda node, g: (neg(g),), inplace=True, operators=("__neg__",))
def neg(input):
    """-input."""
    if isinstance(input, Tensor) and input._dtype is _dt.bool:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")
    return _unary(neg.op, input)


@defop("exp", "elementwise", "float", kernel="exp(a) -> array", grad_fn="ExpBackward0",
       backward=lambda node, g: (mul(g, node.saved_tensors[0]),), inplace=True)
def exp(input):
    """e ** input."""
    return _unary(exp.op, input, float_result=True)


@defop("log", "elementwise", "float", kernel="log(a) -> array", grad_fn="LogBackward0",
       backward=lambda node, g: (div(g, node.saved_tensors[0]),), inplace=True)
def log(input):
    """The natural logarithm (NaN below 0, -inf at 0)."""
    return _unary(log.op, input, float_result=True)


@defop("sqrt", "elementwise", "float", kernel="sqrt(a) -> array", grad_fn="SqrtBackward0",
       backward=lambda node, g: (div(g, mul(node.saved_tensors[0], 2)),), inplace=True)
def sqrt(input):
    """The square root (NaN below 0)."""
    return _unary(sqrt.op, input, float_result=True)


@defop("abs", "elementwise", "same", kernel="abs(a) -> array", grad_fn="AbsBackward0",
       backward=lambda node, g: (mul(g, sign(node.saved_tensors[0])),), inplace=True,
       operators=("__abs__",))
def abs(input):
    """|input| (real for a complex input, as PyTorch)."""
    out = _unary(abs.op, input)
    if out._dtype.is_complex:  # the kernel returns the magnitudes, a real array
        out._dtype = _dt.float32 if out._dtype is _dt.complex64 else _dt.float64
    return out


@defop("sign", "elementwise", "same", kernel="sign(a) -> array", grad_fn="SignBackward0",
       backward=lambda node, g: (mul(g, 0),), inplace=True)
def sign(input):
    """-1, 0 or 1 by the sign of each element."""
    if isinstance(input, Tensor) and input._dtype.is_complex:
        raise NotImplementedError("Unlike NumPy, torch.sign is not intended to support complex "
                                  "numbers. Please use torch.sgn instead.")
    return _unary(sign.op, input)


@defop("tanh", "elementwise", "float", kernel="tanh(a) -> array", grad_fn="TanhBackward0",
       backward=lambda node, g: (mul(g, rsub_one(mul(node.saved_tensors[0],
                                                       node.saved_tensors[0]))),), inplace=True)
def tanh(input):
    """The hyperbolic tangent."""
    return _unary(tanh.op, input, float_result=True)


@defop("sin", "elementwise", "float", kernel="sin(a) -> array", grad_fn="SinBackward0",
       backward=lambda node, g: (mul(g, cos(node.saved_tensors[0])),), inplace=True)
def sin(input):
    """The sine, in radians."""
    return _unary(sin.op, input, float_result=True)


@defop("cos", "elementwise", "float", kernel="cos(a) -> array", grad_fn="CosBackward0",
       backward=lambda node, g: (neg(mul(g, sin(node.saved_tensors[0]))),), inplace=True)
def cos(input):
    """The cosine, in radians."""
    return _unary(cos.op, input, float_result=True)


def rsub_one(t):
    return sub(1, t)


@defop("sigmoid", "elementwise", "float", kernel="sigmoid(a) -> array", grad_fn="SigmoidBackward0",
       backward=lambda node, g: (mul(g, mul(node.saved_tensors[0],
                                            rsub_one(node.saved_tensors[0]))),), inplace=True)
def sigmoid(input):
    """1 / (1 + exp(-input)), computed without overflow."""
    return _unary(sigmoid.op, input, float_result=True)


@defop("relu", "elementwise", "same", kernel="relu(a) -> array", grad_fn="ReluBackward0",
       backward=lambda node, g: (mul(g, gt(node.saved_tensors[0], 0)),), inplace=True)
def relu(input):
    """max(input, 0)."""
    if isinstance(input, Tensor) and input._dtype is _dt.bool:
        raise RuntimeError('"clamp_min_cpu" not implemented for \'Bool\'')
    return _unary(relu.op, input)


# -- more unary math -------------------------------------------------------------------------------
_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _float_unary(name, grad_fn, derivative, saves, doc, check=None, decomposition=None):
    """Declare a unary op computed in floating point (integers and bool give the default float
    dtype). `derivative(g, saved)` is its backward, with `saves` naming the tensor it reads
    ("a" the input, "o" the output)."""
    def backward(node, g):
        return (derivative(g, node.saved_tensors[0]),)

    @defop(name, "elementwise", "float", kernel=f"{name}(a) -> array", grad_fn=grad_fn,
           backward=backward, inplace=True, decomposition=decomposition)
    def front(input):
        return _unary(front.op, input, float_result=True, check=check)

    front.__name__ = front.__qualname__ = name
    front.__doc__ = front.op.doc = doc
    _SAVES[name] = saves
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


def _no_complex(kernel):
    def check(ct):
        if ct.is_complex:
            raise NotImplementedError(f'"{kernel}" not implemented for \'{_dtype_title(ct)}\'')
    return check


erf = _float_unary("erf", "ErfBackward0",
                   lambda g, x: mul(g, mul(exp(neg(mul(x, x))), _TWO_OVER_SQRT_PI)), "a",
                   "The error function, 2/sqrt(pi) * integral of exp(-t**2) from 0 to input.",
                   check=_no_complex("erf_vml_cpu"))


@defop("square", "elementwise", "same (bool gives int64)", differentiable=True, inplace=True)
def square(input):
    """input ** 2 (as PyTorch, recorded as PowBackward0)."""
    return pow(input, 2)


# -- rounding --------------------------------------------------------------------------------------
def _rounding(name, grad_fn, doc):
    """Declare floor, ceil or trunc: same dtype, integers unchanged, zero derivative."""
    check = _real_only(f"{name}_vml")

    @defop(name, "elementwise", "same", kernel=f"{name}(a) -> array  (a float array)",
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


@defop("round", "elementwise", "same",
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
    @defop(name, "elementwise", "bool", kernel=f"{name}(a, b) -> bool array", inplace=True)
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


@defop("bitwise_not", "elementwise", "same (integers and bool)", kernel="bitwise_not(a) -> array",
       inplace=True, operators=("__invert__",))
def bitwise_not(input):
    """~input: every bit flipped (logical not for bool)."""
    return _unary(bitwise_not.op, input, check=_integral_only("bitwise_not"))


def _bitwise(name, kernel, doc, operators, bool_ok=True):
    """Declare a binary bitwise op on integers (and bool where `bool_ok`), promoting."""
    check = _integral_only(kernel, bool_ok)

    @defop(name, "elementwise", "promote (integers and bool)", kernel=f"{name}(a, b) -> array",
           inplace=True, operators=operators)
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


# -- two-argument math -----------------------------------------------------------------------------
def _atan2_backward(node, g):
    sa, sb = node.ctx[0], node.ctx[1]
    a, b = node.saved_tensors
    na, nb = node.needs_input_grad
    den = add(mul(a, a), mul(b, b))
    return (sum_to(mul(g, div(b, den)), sa) if na else None,
            sum_to(neg(mul(g, div(a, den))), sb) if nb else None)


@defop("atan2", "elementwise", "promote, integers to the default float",
       kernel="atan2(a, b) -> array", grad_fn="Atan2Backward0", backward=_atan2_backward,
       inplace=True)
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
    ga = sum_to(mul(g, one_minus), shapes[0]) if na else None
    gb = sum_to(mul(g, weight), shapes[1]) if nb else None
    gw = sum_to(mul(g, sub(end, start)), shapes[2]) if nw else None
    return (ga, gb, gw) if weight_is_tensor else (ga, gb)


@defop("lerp", "elementwise", "same (start, end and a tensor weight share one float dtype)",
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
    grads = [sum_to(where(inside, g, 0.0), shapes[0]) if needs[0] else None]
    for i, bound, outside in ((1, lo, lt), (2, hi, gt)):
        if len(needs) > i:
            grads.append(sum_to(where(outside(x, bound), g, 0.0), shapes[i])
                         if needs[i] and isinstance(bound, Tensor) else None)
    return tuple(grads)


@defop("clamp", "elementwise", "promote input, min and max",
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


clip = clamp


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


@defop("allclose", "elementwise", "Python bool", differentiable=False)
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True if every element of input is close to other's (see :func:`isclose`)."""
    return not R.sum(logical_not(isclose(input, other, rtol, atol, equal_nan))).item()


@defop("equal", "elementwise", "Python bool", differentiable=False)
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
    ga = sum_to(where(mask, 0.0, g), shapes[0]) if na else None
    if len(node.needs_input_grad) == 1:
        return (ga,)
    gv = R.sum(where(mask, g, 0.0)) if node.needs_input_grad[2] else None
    return ga, None, gv


@defop("masked_fill", "elementwise", "input's",
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
def _comparison(name, doc, dunder, rdunder):
    @defop(name, "elementwise", "bool", kernel=f"{name}(a, b) -> bool array", inplace=False,
           operators=(dunder,) + ((rdunder,) if rdunder else ()))
    def compare(input, other):
        return _binary(compare.op, input, other, compare=True)

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = doc
    compare.op.doc = doc
    return compare


eq = _comparison("eq", "input == other, elementwise, as a bool tensor.", "__eq__", None)
ne = _comparison("ne", "input != other, elementwise, as a bool tensor.", "__ne__", None)
lt = _comparison("lt", "input < other, elementwise, as a bool tensor.", "__lt__", None)
le = _comparison("le", "input <= other, elementwise, as a bool tensor.", "__le__", None)
gt = _comparison("gt", "input > other, elementwise, as a bool tensor.", "__gt__", None)
ge = _comparison("ge", "input >= other, elementwise, as a bool tensor.", "__ge__", None)


# -- where -----------------------------------------------------------------------------------------
def _where_backward(node, g):
    cond, shapes = node.ctx
    _, na, nb = node.needs_input_grad
    ga = sum_to(where(cond, g, 0.0), shapes[1]) if na else None
    gb = sum_to(where(cond, 0.0, g), shapes[2]) if nb else None
    return None, ga, gb


@defop("where", "elementwise", "promote input and other",
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


def _dtype_title(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "complex64": "ComplexFloat",
            "complex128": "ComplexDouble"}[d.name]


# in-place forms that write straight into the tensor's array where the backend allows it
add.op.into = _into_with_alpha(add.op)
sub.op.into = _into_with_alpha(sub.op)
mul.op.into = lambda a, other: _binary_into(mul.op, a, other)
div.op.into = lambda a, other, *, rounding_mode=None: (
    rounding_mode is None and _binary_into(div.op, a, other, float_result=True))
