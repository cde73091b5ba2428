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


# -- tensor attributes and errors ------------------------------------------------------------------
def test_requires_grad_and_is_leaf(backend):
    x = ember.ones(2)
    assert x.is_leaf and not x.requires_grad
    assert x.requires_grad_() is x and x.requires_grad and x.is_leaf
    y = x * 2
    assert not y.is_leaf and y.requires_grad
    assert y.requires_grad_(True) is y  # allowed on a non-leaf: nothing changes
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf"):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require "
                                           "gradients"):
        ember.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        ember.tensor([True]).requires_grad = True


def test_reading_grad_of_a_non_leaf_warns(backend):
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    with pytest.warns(UserWarning, match="The .grad attribute of a Tensor that is not a leaf "
                                         "Tensor is being accessed"):
        assert y.grad is None
    y.retain_grad()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert y.grad is None and x.grad is None  # no warning for leaves or retained grads


def test_grad_assignment_is_checked(backend):
    x = ember.ones(2, requires_grad=True)
    x.grad = ember.full((2,), 3.0)
    assert x.grad.tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match=r"attempting to assign a gradient of size '\[3\]' to a "
                                           r"tensor of size '\[2\]'"):
        x.grad = ember.ones(3)
    with pytest.raises(RuntimeError, match="attempting to assign a gradient with dtype"):
        x.grad = ember.ones(2, dtype=ember.float64)
    del x.grad
    assert x.grad is None


def test_detach_and_detach_(backend):
    x = ember.ones(3, requires_grad=True)
    y = x * 2
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad and d._version == y._version
    y.detach_()
    assert y.grad_fn is None and not y.requires_grad and y.is_leaf
    v = (x * 2)[1:]
    with pytest.raises(RuntimeError, match="Can't detach views in-place. Use detach\\(\\) instead"):
        v.detach_()


def test_version_error_names_the_tensor_and_versions(backend):
    x = ember.ones(3, requires_grad=True)
    y = x * 1
    z = y * y
    y.add_(1)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation: \[torch.FloatTensor "
                                           r"\[3\]\], which is output 0 of Add, is at version 1; "
                                           r"expected version 0 instead"):
        z.sum().backward()


def test_version_error_for_a_saved_output(backend):
    x = ember.ones(3, requires_grad=True)
    y = x.exp()  # exp saves its result
    y.add_(1)
    with pytest.raises(RuntimeError, match=r"\[torch.FloatTensor \[3\]\], which is output 0 of "
                                           r"Exp, is at version 1; expected version 0"):
        y.sum().backward()


def test_version_error_for_a_modified_leaf(backend):
    x = ember.ones(3, requires_grad=True)
    z = x * x
    with ember.no_grad():
        x.add_(1)
    with pytest.raises(RuntimeError, match=r"\[torch.FloatTensor \[3\]\] is at version 1; "
                                           r"expected version 0 instead"):
        z.sum().backward()


def test_inplace_ops_on_a_non_leaf_in_the_graph(backend, torch):
    grads = []
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        y.mul_(2)
        y.sin_()
        y.sum().backward()
        grads.append(x.grad.tolist())
    assert grads[0] == pytest.approx(grads[1])


def test_inplace_op_that_saves_its_own_input(backend):
    # ember keeps the value the op saved (PyTorch raises its version error here instead)
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    y.mul_(y)
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]


# -- hooks and retain_grad -------------------------------------------------------------------------
def test_retain_grad_on_a_non_leaf(backend):
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    assert not y.retains_grad
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    (y * y).sum().backward(retain_graph=True)
    assert y.grad.tolist() == [6.0, 12.0] and y.grad.grad_fn is None
    (y * y).sum().backward()
    assert y.grad.tolist() == [12.0, 24.0]  # retained grads accumulate like leaf grads
    x.retain_grad()  # a no-op on a leaf
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has "
                                           "requires_grad=False"):
        ember.ones(2).retain_grad()


def test_retain_grad_follows_an_inplace_op(backend):
    x = ember.ones(2, requires_grad=True)
    y = x * 1
    y.retain_grad()
    y.mul_(3)
    (y * 2).sum().backward()
    assert y.grad.tolist() == [2.0, 2.0] and x.grad.tolist() == [6.0, 6.0]


def test_register_hook_replaces_the_gradient(backend):
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    y.register_hook(lambda g: g * 10)
    y.retain_grad()  # retained grads are stored after every hook ran
    y.sum().backward()
    assert seen == [[1.0, 1.0]]
    assert y.grad.tolist() == [10.0, 10.0] and x.grad.tolist() == [20.0, 20.0]


def test_register_hook_on_a_leaf_and_remove(backend):
    x = ember.ones(2, requires_grad=True)
    handle = x.register_hook(lambda g: g + 1)
    (x * 2).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't "
                                           "require gradient"):
        ember.ones(1).register_hook(lambda g: g)


def test_hooks_apply_to_autograd_grad(backend):
    x = ember.ones(2, requires_grad=True)
    x.register_hook(lambda g: g * 0.5)
    (g,) = ember.autograd.grad((x * 4).sum(), x)
    assert g.tolist() == [2.0, 2.0] and x.grad is None


def test_node_hooks(backend):
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    calls = []
    y.grad_fn.register_prehook(lambda grads: calls.append("pre"))
    y.grad_fn.register_hook(lambda gin, gout: (gin[0] * 0 + 7, gin[1]))
    y.sum().backward()
    assert calls == ["pre"] and x.grad.tolist() == [7.0, 7.0]


# -- autograd.grad and backward(inputs=) -----------------------------------------------------------
def test_grad_allow_unused_and_materialize(backend):
    a = ember.ones(2, requires_grad=True)
    b = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="The differentiated Tensor at index 1 appears to not "
                                           "have been used in the graph. Set allow_unused=True"):
        ember.autograd.grad((a * 2).sum(), [a, b])
    ga, gb = ember.autograd.grad((a * 2).sum(), [a, b], allow_unused=True)
    assert ga.tolist() == [2.0, 2.0] and gb is None
    ga, gb = ember.autograd.grad((a * 2).sum(), [a, b], materialize_grads=True)
    assert gb.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="allow_unused"):
        ember.autograd.grad((a * 2).sum(), [a, b], allow_unused=False, materialize_grads=True)


def test_grad_errors(backend):
    a = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="One of the differentiated Tensors does not require "
                                           "grad"):
        ember.autograd.grad((a * 2).sum(), ember.ones(2))
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does "
                                           "not have a grad_fn"):
        ember.autograd.grad(ember.ones(2).sum(), a)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar "
                                           "outputs"):
        ember.autograd.grad(a * 2, a)
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of"):
        ember.autograd.grad(a * 2, a, ember.ones(3))


def test_grad_of_several_outputs_with_grad_outputs(backend):
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ember.autograd.grad([x * 2, x ** 2], x, [ember.ones(2), ember.tensor([1.0, 0.5])])
    assert g.tolist() == [4.0, 4.0]


def test_third_order_gradient(backend):
    x = ember.tensor(2.0, requires_grad=True)
    (g1,) = ember.autograd.grad(x ** 4, x, create_graph=True)
    (g2,) = ember.autograd.grad(g1, x, create_graph=True)
    (g3,) = ember.autograd.grad(g2, x)
    assert (g1.item(), g2.item(), g3.item()) == (32.0, 48.0, 48.0)


def test_backward_with_create_graph_gives_differentiable_grad(backend):
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    (gg,) = ember.autograd.grad(g.sum(), x)
    assert gg.tolist() == [6.0, 12.0]


def test_backward_inputs_accumulates_only_into_those(backend):
    a = ember.ones(2, requires_grad=True)
    b = ember.ones(2, requires_grad=True)
    y = a * b * 3
    y.sum().backward(inputs=[a])
    assert a.grad.tolist() == [3.0, 3.0] and b.grad is None
    y = a * 3
    (y * y).sum().backward(inputs=[y])  # a non-leaf among inputs gets .grad too
    assert y.grad.tolist() == [6.0, 6.0] and a.grad.tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match="'inputs' argument to backward\\(\\) cannot be empty"):
        (a * 2).sum().backward(inputs=[])


def test_backward_without_saved_tensors_can_run_twice(backend):
    x = ember.ones(2, requires_grad=True)
    y = (x + 1).sum()  # nothing saved: PyTorch allows a second backward too
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]


# -- grad modes ------------------------------------------------------------------------------------
def test_grad_mode_decorators(backend):
    x = ember.ones(1, requires_grad=True)

    @ember.no_grad
    def bare(t):
        return t * 2

    @ember.enable_grad()
    def on(t):
        return t * 2

    @ember.set_grad_enabled(False)
    def off(t):
        return t * 2

    assert ember.is_grad_enabled()  # decorating changed nothing
    assert not bare(x).requires_grad and not off(x).requires_grad
    with ember.no_grad():
        assert on(x).requires_grad
    assert bare.__name__ == "bare"


def test_inference_mode(backend):
    x = ember.ones(1, requires_grad=True)
    assert not ember.autograd.is_inference_mode_enabled()
    with ember.inference_mode():
        assert not (x * 2).requires_grad and ember.autograd.is_inference_mode_enabled()
        with ember.inference_mode(False):
            assert not ember.autograd.is_inference_mode_enabled()
    assert ember.is_grad_enabled() and not ember.autograd.is_inference_mode_enabled()

    @ember.inference_mode
    def f():
        return ember.is_grad_enabled(), ember.autograd.is_inference_mode_enabled()

    assert f() == (False, True)


def test_grad_mode_on_a_generator(backend):
    @ember.no_grad()
    def gen():
        yield ember.is_grad_enabled()
        yield ember.is_grad_enabled()

    seen = []
    for v in gen():
        seen.append((v, ember.is_grad_enabled()))  # the caller's mode between steps
    assert seen == [(False, True), (False, True)]


def test_grad_modes_in_threads_do_not_interfere(backend):
    x = ember.ones(1, requires_grad=True)
    barrier = threading.Barrier(2)
    results = {}

    @ember.no_grad()
    def worker_off():
        barrier.wait()
        results["off"] = [(x * 2).requires_grad for _ in range(20)]

    def worker_on():
        barrier.wait()
        results["on"] = [(x * 2).requires_grad for _ in range(20)]

    threads = [threading.Thread(target=worker_off), threading.Thread(target=worker_on)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"off": [False] * 20, "on": [True] * 20}
    assert ember.is_grad_enabled()
