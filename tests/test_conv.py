"""Convolution and pooling layers against PyTorch: same weights give the same outputs and
gradients; parameter shapes, initialisation, state_dict keys and repr match."""

import math

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember import nn

RTOL, ATOL = 1e-4, 1e-5

# (ember layer, torch layer name, constructor args, kwargs, input shape)
LAYERS = [
    ("Conv2d", (1, 6, 5), {}, (4, 1, 12, 12)),
    ("Conv2d", (4, 6, (3, 2)), dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
     (2, 4, 9, 8)),
    ("Conv2d", (3, 4, 3), dict(padding="same", bias=False), (2, 3, 6, 7)),
    ("Conv2d", (3, 4, 4), dict(padding="same", padding_mode="reflect"), (2, 3, 6, 7)),
    ("Conv2d", (2, 4, 3), dict(padding=2, padding_mode="circular"), (1, 2, 5, 5)),
    ("Conv2d", (2, 2, 3), dict(padding=1, padding_mode="replicate", groups=2), (1, 2, 4, 5)),
    ("Conv1d", (3, 6, 3), dict(stride=2, padding=1, groups=3), (2, 3, 11)),
    ("Conv1d", (2, 3, 4), dict(padding="same", dilation=2), (2, 2, 9)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1, groups=2),
     (2, 4, 5, 4)),
    ("ConvTranspose2d", (2, 3, (2, 3)), dict(dilation=2, output_padding=1, bias=False),
     (1, 2, 3, 3)),
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, dilation=1, ceil_mode=True), (2, 3, 9, 8)),
    ("MaxPool1d", (3,), dict(stride=2, padding=1), (2, 3, 10)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False),
     (2, 3, 9, 8)),
    ("AvgPool2d", (2,), dict(divisor_override=3), (2, 3, 6, 6)),
    ("AvgPool1d", (4,), dict(stride=3, padding=2), (2, 3, 10)),
    ("AdaptiveAvgPool2d", ((3, 2),), {}, (2, 3, 7, 5)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 4, 4)),
]


def _pair(torch, name, args, kwargs):
    """The same layer in ember and in torch, the torch one holding the ember one's weights."""
    mine = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    with torch.no_grad():
        for pname, p in mine.named_parameters():
            getattr(theirs, pname).copy_(torch.tensor(p.detach().numpy()))
    return mine, theirs


def _close(a, b):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name,args,kwargs,shape", LAYERS,
                         ids=[f"{n}-{i}" for i, (n, *_) in enumerate(LAYERS)])
def test_layer_matches_pytorch_outputs_and_gradients(backend, torch, name, args, kwargs, shape):
    mine, theirs = _pair(torch, name, args, kwargs)
    data = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    x = ember.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    out, tout = mine(x), theirs(tx)
    _close(out, tout)
    weights = np.random.default_rng(1).standard_normal(tuple(tout.shape)).astype(np.float32)
    (out * ember.tensor(weights)).sum().backward()
    (tout * torch.tensor(weights)).sum().backward()
    _close(x.grad, tx.grad)
    for pname, p in mine.named_parameters():
        _close(p.grad, getattr(theirs, pname).grad)


@pytest.mark.parametrize("name,args,kwargs,shape", LAYERS,
                         ids=[f"{n}-{i}" for i, (n, *_) in enumerate(LAYERS)])
def test_layer_repr_and_state_dict_match_pytorch(torch, name, args, kwargs, shape):
    mine, theirs = _pair(torch, name, args, kwargs)
    assert repr(mine) == repr(theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert tuple(mine.state_dict()[key].shape) == tuple(value.shape)


@pytest.mark.parametrize("name,args", [("Conv2d", (6, 16, 5)), ("Conv1d", (4, 8, 3)),
                                       ("ConvTranspose2d", (6, 4, 3))])
def test_conv_initialisation_bounds_follow_pytorch(name, args):
    layer = getattr(nn, name)(*args)
    w = layer.weight.detach().numpy()
    fan_in = w.shape[1] * int(np.prod(w.shape[2:]))
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) gives the bias's bound too
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.5 * bound
    b = layer.bias.detach().numpy()
    assert np.abs(b).max() <= bound


def test_conv_layer_argument_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="strided convolutions"):
        nn.Conv2d(4, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Invalid padding string"):
        nn.Conv2d(4, 4, 3, padding="full")
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(4, 4, 3, padding_mode="mirror")


def test_conv_transpose_output_size_picks_output_padding(torch):
    mine, theirs = _pair(torch, "ConvTranspose2d", (2, 3, 3), dict(stride=2, padding=1))
    data = np.random.default_rng(2).standard_normal((1, 2, 4, 4)).astype(np.float32)
    out = mine(ember.tensor(data), output_size=(8, 8))
    _close(out, theirs(torch.tensor(data), output_size=(8, 8)))
    with pytest.raises(ValueError):
        mine(ember.tensor(data), output_size=(10, 10))


def test_max_pool_return_indices_match_pytorch(backend, torch):
    data = np.random.default_rng(3).standard_normal((2, 3, 9, 7))
    out, idx = F.max_pool2d(ember.tensor(data), 3, 2, 1, 1, True, True)
    tout, tidx = torch.nn.functional.max_pool2d(torch.tensor(data), 3, 2, 1, 1, True, True)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    assert idx.dtype is ember.int64
    _close(out, tout)


def test_grad_fn_names_match_pytorch(torch):
    x = ember.randn(1, 2, 6, 6, requires_grad=True)
    w = ember.randn(2, 2, 3, 3, requires_grad=True)
    names = {
        "ConvolutionBackward0": [F.conv2d(x, w), F.conv_transpose2d(x, w),
                                 F.conv1d(x[:, :, 0], w[:, :, 0])],
        "MaxPool2DWithIndicesBackward0": [F.max_pool2d(x, 2)],
        "AvgPool2DBackward0": [F.avg_pool2d(x, 2)],
        "AdaptiveAvgPool2DBackward0": [F.adaptive_avg_pool2d(x, 4)],
        "MeanBackward1": [F.adaptive_avg_pool2d(x, 1)],
        "SqueezeBackward1": [F.max_pool1d(x[0], 2), F.avg_pool1d(x[0], 2)],
        "Im2ColBackward0": [F.unfold(x, 2)],
        "Col2ImBackward0": [F.fold(F.unfold(x, 2), (6, 6), 2)],
        "ConstantPadNdBackward0": [F.pad(x, (1, 1))],
        "ReflectionPad2DBackward0": [F.pad(x, (1, 1, 2, 2), mode="reflect")],
        "ReplicationPad1DBackward0": [F.pad(x[0], (1, 2), mode="replicate")],
    }
    for name, outs in names.items():
        for out in outs:
            assert out.grad_fn.name() == name


def test_top_level_names_follow_pytorch(torch):
    for name in ("conv1d", "conv2d", "conv_transpose2d", "max_pool1d", "max_pool2d",
                 "avg_pool1d"):
        assert hasattr(ember, name) == hasattr(torch, name) == True  # noqa: E712
    for name in ("pad", "unfold", "fold", "avg_pool2d", "adaptive_avg_pool2d"):
        assert hasattr(F, name) and not hasattr(torch, name) and not hasattr(ember, name)


@pytest.mark.parametrize("op", ["conv2d", "max_pool2d", "avg_pool2d", "conv_transpose2d"])
def test_double_backward_matches_pytorch(backend, torch, op):
    rng = np.random.default_rng(4)
    data = rng.standard_normal((2, 2, 6, 6))
    wdata = rng.standard_normal((2, 2, 3, 3))
    calls = {"conv2d": lambda f, x, w: f.conv2d(x, w, stride=2, padding=1),
             "conv_transpose2d": lambda f, x, w: f.conv_transpose2d(x, w, stride=2, padding=1),
             "max_pool2d": lambda f, x, w: f.max_pool2d(x * w.sum(), 3, 2, 1),
             "avg_pool2d": lambda f, x, w: f.avg_pool2d(x * w.sum(), 3, 2, 1)}

    def second(lib, functional, tensor):
        x = tensor(data, requires_grad=True)
        w = tensor(wdata, requires_grad=True)
        out = calls[op](functional, x, w)
        gx, gw = lib.autograd.grad((out * out).sum(), (x, w), create_graph=True)
        return lib.autograd.grad((gx * gx).sum() + (gw * gw).sum(), (x, w))

    mine = second(ember, F, ember.tensor)
    theirs = second(torch, torch.nn.functional, torch.tensor)
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-9)


def _lenet():
    """LeNet-5 for 28x28 inputs, as benchmarked against PyTorch."""
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(),
                         nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def test_lenet_training_step_matches_pytorch(backend, torch):
    mine = _lenet()
    theirs = torch.nn.Sequential(*[getattr(torch.nn, type(m).__name__)(
        *_init_args(m)) for m in mine])
    with torch.no_grad():
        for (_, p), (_, q) in zip(mine.named_parameters(), theirs.named_parameters()):
            q.copy_(torch.tensor(p.detach().numpy()))
    rng = np.random.default_rng(5)
    data = rng.standard_normal((8, 1, 28, 28)).astype(np.float32)
    target = rng.standard_normal((8, 10)).astype(np.float32)
    loss = ((mine(ember.tensor(data)) - ember.tensor(target)) ** 2).mean()
    tloss = ((theirs(torch.tensor(data)) - torch.tensor(target)) ** 2).mean()
    loss.backward()
    tloss.backward()
    _close(loss, tloss)
    for (_, p), (_, q) in zip(mine.named_parameters(), theirs.named_parameters()):
        _close(p.grad, q.grad)


def _init_args(m):
    """Constructor arguments of a LeNet layer, for building its torch twin."""
    name = type(m).__name__
    if name == "Conv2d":
        return (m.in_channels, m.out_channels, m.kernel_size)
    if name == "MaxPool2d":
        return (m.kernel_size,)
    if name == "Linear":
        return (m.in_features, m.out_features)
    return ()


@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1},
                                {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2),
                                 "groups": 2}])
def test_nn_grad_gives_the_gradients_of_conv2d(backend, torch, kw):
    groups = kw.get("groups", 1)
    x = torch.randn(2, 4, 9, 8, dtype=torch.float64)
    w = torch.randn(6, 4 // groups, 3, 2, dtype=torch.float64)
    g = torch.randn_like(torch.nn.functional.conv2d(x, w, **kw))
    ex, ew, eg = (ember.tensor(t.numpy()) for t in (x, w, g))
    got = ember.nn.grad.conv2d_input(tuple(x.shape), ew, eg, **kw)
    np.testing.assert_allclose(got.numpy(), torch.nn.grad.conv2d_input(x.shape, w, g, **kw),
                               rtol=1e-10, atol=1e-10)
    got = ember.nn.grad.conv2d_weight(ex, tuple(w.shape), eg, **kw)
    np.testing.assert_allclose(got.numpy(), torch.nn.grad.conv2d_weight(x, w.shape, g, **kw),
                               rtol=1e-10, atol=1e-10)
    with pytest.raises(ValueError, match="valid sizes range from"):
        ember.nn.grad.conv2d_input((2, 4, 30, 30), ew, eg, **kw)
