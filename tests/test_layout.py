"""Memory layout as PyTorch has it, on every backend: strides, storage offsets, contiguity, view
errors, data pointers and storages, strided views (diagonal, unfold, as_strided, view(dtype))
and memory formats, checked against PyTorch."""

import random

import numpy as np
import pytest

import ember


# -- chains of views, applied alike to an ember tensor and a PyTorch one -------------------------
def _steps_for(shape, rng):
    """A random view step that applies to `shape`: (name, args)."""
    n = len(shape)
    options = ["unsqueeze", "expand"]
    if n >= 1:
        options += ["slice", "select", "narrow", "squeeze", "view", "unfold"]
    if n >= 2:
        options += ["transpose", "permute", "diagonal", "t"]
    name = rng.choice(options)
    if name == "transpose":
        return name, tuple(rng.sample(range(n), 2))
    if name == "t":
        return ("t", ()) if n == 2 else ("transpose", (0, n - 1))
    if name == "permute":
        dims = list(range(n))
        rng.shuffle(dims)
        return name, (tuple(dims),)
    if name == "unsqueeze":
        return name, (rng.randint(-n - 1, n),)
    if name == "squeeze":
        ones = [d for d in range(n) if shape[d] == 1]
        return name, ((rng.choice(ones),) if ones else ())
    if name == "expand":
        return name, ((rng.randint(1, 3),) + tuple(rng.randint(2, 3) if s == 1 else s
                                                   for s in shape),)
    d = rng.randrange(n)
    if name == "slice":
        index = [slice(None)] * n
        index[d] = slice(rng.randint(0, 1), None, rng.randint(1, 3))
        return "getitem", (tuple(index),)
    if name == "select":
        if shape[d] == 0:
            return "unsqueeze", (0,)
        return "getitem", ((slice(None),) * d + (rng.randrange(shape[d]),),)
    if name == "narrow":
        start = rng.randint(0, shape[d])
        return name, (d, start, rng.randint(0, shape[d] - start))
    if name == "unfold":
        size = rng.randint(0, min(shape[d], 2))
        return name, (d, size, rng.randint(1, 2))
    if name == "diagonal":
        d1, d2 = rng.sample(range(n), 2)
        return name, (rng.randint(-1, 1), d1, d2)
    # view: merge two neighbouring dims, or split one
    if n >= 2 and rng.random() < 0.5:
        i = rng.randrange(n - 1)
        return name, (shape[:i] + (shape[i] * shape[i + 1],) + shape[i + 2:],)
    if shape[d] % 2 == 0 and shape[d]:
        return name, (shape[:d] + (2, shape[d] // 2) + shape[d + 1:],)
    return name, (shape[:d] + (1, shape[d]) + shape[d + 1:],)


def _apply(x, name, args):
    if name == "getitem":
        return x[args[0]]
    return getattr(x, name)(*args)


def _chains(count, seed=0):
    rng = random.Random(seed)
    chains = []
    for _ in range(count):
        shape = rng.choice([(4, 6), (3, 4, 5), (2, 3, 4, 5), (6,), (1, 4, 1, 3)])
        chains.append((shape, [rng.random() for _ in range(rng.randint(2, 5))]))
    return chains


def _check_layout(x, tx, where):
    assert tuple(x.shape) == tuple(tx.shape), where
    assert x.stride() == tx.stride(), where
    assert x.storage_offset() == tx.storage_offset(), where
    assert x.is_contiguous() == tx.is_contiguous(), where
    for d in range(-x.dim(), x.dim()):
        assert x.stride(d) == tx.stride(d), where
    np.testing.assert_array_equal(x.numpy(), tx.numpy(), err_msg=where)


@pytest.mark.parametrize("chain", range(24))
def test_view_chains_match_pytorch(backend, torch, chain):
    """Strides, offsets, contiguity and values after random chains of transposes, permutes,
    slices with steps, selects, narrows, (un)squeezes, expands, views, unfolds and diagonals;
    then view(-1), reshape(-1) and contiguous() behave as PyTorch's on the result."""
    shape, draws = _chains(24)[chain]
    rng = random.Random(chain)
    data = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    x, tx = ember.tensor(data), torch.tensor(data)
    trail = [f"shape {shape}"]
    for _ in draws:
        name, args = _steps_for(tuple(x.shape), rng)
        trail.append(f"{name}{args}")
        try:
            ty = _apply(tx, name, args)
        except RuntimeError as e:  # a view the layout does not allow: the same error
            with pytest.raises(RuntimeError) as got:
                _apply(x, name, args)
            assert str(got.value) == str(e), " -> ".join(trail)
            trail[-1] += " (raises)"
            continue
        x, tx = _apply(x, name, args), ty
        _check_layout(x, tx, " -> ".join(trail))
    where = " -> ".join(trail)
    try:
        tv = tx.view(-1)
    except RuntimeError as e:
        with pytest.raises(RuntimeError, match="view size is not compatible"):
            x.view(-1)
        assert "view size is not compatible" in str(e)
    else:
        _check_layout(x.view(-1), tv, where + " -> view(-1)")
    r, tr = x.reshape(-1), tx.reshape(-1)
    _check_layout(r, tr, where + " -> reshape(-1)")
    assert (r._base is not None) == (tr._base is not None), where
    c, tc = x.contiguous(), tx.contiguous()
    _check_layout(c, tc, where + " -> contiguous()")
    assert (c is x) == (tc is tx), where


def test_transpose_view_raises_as_pytorch(backend):
    x = ember.arange(6.).reshape(2, 3)
    with pytest.raises(RuntimeError, match=r"view size is not compatible with input tensor's "
                                           r"size and stride \(at least one dimension spans "
                                           r"across two contiguous subspaces\)\. Use "
                                           r"\.reshape\(\.\.\.\) instead\."):
        x.t().view(6)
    assert x.t().is_contiguous() is False and x.is_contiguous() is True


def test_reshape_copies_only_when_needed(backend):
    x = ember.tensor([[0., 1, 2], [3, 4, 5]])
    v = x.reshape(3, 2)
    assert v._base is x and v.data_ptr() == x.data_ptr()
    c = x.t().reshape(6)
    assert c._base is None and c.data_ptr() != x.data_ptr()
    c.add_(100)  # a copy: the write stays there
    assert x.tolist() == [[0, 1, 2], [3, 4, 5]]
    w = ember.arange(6., requires_grad=True).reshape(2, 3)
    assert type(w.t().reshape(6).grad_fn).__name__ == "UnsafeViewBackward0"
    assert type(w.reshape(3, 2).grad_fn).__name__ == "ViewBackward0"


def test_contiguous_returns_self_or_a_copy(backend):
    x = ember.arange(6.).reshape(2, 3)
    assert x.contiguous() is x
    y = x.t().contiguous()
    assert y is not x and y.is_contiguous() and y.stride() == (2, 1)
    assert y.tolist() == x.t().tolist()


# -- storages and data pointers -------------------------------------------------------------------
def test_data_ptr_and_storage(backend, torch):
    x = ember.arange(12.).reshape(3, 4)
    tx = torch.arange(12.).reshape(3, 4)
    y = ember.arange(12.).reshape(3, 4)
    assert x.data_ptr() != y.data_ptr() and x.data_ptr() != 0
    assert x.view(12).data_ptr() == x.data_ptr() == x.t().data_ptr() == x[0].data_ptr()
    assert x.detach().data_ptr() == x.data_ptr() == x.data.data_ptr()
    for index in [(1,), (slice(1, None), slice(2, None)), (Ellipsis, 3), (2, slice(None, None, 2))]:
        assert x[index].data_ptr() - x.data_ptr() == tx[index].data_ptr() - tx.data_ptr()
        assert x[index].untyped_storage().nbytes() == tx[index].untyped_storage().nbytes()
    assert x.untyped_storage().data_ptr() == x.data_ptr()
    assert x[1].untyped_storage() == x.untyped_storage() != y.untyped_storage()
    assert x.t().detach()[1:].data_ptr() == x.t()[1:].data_ptr()
    assert x.t().detach().stride() == (1, 4)
    assert ember.empty(0).data_ptr() == 0 and ember.empty(0).untyped_storage().nbytes() == 0
    x.add_(1)  # in place: the same storage
    assert x.view(12).data_ptr() == x.data_ptr()


def test_addresses_of_storages_do_not_overlap(backend):
    a, b = ember.zeros(10), ember.zeros(10)
    lo, hi = sorted([a, b], key=lambda t: t.data_ptr())
    assert lo.data_ptr() + lo.untyped_storage().nbytes() <= hi.data_ptr()


# -- strided views -----------------------------------------------------------------------------
def _values(t):
    return t.tolist()


@pytest.mark.parametrize("make", [
    lambda x: x.diagonal(), lambda x: x.diagonal(1), lambda x: ember.diagonal(x, -1, 1, 0),
    lambda x: x.unfold(1, 2, 2), lambda x: x.t().unfold(1, 1, 2)[1:],
    lambda x: x.as_strided((2, 2), (1, 4), 1), lambda x: x.t().as_strided((3,), (5,)),
    lambda x: ember.as_strided(x[1:], (2,), (1,)),
], ids=["diag", "diag+1", "diag-1T", "unfold", "unfold-select", "as_strided", "as_strided_t",
        "as_strided_off"])
def test_writes_through_strided_views_reach_the_base(backend, torch, make):
    data = np.arange(12, dtype=np.float32).reshape(3, 4)
    x, tx = ember.tensor(data), torch.tensor(data)
    v, tv = make(x), _torch_view(make, tx, torch)
    assert v.stride() == tv.stride() and v.storage_offset() == tv.storage_offset()
    assert _values(v) == _values(tv)
    v.mul_(-1)
    tv.mul_(-1)
    assert _values(x) == _values(tx)  # the write reached the base
    x.add_(100)
    tx.add_(100)
    assert _values(v) == _values(tv)  # and the base's write reached the view
    assert v._base is x


def _torch_view(make, tx, torch):
    """`make` run on a PyTorch tensor, with ``ember.`` functions mapped to ``torch.``."""
    real = ember.diagonal, ember.as_strided
    try:
        ember.diagonal, ember.as_strided = torch.diagonal, torch.as_strided
        return make(tx)
    finally:
        ember.diagonal, ember.as_strided = real


@pytest.mark.parametrize("name, args", [
    ("diagonal", (0, 0, 1)), ("diagonal", (1, 1, 0)), ("unfold", (1, 2, 1)), ("unfold", (0, 2, 2)),
    ("as_strided", ((2, 3), (1, 2), 1)),
])
def test_strided_view_gradients_match_pytorch(backend, torch, name, args):
    data = np.random.default_rng(0).standard_normal((3, 4))
    x = ember.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    y, ty = getattr(x, name)(*args), getattr(tx, name)(*args)
    w = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    (y * ember.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    assert type(y.grad_fn).__name__ == type(ty.grad_fn).__name__


@pytest.mark.parametrize("call", [
    lambda m, x: x.unfold(1, 5, 1), lambda m, x: x.unfold(1, 2, 0),
    lambda m, x: x.as_strided((3, 3), (1,)), lambda m, x: x.as_strided((3, 3), (-1, 1)),
    lambda m, x: x.as_strided((5, 5), (4, 1)), lambda m, x: x.diagonal(0, 1, 1),
    lambda m, x: x.diagonal(0, 0, 2), lambda m, x: x.t().view(m.float16),
    lambda m, x: x[:, :3].view(m.float64), lambda m, x: x[0, 0].view(m.float64),
], ids=["unfold-size", "unfold-step", "as_strided-len", "as_strided-neg", "as_strided-bounds",
        "diagonal-same", "diagonal-dim", "view-dtype-stride", "view-dtype-size", "view-dtype-0d"])
def test_errors_match_pytorch(backend, torch, call):
    x = ember.arange(12.).reshape(3, 4)
    tx = torch.arange(12.).reshape(3, 4)
    with pytest.raises(Exception) as expected:
        call(torch, tx)
    with pytest.raises(type(expected.value)) as got:
        call(ember, x)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("dtype", ["int32", "float32", "int16", "float64", "uint8", "bool"])
def test_view_dtype_matches_pytorch(backend, torch, dtype):
    if dtype == "bool":
        x, tx = ember.tensor([[1, 0, 1, 1]], dtype=ember.uint8), \
            torch.tensor([[1, 0, 1, 1]], dtype=torch.uint8)
    else:
        data = np.arange(24, dtype=np.float32).reshape(3, 8) / 7
        x, tx = ember.tensor(data)[:, 2:], torch.tensor(data)[:, 2:]
    v, tv = x.view(getattr(ember, dtype)), tx.view(getattr(torch, dtype))
    assert v.dtype is getattr(ember, dtype)
    _check_layout(v, tv, dtype)
    assert v.data_ptr() - v.storage_offset() * v.element_size() == \
        x.data_ptr() - x.storage_offset() * x.element_size()


def test_view_dtype_writes_reach_the_base_on_mutable_backends():
    x = ember.zeros(4)
    x.view(ember.int32)[1] = 1065353216  # the bits of 1.0
    assert x.tolist() == [0.0, 1.0, 0.0, 0.0]


# -- expand, memory formats --------------------------------------------------------------------
def test_expand_is_a_view_with_zero_strides(backend, torch):
    x, tx = ember.ones(3, 1), torch.ones(3, 1)
    for sizes in [(3, 4), (2, 3, 4), (1, 3, 1), (-1, 2)]:
        _check_layout(x.expand(*sizes), tx.expand(*sizes), str(sizes))
    assert x.expand(3, 4)._base is x


@pytest.mark.parametrize("fmt", ["channels_last", "contiguous_format"])
def test_memory_formats_match_pytorch(backend, torch, fmt):
    data = np.arange(120, dtype=np.float32).reshape(2, 3, 4, 5)
    x, tx = ember.tensor(data), torch.tensor(data)
    f, tf = getattr(ember, fmt), getattr(torch, fmt)
    for make in [lambda a, m: a.contiguous(memory_format=m), lambda a, m: a.to(memory_format=m),
                 lambda a, m: a.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)]:
        y, ty = make(x, f), make(tx, tf)
        _check_layout(y, ty, fmt)
        for m in ("channels_last", "contiguous_format", "preserve_format"):
            assert y.is_contiguous(memory_format=getattr(ember, m)) == \
                ty.is_contiguous(memory_format=getattr(torch, m))
        for like in ("empty_like", "zeros_like", "ones_like"):
            for m in ("preserve_format", "contiguous_format", "channels_last"):
                e = getattr(ember, like)(y, memory_format=getattr(ember, m))
                assert e.stride() == getattr(torch, like)(ty, memory_format=getattr(torch, m)) \
                    .stride()
        assert y.view(-1).tolist() == ty.view(-1).tolist() if ty.is_contiguous() else \
            y.reshape(-1).tolist() == ty.reshape(-1).tolist()
    assert ember.zeros_like(x[:, ::2]).stride() == \
        torch.zeros_like(tx[:, ::2]).stride()


def test_memory_format_errors(backend):
    with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last format"):
        ember.ones(2, 3).contiguous(memory_format=ember.channels_last)
    with pytest.raises(RuntimeError, match="preserve memory format is unsupported"):
        ember.ones(2, 3).contiguous(memory_format=ember.preserve_format)
    assert repr(ember.channels_last) == "ember.channels_last"


def test_module_to_channels_last_keeps_values(backend, torch):
    m = ember.nn.Conv2d(3, 4, 3)
    before = m.weight.detach().clone()
    m.to(memory_format=ember.channels_last)
    tm = torch.nn.Conv2d(3, 4, 3).to(memory_format=torch.channels_last)
    assert m.weight.stride() == tm.weight.stride() and m.bias.stride() == tm.bias.stride()
    assert isinstance(m.weight, ember.nn.Parameter) and m.weight.requires_grad
    assert ember.equal(m.weight, before)
    x = ember.randn(1, 3, 5, 5)
    y = m(x.contiguous(memory_format=ember.channels_last))
    assert ember.allclose(y, m(x))


def test_parameter_shares_its_data_storage(backend):
    t = ember.randn(3, 4).t()
    p = ember.nn.Parameter(t)
    assert p.data_ptr() == t.data_ptr() and p.stride() == t.stride() == (1, 4)


# (fill_ is left out: PyTorch lets it write one value into repeated elements; ember refuses it)
@pytest.mark.parametrize("write", ["add_", "setitem", "copy_"])
def test_writing_into_an_expanded_tensor_raises_as_pytorch(backend, torch, write):
    """Elements of an expand share one memory location: PyTorch refuses to write into them."""
    def do(lib, x):
        {"add_": lambda: x.add_(1), "setitem": lambda: x.__setitem__(0, 5),
         "copy_": lambda: x.copy_(lib.ones(3, 4))}[write]()

    for lib, x in ((torch, torch.zeros(3, 1).expand(3, 4)), (ember, ember.zeros(3, 1).expand(3, 4))):
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            do(lib, x)
    part = ember.zeros(3, 4)[:, :2]  # a view without repeated elements is still writable
    part.add_(1)
    part[0] = 3
    assert part.sum().item() == 10.0
