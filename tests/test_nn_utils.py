"""nn.utils (gradient clipping, parameter vectors) and nn.init against PyTorch."""

import math

import numpy as np
import pytest

import ember
from ember import nn
from ember.nn import init


def _params_with_grads(lib, grads):
    params = []
    for g in grads:
        p = lib.zeros(g.shape, requires_grad=True)
        p.grad = lib.tensor(g)
        params.append(p)
    return params


def _grads():
    rng = np.random.default_rng(0)
    return [rng.standard_normal(s).astype(np.float32) for s in ((3, 4), (5,), (2, 2, 2))]


@pytest.mark.parametrize("norm_type", [2.0, 1, math.inf, 3.0, 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_pytorch(backend, torch, norm_type, max_norm):
    ours = _params_with_grads(ember, _grads())
    theirs = _params_with_grads(torch, _grads())
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.dim() == 0 and total.item() == pytest.approx(expected.item(), rel=1e-5)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_skips_params_without_grad_and_takes_one_tensor(backend):
    p, q = ember.ones(4, requires_grad=True), ember.ones(2, requires_grad=True)
    p.grad = ember.full((4,), 2.0)
    total = nn.utils.clip_grad_norm_([p, q], 1.0)
    assert total.item() == pytest.approx(4.0)
    assert q.grad is None
    np.testing.assert_allclose(p.grad.numpy(), 0.5 / (1 + 1e-6 / 4), rtol=1e-6)
    assert nn.utils.clip_grad_norm_(p, 10.0).item() == pytest.approx(1.0, rel=1e-5)
    assert nn.utils.clip_grad_norm_([q], 1.0).item() == 0.0


def test_clip_grad_norm_nonfinite_raises_when_asked(backend):
    p = ember.ones(2, requires_grad=True)
    p.grad = ember.tensor([1.0, math.inf])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert p.grad.tolist() == [1.0, math.inf]


def test_clip_grad_value_matches_pytorch(backend, torch):
    ours = _params_with_grads(ember, _grads())
    theirs = _params_with_grads(torch, _grads())
    assert nn.utils.clip_grad_value_(ours, 0.7) is None
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


def test_clip_grad_value_keeps_the_grad_object(backend):
    p = ember.ones(3, requires_grad=True)
    p.grad = ember.tensor([-2.0, 0.1, 5.0])
    g = p.grad
    nn.utils.clip_grad_value_(p, 1)
    assert p.grad is g and g.tolist() == pytest.approx([-1.0, 0.1, 1.0])


def test_parameters_to_vector_and_back(backend):
    net = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(net.parameters())
    assert vec.shape == (8,)
    np.testing.assert_array_equal(vec.detach().numpy()[:6], net.weight.detach().numpy().ravel())
    vec.sum().backward()
    assert net.weight.grad.tolist() == [[1.0] * 3] * 2
    nn.utils.vector_to_parameters(ember.arange(8, dtype=ember.float32), net.parameters())
    assert net.weight.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert net.bias.tolist() == [6.0, 7.0] and net.weight.requires_grad


def test_parameter_vectors_reject_non_tensors_and_wrong_sizes(backend):
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        nn.utils.parameters_to_vector([[1.0]])
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        nn.utils.vector_to_parameters([1.0], [ember.ones(1)])
    with pytest.raises(RuntimeError, match="of 2 elements"):
        nn.utils.vector_to_parameters(ember.ones(3), [ember.ones(2)])


# -- nn.init ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name, param", [("linear", None), ("conv2d", None), ("sigmoid", None),
                                         ("tanh", None), ("relu", None), ("leaky_relu", None),
                                         ("leaky_relu", 0.2), ("selu", None)])
def test_calculate_gain_matches_pytorch(torch, name, param):
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param))


def test_calculate_gain_rejects_unknown_names():
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")


def _sample_stats(fill, shape=(200, 300)):
    t = ember.empty(*shape)
    assert fill(t) is t
    a = t.numpy()
    return a.min(), a.max(), a.mean(), a.std()


@pytest.mark.parametrize("fill, bound, std", [
    (lambda t: init.xavier_uniform_(t, gain=2.0), 2 * math.sqrt(6 / 500), None),
    (lambda t: init.xavier_normal_(t), None, math.sqrt(2 / 500)),
    (lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)), math.sqrt(6 / 6 / 300), None),
    (lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), None,
     math.sqrt(2 / 200)),
])
def test_scaled_initialisers_use_pytorchs_fans(backend, fill, bound, std):
    lo, hi, mean, sd = _sample_stats(fill)
    if bound is not None:
        assert -bound <= lo and hi <= bound and hi > 0.99 * bound
        sd_expected = bound / math.sqrt(3)
    else:
        sd_expected = std
    assert abs(mean) < 0.05 * sd_expected and sd == pytest.approx(sd_expected, rel=0.02)


def test_trunc_normal_stays_in_bounds_with_the_truncated_moments(backend):
    mean, std, a, b = 1.0, 2.0, -1.0, 4.0
    lo, hi, m, s = _sample_stats(lambda t: init.trunc_normal_(t, mean, std, a, b))
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    z = (math.erf(beta / math.sqrt(2)) - math.erf(alpha / math.sqrt(2))) / 2
    m_expected = mean + std * (pdf(alpha) - pdf(beta)) / z
    var = std ** 2 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z
                      - ((pdf(alpha) - pdf(beta)) / z) ** 2)
    assert a <= lo and hi <= b
    assert m == pytest.approx(m_expected, abs=0.02) and s == pytest.approx(math.sqrt(var), rel=0.02)


def test_initialisers_are_reproducible_with_a_generator(backend):
    for fill in (init.trunc_normal_, init.orthogonal_, init.xavier_uniform_, init.kaiming_normal_):
        x, y = ember.empty(4, 5), ember.empty(4, 5)
        fill(x, generator=ember.Generator().manual_seed(3))
        fill(y, generator=ember.Generator().manual_seed(3))
        assert x.tolist() == y.tolist()


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 2, 3)])
def test_orthogonal_gives_orthonormal_rows_or_columns(backend, shape):
    t = init.orthogonal_(ember.empty(*shape, dtype=ember.float64), gain=3.0)
    flat = t.numpy().reshape(shape[0], -1)
    small = min(flat.shape)
    gram = flat @ flat.T if flat.shape[0] == small else flat.T @ flat
    np.testing.assert_allclose(gram, 9.0 * np.eye(small), atol=1e-10)


def test_eye_constant_zeros_ones(backend):
    assert init.eye_(ember.empty(2, 3)).tolist() == [[1, 0, 0], [0, 1, 0]]
    assert init.constant_(ember.empty(2), 0.25).tolist() == [0.25, 0.25]
    assert init.zeros_(ember.ones(2)).tolist() == [0, 0]
    assert init.ones_(ember.zeros(2)).tolist() == [1, 1]


def test_initialisers_do_not_record_autograd(backend):
    w = ember.empty(3, 4, requires_grad=True)
    for fill in (init.trunc_normal_, init.eye_, init.orthogonal_, init.xavier_normal_):
        fill(w)
        assert w.grad_fn is None and w.requires_grad


def test_initialiser_shape_errors():
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.eye_(ember.empty(3))
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions"):
        init.orthogonal_(ember.empty(3))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(ember.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(ember.empty(3, 3), mode="fan_avg")
