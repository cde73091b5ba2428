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


# -- the kernels that make the main job's training step cheaper (issue 11) -----------------------
def _conv_grads(make, *spec):
    """conv2d's output and gradients (input, weight, bias) on the default backend."""
    x, w, b = (ember.tensor(a, requires_grad=True) for a in make)
    out = ember.nn.functional.conv2d(x, w, b, *spec)
    (out * out).sum().backward()
    return [t.detach().numpy() for t in (out, x.grad, w.grad, b.grad)]


@pytest.mark.parametrize("cin,kernel,spec,groups", [
    (1, (3, 3), ((1, 1), (1, 1), (1, 1)), 1),  # windows and a product (few channels)
    (3, (3, 2), ((2, 1), (0, 2), (2, 1)), 1),  # the same, strided and dilated
    (16, (3, 3), ((1, 1), (1, 1), (1, 1)), 1),  # lax's convolution
    (4, (3, 3), ((2, 2), (1, 1), (1, 1)), 2),  # grouped: lax's convolution
])
def test_conv2d_and_its_gradients_match_the_numpy_backend(cin, kernel, spec, groups):
    rng = np.random.default_rng(0)
    make = (rng.standard_normal((2, cin, 9, 7)), rng.standard_normal((6, cin // groups) + kernel),
            rng.standard_normal(6))
    with ember.default_backend("numpy"):
        expected = _conv_grads(make, *spec, groups)
    with ember.default_backend("jax"):
        got = _conv_grads(make, *spec, groups)
    for e, g in zip(expected, got):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("stride,padding,output_padding,dilation,groups,kernel", [
    ((1, 1), (1, 1), (0, 0), (1, 1), 1, (3, 3)),
    ((2, 3), (1, 2), (1, 2), (1, 1), 2, (3, 3)),
    ((3, 3), (1, 1), (0, 0), (1, 1), 3, (1, 1)),  # padding past the kernel's reach: a crop
    ((2, 1), (2, 3), (1, 0), (2, 2), 1, (3, 2)),
])
def test_conv_transpose2d_kernel_matches_cores_composite(kernels, stride, padding, output_padding,
                                                          dilation, groups, kernel):
    from ember.ops.conv import _conv_transpose2d_kernel

    rng = np.random.default_rng(1)
    a = jax.numpy.asarray(rng.standard_normal((2, 6, 4, 5)))
    w = jax.numpy.asarray(rng.standard_normal((6, 2) + kernel))
    b = jax.numpy.asarray(rng.standard_normal(2 * groups))
    args = (a, w, b, stride, padding, output_padding, dilation, groups)
    got = np.asarray(kernels["conv_transpose2d"](*args))
    expected = np.asarray(_conv_transpose2d_kernel(kernels, *args))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_fused_composites_are_one_program_with_the_decompositions_values(kernels):
    from ember.ops import registry

    from ember_jax.fused import FUSED

    rng = np.random.default_rng(2)
    x = jax.numpy.asarray(rng.standard_normal((2, 3, 6, 6)).astype(np.float32))
    calls = {"max_pool2d": (x, (2, 2), (2, 2), (0, 0), (1, 1), False, -np.inf),
             "log_softmax": (x, 1), "softmax": (x, 3)}
    assert set(calls) == set(FUSED)
    for name, args in calls.items():
        fused = kernels[name]
        plain = registry.REGISTRY[name].decomposition(kernels, *args)
        got = fused(*args)
        for e, r in zip(jax.tree_util.tree_leaves(plain), jax.tree_util.tree_leaves(got)):
            np.testing.assert_allclose(np.asarray(r), np.asarray(e), rtol=1e-6, atol=1e-6)
        traced = jax.jit(lambda a: fused(a, *args[1:]))(x)  # inside a trace: inlined
        for e, r in zip(jax.tree_util.tree_leaves(plain), jax.tree_util.tree_leaves(traced)):
            np.testing.assert_allclose(np.asarray(r), np.asarray(e), rtol=1e-6, atol=1e-6)


def test_a_fused_composite_lowers_one_program_per_call():
    from ember_jax.fused import one_program

    lowered = []

    def composite(a, dim):  # three ops: three programs when run eagerly
        lowered.append(dim)
        return jax.numpy.exp(a - a.max(dim, keepdims=True)).sum(dim)

    kernel = one_program(composite)
    a = jax.numpy.arange(6.0).reshape(2, 3)
    first, again = kernel(a, 1), kernel(a, 1)
    assert lowered == [1]  # traced once, then the compiled program is reused
    np.testing.assert_allclose(np.asarray(first), np.asarray(again))
    kernel(a, 0)
    assert lowered == [1, 0]  # another static argument: another program
    assert kernel(a, [0]) is not None and lowered == [1, 0, [0]]  # unhashable: run as it is


def test_small_constants_are_made_on_the_host_with_jnps_values(kernels):
    jnp = jax.numpy
    cases = [("full", ((2, 3), 2.5, jnp.dtype("float32"))), ("full", ((4,), 7, jnp.dtype("int8"))),
             ("full", ((2,), True, jnp.dtype("bool"))), ("empty", ((3, 2), jnp.dtype("int64"))),
             ("arange", (2, 11, 3, jnp.dtype("int64"))),
             ("arange", (5, -4, -2, jnp.dtype("int32"))),
             ("full", ((2,), 2.7, jnp.dtype("int32"))),  # a cast: jnp's own
             ("arange", (0, 1, 0.25, jnp.dtype("float32")))]  # floats: jnp's own
    for name, args in cases:
        got = kernels[name](*args)
        assert isinstance(got, jax.Array) and got.dtype == args[-1]
        if name == "empty":
            assert got.shape == args[0]
            continue
        expected = getattr(jnp, name)(*args[:-1], dtype=args[-1])
        assert got.shape == expected.shape
        np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))


@pytest.mark.parametrize("c,o,kernel,stride,padding,dilation,groups", [
    (1, 4, (3, 3), (1, 1), (1, 1), (1, 1), 1),
    (3, 6, (3, 2), (2, 1), (0, 2), (2, 1), 1),
    (6, 6, (2, 3), (3, 2), (1, 0), (1, 2), 3),  # grouped, strided: rows the stride leaves out
    (4, 8, (3, 3), (2, 2), (1, 1), (1, 1), 4),
    (2, 2, (1, 1), (3, 3), (0, 0), (1, 1), 1),
])
def test_conv2d_weight_kernel_matches_cores_composite(kernels, c, o, kernel, stride, padding,
                                                       dilation, groups):
    from ember.ops import registry

    op = registry.REGISTRY.get("conv2d_weight")
    if op is None:
        pytest.skip("this core has no conv2d_weight op")
    rng = np.random.default_rng(3)
    h, w = 9, 7
    ho, wo = ((n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k, s, p, d in
              zip((h, w), kernel, stride, padding, dilation))
    a = jax.numpy.asarray(rng.standard_normal((2, c, h, w)))
    g = jax.numpy.asarray(rng.standard_normal((2, o, ho, wo)))
    args = (a, g, kernel, stride, padding, dilation, groups)
    got = np.asarray(kernels["conv2d_weight"](*args))
    expected = np.asarray(op.decomposition(kernels, *args))
    assert got.shape == expected.shape == (o, c // groups) + kernel
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
