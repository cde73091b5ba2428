"""The graph and what it saved are freed by reference counting: after backward (unless
retain_graph), when the output is dropped, and with no reference cycles over many steps."""

import gc
import tracemalloc
import weakref

import pytest

import ember


class _GcOff:
    """Run a block with the cyclic garbage collector off: only reference counting frees."""

    def __enter__(self):
        gc.collect()
        self.was = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        if self.was:
            gc.enable()


def _model():
    w = ember.randn(4, 1, requires_grad=True)
    b = ember.zeros(1, requires_grad=True)
    return w, b


def _step(w, b, x, y):
    """One training step of a tiny linear model, with ops that save inputs and outputs."""
    pred = x @ w + b
    loss = ((pred - y) ** 2).mean() + (w.exp().sum() + pred.tanh().sum()) * 1e-3
    loss.backward()
    with ember.no_grad():
        w.sub_(0.01 * w.grad)
        b.sub_(0.01 * b.grad)
    w.grad = None
    b.grad = None
    return loss.item()


def test_thousands_of_steps_keep_memory_flat():
    ember.manual_seed(0)
    w, b = _model()
    x, y = ember.randn(16, 4), ember.randn(16, 1)
    with _GcOff():
        for _ in range(100):  # warm caches up
            _step(w, b, x, y)
        tracemalloc.start()
        try:
            objects0 = len(gc.get_objects())
            for _ in range(1000):
                _step(w, b, x, y)
            mem1 = tracemalloc.get_traced_memory()[0]
            for _ in range(2000):
                _step(w, b, x, y)
            mem2 = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        objects = len(gc.get_objects()) - objects0
        assert gc.collect() == 0  # nothing was left for the cycle collector
    assert objects < 50, f"{objects} gc-tracked objects more after 3000 steps"
    assert mem2 - mem1 < 32 * 1024, f"memory grew by {mem2 - mem1} bytes over 2000 steps"


def test_a_step_leaves_no_reference_cycles(backend):
    w, b = _model()
    x, y = ember.randn(16, 4), ember.randn(16, 1)
    _step(w, b, x, y)
    with _GcOff():
        for _ in range(3):
            _step(w, b, x, y)
        assert gc.collect() == 0


def test_saved_tensors_are_released_after_backward(backend):
    x = ember.ones(3, requires_grad=True)
    h = x * 2
    y = (h * h).sum()  # MulBackward0 saves h twice
    saved = weakref.ref(h)
    node = y.grad_fn.next_functions[0][0]
    del h
    assert saved() is not None
    y.backward()
    assert saved() is None and node._freed


def test_retain_graph_keeps_saved_tensors(backend):
    x = ember.ones(3, requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    saved = weakref.ref(h)
    del h
    y.backward(retain_graph=True)
    assert saved() is not None
    y.backward()
    assert saved() is None


def test_dropping_the_output_frees_the_graph(backend):
    x = ember.ones(3, requires_grad=True)
    with _GcOff():
        y = (x * 2).exp().sum()
        nodes = [weakref.ref(y.grad_fn), weakref.ref(y.grad_fn.next_functions[0][0])]
        del y
        assert all(n() is None for n in nodes)


def test_a_saved_output_makes_no_cycle(backend):
    x = ember.ones(3, requires_grad=True)
    with _GcOff():
        y = x.exp()  # exp saves its own output
        node = weakref.ref(y.grad_fn)
        out = weakref.ref(y)
        del y
        assert node() is None and out() is None


@pytest.mark.parametrize("keep", ["view", "copy_slices"])
def test_views_and_inplace_graphs_are_freed(backend, keep):
    x = ember.ones(4, requires_grad=True)
    with _GcOff():
        y = x * 1
        v = y[1:3]
        if keep == "copy_slices":
            v.mul_(2)
        nodes = [weakref.ref(y.grad_fn), weakref.ref(v.grad_fn)]
        del y, v
        assert all(n() is None for n in nodes)


# -- .grad owns its storage, without a copy when the gradient is fresh -------------------------------
def test_fresh_gradient_becomes_grad_without_a_copy(monkeypatch):
    kernels = ember.backends.get_backend("numpy").kernels
    copies = []
    clone = kernels["clone"]
    monkeypatch.setitem(kernels, "clone", lambda a: copies.append(a.shape) or clone(a))
    with ember.default_backend("numpy"):
        w = ember.randn(3, 4, requires_grad=True)
        x = ember.randn(5, 4)
    (x @ w.T).relu().sum().backward()
    assert copies == [] and w.grad.shape == (3, 4)


def test_one_gradient_reaching_two_leaves_is_not_shared():
    a = ember.randn(3, requires_grad=True)
    b = ember.randn(3, requires_grad=True)
    (a + b).sum().backward()
    a.grad.add_(1)
    assert b.grad.tolist() == [1.0, 1.0, 1.0]


def test_gradient_given_by_the_caller_is_not_taken():
    a = ember.randn(3, requires_grad=True)
    g = ember.ones(3)
    for through in (lambda t: t, lambda t: t + 0, lambda t: t.reshape(3), lambda t: t * 1):
        a.grad = None
        through(a).backward(g) if through(a) is not a else a.backward(g)
        a.grad.add_(5)
        assert g.tolist() == [1.0, 1.0, 1.0]


def test_gradient_saved_by_a_retained_graph_is_not_taken():
    a = ember.randn(3, requires_grad=True)
    y = a * 2
    y.retain_grad()
    z = y + 0
    z.sum().backward(retain_graph=True)
    a.grad.add_(100)
    assert y.grad.tolist() == [1.0, 1.0, 1.0]


def _count_clones(monkeypatch):
    kernels = ember.backends.get_backend("numpy").kernels
    copies = []
    clone = kernels["clone"]
    monkeypatch.setitem(kernels, "clone", lambda a: copies.append(a.shape) or clone(a))
    return copies


def test_fresh_gradient_for_backward_inputs_becomes_grad_without_a_copy(monkeypatch):
    """Ownership is decided by the engine, not by counting references: every path that hands a
    leaf its gradient (here ``backward(inputs=...)``) takes an owned one as it is."""
    copies = _count_clones(monkeypatch)
    with ember.default_backend("numpy"):
        w = ember.randn(3, 4, requires_grad=True)
        x = ember.randn(5, 4)
    (x @ w.T).relu().sum().backward(inputs=[w])
    assert copies == [] and w.grad.shape == (3, 4)


def test_gradient_a_hook_keeps_is_not_taken():
    kept = []
    with ember.default_backend("numpy"):
        a = ember.randn(3, requires_grad=True)
        a.register_hook(lambda g: kept.append(g))
        (a * 2).sum().backward()
        a.grad.add_(1)
    assert kept[0].tolist() == [2.0, 2.0, 2.0]


class _Keeps(ember.autograd.Function):
    """A Function whose backward returns a gradient it also keeps."""

    kept = None

    @staticmethod
    def forward(ctx, x):
        return x * 1

    @staticmethod
    def backward(ctx, g):
        _Keeps.kept = g * 3
        return _Keeps.kept


def test_gradient_a_function_keeps_is_not_taken():
    with ember.default_backend("numpy"):
        a = ember.randn(2, requires_grad=True)
        _Keeps.apply(a).sum().backward()
        a.grad.add_(1)
    assert _Keeps.kept.tolist() == [3.0, 3.0]


def test_broadcast_gradient_is_copied_into_a_writable_grad():
    with ember.default_backend("numpy"):
        a = ember.randn(2, 3, requires_grad=True)
        (a * 1).sum().backward()  # the sum's gradient is the scalar expanded to a's shape
        a.grad.add_(1)
    assert a.grad.tolist() == [[2.0] * 3] * 2
