"""The benchmark workloads, each written once per kind of library.

A workload is a function ``make(lib)`` returning a zero-argument callable that does one unit of
work (one op, one training step), or None where the workload has no version for that library.
`lib` is one of:

- a framework module with PyTorch's API: ``torch``, or ``ember`` (inside
  ``ember.default_backend(name)``, so the same code runs on every ember backend);
- ``"numpy"``: the same computation written by hand in NumPy (no framework at all);
- ``"jax.jit"``: the same computation as one ``jax.jit``-compiled function;
- ``Compiled(ember)``: ember, with the timed function passed through ``ember.compile`` (one
  program per step on a backend with a compiler).

Results are synchronised before the callable returns (JAX and CuPy compute asynchronously).
"""

import numpy as np

MLP_SIZES = (784, 512, 512, 10)
MLP_BATCH = 128
LENET_BATCH = 64
LR, MOMENTUM = 0.01, 0.9


def _sync(x):
    """Wait for `x` (an ember tensor, a torch tensor or a raw array) to be computed."""
    data = getattr(x, "_data", x)
    ready = getattr(data, "block_until_ready", None)
    if ready is not None:
        ready()
        return x
    device = getattr(data, "device", None)
    synchronize = getattr(device, "synchronize", None)  # a CuPy array's device
    if synchronize is not None and not isinstance(device, str):
        synchronize()
    return x


def _is_framework(lib):
    return not isinstance(lib, str)


class Compiled:
    """ember, whose workloads pass the function they time through ``ember.compile``."""

    def __init__(self, lib):
        self._lib = lib

    def __getattr__(self, name):
        return getattr(self._lib, name)


def _compiled(lib, fn):
    """`fn`, compiled where `lib` is ``Compiled(ember)``."""
    return lib.compile(fn) if isinstance(lib, Compiled) else fn


# -- tiny ops ------------------------------------------------------------------------------------
def tiny_add(lib, requires_grad=False):
    """``a + b`` on one float32 element."""
    if lib == "numpy":
        a = b = np.ones(1, dtype=np.float32)
        return lambda: a + b
    if lib == "jax.jit":
        if requires_grad:
            return None
        import jax
        import jax.numpy as jnp

        add = jax.jit(lambda x, y: x + y)
        a = b = jnp.ones(1, dtype=jnp.float32)
        return lambda: add(a, b).block_until_ready()
    a = lib.ones(1, requires_grad=requires_grad)
    b = lib.ones(1, requires_grad=requires_grad)
    add = _compiled(lib, lambda: a + b)
    return lambda: _sync(add())


def chain_backward(lib):
    """30 elementwise ops on 8 elements (10 × mul, add, tanh), then the gradient of the sum."""
    if lib == "numpy":
        x = np.ones(8, dtype=np.float32)

        def step():
            ys = [x]
            for _ in range(10):
                ys.append(np.tanh(ys[-1] * np.float32(1.01) + np.float32(0.5)))
            g = np.ones_like(x)
            for y in reversed(ys[1:]):
                g = g * (1 - y * y) * np.float32(1.01)
            return g

        return step
    if lib == "jax.jit":
        import jax
        import jax.numpy as jnp

        def f(x):
            for _ in range(10):
                x = jnp.tanh(x * 1.01 + 0.5)
            return x.sum()

        grad = jax.jit(jax.grad(f))
        x = jnp.ones(8, dtype=jnp.float32)
        return lambda: grad(x).block_until_ready()
    x = lib.ones(8, requires_grad=True)

    def chain():
        y = x
        for _ in range(10):
            y = (y * 1.01 + 0.5).tanh()
        y.sum().backward()
        g = x.grad
        x.grad = None
        return g

    chain = _compiled(lib, chain)
    return lambda: _sync(chain())


def matmul(lib, n=1024):
    """A float32 n×n matrix product (2 n³ floating-point operations)."""
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    if lib == "numpy":
        return lambda: a @ a
    if lib == "jax.jit":
        import jax
        import jax.numpy as jnp

        mm = jax.jit(lambda x: jnp.matmul(x, x, precision=jax.lax.Precision.HIGHEST))
        ja = jnp.asarray(a)
        return lambda: mm(ja).block_until_ready()
    t = lib.tensor(a)
    mm = _compiled(lib, lambda: t @ t)
    return lambda: _sync(mm())


# -- training steps ------------------------------------------------------------------------------
def _data(batch, shape, classes=10):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, *shape)).astype(np.float32)
    y = rng.integers(0, classes, batch).astype(np.int64)
    return x, y


def mlp_model(nn, sizes=MLP_SIZES):
    a, b, c, d = sizes
    return nn.Sequential(nn.Linear(a, b), nn.ReLU(), nn.Linear(b, c), nn.ReLU(), nn.Linear(c, d))


def lenet_model(nn, variant=None):
    """LeNet-5; `variant` "bn" adds BatchNorm after each convolution, "dropout" Dropout(0.5)
    before the last two linear layers."""
    bn = (lambda c: [nn.BatchNorm2d(c)]) if variant == "bn" else (lambda c: [])
    drop = [nn.Dropout(0.5)] if variant == "dropout" else []
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), *bn(6), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), *bn(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 4 * 4, 120), nn.ReLU(), *drop, nn.Linear(120, 84),
        nn.ReLU(), *drop, nn.Linear(84, 10))


def _framework_step(lib, model, x, y, weight_decay=0.0):
    """One step of SGD with momentum on the cross-entropy of `model`, in PyTorch's API."""
    lib.manual_seed(0)
    model = model(lib.nn)
    opt = lib.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=weight_decay)
    x, y = lib.tensor(x), lib.tensor(y)
    loss_fn = lib.nn.functional.cross_entropy

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    step = _compiled(lib, step)
    return lambda: _sync(step())


def _numpy_mlp_step(x, y, sizes=MLP_SIZES):
    """The MLP step by hand: forward, softmax cross-entropy, backward, momentum SGD."""
    rng = np.random.default_rng(0)
    params = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        params += [rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                   rng.uniform(-bound, bound, fan_out).astype(np.float32)]
    bufs = [np.zeros_like(p) for p in params]
    rows = np.arange(len(y))

    def step():
        acts = [x]
        for i in range(0, len(params), 2):
            h = acts[-1] @ params[i].T + params[i + 1]
            acts.append(np.maximum(h, 0) if i + 2 < len(params) else h)
        logits = acts[-1]
        shifted = logits - logits.max(1, keepdims=True)
        p = np.exp(shifted)
        p /= p.sum(1, keepdims=True)
        loss = -np.log(p[rows, y]).mean()
        g = p
        g[rows, y] -= 1
        g /= len(y)
        grads = [None] * len(params)
        for i in range(len(params) - 2, -1, -2):
            grads[i], grads[i + 1] = g.T @ acts[i // 2], g.sum(0)
            if i:
                g = (g @ params[i]) * (acts[i // 2] > 0)
        for p_, b_, g_ in zip(params, bufs, grads):
            b_ *= MOMENTUM
            b_ += g_
            p_ -= LR * b_
        return loss

    return step


def _jax_step(model, x, y, variant=None, sizes=MLP_SIZES):
    """The same training step as one jitted JAX function (parameters, momentum buffers and, for
    LeNet's variants, BatchNorm's running statistics or dropout's key, as pytrees)."""
    import jax
    import jax.numpy as jnp

    def dense(key, fan_in, fan_out):
        bound = 1 / np.sqrt(fan_in)
        kw, kb = jax.random.split(key)
        return (jax.random.uniform(kw, (fan_out, fan_in), jnp.float32, -bound, bound),
                jax.random.uniform(kb, (fan_out,), jnp.float32, -bound, bound))

    def conv(key, cin, cout, k):
        bound = 1 / np.sqrt(cin * k * k)
        kw, kb = jax.random.split(key)
        return (jax.random.uniform(kw, (cout, cin, k, k), jnp.float32, -bound, bound),
                jax.random.uniform(kb, (cout,), jnp.float32, -bound, bound))

    keys = jax.random.split(jax.random.PRNGKey(0), 5)
    extra = {}
    if model == "mlp":
        params = [dense(k, a, b) for k, a, b in zip(keys, sizes, sizes[1:])]

        def forward(params, extra, x):
            for w, b in params[:-1]:
                x = jax.nn.relu(x @ w.T + b)
            w, b = params[-1]
            return x @ w.T + b, extra
    else:
        params = [conv(keys[0], 1, 6, 5), conv(keys[1], 6, 16, 5), dense(keys[2], 256, 120),
                  dense(keys[3], 120, 84), dense(keys[4], 84, 10)]
        if variant == "bn":  # affine weights are trained; running statistics are carried
            params += [(jnp.ones(c, jnp.float32), jnp.zeros(c, jnp.float32)) for c in (6, 16)]
            extra = {"stats": [(jnp.zeros(c, jnp.float32), jnp.ones(c, jnp.float32))
                               for c in (6, 16)]}
        elif variant == "dropout":
            extra = {"key": jax.random.PRNGKey(1)}

        def batch_norm(x, affine, stats):
            mean, var = x.mean((0, 2, 3)), x.var((0, 2, 3))
            n = x.size / x.shape[1]
            stats = (0.9 * stats[0] + 0.1 * mean, 0.9 * stats[1] + 0.1 * var * n / (n - 1))
            x = (x - mean[:, None, None]) / jnp.sqrt(var[:, None, None] + 1e-5)
            return x * affine[0][:, None, None] + affine[1][:, None, None], stats

        def dropout(x, key):
            keep = jax.random.bernoulli(key, 0.5, x.shape)
            return jnp.where(keep, x * 2, 0)

        def pool(x):
            return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2),
                                         "VALID")

        def forward(params, extra, x):
            extra = dict(extra)
            stats = []
            for i, (w, b) in enumerate(params[:2]):
                x = jax.lax.conv_general_dilated(x, w, (1, 1), "VALID") + b[:, None, None]
                if variant == "bn":
                    x, s = batch_norm(x, params[5 + i], extra["stats"][i])
                    stats.append(s)
                x = pool(jax.nn.relu(x))
            if stats:
                extra["stats"] = stats
            x = x.reshape(x.shape[0], -1)
            if variant == "dropout":
                key, k1, k2 = jax.random.split(extra["key"], 3)
                extra["key"] = key
            for i, (w, b) in enumerate(params[2:4]):
                x = jax.nn.relu(x @ w.T + b)
                if variant == "dropout":
                    x = dropout(x, (k1, k2)[i])
            w, b = params[4]
            return x @ w.T + b, extra

    def loss_fn(params, extra, x, y):
        logits, extra = forward(params, extra, x)
        logp = jax.nn.log_softmax(logits)
        return -jnp.take_along_axis(logp, y[:, None], 1).mean(), extra

    @jax.jit
    def train(params, bufs, extra, x, y):
        (loss, extra), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, extra, x, y)
        bufs = jax.tree_util.tree_map(lambda b, g: MOMENTUM * b + g, bufs, grads)
        params = jax.tree_util.tree_map(lambda p, b: p - LR * b, params, bufs)
        return params, bufs, extra, loss

    state = {"params": params, "bufs": jax.tree_util.tree_map(jnp.zeros_like, params),
             "extra": extra}
    jx, jy = jnp.asarray(x), jnp.asarray(y)

    def step():
        state["params"], state["bufs"], state["extra"], loss = train(
            state["params"], state["bufs"], state["extra"], jx, jy)
        return loss.block_until_ready()

    return step


def mlp_step(lib, batch=MLP_BATCH, width=MLP_SIZES[1]):
    """One training step of an MLP 784-512-512-10 on a batch of 128 (cross-entropy, SGD with
    momentum); `batch` and the hidden `width` vary it for the cost curves."""
    sizes = (MLP_SIZES[0], width, width, MLP_SIZES[3])
    x, y = _data(batch, (sizes[0],))
    if lib == "numpy":
        return _numpy_mlp_step(x, y, sizes)
    if lib == "jax.jit":
        return _jax_step("mlp", x, y, sizes=sizes)
    return _framework_step(lib, lambda nn: mlp_model(nn, sizes), x, y)


def lenet_step(lib, variant=None, batch=LENET_BATCH):
    """One training step of LeNet-5 on 28×28 images, batch 64 (cross-entropy, SGD with
    momentum); `variant` "bn" or "dropout" as in :func:`lenet_model`."""
    x, y = _data(batch, (1, 28, 28))
    if lib == "numpy":
        return None  # a convolutional network by hand in NumPy is not a baseline anyone runs
    if lib == "jax.jit":
        return _jax_step("lenet", x, y, variant)
    return _framework_step(lib, lambda nn: lenet_model(nn, variant), x, y)


# -- larger networks -----------------------------------------------------------------------------
RESNET_BATCH, RESNET_WIDTHS, WEIGHT_DECAY = 32, (16, 32, 64), 5e-4


def resnet_model(nn):
    """A small ResNet for 32×32 images: a 3×3 stem, six basic blocks (two each of 16, 32 and 64
    channels; the first of 32 and of 64 halves the size, with a 1×1 projection), BatchNorm after
    every convolution, global average pooling and a linear classifier."""

    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()
            self.shortcut = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                           nn.BatchNorm2d(cout))
                             if stride != 1 or cin != cout else nn.Identity())

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(out)) + self.shortcut(x))

    layers = [nn.Conv2d(3, RESNET_WIDTHS[0], 3, 1, 1, bias=False),
              nn.BatchNorm2d(RESNET_WIDTHS[0]), nn.ReLU()]
    cin = RESNET_WIDTHS[0]
    for i, width in enumerate(RESNET_WIDTHS):
        for j in range(2):
            layers.append(BasicBlock(cin, width, 2 if i and not j else 1))
            cin = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10)]
    return nn.Sequential(*layers)


def resnet_step(lib, batch=RESNET_BATCH):
    """One training step of :func:`resnet_model` on 32×32 RGB images, batch 32 (cross-entropy,
    SGD with momentum and weight decay)."""
    if isinstance(lib, str):
        return None  # no hand-written NumPy or jax.jit version
    x, y = _data(batch, (3, 32, 32))
    return _framework_step(lib, resnet_model, x, y, WEIGHT_DECAY)


TRANSFORMER = {"d_model": 256, "nhead": 4, "dim_feedforward": 1024}
TRANSFORMER_BATCH, TRANSFORMER_SEQ = 16, 128


def transformer_step(lib):
    """One training step of one transformer encoder layer (d=256, 4 heads, feed-forward 1024,
    dropout 0.1, batch-first) on a (16, 128, 256) batch: the mean squared error against a
    fixed target, AdamW."""
    if isinstance(lib, str):
        return None
    rng = np.random.default_rng(0)
    shape = (TRANSFORMER_BATCH, TRANSFORMER_SEQ, TRANSFORMER["d_model"])
    x = lib.tensor(rng.standard_normal(shape).astype(np.float32))
    target = lib.tensor(rng.standard_normal(shape).astype(np.float32))
    lib.manual_seed(0)
    layer = lib.nn.TransformerEncoderLayer(**TRANSFORMER, batch_first=True)
    opt = lib.optim.AdamW(layer.parameters(), lr=1e-3)
    mse = lib.nn.functional.mse_loss

    def step():
        opt.zero_grad()
        loss = mse(layer(x), target)
        loss.backward()
        opt.step()
        return loss

    step = _compiled(lib, step)
    return lambda: _sync(step())
