"""The programs of PyTorch's first tutorials, written once against PyTorch's API and run twice —
with ``import ember as torch`` and with PyTorch itself — from the same weights and data: the
losses must follow the same trajectory step for step (within float32 rounding).

The programs: the polynomial fit of sin(x) with nn and optim and as a custom Module, the
60-minute blitz's LeNet, and the MNIST example's network (Dropout, log_softmax, nll_loss,
Adadelta, StepLR) on synthetic 28×28 images.
"""

import math

import numpy as np
import pytest

import ember

STEPS = 25


def _same_start(model, weights, fw):
    """Load `weights` (name -> NumPy array) into `model` of framework `fw`."""
    model.load_state_dict({k: fw.tensor(v) for k, v in weights.items()})
    return model


def _weights(model):
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


# -- the programs, written once ------------------------------------------------------------------
def polynomial_nn(torch, weights=None, steps=STEPS):
    """"PyTorch: nn" and "PyTorch: optim": a Linear layer on (x, x², x³), MSE, RMSprop."""
    x = torch.linspace(-math.pi, math.pi, 200)
    y = torch.sin(x)
    xx = x.unsqueeze(-1).pow(torch.tensor([1, 2, 3]))
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    if weights is not None:
        _same_start(model, weights, torch)
    loss_fn = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(xx), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model, losses


class _Polynomial3:
    """"PyTorch: Custom nn Modules": four scalar Parameters (built per framework)."""

    @staticmethod
    def build(torch):
        class Polynomial3(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = torch.nn.Parameter(torch.randn(()))
                self.b = torch.nn.Parameter(torch.randn(()))
                self.c = torch.nn.Parameter(torch.randn(()))
                self.d = torch.nn.Parameter(torch.randn(()))

            def forward(self, x):
                return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

            def string(self):
                return (f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + "
                        f"{self.d.item()} x^3")

        return Polynomial3()


def polynomial_module(torch, weights=None, steps=STEPS):
    x = torch.linspace(-math.pi, math.pi, 200)
    y = torch.sin(x)
    model = _Polynomial3.build(torch)
    if weights is not None:
        _same_start(model, weights, torch)
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6, momentum=0.9)
    losses = []
    for _ in range(steps):
        loss = criterion(model(x), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert model.string().startswith("y = ")
    return model, losses


def _lenet(torch):
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        """The 60-minute blitz's network: 32×32 input, two convolutions, three linear layers."""

        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    return Net()


def blitz_lenet(torch, weights=None, steps=STEPS):
    net = _lenet(torch)
    if weights is not None:
        _same_start(net, weights, torch)
    rng = np.random.default_rng(0)
    data = torch.tensor(rng.standard_normal((4, 1, 32, 32)).astype(np.float32))
    target = torch.tensor(rng.standard_normal((4, 10)).astype(np.float32))
    criterion = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = criterion(net(data), target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return net, losses


def _mnist_net(torch):
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        """The MNIST example's network."""

        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = self.dropout2(x)
            return F.log_softmax(self.fc2(x), dim=1)

    return Net()


def mnist_example(torch, weights=None, steps=12, dropout=True):
    """The MNIST example's train loop: Adadelta(lr=1.0), StepLR(step_size=1, gamma=0.7) once per
    "epoch" (here every 4 batches), on synthetic digits (class k is a bright band at row 2k)."""
    model = _mnist_net(torch)
    if weights is not None:
        _same_start(model, weights, torch)
    if not dropout:  # the frameworks' random streams differ: compare without them
        model.dropout1.p = model.dropout2.p = 0.0
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 10, 16)
    images = rng.uniform(0, 0.2, (16, 1, 28, 28)).astype(np.float32)
    for i, k in enumerate(labels):
        images[i, 0, 2 + 2 * k:4 + 2 * k, 4:24] = 1.0
    data, target = torch.tensor(images), torch.tensor(labels)
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    model.train()
    losses = []
    for step in range(steps):
        batch = slice(4 * (step % 4), 4 * (step % 4) + 4)
        optimizer.zero_grad()
        output = model(data[batch])
        loss = torch.nn.functional.nll_loss(output, target[batch])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if step % 4 == 3:
            scheduler.step()
    return model, losses


PROGRAMS = {"polynomial with nn and optim": polynomial_nn,
            "polynomial as a custom Module": polynomial_module,
            "60-minute blitz LeNet": blitz_lenet,
            "MNIST example, dropout off":
                lambda t, w=None, steps=12: mnist_example(t, w, steps, dropout=False)}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_tutorial_follows_pytorch_step_for_step(name, backend, torch):
    program = PROGRAMS[name]
    ember.manual_seed(0)
    start = _weights(program(ember, steps=0)[0])  # ember's initialisation, given to both
    _, ours = program(ember, start)
    _, theirs = program(torch, start)
    assert len(ours) == len(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=2e-4, atol=1e-5)
    assert ours[-1] < ours[0]


def test_mnist_example_trains_with_dropout(backend):
    ember.manual_seed(0)
    _, losses = mnist_example(ember, steps=12)
    assert all(math.isfinite(v) for v in losses)
    assert np.mean(losses[-4:]) < np.mean(losses[:4])
