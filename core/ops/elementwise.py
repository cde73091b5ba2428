"""Elementwise ops: arithmetic, unary math, activations, comparisons, where.

Each op is one ``@defop`` entry with its front end and its derivative, written with ember ops.
"""

import numbers

from . import reduction as R
from . import shape as S
from ._common import (Tensor, _dt, _wrap, broadcast_shapes, grad_mode, promote, record,
                      same_backend)
from .registry import defop

_FLOAT = 2


def _scalar(x, fn, name):
    if isinstance(x, (int, float, complex)):
        return x
    if isinstance(x, numbers.Number):  # numpy scalars and the like
        return x.item() if hasattr(x, "item") else complex(x)
    raise TypeError(f"{fn}(): argument '{name}' must be Tensor or Number, not {type(x).__name__}")


def _binary(op, a, b, float_result=False, compare=False):
    """Run binary elementwise op `op` on Tensors or Python scalars; record its node."""
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
    if op.node is not None and grad_mode.enabled and (
            (isinstance(a, Tensor) and a._rg) or (isinstance(b, Tensor) and b._rg)):
        ta = a if isinstance(a, Tensor) else None
        tb = b if isinstance(b, Tensor) else None
        record(op.node, out, (ta, tb), _saved_for(op, ta, tb, out),
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


def _unary(op, x, float_result=False):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op.name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    be = x._backend
    ct = x._dtype
    raw = x._data
    if float_result and ct.category < _FLOAT:
        ct = _dt.get_default_dtype()
        raw = be.kernels["astype"](raw, be.dtype_native(ct))
    out = _wrap(be.kernels[op.name](raw), be, ct)
    if op.node is not None and x._rg and grad_mode.enabled:
        need = _SAVES.get(op.name, "")
        saved = (x,) if need == "a" else (out,) if need == "o" else ()
        record(op.node, out, (x,), saved, None)
    return out


# which tensors each derivative reads: a = first input, b = second, o = output
_SAVES = {"sin": "a", "cos": "a", "mul": "ab", "div": "ab", "pow": "abo", "exp": "o", "log": "a", "sqrt": "o",
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
    a, b = _pick(node)
    na, nb = node.needs_input_grad
    ga = sum_to(div(g, b), sa) if na else None
    gb = sum_to(neg(div(mul(g, a), mul(b, b))), sb) if nb else None
    return ga, gb


@defop("div", "elementwise", "promote, integers to the default float", kernel="div(a, b) -> array",
       grad_fn="DivBackward0", backward=_div_backward, inplace=True,
       operators=("__truediv__", "__rtruediv__", "__itruediv__"))
def div(input, other, *, rounding_mode=None):
    """input / other; true division (integers give the default float dtype)."""
    if rounding_mode is not None:
        raise NotImplementedError(f"div(rounding_mode={rounding_mode!r}) is not implemented yet")
    return _binary(div.op, input, other, float_result=True)


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
    if input is None or other is None:
        raise TypeError("where(condition) with one argument (nonzero) is not supported yet; "
                        "pass both input and other")
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
    from ._common import result_dtype

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
