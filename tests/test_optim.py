"""Optimizers follow PyTorch's update rules step for step."""

import numpy as np
import pytest

import ember
from ember import nn


def _trajectory(lib, make_opt, w0, x, y, steps=15):
    w = lib.tensor(w0.copy(), requires_grad=True)
    opt = make_opt(lib, [w])
    xs, ys = lib.tensor(x), lib.tensor(y)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((xs @ w - ys) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, w.detach().numpy()


OPTIMIZERS = {
    "sgd": lambda lib, p: lib.optim.SGD(p, lr=0.05),
    "sgd-momentum": lambda lib, p: lib.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1,
                                                 weight_decay=0.01),
    "sgd-nesterov": lambda lib, p: lib.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda lib, p: lib.optim.Adam(p, lr=0.05, weight_decay=0.01),
    "adam-amsgrad": lambda lib, p: lib.optim.Adam(p, lr=0.05, amsgrad=True),
    "adamw": lambda lib, p: lib.optim.AdamW(p, lr=0.05),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_matches_pytorch_step_for_step(name, torch, backend):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((3, 1)).astype(np.float32)
    x = rng.standard_normal((16, 3)).astype(np.float32)
    y = rng.standard_normal((16, 1)).astype(np.float32)
    ours, w_ours = _trajectory(ember, OPTIMIZERS[name], w0, x, y)
    theirs, w_theirs = _trajectory(torch, OPTIMIZERS[name], w0, x, y)
    assert ours == pytest.approx(theirs, rel=1e-5)
    assert w_ours == pytest.approx(w_theirs, rel=1e-4, abs=1e-6)


def test_state_dict_round_trip(backend):
    w = ember.ones(2, requires_grad=True)
    opt = ember.optim.SGD([w], lr=0.1, momentum=0.9)
    (w * w).sum().backward()
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0] and "momentum_buffer" in sd["state"][0]
    other = ember.optim.SGD([w], lr=0.5, momentum=0.9)
    other.load_state_dict(sd)
    assert other.param_groups[0]["lr"] == 0.1
    assert other.state[w]["momentum_buffer"].tolist() == sd["state"][0]["momentum_buffer"].tolist()


def test_training_a_small_net_converges(backend):
    ember.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1))
    opt = ember.optim.Adam(net.parameters(), lr=0.02)
    x = ember.randn(128, 3)
    y = (x * ember.tensor([1.0, -2.0, 0.5])).sum(1, keepdim=True)
    for _ in range(300):
        opt.zero_grad()
        loss = nn.functional.mse_loss(net(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.01


def test_invalid_hyperparameters_are_value_errors():
    w = ember.ones(1, requires_grad=True)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        ember.optim.SGD([w], lr=-1)
    with pytest.raises(ValueError, match="empty parameter list"):
        ember.optim.Adam([])
