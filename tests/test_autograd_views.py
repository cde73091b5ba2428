"""In-place writes through views rewrite the base's history (PyTorch's CopySlices), and views
share their base's version counter."""

import numpy as np
import pytest

import ember


def _grads(lib, build):
    """Run `build(lib)` -> (loss, leaves) with ember or torch; the leaves' grads as lists."""
    loss, leaves = build(lib)
    loss.backward()
    return [None if t.grad is None else t.grad.detach().numpy() for t in leaves]


def _same_as_torch(torch, build):
    got = _grads(ember, build)
    want = _grads(torch, build)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert (g is None) == (w is None)
        if g is not None:
            np.testing.assert_allclose(g, w, rtol=1e-6)


def test_inplace_through_a_view_updates_the_base(backend):
    x = ember.ones(3, requires_grad=True)
    y = x * 1
    y[0].mul_(2)
    assert y.grad_fn.name() == "CopySlices" and y.tolist() == [2.0, 1.0, 1.0]
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 1.0, 1.0]


def test_the_written_view_takes_the_new_history(backend):
    x = ember.ones(3, requires_grad=True)
    y = x * 1
    v = y[1:]
    v.mul_(3)
    assert v.grad_fn.name() == "AsStridedBackward0"
    assert v.grad_fn.next_functions[0][0] is y.grad_fn
    v.sum().backward()
    assert x.grad.tolist() == [0.0, 3.0, 3.0]


def test_setitem_gives_the_value_gradient(backend, torch):
    def build(lib):
        w = lib.zeros(2, 3, requires_grad=True)
        z = lib.ones(2, requires_grad=True)
        y = w * 2
        y[:, 0] = z * 5
        return (y * y).sum(), [w, z]

    _same_as_torch(torch, build)


def test_setitem_into_a_view_of_a_view(backend, torch):
    def build(lib):
        w = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        z = lib.tensor([7.0], requires_grad=True)
        y = w * 1
        v = y[1:]
        v[:, 0] = z * 3
        v.t()[2].mul_(z)
        return (y * y).sum(), [w, z]

    _same_as_torch(torch, build)


def test_other_views_see_the_new_history(backend, torch):
    def build(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        v = y[0:2]
        w = y[1:]
        y.mul_(2)  # v and w were taken before: their history is derived again
        w[0].mul_(3)
        return (v * v).sum() + w.sum(), [x]

    _same_as_torch(torch, build)


def test_copy_into_a_view_of_a_buffer(backend, torch):
    def build(lib):
        z = lib.tensor([1.0, 2.0], requires_grad=True)
        buf = lib.zeros(4)
        buf[1:3].copy_(z * z)
        return (buf * lib.tensor([1.0, 2.0, 3.0, 4.0])).sum(), [z]

    _same_as_torch(torch, build)


def test_overwriting_with_a_constant_blocks_the_gradient(backend, torch):
    def build(lib):
        x = lib.ones(3, requires_grad=True)
        y = x * 2
        y[1:].copy_(lib.zeros(2))
        return (y * 3).sum(), [x]

    _same_as_torch(torch, build)


def test_double_backward_through_copy_slices(backend):
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y[1:].mul_(x[1:])
    (g,) = ember.autograd.grad(y.sum(), x, create_graph=True)
    assert g.tolist() == [2.0, 12.0, 27.0]  # x^2, then x^3 on the last two
    (gg,) = ember.autograd.grad(g.sum(), x)
    assert gg.tolist() == [2.0, 12.0, 18.0]


def test_view_of_a_leaf_cannot_be_written_with_grad(backend):
    x = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being "
                                           "used in an in-place operation"):
        x[0].add_(1)
    with ember.no_grad():
        x[0].add_(1)
    assert x.tolist() == [2.0, 1.0, 1.0]


def test_views_share_the_version_counter(backend):
    x = ember.zeros(2, 3)
    v = x[0]
    t = x.t()
    assert v._base is x and t[1]._base is x and v._is_view() and not x._is_view()
    v.add_(1)
    assert x._version == v._version == t._version == 1
    x.mul_(2)
    assert v._version == 2
    assert x.detach()._version == 2  # detach() shares it too
    d = x.data
    d.add_(1)  # .data does not: autograd does not see that write
    assert x._version == 2 and x.tolist()[0] == [3.0, 3.0, 3.0]


def test_write_through_a_view_invalidates_a_saved_base(backend):
    x = ember.ones(3, requires_grad=True)
    y = x * 1
    z = y * y  # saves y
    y[0].add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_alias_bookkeeping_lives_on_the_tensors_and_goes_with_them(backend):
    """On an immutable backend the base knows its live aliases through weak references held on
    the base itself (no module-global table keyed by id()): a dead alias leaves no entry."""
    import gc

    from ember import views

    base = ember.zeros(4)
    if base._backend.mutable:
        pytest.skip("only immutable backends keep the storage relation in core")
    v = base[1:3]
    d = base.data
    assert views.has_aliases(base)
    v.add_(1)
    d[0] = 5
    assert base.tolist() == [5.0, 1.0, 1.0, 0.0] and v.tolist() == [1.0, 1.0]
    gc.disable()
    try:
        del v, d  # reference counting alone drops the entries
        assert not views.has_aliases(base)
    finally:
        gc.enable()
