"""Creation, random and conversion behaviour beyond the per-op entries: legacy constructors,
``*_like`` and ``new_*``, reproducible random ops with ``generator=``, DLPack exchange with NumPy,
JAX and PyTorch, and tensor attributes."""

import numpy as np
import pytest

import ember


def test_legacy_constructor_takes_sizes_or_data(backend):
    assert ember.Tensor(2, 3).shape == ember.Size([2, 3])
    t = ember.Tensor([1, 2])
    assert t.dtype is ember.float32 and t.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("like", ["zeros_like", "ones_like", "empty_like", "rand_like",
                                  "randn_like"])
def test_like_keeps_shape_dtype_and_backend(backend, like):
    x = ember.zeros(2, 3, dtype=ember.float64)
    out = getattr(ember, like)(x)
    assert (out.shape, out.dtype, out.backend) == (x.shape, ember.float64, backend)
    assert getattr(ember, like)(x, dtype=ember.float32, requires_grad=True).requires_grad


def test_full_like_and_randint_like(backend):
    x = ember.zeros(4, dtype=ember.int32)
    assert ember.full_like(x, 7).tolist() == [7] * 4
    r = ember.randint_like(x, 3, 5)
    assert r.dtype is ember.int32 and set(r.tolist()) <= {3, 4}


def test_new_methods_take_dtype_and_backend_of_self(backend):
    x = ember.ones(2, dtype=ember.float64)
    for out in (x.new_zeros(3), x.new_ones((3,)), x.new_empty(3), x.new_full((3,), 2.0),
                x.new_tensor([1, 2, 3])):
        assert (out.shape, out.dtype, out.backend) == (ember.Size([3]), ember.float64, backend)


def test_logspace_matches_pytorch(backend, torch):
    for args, kw in (((0, 2, 5), {}), ((0, 3, 4), {"base": 2}), ((0, 2, 5), {"dtype": "int64"})):
        kw_e = {k: getattr(ember, v) if k == "dtype" else v for k, v in kw.items()}
        kw_t = {k: getattr(torch, v) if k == "dtype" else v for k, v in kw.items()}
        np.testing.assert_allclose(ember.logspace(*args, **kw_e).numpy(),
                                   torch.logspace(*args, **kw_t).numpy(), rtol=1e-6)


@pytest.mark.parametrize("draw", [
    lambda g: ember.randperm(8, generator=g),
    lambda g: ember.normal(ember.zeros(5), 1.0, generator=g),
    lambda g: ember.normal(0.0, 1.0, (5,), generator=g),
    lambda g: ember.bernoulli(ember.full((20,), 0.5), generator=g),
    lambda g: ember.multinomial(ember.ones(6), 3, generator=g),
    lambda g: ember.zeros(20).bernoulli_(0.5, generator=g),
], ids=["randperm", "normal_tensor", "normal_size", "bernoulli", "multinomial", "bernoulli_"])
def test_random_ops_are_reproducible(backend, draw):
    ember.manual_seed(5)
    a = draw(None)
    ember.manual_seed(5)
    assert a.tolist() == draw(None).tolist()
    g = ember.Generator().manual_seed(9)
    b = draw(g)
    assert b.tolist() == draw(ember.Generator().manual_seed(9)).tolist()


def test_bernoulli_in_place_keeps_object_and_dtype(backend):
    x = ember.zeros(6, dtype=ember.int64)
    assert x.bernoulli_(1.0) is x and x.tolist() == [1] * 6 and x.dtype is ember.int64


def test_normal_gradient_reaches_mean_and_std(backend):
    mean = ember.zeros(3, requires_grad=True)
    std = ember.ones(3, requires_grad=True)
    out = ember.normal(mean, std)
    out.sum().backward()
    assert mean.grad.tolist() == [1.0, 1.0, 1.0]
    np.testing.assert_allclose(std.grad.numpy(), out.detach().numpy(), rtol=1e-6)


def test_multinomial_errors_as_pytorch(backend):
    with pytest.raises(RuntimeError, match="without replacement"):
        ember.multinomial(ember.ones(3), 4)
    with pytest.raises(RuntimeError, match="element < 0"):
        ember.multinomial(ember.tensor([1.0, -1.0]), 1)


def test_attributes(backend):
    t = ember.ones(2, 3, dtype=ember.float64)
    assert (t.itemsize, t.element_size(), t.nbytes) == (8, 8, 48)
    assert t.layout is ember.strided and t.is_contiguous()
    assert t.pin_memory() is t and not t.is_pinned()
    assert ember.tensor(3).__index__() == 3 and [10, 20][ember.tensor(1)] == 20
    assert np.asarray(t).shape == (2, 3) and t.tolist() == [[1.0] * 3] * 2
    with pytest.raises(RuntimeError, match="requires grad"):
        ember.ones(2, requires_grad=True).numpy()


def test_to_dtype_device_other_and_copy(backend):
    t = ember.ones(2)
    assert t.to(ember.float64).dtype is ember.float64
    assert t.to("cpu") is t and t.to(ember.float32) is t
    assert t.to(ember.zeros(1, dtype=ember.int64)).dtype is ember.int64
    c = t.to(ember.float32, copy=True)
    assert c is not t and c.tolist() == t.tolist()


def test_dlpack_shares_memory_with_numpy_where_declared(backend):
    arr = np.arange(4.0)
    t = ember.from_dlpack(arr)
    arr[0] = 9.0
    shares = ember.backends.installed()[backend].shares_numpy_memory
    assert (t[0].item() == 9.0) is shares
    out = np.from_dlpack(ember.arange(3.0))
    assert out.tolist() == [0.0, 1.0, 2.0]


def test_dlpack_exchange_with_pytorch(backend, torch):
    src = torch.arange(3.0)
    t = ember.from_dlpack(src)
    assert t.tolist() == [0.0, 1.0, 2.0] and t.dtype is ember.float32
    back = torch.from_dlpack(ember.arange(3, dtype=ember.int32))
    assert back.tolist() == [0, 1, 2] and back.dtype == torch.int32
    with pytest.raises(RuntimeError, match="require gradient"):
        ember.ones(2, requires_grad=True).__dlpack__()


def test_dlpack_exchange_with_jax(backend):
    jnp = pytest.importorskip("jax.numpy")
    t = ember.from_dlpack(jnp.arange(3))
    assert t.tolist() == [0, 1, 2]
    assert np.asarray(jnp.from_dlpack(ember.arange(2.0))).tolist() == [0.0, 1.0]
