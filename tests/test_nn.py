"""nn.Module basics: registration, state_dict, repr, modes, containers, Linear."""

import pytest

import ember
from ember import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(3, 2, bias=False)
        self.register_buffer("steps", ember.zeros(1))

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def test_registration_order_and_state_dict_keys(backend):
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight"]
    assert list(net.state_dict()) == ["steps", "fc1.weight", "fc1.bias", "fc2.weight"]
    assert [type(m).__name__ for m in net.children()] == ["Linear", "ReLU", "Linear"]


def test_module_repr_matches_pytorch_layout(backend):
    assert repr(Net()) == (
        "Net(\n"
        "  (fc1): Linear(in_features=4, out_features=3, bias=True)\n"
        "  (act): ReLU()\n"
        "  (fc2): Linear(in_features=3, out_features=2, bias=False)\n"
        ")")


def test_load_state_dict_round_trip_and_errors(backend):
    a, b = Net(), Net()
    b.load_state_dict(a.state_dict())
    x = ember.randn(5, 4)
    assert b(x).tolist() == a(x).tolist()
    bad = a.state_dict()
    del bad["fc1.bias"]
    bad["extra"] = ember.zeros(1)
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "fc1.bias"'):
        b.load_state_dict(bad)
    result = b.load_state_dict(bad, strict=False)
    assert result.missing_keys == ["fc1.bias"] and result.unexpected_keys == ["extra"]
    wrong = a.state_dict()
    wrong["fc1.weight"] = ember.zeros(2, 2)
    with pytest.raises(RuntimeError, match="size mismatch for fc1.weight"):
        b.load_state_dict(wrong)


def test_linear_init_bounds_and_shapes(backend):
    layer = nn.Linear(100, 7)
    bound = 1 / 100 ** 0.5
    assert layer.weight.shape == (7, 100) and layer.bias.shape == (7,)
    assert float(layer.weight.abs().max()) <= bound
    assert float(layer.bias.abs().max()) <= bound
    assert layer(ember.randn(2, 3, 100)).shape == (2, 3, 7)


def test_train_eval_and_zero_grad(backend):
    net = Net()
    assert net.training and net.eval() is net and not net.fc1.training
    net(ember.randn(2, 4)).sum().backward()
    assert net.fc1.weight.grad is not None
    net.zero_grad()
    assert net.fc1.weight.grad is None


def test_sequential_indexing_and_slicing(backend):
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert isinstance(seq[1], nn.ReLU) and isinstance(seq[-1], nn.Linear)
    assert len(seq[:2]) == 2
    assert seq(ember.randn(4, 2)).shape == (4, 1)


def test_forward_hooks(backend):
    net = Net()
    seen = []
    handle = net.fc1.register_forward_hook(lambda m, inp, out: seen.append(out.shape))
    net(ember.randn(2, 4))
    handle.remove()
    net(ember.randn(2, 4))
    assert seen == [(2, 3)]


def test_same_weights_same_outputs_as_pytorch(torch, backend):
    net = Net()
    ref = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(),
                              torch.nn.Linear(3, 2, bias=False))
    ref.load_state_dict({k.replace("fc1", "0").replace("fc2", "2"): torch.tensor(v.numpy())
                         for k, v in net.state_dict().items() if k != "steps"})
    x = ember.randn(6, 4)
    want = ref(torch.tensor(x.numpy())).detach().numpy()
    assert net(x).detach().numpy() == pytest.approx(want, rel=1e-5, abs=1e-6)
