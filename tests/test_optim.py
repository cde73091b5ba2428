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
    "sgd-nesterov-wd-maximize": lambda lib, p: lib.optim.SGD(p, lr=0.02, momentum=0.5,
                                                             nesterov=True, weight_decay=0.1,
                                                             maximize=True),
    "adam-maximize": lambda lib, p: lib.optim.Adam(p, lr=0.01, betas=(0.8, 0.9), maximize=True),
    "adamw-amsgrad": lambda lib, p: lib.optim.AdamW(p, lr=0.05, weight_decay=0.1, amsgrad=True),
    "rmsprop": lambda lib, p: lib.optim.RMSprop(p, lr=0.01),
    "rmsprop-centered-momentum": lambda lib, p: lib.optim.RMSprop(p, lr=0.01, alpha=0.9,
                                                                  momentum=0.5, centered=True,
                                                                  weight_decay=0.01),
    "rmsprop-maximize": lambda lib, p: lib.optim.RMSprop(p, lr=0.005, maximize=True),
    "adagrad": lambda lib, p: lib.optim.Adagrad(p, lr=0.1),
    "adagrad-decay": lambda lib, p: lib.optim.Adagrad(p, lr=0.1, lr_decay=0.05, weight_decay=0.01,
                                                      initial_accumulator_value=0.1),
    "adadelta": lambda lib, p: lib.optim.Adadelta(p),
    "adadelta-wd": lambda lib, p: lib.optim.Adadelta(p, lr=0.5, rho=0.8, weight_decay=0.1,
                                                     maximize=True),
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


def _net(lib, seed=0):
    rng = np.random.default_rng(seed)
    w = lib.tensor(rng.standard_normal((3, 2)).astype(np.float32), requires_grad=True)
    b = lib.tensor(rng.standard_normal(2).astype(np.float32), requires_grad=True)
    x = lib.tensor(rng.standard_normal((8, 3)).astype(np.float32))
    return w, b, x


def _loss(w, b, x):
    return ((x @ w + b) ** 2).mean()


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "Adadelta"])
def test_parameter_groups_use_their_own_hyperparameters(name, torch, backend):
    results = []
    for lib in (ember, torch):
        w, b, x = _net(lib)
        opt = getattr(lib.optim, name)([{"params": [w]}, {"params": b, "lr": 0.3}], lr=0.05)
        for _ in range(5):
            opt.zero_grad()
            _loss(w, b, x).backward()
            opt.step()
        results.append((w.detach().numpy().copy(), b.detach().numpy().copy()))
    (w1, b1), (w2, b2) = results
    np.testing.assert_allclose(w1, w2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b1, b2, rtol=1e-5, atol=1e-6)


def test_add_param_group_fills_defaults_and_refuses_overlap(backend):
    w, b, _ = _net(ember)
    opt = ember.optim.SGD([w], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [b], "lr": 0.01})
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["lr"] == 0.01
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [w]})
    with pytest.raises(TypeError, match="ordered collections"):
        opt.add_param_group({"params": {ember.ones(1, requires_grad=True)}})


def test_zero_grad_set_to_none_false_zeroes_the_same_object(backend):
    w, b, x = _net(ember)
    opt = ember.optim.Adam([w, b])
    _loss(w, b, x).backward()
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g and not w.grad.abs().sum().item()
    opt.zero_grad()
    assert w.grad is None and b.grad is None


def test_step_with_closure_returns_the_loss(backend):
    w, b, x = _net(ember)
    opt = ember.optim.SGD([w, b], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = _loss(w, b, x)
        loss.backward()
        return loss

    first = opt.step(closure)
    assert isinstance(first, ember.Tensor) and opt.step(closure).item() < first.item()


def test_updates_keep_the_parameter_and_state_objects(backend):
    w, b, x = _net(ember)
    opt = ember.optim.Adam([w, b], amsgrad=True)
    _loss(w, b, x).backward()
    opt.step()
    ids = {k: id(v) for k, v in opt.state[w].items() if k != "step"}
    version = w._version
    _loss(w, b, x).backward()
    opt.step()
    assert {k: id(v) for k, v in opt.state[w].items() if k != "step"} == ids
    assert w._version > version


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "Adadelta"])
def test_state_dict_has_pytorchs_layout(name, torch, backend):
    dicts = []
    for lib in (ember, torch):
        w, b, x = _net(lib)
        kwargs = {"momentum": 0.9} if name in ("SGD", "RMSprop") else {}
        opt = getattr(lib.optim, name)([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1,
                                       **kwargs)
        _loss(w, b, x).backward()
        opt.step()
        dicts.append(opt.state_dict())
    ours, theirs = dicts
    assert [g["params"] for g in ours["param_groups"]] == \
        [g["params"] for g in theirs["param_groups"]]
    for g, h in zip(ours["param_groups"], theirs["param_groups"]):
        assert set(g) <= set(h) and all(g[k] == h[k] for k in g)
    assert set(ours["state"]) == set(theirs["state"])
    for i in ours["state"]:
        assert set(ours["state"][i]) == set(theirs["state"][i])
        for k, v in ours["state"][i].items():
            expected = theirs["state"][i][k]
            if k == "step":
                assert float(v) == float(expected)
            else:
                np.testing.assert_allclose(v.numpy(), expected.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_load_state_dict_resumes_the_same_trajectory(name, backend):
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((3, 1)).astype(np.float32)
    x = ember.tensor(rng.standard_normal((16, 3)).astype(np.float32))
    y = ember.tensor(rng.standard_normal((16, 1)).astype(np.float32))

    def run(w, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            ((x @ w - y) ** 2).mean().backward()
            opt.step()

    w = ember.tensor(w0, requires_grad=True)
    opt = OPTIMIZERS[name](ember, [w])
    run(w, opt, 6)
    w2 = ember.tensor(w.detach().numpy().copy(), requires_grad=True)
    opt2 = OPTIMIZERS[name](ember, [w2])
    opt2.load_state_dict(opt.state_dict())
    run(w, opt, 4)
    run(w2, opt2, 4)
    assert w2.tolist() == w.tolist()


def test_load_state_dict_refuses_mismatched_groups(backend):
    w, b, _ = _net(ember)
    sd = ember.optim.SGD([w, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        ember.optim.SGD([{"params": [w]}, {"params": [b]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size"):
        ember.optim.SGD([w], lr=0.1).load_state_dict(sd)


@pytest.mark.parametrize("make, match", [
    (lambda p: ember.optim.RMSprop(p, alpha=-1), "Invalid alpha value: -1"),
    (lambda p: ember.optim.RMSprop(p, momentum=-0.1), "Invalid momentum value: -0.1"),
    (lambda p: ember.optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda p: ember.optim.Adagrad(p, initial_accumulator_value=-1),
     "Invalid initial_accumulator_value value: -1"),
    (lambda p: ember.optim.Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
    (lambda p: ember.optim.Adam(p, betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    (lambda p: ember.optim.AdamW(p, eps=-1), "Invalid epsilon value: -1"),
    (lambda p: ember.optim.SGD(p, nesterov=True), "Nesterov momentum requires a momentum"),
])
def test_invalid_hyperparameters_name_the_value(make, match):
    with pytest.raises(ValueError, match=match):
        make([ember.ones(1, requires_grad=True)])


def _compiler_backends():
    from ember import backends

    names = [n for n, b in sorted(backends.installed().items())
             if b.status == backends.AVAILABLE and b.compiler is not None]
    return names or [pytest.param(None, marks=pytest.mark.skip(
        reason="no installed backend offers a compiler (the JAX backend does)"))]


@pytest.mark.parametrize("name", _compiler_backends())
@pytest.mark.parametrize("make", [lambda ps: ember.optim.Adam(ps, lr=0.01, weight_decay=0.1),
                                  lambda ps: ember.optim.SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: ember.optim.RMSprop(ps, lr=0.01, momentum=0.5)],
                         ids=["Adam", "SGD", "RMSprop"])
def test_fused_step_on_a_compiling_backend_follows_the_eager_one(name, make):
    """On a backend with a compiler an ember optimizer's step is one compiled program; its
    params, state and step counts follow the same updates run op by op on NumPy, schedulers
    and a grad that goes missing included, and the state stays in the same tensors."""
    import copy

    runs = {}
    for backend in ("numpy", name):
        with ember.default_backend(backend):
            ember.manual_seed(0)
            model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
            opt = make(model.parameters())
            sched = ember.optim.lr_scheduler.StepLR(opt, 2, gamma=0.5)
            x = ember.tensor(np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3))
            for i in range(6):
                opt.zero_grad()
                model(x).pow(2).mean().backward()
                if i == 4:
                    model[2].bias.grad = None  # a param without a grad is left alone
                opt.step()
                sched.step()
                if i == 2:
                    ids = {id(t) for s in opt.state.values() for t in s.values()
                           if isinstance(t, ember.Tensor)}
            assert ids == {id(t) for s in opt.state.values() for t in s.values()
                           if isinstance(t, ember.Tensor)}
            runs[backend] = (model.state_dict(), opt.state_dict(), opt)
    (want, want_opt, _), (got, got_opt, opt) = runs["numpy"], runs[name]
    assert opt._fused.compiled_variants >= 2  # it did compile (first step, then steady state)
    for k in want:
        np.testing.assert_allclose(got[k].numpy(), want[k].numpy(), rtol=1e-5, atol=1e-6)
    for i, s in want_opt["state"].items():
        for k, v in s.items():
            np.testing.assert_allclose(np.asarray(got_opt["state"][i][k]), np.asarray(v),
                                       rtol=1e-5, atol=1e-6)
    copy.deepcopy(opt)  # (the compiled step is not part of the optimizer's state)


@pytest.mark.parametrize("name", _compiler_backends())
def test_user_optimizers_and_closures_step_op_by_op(name):
    class Mine(ember.optim.SGD):  # a subclass may keep state ember.compile cannot see
        pass

    with ember.default_backend(name):
        w = ember.ones(3, requires_grad=True)
        opt = Mine([w], lr=0.5)
        (w * w).sum().backward()
        opt.step()
        assert "_fused" not in vars(opt) and w.tolist() == [0.0, 0.0, 0.0]
        opt = ember.optim.SGD([w], lr=0.5)

        def closure():
            opt.zero_grad()
            loss = ((w - 1) ** 2).sum()
            loss.backward()
            return loss

        assert opt.step(closure).item() == 3.0
        assert w.tolist() == [1.0, 1.0, 1.0]
