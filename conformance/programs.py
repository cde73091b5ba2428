"""Whole programs and timings: what per-op checks cannot see.

- ``train(backend, model)``: a short training run (an MLP, or a small CNN) with an optimizer, a
  learning-rate scheduler and a DataLoader on fixed synthetic data, from the same initial
  weights on every backend; its loss curve must follow the NumPy backend's.
- ``op_times`` / ``step_time``: a few representative ops and one training step, timed on a
  backend and on the NumPy backend, for the report's performance column (ratios to NumPy).

Inputs and weights are drawn with NumPy from fixed seeds and copied in, so every backend starts
from the same numbers whatever its own random generator is.
"""

import functools
import time

import numpy as np

import ember

MODELS = ("mlp", "cnn")
STEPS = 8  # two epochs of four batches
# the largest gap allowed between a backend's loss and the NumPy backend's at the same step,
# relative to the loss (float32 arithmetic in another order drifts by a few ULPs per step)
LOSS_RTOL = 2e-3


def _data(model):
    rng = np.random.default_rng(1234)
    if model == "mlp":
        x = rng.standard_normal((64, 16)).astype(np.float32)
    else:
        x = rng.standard_normal((64, 1, 8, 8)).astype(np.float32)
    w = rng.standard_normal((int(np.prod(x.shape[1:])), 4))
    y = np.argmax(x.reshape(len(x), -1) @ w, axis=1)  # a learnable labelling
    return x, y.astype(np.int64)


def _model(model):
    from ember import nn

    if model == "mlp":
        return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(4 * 4 * 4, 4))


def _set_weights(net, seed=0):
    """The same initial weights on every backend, from a NumPy generator."""
    rng = np.random.default_rng(seed)
    with ember.no_grad():
        for p in net.parameters():
            bound = 1.0 / np.sqrt(max(1, p[0].numel() if p.dim() > 1 else p.numel()))
            p.copy_(ember.tensor(rng.uniform(-bound, bound, tuple(p.shape)), dtype=p.dtype))


def train(backend, model, steps=STEPS):
    """The loss after each step of a short training run on `backend` (a list of floats)."""
    import ember.nn.functional as F
    from ember.utils.data import DataLoader, TensorDataset

    x, y = _data(model)
    with ember.default_backend(backend):
        net = _model(model)
        _set_weights(net)
        if model == "mlp":
            opt = ember.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        else:
            opt = ember.optim.Adam(net.parameters(), lr=1e-2)
        sched = ember.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        loader = DataLoader(TensorDataset(ember.tensor(x), ember.tensor(y)), batch_size=16)
        losses = []
        while len(losses) < steps:
            for xb, yb in loader:
                opt.zero_grad()
                loss = F.cross_entropy(net(xb), yb)
                loss.backward()
                opt.step()
                sched.step()
                losses.append(float(loss.item()))
                if len(losses) == steps:
                    break
    return losses


@functools.lru_cache(maxsize=None)
def reference_losses(model):
    """The NumPy backend's loss curve (computed once per process)."""
    return tuple(train("numpy", model))


def compare_losses(got, want, rtol=LOSS_RTOL):
    """None if the curves agree step by step, else the first step that does not."""
    if len(got) != len(want):
        return f"{len(got)} steps, expected {len(want)}"
    for i, (a, b) in enumerate(zip(got, want)):
        if not np.isfinite(a) or abs(a - b) > rtol * max(1.0, abs(b)):
            return (f"step {i}: loss {a:.7g}, the NumPy backend's {b:.7g} (allowed "
                    f"{rtol:g} relative)\ncurve:     {[round(v, 6) for v in got]}\n"
                    f"reference: {[round(v, 6) for v in want]}")
    return None


# -- timings ----------------------------------------------------------------------------------------
def _workloads():
    """name -> (inputs maker, op): a few representative ops of each kind, at sizes where the
    kernel, not the dispatch, dominates."""
    import ember.nn.functional as F

    rng = np.random.default_rng(7)

    def arr(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    a, b = arr(100_000), arr(100_000)
    m1, m2 = arr(256, 256), arr(256, 256)
    img, w = arr(8, 3, 32, 32), arr(16, 3, 3, 3)
    logits = arr(256, 1000)
    return {
        "add 100k": ((a, b), lambda x, y: x + y),
        "matmul 256x256": ((m1, m2), lambda x, y: x @ y),
        "sum 100k": ((a,), lambda x: x.sum()),
        "conv2d 8x3x32x32": ((img, w), lambda x, k: F.conv2d(x, k, padding=1)),
        "softmax 256x1000": ((logits,), lambda x: F.softmax(x, dim=1)),
    }


def _timed(fn, repeats=5, number=3):
    """The best time of `number` calls, over `repeats` rounds (seconds per call). `fn` returns a
    tensor, read back to the host after each call: a backend that runs asynchronously has
    finished, and one that cannot share memory with NumPy pays its copy, as a user does."""
    fn().detach().numpy()  # warm up (a compiling backend compiles here)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            np.asarray(fn().detach().numpy())
        best = min(best, (time.perf_counter() - start) / number)
    return best


def op_times(backend):
    """{workload: seconds per call} on `backend`."""
    out = {}
    with ember.default_backend(backend):
        for name, (inputs, op) in _workloads().items():
            xs = [ember.tensor(v) for v in inputs]
            out[name] = _timed(lambda xs=xs, op=op: op(*xs))
    return out


def step_time(backend, model="cnn"):
    """Seconds per training step (forward, backward, optimizer) of `model` on `backend`."""
    import ember.nn.functional as F

    x, y = _data(model)
    with ember.default_backend(backend):
        net = _model(model)
        _set_weights(net)
        opt = ember.optim.SGD(net.parameters(), lr=0.01)
        xb, yb = ember.tensor(x), ember.tensor(y)

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(net(xb), yb)
            loss.backward()
            opt.step()
            return loss

        return _timed(step)


def timings(backend):
    """{workload: seconds} for the ops and the training steps of both models."""
    out = op_times(backend)
    for model in MODELS:
        out[f"training step ({model})"] = step_time(backend, model)
    return out


@functools.lru_cache(maxsize=None)
def reference_timings():
    return timings("numpy")


def performance(backend):
    """{workload: {"seconds", "numpy_seconds", "ratio"}}: `backend` against the NumPy
    backend, measured in this process one after the other."""
    ref = reference_timings()
    mine = ref if backend == "numpy" else timings(backend)
    return {k: {"seconds": mine[k], "numpy_seconds": ref[k], "ratio": mine[k] / ref[k]}
            for k in ref}


def too_slow(perf, limit):
    """{workload: ratio} of the workloads more than `limit` times slower than on NumPy."""
    return {k: round(v["ratio"], 2) for k, v in perf.items() if v["ratio"] > limit}
