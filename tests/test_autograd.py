"""The autograd core: graph nodes, backward, accumulation, grad modes (seeds 001 and 003)."""

import threading

import pytest

import ember


def test_grad_fn_names(backend):
    x = ember.randn(2, 2, requires_grad=True)
    assert (x + 2).grad_fn.name() == "AddBackward0"
    assert (x / 2).grad_fn.name() == "DivBackward0"
    assert (x * x).grad_fn.name() == "MulBackward0"
    assert (x ** 2).grad_fn.name() == "PowBackward0"
    assert x.sum().grad_fn.name() == "SumBackward0"
    assert x.sum(0).grad_fn.name() == "SumBackward1"
    assert x.mean().grad_fn.name() == "MeanBackward0"
    assert (x @ x).grad_fn.name() == "MmBackward0"
    assert x.view(4).grad_fn.name() == "ViewBackward0"
    assert x.max().grad_fn.name() == "MaxBackward1"
    assert x.max(0).values.grad_fn.name() == "MaxBackward0"
    assert repr(x.exp().grad_fn).startswith("<ExpBackward0 object at 0x")
    assert ember.randn(2).add(1).grad_fn is None


def test_next_functions_reach_the_leaves(backend):
    a = ember.tensor(1.0, requires_grad=True)
    b = ember.tensor(2.0, requires_grad=True)
    y = a + 2 * b
    (first, _), (second, _) = y.grad_fn.next_functions
    assert type(first).__name__ == "AccumulateGrad" and first.variable is a
    assert second.name() == "MulBackward0"


def test_seed_001_backward_and_accumulation(backend):
    x1 = ember.tensor(1.0, requires_grad=True)
    x2 = ember.tensor(2.0, requires_grad=True)
    y = x1 + 2 * x2
    assert repr(y) == "tensor(5., grad_fn=<AddBackward0>)"
    y.backward()
    assert (x1.grad.item(), x2.grad.item()) == (1.0, 2.0)
    y = x1 + 2 * x2
    y.backward()
    assert (x1.grad.item(), x2.grad.item()) == (2.0, 4.0)  # gradients accumulate


def test_backward_with_gradient_for_non_scalar(backend):
    x = ember.ones(3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        y.backward()
    y.backward(ember.tensor([1.0, 0.1, 0.01]))
    assert x.grad.tolist() == pytest.approx([2.0, 0.2, 0.02])


def test_second_backward_through_freed_graph_fails(backend):
    x = ember.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 4.0]
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_no_grad_and_detach(backend):
    x = ember.randn(3, requires_grad=True)
    assert (x ** 2).requires_grad
    with ember.no_grad():
        assert not (x ** 2).requires_grad
        with ember.enable_grad():
            assert (x ** 2).requires_grad
    assert not x.detach().requires_grad and x.detach().grad_fn is None

    @ember.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    ember.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        ember.set_grad_enabled(True)


def test_grad_mode_is_per_thread(backend):
    x = ember.ones(1, requires_grad=True)
    seen = []
    with ember.no_grad():
        t = threading.Thread(target=lambda: seen.append((x * 2).requires_grad))
        t.start()
        t.join()
    assert seen == [True]


def test_data_changes_are_not_recorded(backend):
    x = ember.ones(1, requires_grad=True)
    assert repr(x.data) == "tensor([1.])" and not x.data.requires_grad
    y = 2 * x
    x.data *= 100
    y.backward()
    assert repr(x) == "tensor([100.], requires_grad=True)"
    assert repr(x.grad) == "tensor([2.])"


def test_broadcast_gradients_are_summed_back(backend):
    a = ember.ones(3, 4, requires_grad=True)
    b = ember.ones(4, requires_grad=True)
    (a * b).sum().backward()
    assert b.grad.shape == (4,) and b.grad.tolist() == [3.0] * 4


def test_inplace_on_leaf_requiring_grad_fails(backend):
    x = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an "
                                           "in-place operation"):
        x.add_(1)
    with ember.no_grad():
        x.add_(1)
    assert x.tolist() == [2.0, 2.0]


def test_modified_saved_tensor_is_detected(backend):
    x = ember.ones(2, requires_grad=True)
    y = x * 1
    z = y * y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_integer_tensors_cannot_require_grad(backend):
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        ember.tensor([1, 2], requires_grad=True)


def test_autograd_grad_returns_without_touching_dot_grad(backend):
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ember.autograd.grad((x ** 3).sum(), x)
    assert g.tolist() == [3.0, 12.0] and x.grad is None


def test_higher_order_through_create_graph(backend):
    x = ember.tensor(2.0, requires_grad=True)
    (g,) = ember.autograd.grad(x ** 3, x, create_graph=True)
    (gg,) = ember.autograd.grad(g, x)
    assert (g.item(), gg.item()) == (12.0, 12.0)


def test_graph_is_freed_after_backward(backend):
    import gc
    import weakref

    x = ember.ones(3, requires_grad=True)
    y = (x * 2).exp().sum()
    node = weakref.ref(y.grad_fn.next_functions[0][0])
    y.backward()
    del y
    gc.collect()
    assert node() is None
