"""ember's dtypes and PyTorch's type-promotion rules.

A dtype is a small immutable object (`ember.float32`); backends map each one to their own native
dtype. Promotion is computed here, once, so every backend agrees on result dtypes.
"""

import builtins

__all__ = [
    "dtype", "bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
    "float32", "float64", "complex64", "complex128", "promote_types", "get_default_dtype",
    "set_default_dtype", "ALL_DTYPES", "can_cast", "finfo", "iinfo",
]

# the package name that reprs print (ember.float32, ember.Size, ember.strided,
# ember.return_types.max); ember.as_torch() makes it "torch"
_repr_prefix = "ember"

# categories, ordered: a higher category wins when a tensor meets a Python scalar
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type, e.g. `ember.float32`."""

    __slots__ = ("name", "itemsize", "category", "is_signed", "_rank")

    def __init__(self, name, itemsize, category, is_signed, rank):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "itemsize", itemsize)
        object.__setattr__(self, "category", category)
        object.__setattr__(self, "is_signed", is_signed)
        object.__setattr__(self, "_rank", rank)

    def __setattr__(self, key, value):
        raise AttributeError(f"ember.{self.name} is immutable")

    @property
    def is_floating_point(self):
        return self.category == _FLOAT

    @property
    def is_complex(self):
        return self.category == _COMPLEX

    def __repr__(self):
        return f"{_repr_prefix}.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


bool = dtype("bool", 1, _BOOL, False, 0)
uint8 = dtype("uint8", 1, _INT, False, 1)
int8 = dtype("int8", 1, _INT, True, 2)
int16 = dtype("int16", 2, _INT, True, 3)
int32 = dtype("int32", 4, _INT, True, 4)
int64 = dtype("int64", 8, _INT, True, 5)
float16 = dtype("float16", 2, _FLOAT, True, 6)
bfloat16 = dtype("bfloat16", 2, _FLOAT, True, 7)
float32 = dtype("float32", 4, _FLOAT, True, 8)
float64 = dtype("float64", 8, _FLOAT, True, 9)
complex64 = dtype("complex64", 8, _COMPLEX, True, 10)
complex128 = dtype("complex128", 16, _COMPLEX, True, 11)

ALL_DTYPES = (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64,
              complex64, complex128)
_BY_NAME = {d.name: d for d in ALL_DTYPES}


def _by_name(name):
    return _BY_NAME[name]


def _build_promotion_table():
    # PyTorch's promotion lattice for tensors of the same category class.
    table = {}
    for a in ALL_DTYPES:
        for b in ALL_DTYPES:
            table[a, b] = _promote_pair(a, b)
    return table


def _promote_pair(a, b):
    if a is b:
        return a
    if a.category != b.category:
        hi, lo = (a, b) if a.category > b.category else (b, a)
        if hi.category == _COMPLEX and lo is float64:
            return complex128
        return hi
    cat = a.category
    if cat == _INT:
        if a.is_signed and b.is_signed:
            return a if a._rank > b._rank else b
        # uint8 with a signed int: int16 for int8, otherwise the signed one
        signed = a if a.is_signed else b
        return int16 if signed is int8 else signed
    if cat == _FLOAT:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if a._rank > b._rank else b
    if cat == _COMPLEX:
        return a if a._rank > b._rank else b
    return a


_PROMOTE = _build_promotion_table()


def promote_types(type1, type2):
    """The smallest dtype that both `type1` and `type2` can be cast to, as in PyTorch."""
    return _PROMOTE[type1, type2]


_default_dtype = float32


def get_default_dtype():
    """The default floating-point dtype (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(d):
    """Set the default floating-point dtype; only float32 and float64 are accepted (as PyTorch)."""
    global _default_dtype
    if d not in (float32, float64, float16, bfloat16):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_dtype = d


def default_complex_dtype():
    return complex128 if _default_dtype is float64 else complex64


def scalar_category(value):
    """The category of a Python scalar (bool < int < float < complex)."""
    t = type(value)
    if t is builtins.bool:
        return _BOOL
    if t is int:
        return _INT
    if t is float:
        return _FLOAT
    if t is complex:
        return _COMPLEX
    raise TypeError(f"expected a number, got {type(value).__name__}")


def dtype_for_scalar_category(cat):
    """The dtype a lone Python scalar of this category gets (`tensor(1.)` is float32)."""
    if cat == _BOOL:
        return bool
    if cat == _INT:
        return int64
    if cat == _FLOAT:
        return _default_dtype
    return default_complex_dtype()


def result_type_with_scalar(tensor_dtype, scalar):
    """Promotion of a tensor dtype with a weak Python scalar: the scalar only lifts the category."""
    cat = scalar_category(scalar)
    if cat <= tensor_dtype.category:
        return tensor_dtype
    if cat == _COMPLEX and tensor_dtype is float64:
        return complex128
    return dtype_for_scalar_category(cat)


def from_name(name):
    """Look a dtype up by its name ('float32')."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise TypeError(f"unknown dtype name {name!r}; known: {', '.join(_BY_NAME)}") from None


def can_cast(from_, to):
    """Whether PyTorch's casting rules allow `from_` to `to`: never to a lower category (float
    to integer, complex to real, anything but bool to bool)."""
    return from_.category <= to.category


def _float_params(d):
    """(bits, eps, max, tiny, resolution) of a floating dtype (a complex one: of its parts)."""
    import numpy as np

    if d is bfloat16:  # 8 exponent bits as float32, 7 mantissa bits
        return 16, 2.0 ** -7, float.fromhex("0x1.fep127"), 2.0 ** -126, 0.01
    info = np.finfo({complex64: "float32", complex128: "float64"}.get(d, d.name))
    return (info.bits, float(info.eps), float(info.max), float(info.tiny),
            10.0 ** -info.precision)


class finfo:
    """Machine limits of a floating-point dtype (the default dtype when none is given)."""

    def __init__(self, type=None):  # noqa: A002 - PyTorch's argument name
        d = get_default_dtype() if type is None else type
        if not isinstance(d, dtype) or d.category < _FLOAT:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo "
                            "to handle 'torch.finfo'")
        self.bits, self.eps, self.max, self.tiny, self.resolution = _float_params(d)
        self.min = -self.max
        self.smallest_normal = self.tiny
        self.dtype = {complex64: "float32", complex128: "float64"}.get(d, d.name)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Machine limits of an integer dtype (and bool)."""

    def __init__(self, type):  # noqa: A002 - PyTorch's argument name
        if not isinstance(type, dtype) or type.category > _INT:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        self.bits = 8 * type.itemsize if type is not bool else 8
        if type is bool:
            self.min, self.max = 0, 1
        elif type.is_signed:
            self.min, self.max = -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1
        else:
            self.min, self.max = 0, (1 << self.bits) - 1
        self.dtype = type.name

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"  # as PyTorch
