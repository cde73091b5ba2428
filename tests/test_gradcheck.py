"""ember.autograd.gradcheck / gradgradcheck: they pass correct derivatives and catch wrong ones."""

import numpy as np
import pytest

import ember
from ember.autograd import GradcheckError, gradcheck, gradgradcheck
from ember.ops import REGISTRY


def _leaf(*shape, seed=0):
    values = np.random.default_rng(seed).uniform(0.5, 2.0, shape)
    return ember.tensor(values, dtype=ember.float64, requires_grad=True)


@pytest.fixture
def broken_mul(monkeypatch):
    """MulBackward0 returning twice the right gradient for its first input."""
    node = REGISTRY["mul"].node
    right = node._backward

    def wrong(n, g):
        ga, gb = right(n, g)
        return (None if ga is None else ga * 2, gb)

    monkeypatch.setattr(node, "_backward", staticmethod(wrong))


def test_passes_correct_derivatives(backend):
    x, y = _leaf(2, 3), _leaf(3, seed=1)
    assert gradcheck(lambda a, b: (a * b).exp() / b, (x, y))
    assert gradgradcheck(lambda a, b: (a * b).exp() / b, (x, y))


def test_single_tensor_input_and_several_outputs(backend):
    x = _leaf(3)
    assert gradcheck(lambda a: (a.sum(), a * a), x)


def test_catches_a_wrong_derivative(broken_mul):
    x, y = _leaf(2, 2), _leaf(2, 2, seed=1)
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to "
                                             "input 0"):
        gradcheck(lambda a, b: a * b, (x, y))
    assert gradcheck(lambda a, b: a * b, (x, y), raise_exception=False) is False


def test_catches_a_wrong_second_derivative(broken_mul):
    # exp's backward computes g * exp(x) with mul: its first derivative is right, but
    # differentiating that mul goes through the broken MulBackward0
    x = _leaf(3)
    assert gradcheck(lambda a: a.exp(), (x,))
    with pytest.raises(GradcheckError):
        gradgradcheck(lambda a: a.exp(), (x,))


def test_gradcheck_error_is_a_runtime_error():
    assert issubclass(GradcheckError, RuntimeError)


def test_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda a: a * 2, (ember.tensor([1.0], dtype=ember.float64),))


def test_warns_for_single_precision_inputs():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="not a double precision"):
        gradcheck(lambda a: a * 2, (x,), eps=1e-2, atol=1e-2)


def test_non_tensor_inputs_are_passed_through():
    x = _leaf(2, 3)
    assert gradcheck(lambda a, dim: a.sum(dim), (x, 1))


def test_catches_a_gradient_of_the_wrong_shape(monkeypatch):
    node = REGISTRY["sum"].nodes[1]
    monkeypatch.setattr(node, "_backward", staticmethod(lambda n, g: (g,)))
    with pytest.raises(GradcheckError, match="shape mismatch"):
        gradcheck(lambda a: a.sum(1), (_leaf(2, 3),))


def test_output_that_ignores_grad_must_be_constant():
    x = _leaf(3)
    with pytest.raises(GradcheckError, match="expected to be zero"):
        gradcheck(lambda a: a.detach() * 2, (x,))


def test_inputs_are_not_modified():
    x = _leaf(2, 2)
    before = x.detach().numpy().copy()
    gradcheck(lambda a: a * a, (x,))
    np.testing.assert_array_equal(x.detach().numpy(), before)
