"""The short paths of a recorded op (issue 16): same-dtype binary ops, tensor-and-Python-number
ops, no autograd work when no input requires grad, the engine's one-dict topological count.
Each short path must give what the general path gives; these tests pin that down."""

import threading
import weakref

import pytest

import ember
from ember import backends


def _kernels(name):
    return backends.installed()[name].kernels


# -- no autograd work when nothing requires grad ---------------------------------------------------
def test_no_node_when_no_input_requires_grad(backend):
    a, b = ember.ones(3), ember.ones(3)
    for out in (a + b, a * 2.0, 1 - a, a / b, a.tanh(), a - b):
        assert out.grad_fn is None and not out.requires_grad


def test_no_node_under_no_grad(backend):
    a = ember.ones(3, requires_grad=True)
    with ember.no_grad():
        outs = (a + a, a * 2.0, 2.0 ** a, a.tanh())
    for out in outs:
        assert out.grad_fn is None and not out.requires_grad


def test_a_node_when_either_input_requires_grad(backend):
    a, b = ember.ones(3), ember.ones(3, requires_grad=True)
    assert type((a + b).grad_fn).__name__ == "AddBackward0"
    assert type((b * a).grad_fn).__name__ == "MulBackward0"
    assert type((3.0 - b).grad_fn).__name__ == "SubBackward0"


# -- the short paths agree with the general one ---------------------------------------------------
@pytest.mark.parametrize("make, expected, dtype", [
    (lambda: ember.tensor([1.0, 2.0]) + ember.tensor([3.0, 4.0]), [4.0, 6.0], ember.float32),
    (lambda: ember.tensor([1.0, 2.0]) * 2, [2.0, 4.0], ember.float32),
    (lambda: 1 - ember.tensor([1.0, 2.0]), [0.0, -1.0], ember.float32),
    (lambda: ember.tensor([1, 2]) * 2.5, [2.5, 5.0], ember.float32),       # int tensor, float
    (lambda: ember.tensor([1, 2]) / ember.tensor([2, 4]), [0.5, 0.5], ember.float32),
    (lambda: ember.tensor([100], dtype=ember.int8) + 300, [-112], ember.int8),  # wrapped int
    (lambda: ember.tensor([True]) + ember.tensor([True]), [True], ember.bool),
    (lambda: ember.tensor([1.0], dtype=ember.float64) + ember.tensor([1.0]), [2.0],
     ember.float64),
    (lambda: ember.tensor([1.0, 2.0]) + ember.tensor(1.0, dtype=ember.float64), [2.0, 3.0],
     ember.float32),                                                       # 0-d ranks lower
    (lambda: ember.tensor([1 + 1j]) * 2.0, [2 + 2j], ember.complex64),
])
def test_results_and_dtypes_as_pytorch_gives_them(backend, make, expected, dtype):
    out = make()
    assert out.dtype is dtype
    assert out.tolist() == expected


def test_broadcasting_in_the_same_dtype(backend):
    out = ember.ones(3, 1) + ember.ones(1, 4)
    assert out.shape == (3, 4)
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of "
                                           r"tensor b \(2\)"):
        ember.ones(3) + ember.ones(2)


def test_refused_dtypes_on_the_short_path(backend):
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool"):
        ember.tensor([True]) - ember.tensor([False])
    with pytest.raises(NotImplementedError, match='"bitwise_and_cpu" not implemented for '
                                                  "'Float'"):
        ember.ones(2) & ember.ones(2)


def test_the_result_check_runs_on_the_short_path(backend, monkeypatch):
    k = _kernels(backend)
    add = k["add"]
    monkeypatch.setitem(k, "add", lambda a, b: k["reshape"](add(a, b), (-1,)))
    with pytest.raises(RuntimeError, match=r"kernel for 'add' returned an array of shape \[4\]"):
        ember.ones(2, 2) + 1.0  # a tensor and a Python number
    f64 = backends.installed()[backend].dtype_native(ember.float64)
    monkeypatch.setitem(k, "add", lambda a, b: k["astype"](add(a, b), f64))
    with pytest.raises(RuntimeError, match=r"kernel for 'add' returned an array of dtype"):
        ember.ones(2) + ember.ones(2)


def test_mixing_backends_is_still_an_error():
    other = next((n for n, b in backends.installed().items()
                  if n != "numpy" and b.status == backends.AVAILABLE), None)
    if other is None:
        pytest.skip("only one backend is available")
    a = ember.ones(2)
    with ember.default_backend(other):
        b = ember.ones(2)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same backend"):
        a + b


# -- gradients through the short paths ------------------------------------------------------------
def test_gradients_of_scalar_operands_and_broadcasting(backend):
    x = ember.tensor([[1.0], [2.0]], requires_grad=True)
    y = ember.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    ((x * 3.0 + y) * (2.0 - x)).sum().backward()
    # d/dx: 3(2 - x) - (3x + y), summed over y's 3 columns; d/dy: (2 - x), summed over rows
    assert x.grad.tolist() == [[3 * 3 * 1 - (3 * 3 + 6)], [3 * 3 * 0 - (6 * 3 + 6)]]
    assert y.grad.tolist() == [[1.0, 1.0, 1.0]]


def test_a_scalar_operand_keeps_no_broadcast_shapes(backend):
    x = ember.ones(2, 3, requires_grad=True)
    assert (x * 2.0).grad_fn._shapes is None
    assert (ember.ones(3, requires_grad=True) + ember.ones(2, 3)).grad_fn._shapes is not None


def test_tanh_and_sigmoid_gradients(backend):
    x = ember.tensor([0.5, -1.0], dtype=ember.float64, requires_grad=True)
    x.tanh().sum().backward()
    t = [float(v) for v in x.detach().tanh().tolist()]
    assert x.grad.tolist() == pytest.approx([1 - v * v for v in t])
    x.grad = None
    x.sigmoid().sum().backward()
    s = [float(v) for v in x.detach().sigmoid().tolist()]
    assert x.grad.tolist() == pytest.approx([v * (1 - v) for v in s])


def test_a_saved_output_changed_in_place_is_caught(backend):
    x = ember.ones(2, requires_grad=True)
    y = x.tanh()
    y.add_(1)
    with pytest.raises(RuntimeError, match=r"output 0 of Tanh, is at version 1; expected "
                                           r"version 0"):
        y.sum().backward()


def test_a_saved_output_holds_no_reference_to_its_tensor(backend):
    x = ember.ones(2, requires_grad=True)
    y = x.exp()
    node = weakref.ref(y.grad_fn)
    del y
    assert node() is None  # freed by reference counting: no cycle through the saved output


# -- the engine ------------------------------------------------------------------------------------
def test_roots_that_depend_on_each_other(backend):
    x = ember.tensor([2.0], requires_grad=True)
    y = x * x
    z = y * 3.0
    ember.autograd.backward([y, z], [ember.ones(1), ember.ones(1)])
    assert x.grad.tolist() == [4.0 + 12.0]  # dy/dx + dz/dx, each counted once


def test_a_shared_subgraph_is_run_once_with_the_summed_gradient(backend):
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x.tanh()
    calls = []
    h.register_hook(lambda g: calls.append(g.tolist()))
    (h * 2.0 + h * 3.0 + h).sum().backward()
    assert calls == [[6.0, 6.0]]
    t = [float(v) for v in x.detach().tanh().tolist()]
    assert x.grad.tolist() == pytest.approx([6 * (1 - v * v) for v in t])


# -- the NumPy backend's quiet kernels ------------------------------------------------------------
def test_quiet_binary_kernel_takes_out_and_is_reentrant():
    import numpy as np

    k = _kernels("numpy")
    a = np.ones(2, dtype=np.float32)
    k["add"](a, a, out=a)
    assert a.tolist() == [2.0, 2.0]
    big = np.full(1, 3e38, dtype=np.float32)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isinf(k["mul"](big, big)).all()  # no overflow warning
        results = []

        def worker():
            for _ in range(200):
                results.append(k["mul"](big, big)[0])

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(results) == 800
