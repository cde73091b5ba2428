"""Learning-rate schedulers follow PyTorch's schedules step for step."""

import math
import warnings

import pytest

import ember
from ember.optim import lr_scheduler


def _optimizer(lib, kind="sgd"):
    a = lib.zeros(2, requires_grad=True)
    b = lib.zeros(3, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.5}]
    if kind == "adam":
        return lib.optim.Adam(groups, lr=0.1)
    return lib.optim.SGD(groups, lr=0.1, momentum=0.9)


SCHEDULERS = {
    "step": lambda m, o: m.StepLR(o, step_size=3, gamma=0.5),
    "multistep": lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
    "exponential": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "cosine": lambda m, o: m.CosineAnnealingLR(o, T_max=5, eta_min=0.01),
    "lambda": lambda m, o: m.LambdaLR(o, lambda e: 1 / (1 + e)),
    "lambda-per-group": lambda m, o: m.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: e + 1]),
    "onecycle": lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=20),
    "onecycle-linear-3phase": lambda m, o: m.OneCycleLR(o, max_lr=1.0, epochs=4,
                                                        steps_per_epoch=5, pct_start=0.25,
                                                        anneal_strategy="linear",
                                                        three_phase=True),
}


def _lrs_and_momenta(opt):
    return [(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups]


def _run(lib, make, steps, kind="sgd"):
    opt = _optimizer(lib, kind)
    sched = make(lib.optim.lr_scheduler, opt)
    seen = [(sched.get_last_lr(), _lrs_and_momenta(opt))]
    for _ in range(steps):
        opt.step()
        sched.step()
        seen.append((sched.get_last_lr(), _lrs_and_momenta(opt)))
    return seen


def _approx_equal(ours, theirs):
    for (last1, groups1), (last2, groups2) in zip(ours, theirs, strict=True):
        assert last1 == pytest.approx(last2, rel=1e-12)
        for (lr1, m1, b1), (lr2, m2, b2) in zip(groups1, groups2, strict=True):
            assert lr1 == pytest.approx(lr2, rel=1e-12)
            assert m1 == m2 if m2 is None else m1 == pytest.approx(m2, rel=1e-12)
            assert (b1 is None) == (b2 is None)
            assert b1 is None or list(b1) == pytest.approx(list(b2), rel=1e-12)


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_matches_pytorch_step_for_step(name, torch):
    steps = 20 if name.startswith("onecycle") else 14
    _approx_equal(_run(ember, SCHEDULERS[name], steps), _run(torch, SCHEDULERS[name], steps))


def test_onecycle_cycles_adams_beta1(torch):
    make = SCHEDULERS["onecycle"]
    _approx_equal(_run(ember, make, 20, "adam"), _run(torch, make, 20, "adam"))


def test_chained_schedulers_compose_as_pytorch(torch):
    def make(m, o):
        first = m.StepLR(o, step_size=2, gamma=0.5)
        second = m.ExponentialLR(o, gamma=0.9)

        class Both:
            def step(self):
                first.step()
                second.step()

            def get_last_lr(self):
                return second.get_last_lr()

        return Both()

    _approx_equal(_run(ember, make, 8), _run(torch, make, 8))


@pytest.mark.parametrize("name", ["step", "multistep", "exponential", "cosine"])
def test_step_with_epoch_uses_the_closed_form(name, torch):
    results = []
    for lib in (ember, torch):
        opt = _optimizer(lib)
        sched = SCHEDULERS[name](lib.optim.lr_scheduler, opt)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sched.step(7)
        assert any("epoch parameter" in str(w.message) for w in caught)
        results.append(sched.get_last_lr())
    assert results[0] == pytest.approx(results[1], rel=1e-12)


def test_reduce_lr_on_plateau_matches_pytorch(torch):
    metrics = [1.0, 0.9, 0.9, 0.95, 0.91, 0.9, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.7, 0.9, 0.9]
    for kwargs in ({"patience": 2}, {"mode": "max", "patience": 1, "cooldown": 2, "factor": 0.5},
                   {"threshold_mode": "abs", "threshold": 0.05, "patience": 1,
                    "min_lr": [0.02, 0.3]}):
        seen = []
        for lib in (ember, torch):
            opt = _optimizer(lib)
            sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
            lrs = []
            for m in metrics:
                opt.step()
                sched.step(m)
                lrs.append(sched.get_last_lr())
            seen.append(lrs)
        assert sum(seen[0], []) == pytest.approx(sum(seen[1], []), rel=1e-12), kwargs


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_state_dict_resumes_the_schedule(name):
    opt = _optimizer(ember)
    sched = SCHEDULERS[name](lr_scheduler, opt)
    for _ in range(6):
        opt.step()
        sched.step()
    sd = sched.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 6
    opt2 = _optimizer(ember)
    opt2.load_state_dict(opt.state_dict())
    sched2 = SCHEDULERS[name](lr_scheduler, opt2)
    sched2.load_state_dict(sd)
    for _ in range(5):
        for o, s in ((opt, sched), (opt2, sched2)):
            o.step()
            s.step()
        assert sched2.get_last_lr() == sched.get_last_lr()


def test_reduce_lr_on_plateau_state_dict_round_trips():
    opt = _optimizer(ember)
    sched = lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=0)
    sched.step(1.0)
    sched.step(0.5)
    other = lr_scheduler.ReduceLROnPlateau(_optimizer(ember))
    other.load_state_dict(sched.state_dict())
    assert (other.mode, other.best, other.mode_worse) == ("max", 1.0, -math.inf)


def test_lambda_state_dict_keeps_callable_objects_state():
    class Scale:
        def __init__(self):
            self.factor = 2.0

        def __call__(self, epoch):
            return self.factor

    opt = _optimizer(ember)
    fn = Scale()
    sched = lr_scheduler.LambdaLR(opt, [fn, lambda e: 1.0])
    fn.factor = 3.0
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"factor": 3.0}, None]
    other_fn = Scale()
    lr_scheduler.LambdaLR(_optimizer(ember), [other_fn, lambda e: 1.0]).load_state_dict(sd)
    assert other_fn.factor == 3.0


def test_scheduler_errors():
    opt = _optimizer(ember)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], step_size=1)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(opt, step_size=1, last_epoch=3)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        lr_scheduler.LambdaLR(opt, [lambda e: 1])
    with pytest.raises(ValueError, match="total_steps OR"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        lr_scheduler.OneCycleLR(opt, max_lr=[1.0], total_steps=3)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode avg is unknown"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="avg")
    sched = lr_scheduler.OneCycleLR(_optimizer(ember), max_lr=1.0, total_steps=2)
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        sched.step()
    with pytest.raises(ValueError, match="must support momentum"):
        lr_scheduler.OneCycleLR(ember.optim.Adagrad([ember.zeros(1, requires_grad=True)]),
                                max_lr=1.0, total_steps=3)
