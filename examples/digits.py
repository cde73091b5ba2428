"""Train a small CNN to read handwritten digits, on ember's default backend.

The data ships with scikit-learn (``sklearn.datasets.load_digits``: 1,797 8×8 images, no
download), or comes from the real MNIST IDX files with ``--data-dir``. The program is written
as a PyTorch user writes one (``import ember as torch``): a Module, a DataLoader, Adam, a
learning-rate schedule, a progress bar, a checkpoint and a plot of the training curves.

    python examples/digits.py [--epochs 30] [--backend jax] [--compile] [--data-dir ~/mnist] [--out-dir runs/digits]

Data-parallel on two processes (ember.distributed: a DistributedSampler, DistributedDataParallel,
the checkpoint and plot written by rank 0 only):

    python -m ember.distributed.run --nproc-per-node=2 examples/digits.py --distributed
"""

import argparse
import gzip
import importlib.util
import pathlib
import struct
import sys
import time

import numpy as np

import ember as torch
import ember.nn.functional as F
from ember import nn
from ember.utils.data import DataLoader, TensorDataset, random_split


class Net(nn.Module):
    """Two 3×3 convolutions with max pooling, then two linear layers."""

    def __init__(self, size):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(32 * (size // 4) ** 2, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.dropout(torch.flatten(x, 1))
        x = F.relu(self.fc1(x))
        return self.fc2(x)


# -- data ----------------------------------------------------------------------------------------
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path):
    """The array in an IDX file (MNIST's format), gzipped or not.

    The header is two zero bytes, a type code, the number of dims, then each dim as a big-endian
    uint32; the data follows in C order."""
    path = pathlib.Path(path)
    raw = (gzip.open if path.suffix == ".gz" else open)(path, "rb").read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (magic bytes {raw[:4].hex() or 'missing'})")
    dtype, ndim = np.dtype(_IDX_TYPES[raw[2]]), raw[3]
    if len(raw) < 4 + 4 * ndim:
        raise ValueError(f"{path}: truncated header ({len(raw)} bytes for {ndim} dims)")
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    count = int(np.prod(shape, dtype=np.int64))
    data = raw[4 + 4 * ndim:]
    if len(data) != count * dtype.itemsize:
        raise ValueError(f"{path}: {len(data)} data bytes where shape {list(shape)} of "
                         f"{dtype.name} needs {count * dtype.itemsize}")
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def _idx_file(data_dir, stem):
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx")):
        if (data_dir / name).exists():
            return data_dir / name
    raise FileNotFoundError(f"no {stem}[.gz] in {data_dir}")


def load_mnist(data_dir):
    """(train images, train labels, test images, test labels) from MNIST's four IDX files."""
    data_dir = pathlib.Path(data_dir).expanduser()
    parts = [read_idx(_idx_file(data_dir, f"{split}-{kind}"))
             for split in ("train", "t10k")
             for kind in ("images-idx3-ubyte", "labels-idx1-ubyte")]
    return tuple(parts)


def load_sklearn_digits():
    """scikit-learn's digits: 1,797 8×8 images (values 0-16) and their labels. The file ships
    inside scikit-learn; reading it directly skips importing scikit-learn (about a second of
    start-up), with ``load_digits`` as the fallback."""
    spec = importlib.util.find_spec("sklearn")
    path = pathlib.Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz" \
        if spec is not None and spec.origin else None
    if path is None or not path.exists():
        from sklearn.datasets import load_digits

        digits = load_digits()
        return digits.images, digits.target
    data = np.loadtxt(path, delimiter=",")
    return data[:, :-1].reshape(-1, 8, 8), data[:, -1].astype(np.int64)


def datasets(data_dir, generator):
    """The train and test datasets as float32 images in [0, 1], N×1×H×W, and int64 labels."""
    if data_dir:
        xtr, ytr, xte, yte = load_mnist(data_dir)
        scale = 255.0
        train = TensorDataset(torch.from_numpy(xtr[:, None] / scale).float(),
                              torch.from_numpy(ytr.astype(np.int64)))
        test = TensorDataset(torch.from_numpy(xte[:, None] / scale).float(),
                             torch.from_numpy(yte.astype(np.int64)))
        return train, test, xtr.shape[-1], "MNIST"
    pixels, target = load_sklearn_digits()
    images = torch.tensor(pixels[:, None] / 16.0, dtype=torch.float32)
    labels = torch.tensor(target, dtype=torch.int64)
    full = TensorDataset(images, labels)
    n_test = len(full) // 5
    train, test = random_split(full, [len(full) - n_test, n_test], generator=generator)
    return train, test, 8, "scikit-learn digits"


# -- training ------------------------------------------------------------------------------------
def train_step(model, optimizer, images, labels):
    """One step of PyTorch's loop; returns the loss and how many images it got right."""
    optimizer.zero_grad()
    logits = model(images)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    optimizer.step()
    return loss, (logits.argmax(1) == labels).sum()


def train_epoch(model, loader, optimizer, bar, step=train_step):
    model.train()
    total_loss = correct = seen = 0
    for images, labels in loader:
        loss, right = step(model, optimizer, images, labels)
        n = labels.shape[0]
        total_loss += loss.item() * n
        correct += right.item()
        seen += n
        bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.3f}")
        bar.update(1)
    return total_loss / seen, correct / seen


def eval_step(model, images, labels):
    """The summed loss on a batch and how many images it got right."""
    logits = model(images)
    return F.cross_entropy(logits, labels, reduction="sum"), (logits.argmax(1) == labels).sum()


@torch.no_grad()
def evaluate(model, loader, step=eval_step):
    model.eval()
    total_loss = correct = seen = 0
    for images, labels in loader:
        loss, right = step(model, images, labels)
        total_loss += loss.item()
        correct += right.item()
        seen += labels.shape[0]
    return total_loss / seen, correct / seen


def plot(history, test_set, model, path, title):
    """Loss and accuracy per epoch, and a row of test digits with the model's predictions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    epochs = range(1, len(history["train_loss"]) + 1)
    fig = plt.figure(figsize=(11, 6.5), constrained_layout=True)
    grid = fig.add_gridspec(2, 10, height_ratios=[3, 1.2])
    ax_loss, ax_acc = fig.add_subplot(grid[0, :5]), fig.add_subplot(grid[0, 5:])
    for split, style in (("train", "-o"), ("test", "-s")):
        ax_loss.plot(epochs, history[f"{split}_loss"], style, ms=3, label=split)
        ax_acc.plot(epochs, [100 * a for a in history[f"{split}_acc"]], style, ms=3, label=split)
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", yscale="log", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    ax_acc.axhline(97, color="grey", lw=0.8, ls="--")
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    images, labels = next(iter(DataLoader(test_set, batch_size=10)))
    with torch.no_grad():
        model.eval()
        predicted = model(images).argmax(1).tolist()
    for i in range(10):
        ax = fig.add_subplot(grid[1, i])
        ax.imshow(images[i, 0].numpy(), cmap="gray_r")
        ok = predicted[i] == labels[i].item()
        ax.set_title(f"{predicted[i]}", color="tab:green" if ok else "tab:red")
        ax.axis("off")
    fig.suptitle(title)
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)  # atomic: a reader never sees half a plot


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--test-batch-size", type=int, default=1000,
                        help="evaluation batch size (1000, as in PyTorch's MNIST example)")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", default=None, help="ember backend (default: EMBER_BACKEND or numpy)")
    parser.add_argument("--data-dir", default=None, help="read MNIST's IDX files from here instead")
    parser.add_argument("--out-dir", default="runs/digits", help="where the checkpoint and plot go")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--compile", action="store_true",
                        help="compile the training step with ember.compile (one XLA program on "
                             "--backend jax; eager on backends without a compiler)")
    parser.add_argument("--distributed", action="store_true",
                        help="data-parallel over the processes of python -m ember.distributed.run "
                             "(--batch-size stays the global batch)")
    args = parser.parse_args(argv)
    if args.backend:
        torch.set_default_backend(args.backend)
    from tqdm import tqdm

    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    train_set, test_set, size, source = datasets(args.data_dir, generator)
    rank, world = 0, 1
    if args.distributed:
        import ember.distributed as dist
        from ember.utils.data.distributed import DistributedSampler

        dist.init_process_group()
        rank, world = dist.get_rank(), dist.get_world_size()
        sampler = DistributedSampler(train_set, seed=args.seed)
        train_loader = DataLoader(train_set, batch_size=args.batch_size // world, sampler=sampler)
        args.no_progress = args.no_progress or rank != 0
    else:
        train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                                  generator=generator)
    test_loader = DataLoader(test_set, batch_size=args.test_batch_size)

    net = model = Net(size)
    if args.distributed:
        model = nn.parallel.DistributedDataParallel(net)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    step = torch.compile(train_step) if args.compile else train_step
    eval_fn = torch.compile(eval_step) if args.compile else eval_step
    out_dir = pathlib.Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    checkpoint = out_dir / "checkpoint.safetensors"

    backend = torch.get_default_backend()
    say = print if rank == 0 else (lambda *a, **k: None)
    say(f"training on {source} ({len(train_set)} train / {len(test_set)} test images, "
        f"{size}×{size}) on the {backend} backend" + (f", {world} processes" if world > 1 else ""))
    history = {k: [] for k in ("train_loss", "train_acc", "test_loss", "test_acc")}
    start, start_cpu = time.perf_counter(), time.process_time()
    for epoch in range(1, args.epochs + 1):
        if args.distributed:
            sampler.set_epoch(epoch)
        with tqdm(total=len(train_loader), desc=f"epoch {epoch:2d}/{args.epochs}", leave=True,
                  disable=args.no_progress, file=sys.stdout, ncols=90) as bar:
            train_loss, train_acc = train_epoch(model, train_loader, optimizer, bar, step)
            test_loss, test_acc = evaluate(model, test_loader, eval_fn)
            bar.set_postfix(loss=f"{train_loss:.4f}", acc=f"{train_acc:.3f}",
                            test_acc=f"{test_acc:.3f}")
        scheduler.step()
        for key, value in zip(history, (train_loss, train_acc, test_loss, test_acc)):
            history[key].append(value)
        if rank == 0:
            torch.save({"model": net.state_dict(), "optimizer": optimizer.state_dict(),
                        "epoch": epoch}, checkpoint)
    elapsed, elapsed_cpu = time.perf_counter() - start, time.process_time() - start_cpu

    if args.distributed:
        dist.destroy_process_group()
    if rank != 0:
        return history["test_acc"][-1]
    # the checkpoint alone gives back the same model
    restored = Net(size)
    restored.load_state_dict(torch.load(checkpoint)["model"])
    _, restored_acc = evaluate(restored, test_loader)
    assert restored_acc == history["test_acc"][-1], (restored_acc, history["test_acc"][-1])

    final = history["test_acc"][-1]
    figure = out_dir / "training.png"
    plot(history, test_set, net, figure,
         f"ember on {backend}: a CNN on {source}, test accuracy {100 * final:.2f}%")
    # CPU time too (all of the process's threads): on a loaded machine it varies less
    print(f"test accuracy {100 * final:.2f}% after {args.epochs} epochs in {elapsed:.1f} s "
          f"({elapsed_cpu:.1f} s of CPU time)")
    print(f"checkpoint: {checkpoint}   training curves: {figure}")
    return final


if __name__ == "__main__":
    main()
