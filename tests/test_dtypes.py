"""dtype objects and PyTorch's promotion rules."""

import pytest

import ember
from ember import dtypes

ALL = dtypes.ALL_DTYPES


def test_dtype_repr_uses_module_prefix():
    assert repr(ember.float32) == "ember.float32"
    assert repr(ember.int8) == "ember.int8"


def test_aliases_are_the_same_objects():
    assert ember.float is ember.float32 and ember.double is ember.float64
    assert ember.long is ember.int64 and ember.int is ember.int32 and ember.half is ember.float16


@pytest.mark.parametrize("a,b,expected", [
    ("uint8", "int8", "int16"), ("bool", "int32", "int32"), ("int64", "float16", "float16"),
    ("float16", "bfloat16", "float32"), ("float32", "float64", "float64"),
    ("complex64", "float64", "complex128"), ("uint8", "int64", "int64"),
])
def test_promote_types_matches_pytorch(a, b, expected):
    got = ember.promote_types(getattr(ember, a), getattr(ember, b))
    assert got is getattr(ember, expected)
    assert ember.promote_types(getattr(ember, b), getattr(ember, a)) is got


def test_promotion_table_against_pytorch(torch):
    for a in ALL:
        for b in ALL:
            want = torch.promote_types(getattr(torch, a.name), getattr(torch, b.name))
            assert ember.promote_types(a, b).name == str(want).split(".")[1], (a, b)


def test_python_scalars_are_weak(backend):
    t = ember.tensor([1, 2, 3], dtype=ember.int32)
    assert (t + 1).dtype is ember.int32
    assert (t * 2.5).dtype is ember.float32
    assert (ember.tensor([1.0], dtype=ember.float16) * 3.0).dtype is ember.float16


def test_zero_dim_tensors_rank_below_dimensioned(backend):
    t = ember.tensor([1, 2], dtype=ember.int32)
    assert (t + ember.tensor(5)).dtype is ember.int32
    assert (t + ember.tensor(1.5, dtype=ember.float64)).dtype is ember.float64
    f = ember.tensor([1.0], dtype=ember.float32)
    assert (f + ember.tensor(2.0, dtype=ember.float64)).dtype is ember.float32


def test_integer_division_gives_default_float(backend):
    q = ember.tensor([1, 2]) / 2
    assert q.dtype is ember.float32
    assert q.tolist() == [0.5, 1.0]


def test_integer_sum_gives_int64(backend):
    assert ember.tensor([1, 2], dtype=ember.int8).sum().dtype is ember.int64
    assert ember.tensor([True, True]).sum().item() == 2


def test_set_default_dtype_changes_inference():
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.tensor(1.0).dtype is ember.float64
        assert ember.tensor([1, 2]).dtype is ember.int64
    finally:
        ember.set_default_dtype(ember.float32)
    with pytest.raises(TypeError):
        ember.set_default_dtype(ember.int32)


# -- finfo, iinfo, can_cast, result_type ------------------------------------------------------------
_FLOATS = ["float16", "bfloat16", "float32", "float64", "complex64", "complex128"]
_INTS = ["bool", "uint8", "int8", "int16", "int32", "int64"]


@pytest.mark.parametrize("name", _FLOATS)
def test_finfo_matches_pytorch(name, torch):
    ours, theirs = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert repr(ours) == repr(theirs)


def test_finfo_defaults_to_the_default_dtype():
    assert ember.finfo().dtype == "float32"


@pytest.mark.parametrize("name", [n for n in _INTS if n != "bool"])
def test_iinfo_matches_pytorch(name, torch):
    ours, theirs = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.min, ours.max, ours.dtype) == (theirs.bits, theirs.min, theirs.max,
                                                           theirs.dtype)
    assert repr(ours) == repr(theirs)


def test_finfo_and_iinfo_refuse_the_other_kind():
    with pytest.raises(TypeError, match="requires a floating point input type"):
        ember.finfo(ember.int32)
    with pytest.raises(TypeError, match="requires an integer input type"):
        ember.iinfo(ember.float32)


@pytest.mark.parametrize("src", _INTS + _FLOATS)
@pytest.mark.parametrize("dst", _INTS + _FLOATS)
def test_can_cast_matches_pytorch(src, dst, torch):
    assert ember.can_cast(getattr(ember, src), getattr(ember, dst)) == \
        torch.can_cast(getattr(torch, src), getattr(torch, dst))


@pytest.mark.parametrize("a, b", [
    ("tensor([1, 2])", "1.0"), ("tensor(1, dtype=L.int8)", "tensor([1], dtype=L.uint8)"),
    ("2", "3.0"), ("tensor([1.0], dtype=L.float16)", "tensor(2.0, dtype=L.float64)"),
    ("tensor([True])", "5"), ("tensor([1], dtype=L.int32)", "2j"),
])
def test_result_type_matches_pytorch(a, b, torch):
    def build(lib, code):
        return eval(code, {"tensor": lib.tensor, "L": lib})  # noqa: S307 - literals above

    ours = ember.result_type(build(ember, a), build(ember, b))
    theirs = torch.result_type(build(torch, a), build(torch, b))
    assert ours.name == str(theirs).split(".")[1]


def test_result_type_refuses_other_types():
    with pytest.raises(TypeError, match="argument 'tensor2' must be Tensor or Number, not str"):
        ember.result_type(ember.ones(2), "a")
