"""The CuPy backend: listed as unavailable, with the reason, where no CUDA device is present; a
complete kernel table; and its CuPy-specific kernels, run on NumPy standing in for CuPy so that
they are checked on machines without a GPU."""

import importlib.util

import numpy as np
import pytest

import ember
from ember import backends, ops


def _cupy_backend():
    b = backends.installed().get("cupy")
    if b is None:
        pytest.skip("the cupy backend's entry point is not installed")
    return b


def test_cupy_without_a_device_is_unavailable_with_the_reason():
    b = _cupy_backend()
    if b.status == backends.AVAILABLE:
        pytest.skip("a CUDA device is present")
    assert b.status == backends.UNAVAILABLE, b.reason
    if importlib.util.find_spec("cupy") is None:
        assert b.reason == "cupy is not installed (pip install 'ember[cuda]')"
    else:
        assert "CUDA" in b.reason


def test_cupy_declares_its_capabilities():
    b = _cupy_backend()
    assert (b.library, b.extra) == ("cupy", "cuda")
    assert b.mutable is True
    assert b.shares_numpy_memory is False
    assert b.dlpack is True


def test_choosing_unavailable_cupy_says_why():
    b = _cupy_backend()
    if b.status == backends.AVAILABLE:
        pytest.skip("a CUDA device is present")
    with pytest.raises(RuntimeError, match="'cupy' is unavailable") as info:
        ember.set_default_backend("cupy")
    assert b.reason in str(info.value)


def test_cupy_devices_and_dtypes_when_available():
    b = _cupy_backend()
    if b.status != backends.AVAILABLE:
        pytest.skip(f"cupy is {b.status}: {b.reason}")
    assert b.devices[0] == "cuda:0"
    assert ember.bfloat16 not in b.supported_dtypes
    assert len(b.supported_dtypes) == len(ember.dtypes.ALL_DTYPES) - 1


def _check_complete(table):
    primitives = {op.name for op in ops.REGISTRY.values() if op.primitive}
    assert primitives <= set(table), sorted(primitives - set(table))
    assert set(table) <= set(ops.REGISTRY), sorted(set(table) - set(ops.REGISTRY))
    assert all(callable(f) for f in table.values())


def test_cupy_kernel_table_is_complete():
    b = _cupy_backend()
    if b.status == backends.AVAILABLE:
        _check_complete(b.kernels)
        return
    pytest.importorskip("cupy", reason="cupy is not installed (pip install 'ember[cuda]')")
    from ember_cupy.kernels import make_kernels

    _check_complete(make_kernels())  # building the table needs the module, not a device


class _NumpyAsCupy:
    """NumPy with CuPy's extra names, to run the CuPy kernels on the CPU."""

    asnumpy = staticmethod(np.array)

    def __getattr__(self, name):
        return getattr(np, name)


@pytest.fixture
def on_cpu():
    from ember_cupy.kernels import make_kernels

    return make_kernels(_NumpyAsCupy())


def test_out_of_range_index_array_raises(on_cpu):
    a = np.arange(6).reshape(2, 3)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 1 with size 3"):
        on_cpu["getitem"](a, (Ellipsis, np.array([0, 3])))
    with pytest.raises(IndexError, match="index -3 is out of bounds for dimension 0"):
        on_cpu["setitem"](a, (np.array([-3]),), 0)
    assert on_cpu["getitem"](a, (np.array([-1]), slice(None))).tolist() == [[3, 4, 5]]


@pytest.mark.parametrize("dtype", ["bool", "int8", "int64", "uint8", "complex64", "float32"])
def test_accumulating_index_put_for_every_dtype(on_cpu, dtype):
    a = np.zeros(4, dtype=dtype)
    index = (np.array([0, 0, 3]),)
    values = np.array([1, 1, 1], dtype=dtype)
    expected = a.copy()
    np.add.at(expected, index, values)
    out = on_cpu["index_put"](a, index, values, True)
    assert out.dtype == a.dtype
    np.testing.assert_array_equal(out, expected)
    assert not a.any()


def test_integers_to_negative_powers_raise(on_cpu):
    with pytest.raises(ValueError, match="negative integer powers"):
        on_cpu["pow"](np.array([2, 3]), np.array([1, -1]))
    assert on_cpu["pow"](np.array([True, False]), True).dtype == np.bool_


def test_bool_matmul_stays_bool(on_cpu):
    a = np.array([[True, False], [False, False]])
    assert on_cpu["matmul"](a, a).tolist() == [[True, False], [False, False]]


def test_out_of_range_floats_wrap_into_small_integers(on_cpu):
    floats = np.array([-1.6, 300.0, -300.0])
    assert on_cpu["astype"](floats, np.dtype("uint8")).tolist() == [255, 44, 212]
    assert on_cpu["astype"](floats, np.dtype("int8")).tolist() == [-1, 44, -44]
