"""The JAX backend's own behaviour: 64-bit types, emulated mutation, random keys, host copies.

What every backend must do alike is checked by the conformance suite; these tests cover what is
particular to JAX (immutable arrays, global x64 flag, key-based random numbers).
"""

import subprocess
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax", reason="jax is not installed (pip install 'ember[jax]')")

import ember  # noqa: E402
from ember import backends  # noqa: E402


@pytest.fixture
def on_jax():
    with ember.default_backend("jax"):
        yield


@pytest.fixture
def kernels():
    return backends.get_backend("jax").kernels


def test_jax_is_available_and_declares_immutable_arrays():
    b = backends.installed()["jax"]
    assert b.status == backends.AVAILABLE, b.reason
    assert (b.library, b.extra) == ("jax", "jax")
    assert b.mutable is False
    assert b.shares_numpy_memory is False
    assert b.dlpack is True
    assert b.devices[0] == "cpu" or b.devices[0].startswith("cuda:")


def test_import_ember_does_not_import_jax():
    code = "import sys, ember; assert 'jax' not in sys.modules, 'import ember imported jax'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_loading_the_backend_enables_64_bit_types(on_jax):
    assert jax.config.jax_enable_x64
    big = ember.tensor([2 ** 40 + 1], dtype=ember.int64)
    assert big.numpy().dtype == np.int64 and big.tolist() == [2 ** 40 + 1]
    precise = ember.tensor([1.0 + 1e-12], dtype=ember.float64)
    assert precise.numpy().dtype == np.float64 and precise.item() == 1.0 + 1e-12


def test_all_twelve_dtypes_including_bfloat16(on_jax):
    for dtype in ember.dtypes.ALL_DTYPES:
        t = ember.ones(2, dtype=dtype)
        assert t.dtype is dtype
        assert t.numpy().dtype.name == dtype.name
    assert (ember.ones(2, dtype=ember.bfloat16) * 2.5).tolist() == [2.5, 2.5]


def test_python_scalars_do_not_widen_results(on_jax):
    assert (ember.ones(2) + 2.5).numpy().dtype == np.float32
    assert (ember.ones(2, dtype=ember.int32) + 1).numpy().dtype == np.int32
    assert (2 * ember.ones(2, dtype=ember.float16)).numpy().dtype == np.float16
    assert (ember.ones(2, dtype=ember.int32) > 1.5).numpy().dtype == np.bool_


def test_inplace_ops_keep_the_tensor_object(on_jax):
    x = ember.ones(3)
    ident, version = id(x), x._version
    x += 1
    x[0] = 5
    x.add_(1)
    assert id(x) == ident
    assert x._version == version + 3
    assert x.tolist() == [6.0, 3.0, 3.0]


def test_mutation_kernels_return_new_arrays(kernels):
    import jax.numpy as jnp

    a = jnp.zeros(3)
    src = jnp.ones(3)
    assert kernels["assign"](a, src) is src
    out = kernels["setitem"](a, (0,), 1.0)
    assert out.tolist() == [1.0, 0.0, 0.0] and a.tolist() == [0.0, 0.0, 0.0]
    summed = kernels["index_put"](a, (jnp.array([0, 0, 2]),), 1.0, True)
    assert summed.tolist() == [2.0, 0.0, 1.0] and a.tolist() == [0.0, 0.0, 0.0]


def test_out_of_range_index_tensor_raises_instead_of_clamping(on_jax):
    x = ember.arange(3)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        x[ember.tensor([0, 3])]
    with pytest.raises(IndexError, match="out of bounds"):
        x[ember.tensor([-4])] = 1
    assert x.tolist() == [0, 1, 2]


def test_integers_to_negative_powers(on_jax):
    """A negative Python exponent is PyTorch's RuntimeError; negative entries of an exponent
    tensor give PyTorch's integer results (the kernel itself refuses them)."""
    with pytest.raises(RuntimeError, match="negative integer powers"):
        ember.tensor([2, 3]) ** -1
    assert (ember.tensor([2, 3, -1]) ** ember.tensor([1, -1, -3])).tolist() == [2, 0, -1]


def test_same_seed_gives_same_numbers(on_jax):
    g1 = ember.Generator().manual_seed(1234)
    g2 = ember.Generator().manual_seed(1234)
    first = ember.rand(5, generator=g1)
    assert first.tolist() == ember.rand(5, generator=g2).tolist()
    assert ember.rand(5, generator=g1).tolist() != first.tolist()  # each draw advances the key
    assert ember.randn(3, dtype=ember.float64, generator=g1).dtype is ember.float64
    assert ember.randint(0, 10, (4,), dtype=ember.int32, generator=g1).dtype is ember.int32


def test_the_largest_seed_is_accepted(on_jax):
    g = ember.Generator().manual_seed(2 ** 64 - 1)
    assert ember.rand(2, generator=g).shape == (2,)


def test_to_numpy_gives_a_writable_copy(on_jax):
    x = ember.ones(3)
    host = x.numpy()
    assert host.flags.writeable
    host[0] = 7
    assert x.tolist() == [1.0, 1.0, 1.0]


def test_from_numpy_copies(on_jax):
    host = np.ones(3)
    t = ember.from_numpy(host)
    host[0] = 5
    assert t.tolist() == [1.0, 1.0, 1.0]


def test_gradients_match_the_numpy_backend():
    def grads():
        a = ember.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], requires_grad=True)
        b = ember.tensor([1.0, 2.0, -3.0], requires_grad=True)
        y = ((a * b).sigmoid() @ b).relu().sum() + (a / (b.abs() + 1)).exp().mean()
        y = y + a[:, ember.tensor([0, 0])].sum() + a.amax(1).sum()
        y.backward()
        return a.grad.numpy(), b.grad.numpy()

    with ember.default_backend("numpy"):
        expected = grads()
    with ember.default_backend("jax"):
        got = grads()
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
