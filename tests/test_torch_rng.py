"""PyTorch's random numbers: after the same seed, ember's random functions give PyTorch CPU's
values on every CPU backend (torch is the oracle; these tests skip where it is not installed)."""

import math

import numpy as np
import pytest

import ember
from ember import _mt19937, backends

SEEDS = [0, 1, 12345, 2 ** 32 + 7, -3, 67280421310721]


@pytest.fixture
def cpu_backend(backend):
    """Each installed CPU backend in turn (a GPU backend keeps its own generator, as PyTorch's
    CUDA one differs from its CPU one)."""
    if not backends.installed()[backend].default_device.startswith("cpu"):
        pytest.skip(f"backend {backend} draws from its own generator, not PyTorch's CPU one")
    return backend


def _same(mine, theirs, maxulp=0):
    if mine.dtype == ember.bfloat16:  # exactly representable in float32; NumPy lacks bfloat16
        mine, theirs = mine.float(), theirs.float()
    a, b = mine.numpy(), theirs.numpy()
    assert a.dtype == b.dtype and a.shape == b.shape
    if maxulp and a.dtype.kind == "f":
        np.testing.assert_array_max_ulp(a, b, maxulp=maxulp)
    else:
        np.testing.assert_array_equal(a, b)


# (name, draw on a module m: ember or torch, max ulps apart); the numbers and the generator's
# advance must both agree, so each case is followed by one more draw
CASES = [
    ("rand", lambda m: m.rand(3, 5), 0),
    ("rand_f64", lambda m: m.rand(7, dtype=m.float64), 0),
    ("rand_f16", lambda m: m.rand(40, dtype=m.float16), 0),
    ("rand_bf16", lambda m: m.rand(40, dtype=m.bfloat16), 0),
    ("rand_c64", lambda m: m.rand(5, dtype=m.complex64), 0),
    ("randn_scalar_path", lambda m: m.randn(7), 0),
    ("randn_blocks", lambda m: m.randn(64, 16), 0),
    ("randn_tail", lambda m: m.randn(1001), 0),
    ("randn_f64_scalar_path", lambda m: m.randn(5, dtype=m.float64), 0),
    # float64: NumPy's log/sin/cos may differ from the C library's in the last bit
    ("randn_f64_blocks", lambda m: m.randn(100, dtype=m.float64), 2),
    ("randn_c64", lambda m: m.randn(20, dtype=m.complex64), 0),
    ("randint", lambda m: m.randint(-5, 17, (6, 7)), 0),
    ("randint_wide", lambda m: m.randint(0, 2 ** 40, (9,)), 0),
    ("randint_int32", lambda m: m.randint(3, 9, (20,), dtype=m.int32), 0),
    ("randperm", lambda m: m.randperm(100), 0),
    ("uniform_", lambda m: m.empty(50).uniform_(-2.5, 0.75), 0),
    ("uniform_f64", lambda m: m.empty(20, dtype=m.float64).uniform_(1, 4), 0),
    ("normal_", lambda m: m.empty(40).normal_(1.5, 0.25), 0),
    ("normal_short", lambda m: m.empty(3).normal_(-1.0, 2.0), 0),
    ("normal_floats", lambda m: m.normal(2.0, 3.0, (33,)), 0),
    ("normal_tensor_mean", lambda m: m.normal(m.arange(20.0), 0.5), 0),
    ("normal_tensor_std", lambda m: m.normal(1.0, m.arange(1.0, 21.0)), 0),
    ("normal_tensors", lambda m: m.normal(m.zeros(4), m.ones(4) * 3), 0),
    ("bernoulli_tensor", lambda m: m.bernoulli(m.linspace(0, 1, 30)), 0),
    ("bernoulli_p", lambda m: m.bernoulli(m.zeros(30), 0.3), 0),
    ("bernoulli_", lambda m: m.zeros(25).bernoulli_(0.6), 0),
    ("bernoulli_int", lambda m: m.zeros(25, dtype=m.int64).bernoulli_(0.6), 0),
    ("dropout", lambda m: m.nn.functional.dropout(m.arange(1.0, 41.0), 0.3), 0),
    ("Dropout_2d", lambda m: m.nn.Dropout(0.5)(m.ones(4, 6)), 0),
    ("multinomial", lambda m: m.multinomial(m.tensor([[0.1, 2.0, 0.0, 0.7],
                                                      [1.0, 1.0, 1.0, 1.0]]), 3), 0),
    ("multinomial_one", lambda m: m.multinomial(m.tensor([0.2, 0.3, 0.5]), 1), 0),
    ("multinomial_replacement", lambda m: m.multinomial(m.tensor([0.2, 0.3, 0.5]), 12, True), 0),
]


@pytest.mark.parametrize("seed", [0, 12345])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_same_numbers_as_torch(cpu_backend, torch, case, seed):
    name, draw, maxulp = case
    if name.endswith("bf16") and ember.bfloat16 not in backends.installed()[cpu_backend] \
            .supported_dtypes:
        pytest.skip(f"backend {cpu_backend} has no bfloat16")
    torch.manual_seed(seed)
    ember.manual_seed(seed)
    _same(draw(ember), draw(torch), maxulp)
    _same(ember.rand(3), torch.rand(3))  # the generator advanced as PyTorch's


@pytest.mark.parametrize("seed", SEEDS)
def test_seeds_truncate_as_torch(torch, seed):
    """A seed wider than 32 bits, or negative, seeds PyTorch's twister with its low 32 bits."""
    torch.manual_seed(seed)
    ember.manual_seed(seed)
    _same(ember.randn(20), torch.randn(20))
    assert ember.initial_seed() == torch.initial_seed()


def test_cached_normal_carries_over_calls(torch):
    """The scalar path keeps the second value of a Box-Muller pair for the next call."""
    torch.manual_seed(4)
    ember.manual_seed(4)
    for n in (3, 1, 1, 5, 2, 17, 1):
        _same(ember.randn(n), torch.randn(n))


def test_generator_objects(cpu_backend, torch):
    g, tg = ember.Generator().manual_seed(11), torch.Generator().manual_seed(11)
    ember.manual_seed(0)
    torch.manual_seed(0)
    for draw in (lambda m, g: m.randn(40, generator=g), lambda m, g: m.randperm(9, generator=g),
                 lambda m, g: m.randint(0, 5, (4,), generator=g),
                 lambda m, g: m.empty(5).uniform_(generator=g)):
        _same(draw(ember, g), draw(torch, tg))
    _same(ember.rand(4), torch.rand(4))  # the default generator was not touched
    assert ember.Generator().initial_seed() == torch.Generator().initial_seed()


def test_rng_state_round_trip_and_interchange(cpu_backend, torch):
    ember.manual_seed(5)
    torch.manual_seed(5)
    ember.randn(3)
    torch.randn(3)  # leaves a cached normal in the state
    state = ember.get_rng_state()
    assert state.dtype == ember.uint8 and tuple(state.shape) == (5056,)
    np.testing.assert_array_equal(state.numpy(), torch.get_rng_state().numpy())
    first = ember.randn(5)
    ember.set_rng_state(state)
    _same(ember.randn(5), first)
    # PyTorch's state loads into ember, and the other way round
    torch_state = torch.get_rng_state()
    ember.set_rng_state(ember.tensor(torch_state.numpy()))
    _same(ember.randn(30), torch.randn(30))
    torch.set_rng_state(torch.from_numpy(ember.get_rng_state().numpy()))
    _same(ember.rand(6), torch.rand(6))
    g = ember.Generator().manual_seed(3)
    saved = g.get_state()
    a = ember.rand(4, generator=g)
    _same(ember.rand(4, generator=g.set_state(saved)), a)


def test_rng_state_errors():
    with pytest.raises(RuntimeError, match="5056"):
        ember.set_rng_state(ember.zeros(10, dtype=ember.uint8))
    with pytest.raises(TypeError, match="ByteTensor"):
        ember.set_rng_state(ember.zeros(5056))


def test_init_functions(cpu_backend, torch):
    def run(m):
        init, out = m.nn.init, []
        for fn in (lambda w: init.uniform_(w, -0.5, 2.0), lambda w: init.normal_(w, 0.1, 0.2),
                   init.xavier_uniform_, init.xavier_normal_,
                   lambda w: init.kaiming_uniform_(w, a=math.sqrt(5)),
                   lambda w: init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")):
            out.append(fn(m.empty(8, 3, 3, 3)))
        return out

    torch.manual_seed(21)
    ember.manual_seed(21)
    for mine, theirs in zip(run(ember), run(torch)):
        _same(mine, theirs)


@pytest.mark.parametrize("bounds", [(0.5, 2.0, -1.0, 3.0), (0.0, 1.0, 0.5, 1.5),
                                    (0.0, 0.02, -0.04, 0.04)], ids=["wide", "narrow", "timm"])
def test_trunc_normal(cpu_backend, torch, bounds):
    """Both of PyTorch's rejection samplers (normal draws redrawn outside [a, b], and uniform
    proposals accepted by the density), redraws included."""
    torch.manual_seed(8)
    ember.manual_seed(8)
    _same(ember.nn.init.trunc_normal_(ember.empty(40, 30), *bounds),
          torch.nn.init.trunc_normal_(torch.empty(40, 30), *bounds))
    _same(ember.rand(2), torch.rand(2))


def test_orthogonal_close(cpu_backend, torch):
    """orthogonal_ draws PyTorch's normals, then takes a float64 QR: close, not bit for bit."""
    torch.manual_seed(8)
    ember.manual_seed(8)
    mine = ember.nn.init.orthogonal_(ember.empty(6, 10), 1.5)
    theirs = torch.nn.init.orthogonal_(torch.empty(6, 10), 1.5)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-5)
    _same(ember.rand(2), torch.rand(2))


def test_layer_default_init(cpu_backend, torch):
    def build(m):
        return [m.nn.Linear(5, 3), m.nn.Conv2d(2, 4, 3), m.nn.Embedding(6, 4), m.nn.GRU(3, 4)]

    torch.manual_seed(2)
    ember.manual_seed(2)
    for mine, theirs in zip(build(ember), build(torch)):
        ours = dict(mine.named_parameters())
        for name, p in theirs.named_parameters():
            _same(ours[name].detach(), p.detach())


def test_samplers_and_split(cpu_backend, torch):
    def run(m):
        data = m.utils.data
        ds = data.TensorDataset(m.arange(23))
        out = [list(data.RandomSampler(ds)), list(data.RandomSampler(ds, num_samples=40)),
               list(data.RandomSampler(ds, replacement=True, num_samples=45)),
               [s.indices for s in data.random_split(ds, [10, 13])],
               [s.indices for s in data.random_split(ds, [0.5, 0.5],
                                                     generator=m.Generator().manual_seed(1))]]
        g = m.Generator().manual_seed(9)
        for loader in (data.DataLoader(ds, batch_size=5, shuffle=True),
                       data.DataLoader(ds, batch_size=4, shuffle=True, generator=g)):
            out += [[b[0].tolist() for b in loader] for _ in range(2)]  # two epochs
        out.append(m.rand(3).tolist())
        return out

    torch.manual_seed(13)
    ember.manual_seed(13)
    assert run(ember) == run(torch)


def test_cpu_numbers_are_backend_independent(torch):
    """All CPU backends share the one CPU generator, as PyTorch has one CPU generator."""
    ember.manual_seed(6)
    torch.manual_seed(6)
    names = [n for n, b in backends.installed().items()
             if b.status == backends.AVAILABLE and b.default_device.startswith("cpu")]
    for name in names:
        with ember.default_backend(name):
            _same(ember.randn(20), torch.randn(20))


def test_generation_is_vectorised():
    """A million normals come from a handful of NumPy calls, not a loop per element."""
    g = _mt19937.CPUGenerator(0)
    out = g.normal(1_000_003, np.float32)
    assert out.shape == (1_000_003,) and out.dtype == np.float32
    assert abs(float(out.mean())) < 0.01 and abs(float(out.std()) - 1) < 0.01
