"""ember.compile: compiled steps give eager's losses and state, step for step, on every backend
(compiled where the backend offers a compiler, eager elsewhere); guards, recompiles, graph breaks
and errors on a backend with a compiler."""

import contextlib
import traceback
import warnings

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember import backends, nn

GraphBreakWarning = ember.compile.GraphBreakWarning
RecompileLimitWarning = ember.compile.RecompileLimitWarning
Unsupported = ember.compile.Unsupported


def _compilers():
    params = [pytest.param(name, id=name) for name, b in sorted(backends.installed().items())
              if b.status == backends.AVAILABLE and b.compiler is not None]
    return params or [pytest.param(None, marks=pytest.mark.skip(
        reason="no installed backend offers a compiler (the JAX backend does)"))]


@pytest.fixture(params=_compilers())
def compiler_backend(request):
    """Each available backend that offers a compiler, as the default backend."""
    with ember.default_backend(request.param):
        yield request.param


def _nll(out, y, n):
    """Cross-entropy written without a host-side target check (F.cross_entropy's check of the
    targets' range syncs with the host, which stops a trace)."""
    one_hot = (y.unsqueeze(1) == ember.arange(n)).float()
    return -(F.log_softmax(out, 1) * one_hot).sum(1).mean()


class _Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3, padding=1, bias=False)  # BatchNorm follows
        self.bn = nn.BatchNorm2d(3)
        self.fc = nn.Linear(3 * 2 * 2, 4)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn(self.conv(x))), 2)
        return self.fc(ember.flatten(x, 1))


class _Lstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 5, batch_first=True)
        self.fc = nn.Linear(5, 4)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])


# (model, optimizer, scheduler or None, input shape) makers
def _mlp_sgd(model=None):
    model = model or nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 4))
    return model, ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), None, (5, 6)


def _cnn_adam(model=None):
    model = model or _Cnn()
    opt = ember.optim.Adam(model.parameters(), lr=0.01)
    return model, opt, ember.optim.lr_scheduler.StepLR(opt, 1, gamma=0.7), (5, 1, 4, 4)


def _dropout_sgd(model=None):
    model = model or nn.Sequential(nn.Dropout(0.5), nn.Linear(6, 4))
    return model, ember.optim.SGD(model.parameters(), lr=0.1), None, (5, 6)


def _lstm_sgd(model=None):
    model = model or _Lstm()
    return model, ember.optim.SGD(model.parameters(), lr=0.1), None, (5, 3, 3)


MODELS = {"mlp-sgd-momentum": _mlp_sgd, "cnn-batchnorm-adam-scheduler": _cnn_adam,
          "dropout": _dropout_sgd, "lstm-sgd": _lstm_sgd}


def _train(make, compiled, steps=4, made_on=None):
    """Losses, final state and the step of `steps` training steps on the default backend; the
    weights and data are drawn on backend `made_on` (if given) and moved, so that runs on two
    backends start alike."""
    target = ember.get_default_backend()
    ember.manual_seed(0)
    with ember.default_backend(made_on) if made_on else contextlib.nullcontext():
        model, _, _, shape = make()
        xs = [ember.randn(*shape) for _ in range(steps)]
        ys = [ember.randint(0, 4, (shape[0],)) for _ in range(steps)]
    if made_on:
        model = model.to(backend=target)
        xs, ys = [x.to(backend=target) for x in xs], [y.to(backend=target) for y in ys]
    model, opt, scheduler, _ = make(model)

    def step(x, y):
        opt.zero_grad()
        loss = _nll(model(x), y, 4)
        loss.backward()
        opt.step()
        return loss

    if compiled:
        step = ember.compile(step)
    losses = []
    for x, y in zip(xs, ys):
        losses.append(step(x, y).item())
        if scheduler is not None:
            scheduler.step()
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    return losses, state, step



def test_compiled_draws_advance_and_repeat_with_the_seed(backend):
    """Draws inside a compiled function advance the generator from call to call, and the same
    seed gives the same sequence again."""
    step = ember.compile(lambda x: ember.nn.functional.dropout(x, 0.5))
    x = ember.ones(64)

    def run():
        ember.manual_seed(7)
        return [step(x).numpy() for _ in range(3)]

    first, second = run(), run()
    assert not np.array_equal(first[0], first[1]) and not np.array_equal(first[1], first[2])
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)

@pytest.mark.parametrize("name", MODELS)
def test_compiled_training_matches_eager_step_for_step(name, backend):
    # eager on NumPy from the same weights (cheap: eager JAX compiles every op on first use),
    # except for dropout: eager masks are PyTorch's CPU numbers, a compiled step draws from the
    # backend's own generator (as torch.compile's differ from eager), so the reference is a
    # second compiled run from the same seed
    if name == "dropout":
        eager_losses, eager_state, _ = _train(MODELS[name], compiled=True)
    else:
        with ember.default_backend("numpy"):
            eager_losses, eager_state, _ = _train(MODELS[name], compiled=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no graph break, no recompile-limit warning
        losses, state, step = _train(MODELS[name], compiled=True,
                                     made_on=None if name == "dropout" else "numpy")
    np.testing.assert_allclose(losses, eager_losses, rtol=2e-5, atol=1e-6)
    assert state.keys() == eager_state.keys()
    for k in state:
        np.testing.assert_allclose(state[k], eager_state[k], rtol=2e-5, atol=1e-6, err_msg=k)
    has_compiler = ember.backends.get_backend(backend).compiler is not None
    # the first step (no .grad, no optimizer state yet) and the steady state
    assert step.compiled_variants == (2 if has_compiler else 0)


def test_gradient_accumulation_over_two_calls(backend):
    def run(compiled):
        ember.manual_seed(1)
        model = nn.Linear(3, 2)
        opt = ember.optim.SGD(model.parameters(), lr=0.1)

        def accumulate(x):
            loss = model(x).pow(2).mean()
            loss.backward()
            return loss

        if compiled:
            accumulate = ember.compile(accumulate)
        for _ in range(3):
            opt.zero_grad()
            accumulate(ember.randn(4, 3))
            accumulate(ember.randn(4, 3))
            opt.step()
        return model.weight.detach().numpy(), model.weight.grad.numpy()

    for got, want in zip(run(True), run(False)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_eval_inference_forward(backend):
    ember.manual_seed(2)
    with ember.default_backend("numpy"):  # the eager reference, cheaply
        model = _Cnn()
        model.eval()
        x = ember.randn(2, 1, 4, 4)
        with ember.no_grad():
            want = model(x)
    model, x = model.to(backend=backend), x.to(backend=backend)
    fast = ember.compile(model)
    with ember.no_grad():
        outs = [fast(x) for _ in range(3)]
    for out in outs:
        assert not out.requires_grad
        np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
    assert isinstance(fast._orig_mod, nn.Module) and fast.training is False


def test_state_is_written_back_into_the_same_tensors(compiler_backend):
    ember.manual_seed(3)
    model, opt, _, shape = _mlp_sgd()
    opt = ember.optim.Adam(model.parameters(), lr=0.01)
    ids = [id(p) for p in model.parameters()]
    x, y = ember.randn(*shape), ember.randint(0, 4, (shape[0],))

    @ember.compile
    def step(x, y):
        opt.zero_grad()
        loss = _nll(model(x), y, 4)
        loss.backward()
        opt.step()
        return loss

    step(x, y)
    saved = model.state_dict()
    moments = [opt.state[p]["exp_avg"] for p in model.parameters()]
    counts = [id(opt.state[p]["step"]) for p in model.parameters()]
    before = [p.detach().numpy().copy() for p in model.parameters()]
    step(x, y)
    step(x, y)
    assert step.compiled_variants == 2
    assert [id(p) for p in model.parameters()] == ids
    assert [opt.state[p]["exp_avg"] for p in model.parameters()] == moments  # same objects
    # step counts are 0-d float32 tensors, as PyTorch keeps them, counted on the device
    assert [id(opt.state[p]["step"]) for p in model.parameters()] == counts
    assert all(s["step"].dtype == ember.float32 and s["step"].item() == 3
               for s in opt.state.values())
    for p, old in zip(model.parameters(), before):
        assert not np.array_equal(p.detach().numpy(), old)  # the step moved it
        assert p.grad is not None and p.grad.shape == p.shape
    for k, v in model.state_dict().items():  # a state_dict taken before sees the update
        np.testing.assert_array_equal(saved[k].numpy(), v.numpy())


def test_a_new_batch_size_compiles_a_new_program(compiler_backend):
    model = nn.Linear(3, 2)
    f = ember.compile(lambda x: model(x).sum())
    with ember.no_grad():
        for n in (4, 4, 4, 5, 5, 4):
            x = ember.randn(n, 3)
            np.testing.assert_allclose(f(x).item(), model(x).sum().item(), rtol=1e-5)
    assert f.compiled_variants == 2


def test_recompile_limit_warns_once_then_runs_eagerly(compiler_backend):
    f = ember.compile(lambda x: (x * 2).sum(), options={"recompile_limit": 2})
    with pytest.warns(RecompileLimitWarning, match=r"recompile limit \(2\)") as record:
        for n in (1, 1, 2, 3, 4, 5, 2, 1):  # 1 and 2 stay compiled, the others run eagerly
            x = ember.arange(n, dtype=ember.float32)
            assert f(x).item() == 2 * sum(range(n))
    assert len([w for w in record if w.category is RecompileLimitWarning]) == 1
    assert f.compiled_variants == 2


def _step_with_item(model, x):
    loss = model(x).sum()
    if loss.item() > 1e9:  # a host sync: the trace stops here
        loss = loss * 0
    return loss


def test_graph_break_warns_once_naming_the_line_and_runs_eagerly(compiler_backend):
    model = nn.Linear(3, 1)
    saved = model.state_dict()  # aliases of the parameters, which the failed trace must not touch
    f = ember.compile(_step_with_item)
    x = ember.randn(4, 3)
    line = _step_with_item.__code__.co_firstlineno + 2
    with pytest.warns(GraphBreakWarning) as record:
        with ember.no_grad():
            outs = [f(model, x).item() for _ in range(3)]
    messages = [str(w.message) for w in record if w.category is GraphBreakWarning]
    assert len(messages) == 1
    assert f"test_compile.py:{line}" in messages[0] and "Tensor.item" in messages[0]
    with ember.no_grad():
        assert outs == [model(x).sum().item()] * 3
    np.testing.assert_array_equal(saved["weight"].numpy(), model.weight.detach().numpy())


def test_fullgraph_raises_naming_the_line(compiler_backend):
    model = nn.Linear(3, 1)
    f = ember.compile(_step_with_item, fullgraph=True)
    x = ember.randn(4, 3)
    line = _step_with_item.__code__.co_firstlineno + 2
    with ember.no_grad():
        with pytest.raises(Unsupported, match=rf"test_compile.py:{line} .*Tensor.item"):
            f(model, x)


def test_compiling_something_not_callable_is_a_type_error():
    with pytest.raises(TypeError, match="callable.*int"):
        ember.compile(3)
    with pytest.raises(TypeError, match="callable"):
        ember.compile(fullgraph=True)("step")


def _failing_step(model, opt, x):
    opt.zero_grad()
    model(x).sum().backward()
    opt.step()
    raise ValueError("the user's own error")


def test_an_error_in_the_trace_is_the_users_and_changes_nothing(backend):
    ember.manual_seed(4)
    model = nn.Linear(3, 2)
    opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = ember.randn(4, 3)
    f = ember.compile(_failing_step)
    opt.zero_grad()
    model(x).sum().backward()
    opt.step()  # grads and optimizer state exist
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    buffers = [opt.state[p]["momentum_buffer"].numpy().copy() for p in model.parameters()]
    for _ in range(2):  # a failed trace is not cached: the second call fails the same way
        with pytest.raises(ValueError, match="the user's own error") as info:
            f(model, opt, x)
    names = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert "_failing_step" in names
    has_compiler = ember.backends.get_backend(backend).compiler is not None
    if has_compiler:  # the traced call failed before anything was written
        for k, v in model.state_dict().items():
            np.testing.assert_array_equal(v.numpy(), before[k])
        for p, g, b in zip(model.parameters(), grads, buffers):
            np.testing.assert_array_equal(p.grad.numpy(), g)
            np.testing.assert_array_equal(opt.state[p]["momentum_buffer"].numpy(), b)


def test_without_a_compiler_it_runs_eagerly_and_silently():
    with ember.default_backend("numpy"):
        model = nn.Linear(3, 2)
        f = ember.compile(model)
        x = ember.randn(4, 3)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = f(x)
        assert out.requires_grad and out.grad_fn is not None  # plain eager autograd
        np.testing.assert_array_equal(out.detach().numpy(), model(x).detach().numpy())
        assert f._compiled.compiled_variants == 0


def test_torch_compile_is_ember_compile_and_works_as_a_decorator():
    @ember.compile(fullgraph=True)
    def double(x):
        return x * 2

    assert double.__name__ == "double"
    np.testing.assert_array_equal(double(ember.ones(2)).numpy(), [2.0, 2.0])


def test_a_forward_whose_output_needs_autograd_runs_eagerly(compiler_backend):
    ember.manual_seed(5)
    model = nn.Linear(3, 2)
    fast = ember.compile(model)
    x = ember.randn(4, 3)
    with pytest.warns(GraphBreakWarning, match="autograd history"):
        out = fast(x)
    out.sum().backward()  # the eager result carries its graph
    np.testing.assert_allclose(model.bias.grad.numpy(), [4.0, 4.0])
    np.testing.assert_array_equal(out.detach().numpy(), model(x).detach().numpy())


class _CallingCompiler:
    """A third party's compiler, as small as one can be: it "compiles" a function by calling it
    (ember's capture, write-back and guards still run around it)."""

    graph_breaks = ()

    def compile(self, fn, donate):
        return fn

    @staticmethod
    def random_state(state):
        return state  # the example backend's generator is a mutable object: passed as it is

    @staticmethod
    def set_random_state(state, raw):
        pass


def test_a_third_party_backend_plugs_in_its_own_compiler():
    """The example `frozen` backend's hooks plus ``ember_backend_compiler``: ember.compile uses
    that compiler, and the compiled step follows eager step for step (core knows no JAX)."""
    plugin = pytest.importorskip("ember_frozen.plugin", reason="the example frozen backend is "
                                 "not installed (pip install -e examples/frozen_backend)")
    import types

    module = types.ModuleType("frozen_with_compiler")
    for name in dir(plugin):
        if name.startswith("ember_backend_"):
            setattr(module, name, getattr(plugin, name))
    module.ember_backend_compiler = ember.hookimpl(lambda: _CallingCompiler())
    entry = types.SimpleNamespace(name="frozen_compiling", value="frozen_with_compiler",
                                  load=lambda: module)
    be = backends.Backend("frozen_compiling", entry).require()
    assert isinstance(be.compiler, _CallingCompiler)
    with ember.default_backend(be):
        eager_losses, eager_state, _ = _train(_cnn_adam, compiled=False)
        losses, state, step = _train(_cnn_adam, compiled=True)
    assert step.compiled_variants == 2
    np.testing.assert_allclose(losses, eager_losses, rtol=1e-6)
    for k in state:
        np.testing.assert_allclose(state[k], eager_state[k], rtol=1e-6, atol=1e-7, err_msg=k)


# -- repeated calls: a fast path skips the walk, and still notices what changed between calls -----
_SCALE = 1.0  # a global a step reads (a guard)


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.bn = nn.BatchNorm1d(4)
        self.head = nn.Linear(4, 1)

    def forward(self, x):
        return self.head(F.relu(self.bn(self.fc(x))))


def _reassign_layer(model, opt, cfg):
    model.head = nn.Linear(4, 1)


def _freeze_weight(model, opt, cfg):
    model.fc.weight.requires_grad_(False)


def _change_closure_scalar(model, opt, cfg):
    cfg["scale"] = 3.0


def _change_global_scalar(model, opt, cfg):
    global _SCALE
    _SCALE = 0.5


def _load_state_dict(model, opt, cfg):
    model.load_state_dict({k: v * 0.5 for k, v in model.state_dict().items()})


def _load_optimizer_state(model, opt, cfg):
    state = opt.state_dict()
    for s in state["state"].values():
        s["momentum_buffer"] = s["momentum_buffer"] * 2
    opt.load_state_dict(state)


def _eval_mode(model, opt, cfg):
    model.eval()


def _new_learning_rate(model, opt, cfg):
    opt.param_groups[0]["lr"] = 0.01


def _new_batch_size(model, opt, cfg):
    cfg["batch"] = 6


def _drop_a_grad(model, opt, cfg):
    model.fc.bias.grad = None
    cfg["zero_grad"] = False  # accumulate into the grads left


CHANGES = [_reassign_layer, _freeze_weight, _change_closure_scalar, _change_global_scalar,
           _load_state_dict, _load_optimizer_state, _eval_mode, _new_learning_rate,
           _new_batch_size, _drop_a_grad]


def _scenario(change, compiled):
    """Losses and final state of 8 SGD steps, `change` made between the 5th and the 6th."""
    global _SCALE
    _SCALE = 1.0
    ember.manual_seed(0)
    model = _Net()
    opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    cfg = {"scale": 1.0, "batch": 4, "zero_grad": True}
    data = [ember.randn(6, 3) for _ in range(8)]

    def step(x):
        if cfg["zero_grad"]:
            opt.zero_grad()
        loss = (model(x) * cfg["scale"] * _SCALE).pow(2).mean()
        loss.backward()
        opt.step()
        return loss

    step = ember.compile(step, disable=not compiled)
    losses = []
    for i, x in enumerate(data):
        if i == 5:
            change(model, opt, cfg)
        losses.append(step(x[:cfg["batch"]]).item())
    return losses, {k: v.numpy() for k, v in model.state_dict().items()}, step


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__.lstrip("_") for c in CHANGES])
def test_a_change_between_calls_is_noticed(change, compiler_backend, monkeypatch):
    from ember import _compile

    walks = []
    walk = _compile._walk

    def counted(roots, *a, **k):  # (the walks of the step's, not of its optimizer's fused update)
        if getattr(roots[0], "__name__", None) != "_update_all":
            walks.append(1)
        return walk(roots, *a, **k)

    monkeypatch.setattr(_compile, "_walk", counted)
    want_losses, want_state, _ = _scenario(change, compiled=False)
    assert not walks
    losses, state, step = _scenario(change, compiled=True)
    # the first two calls trace (no grads, then the steady state), the third records what
    # the walk read, the next two take the fast path; the change makes the 6th walk again (and
    # the 7th, after a new trace), then the fast path resumes
    assert 4 <= len(walks) <= 6
    np.testing.assert_allclose(losses, want_losses, rtol=2e-5, atol=1e-6)
    for k in want_state:
        np.testing.assert_allclose(state[k], want_state[k], rtol=2e-5, atol=1e-6, err_msg=k)
    assert np.isfinite(losses).all() and len(set(losses[5:])) > 1


def test_repeated_calls_skip_the_walk_and_read_nothing_back(compiler_backend, monkeypatch):
    """After the first calls a training step runs without walking the state again, and a
    learning rate the step does not change is never read back to the host."""
    from ember import _compile

    ember.manual_seed(1)
    model = nn.Linear(3, 2)
    opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = ember.randn(4, 3)

    @ember.compile
    def step(x):
        opt.zero_grad()
        loss = model(x).pow(2).mean()
        loss.backward()
        opt.step()
        return loss

    for _ in range(3):
        step(x)
    walks, reads = [], []
    walk = _compile._walk
    monkeypatch.setattr(_compile, "_walk", lambda *a, **k: walks.append(1) or walk(*a, **k))
    kernels = ember.backends.get_backend(compiler_backend).kernels
    to_numpy = kernels["to_numpy"]
    monkeypatch.setitem(kernels, "to_numpy", lambda *a: reads.append(1) or to_numpy(*a))
    weights = [model.weight.detach().numpy().copy()]
    for _ in range(3):
        step(x)
        weights.append(model.weight.detach().numpy().copy())
    assert walks == [] and len(reads) == 4  # (the four copies above)
    assert not np.array_equal(weights[-1], weights[-2])
    assert opt.param_groups[0]["lr"] == 0.1 and type(opt.param_groups[0]["lr"]) is float


def test_a_compiled_forward_keeps_the_parameters_arrays(compiler_backend):
    """Parameters a compiled function only reads are neither donated nor copied: they keep
    their arrays (and stay readable)."""
    model = nn.Linear(3, 2)
    fast = ember.compile(model)
    x = ember.randn(4, 3)
    arrays = [p._data for p in model.parameters()]
    with ember.no_grad():
        outs = [fast(x).numpy() for _ in range(4)]
        want = model(x).numpy()
    assert all(p._data is a for p, a in zip(model.parameters(), arrays))
    for out in outs:
        np.testing.assert_allclose(out, want, rtol=1e-6)


def test_index_range_checks_step_aside_while_tracing(compiler_backend):
    # gather/scatter/max_unpool check their indices on the host in eager mode; a traced step
    # cannot read them, so the check steps aside and the step still compiles whole
    x = ember.randn(1, 1, 4, 4)

    @ember.compile(fullgraph=True)
    def f(x):
        y, i = F.max_pool2d(x, 2, return_indices=True)
        return F.max_unpool2d(y, i, 2), ember.gather(x.flatten(), 0, i.flatten())

    unpooled, gathered = f(x)
    y, i = F.max_pool2d(x, 2, return_indices=True)
    assert ember.equal(unpooled, F.max_unpool2d(y, i, 2))
    assert ember.equal(gathered, y.flatten())


def test_a_step_without_arguments_notices_changes_between_calls(compiler_backend):
    """A step that reads its tensor through a closure and returns only a gradient (the fast
    path that only wraps the result): rebinding the closure, changing requires_grad, or
    calling it with an argument it does not take are all noticed."""
    x = ember.ones(8, requires_grad=True)

    def grad_of_tanh():
        x.grad = None
        x.tanh().sum().backward()
        g = x.grad
        x.grad = None
        return g

    def want():
        return (1 - x.detach().tanh() ** 2).numpy()

    step = ember.compile(grad_of_tanh)
    for _ in range(4):
        np.testing.assert_allclose(step().numpy(), want(), rtol=1e-6)
    x = ember.full((8,), 2.0, requires_grad=True)  # (the closure cell now holds another tensor)
    for _ in range(3):
        np.testing.assert_allclose(step().numpy(), want(), rtol=1e-6)
    with pytest.raises(TypeError):
        step(x)
    x.requires_grad_(False)
    with pytest.raises(RuntimeError):
        step()


_OFFSET = 0.0  # a global a compiled forward reads


def _scale_in_place(model):
    with ember.no_grad():
        model.weight.mul_(2.0)


def _replace_data(model):
    model.bias.data = ember.ones(2)


def _swap_global(model):
    global _OFFSET
    _OFFSET = 1.5


def _drop_bias(model):
    model.bias = None


FORWARD_CHANGES = [_scale_in_place, _replace_data, _swap_global, _drop_bias]


@pytest.mark.parametrize("change", FORWARD_CHANGES,
                         ids=[c.__name__.lstrip("_") for c in FORWARD_CHANGES])
def test_a_compiled_forward_notices_changes_between_calls(change, compiler_backend):
    """A forward that writes nothing back runs lock-free through checks written for its state
    (see _compile_program._pure_call); a change to that state between calls is noticed."""
    global _OFFSET
    _OFFSET = 0.0
    ember.manual_seed(3)
    model = nn.Linear(3, 2)
    x = ember.randn(4, 3)

    @ember.compile
    def forward(x):
        return model(x) + _OFFSET

    with ember.no_grad():
        for _ in range(3):
            forward(x)
        assert forward._pure is not None
        change(model)
        got, want = forward(x).numpy(), (model(x) + _OFFSET).numpy()
    _OFFSET = 0.0
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_a_compiled_forward_runs_from_threads(compiler_backend):
    import concurrent.futures

    ember.manual_seed(4)
    model = nn.Linear(5, 3)
    fast = ember.compile(model)
    xs = [ember.randn(2, 5) for _ in range(16)]

    def forward(x):
        with ember.no_grad():  # (grad mode is per thread)
            return fast(x).numpy()

    with ember.no_grad():
        want = [model(x).numpy() for x in xs]
        fast(xs[0])
        fast(xs[0])
        assert fast._compiled._pure is not None
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        got = list(pool.map(forward, xs * 4))
    for g, w in zip(got, want * 4):
        np.testing.assert_allclose(g, w, rtol=1e-6)


def test_a_compiled_forward_notices_grad_mode(compiler_backend):
    model = nn.Linear(3, 1)
    fast = ember.compile(model)
    x = ember.randn(2, 3)
    with ember.no_grad():
        for _ in range(3):
            assert fast(x).grad_fn is None
    out = fast(x)
    assert out.requires_grad
    out.sum().backward()
    assert model.weight.grad is not None


def test_a_compiled_step_updates_the_state_in_its_own_buffers(compiler_backend):
    """With donation each state array's new value is written over its own buffer (the compiler
    pairs donated buffers with results in order, and ember puts the state's new arrays first, in
    the state's order): a parameter's update that landed in its momentum buffer's memory would
    have had to copy the buffers still to be read."""
    ember.manual_seed(5)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = ember.randn(5, 6), ember.randint(0, 3, (5,))

    @ember.compile
    def step():
        opt.zero_grad()
        loss = _nll(model(x), y, 3)
        loss.backward()
        opt.step()
        return loss

    for _ in range(3):
        step()
    state = [p for p in model.parameters()] + [opt.state[p]["momentum_buffer"]
                                               for p in model.parameters()]
    pointer = getattr(state[0]._data, "unsafe_buffer_pointer", None)
    if pointer is None:
        pytest.skip(f"{compiler_backend}'s arrays do not tell their buffer's address")
    before = [t._data.unsafe_buffer_pointer() for t in state]
    weights = model[0].weight.detach().numpy().copy()
    step()
    assert [t._data.unsafe_buffer_pointer() for t in state] == before
    assert not np.array_equal(model[0].weight.detach().numpy(), weights)


def test_on_a_backend_without_a_compiler_repeat_calls_skip_the_walk(monkeypatch):
    """On a backend without a compiler a compiled step runs eagerly; repeat calls that would
    find the same state skip walking it, and a model moved to a backend with a compiler (when
    one is installed) is walked again and compiled."""
    from ember import _compile

    walks = []
    walk = _compile._walk
    monkeypatch.setattr(_compile, "_walk", lambda *a, **k: walks.append(1) or walk(*a, **k))
    with ember.default_backend("numpy"):
        ember.manual_seed(6)
        model = nn.Linear(4, 2)
        opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        x, y = ember.randn(3, 4), ember.randn(3, 2)

        def step(model, x, y):
            opt.zero_grad()
            loss = (model(x) - y).pow(2).mean()
            loss.backward()
            opt.step()
            return loss

        compiled = ember.compile(step)
        eager_model = nn.Linear(4, 2)
        eager_model.load_state_dict(model.state_dict())
        eager_opt, opt_ = ember.optim.SGD(eager_model.parameters(), lr=0.1, momentum=0.9), opt
        losses = [compiled(model, x, y).item() for _ in range(6)]
        opt = eager_opt
        want = [step(eager_model, x, y).item() for _ in range(6)]
        opt = opt_
        assert losses == want
        assert len(walks) <= 3  # (the first calls: grads and momentum buffers appear)
        before = len(walks)
        compiled(model, ember.randn(5, 4), ember.randn(5, 2))  # (a new argument shape)
        assert len(walks) == before + 1
        compiled(nn.Linear(4, 2), x, y)  # (another model)
        assert len(walks) == before + 2
    compilers = [name for name, b in backends.installed().items()
                 if b.status == backends.AVAILABLE and b.compiler is not None]
    if compilers:
        model.to(backend=compilers[0])
        x, y = x.to(backend=compilers[0]), y.to(backend=compilers[0])
        opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for _ in range(3):
            compiled(model, x, y)
        assert compiled.compiled_variants >= 1


def test_a_graph_broken_step_runs_eagerly_without_walking_again(compiler_backend, monkeypatch):
    """After a graph break the step runs eagerly; repeat calls under the same guards skip the
    state walk, and a change of guards (eval mode here) walks again."""
    from ember import _compile

    walks = []
    walk = _compile._walk

    def counted(roots, *a, **k):  # (the step's walks, not its optimizer's fused update's)
        if getattr(roots[0], "__name__", None) != "_update_all":
            walks.append(1)
        return walk(roots, *a, **k)

    monkeypatch.setattr(_compile, "_walk", counted)

    def make():
        ember.manual_seed(7)
        model = nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.0))
        return model, ember.optim.SGD(model.parameters(), lr=0.1)

    def make_step(model, opt):
        def step(x):
            opt.zero_grad()
            loss = model(x).pow(2).mean()
            if loss.item() < 0:  # (a host sync: the graph breaks)
                raise AssertionError
            loss.backward()
            opt.step()
            return loss
        return step

    x = ember.randn(5, 4)
    twin, twin_opt = make()
    twin_step = make_step(twin, twin_opt)
    want = [twin_step(x).item() for _ in range(6)]
    assert len(walks) == 0
    model, opt = make()
    compiled = ember.compile(make_step(model, opt))
    with pytest.warns(GraphBreakWarning):
        losses = [compiled(x).item() for _ in range(6)]
    assert losses == want and len(set(losses)) == 6  # (eager steps, each one taken)
    assert len(walks) <= 4  # (the first calls: grads appear, the guards settle)
    before = len(walks)
    model.eval()
    compiled(x)
    assert len(walks) == before + 1
