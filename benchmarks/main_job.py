"""README's main job (``examples/digits.py``) as a benchmark, each run in a fresh process:
the training time of 30 epochs on NumPy eagerly and on JAX with ``--compile``, and the time from
a process's start to the first finished eager step on JAX, with JAX's compile cache warm (the
second run of a program) and cold.

``python -m benchmarks.main_job first-step`` is the timed program of the last two: the main job's
own data, model, optimizer and step, up to that step's loss on the host.
"""

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIGITS = os.path.join(ROOT, "examples", "digits.py")


def _training_seconds(args, env=None):
    out = subprocess.run([sys.executable, DIGITS, "--no-progress", "--out-dir",
                          tempfile.mkdtemp()] + args, capture_output=True, text=True,
                         check=True, env=env).stdout
    return float(re.search(r"epochs in ([0-9.]+) s", out).group(1))


def _first_step_seconds(cache_dir):
    env = dict(os.environ, EMBER_JAX_CACHE_DIR=cache_dir, EMBER_T0=repr(time.time()))
    out = subprocess.run([sys.executable, "-m", "benchmarks.main_job", "first-step"],
                         capture_output=True, text=True, check=True, env=env, cwd=ROOT).stdout
    return float(out.split()[-1])


def measure(repeat=3):
    """{"numpy": s, "jax compiled": s, "first step warm": s, "first step cold": s}: medians
    of `repeat` runs (the cold first step once, in a new cache)."""
    numpy, jax = [], []
    for _ in range(repeat):  # (in turns: a busy spell of the machine slows both alike)
        numpy.append(_training_seconds([]))
        jax.append(_training_seconds(["--backend", "jax", "--compile"]))
    with tempfile.TemporaryDirectory() as cache:
        cold = _first_step_seconds(cache)
        warm = [_first_step_seconds(cache) for _ in range(repeat)]
    return {"numpy": statistics.median(numpy), "jax compiled": statistics.median(jax),
            "first step warm": statistics.median(warm), "first step cold": cold}


def markdown(m):
    ratio = m["jax compiled"] / m["numpy"]
    return "\n".join([
        "| main job (examples/digits.py, 30 epochs) | value | target |", "|---|---|---|",
        f"| training time, NumPy eager | {m['numpy']:.1f} s | — |",
        f"| training time, JAX with `--compile` | {m['jax compiled']:.1f} s | — |",
        f"| JAX compiled ÷ NumPy eager | {ratio:.2f} | ≤ 0.7 |",
        f"| first finished eager step on JAX, from process start, warm cache | "
        f"{m['first step warm']:.1f} s | ≤ 3 s |",
        f"| the same, cold cache | {m['first step cold']:.1f} s | — |"])


def _first_step():
    sys.path.insert(0, os.path.dirname(DIGITS))
    import digits

    import ember as torch

    torch.set_default_backend("jax")
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    train, _, size, _ = digits.datasets(None, generator)
    loader = torch.utils.data.DataLoader(train, batch_size=32, shuffle=True, generator=generator)
    model = digits.Net(size)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    images, labels = next(iter(loader))
    loss, _ = digits.train_step(model, optimizer, images, labels)
    loss.item()
    print(f"first step finished after {time.time() - float(os.environ['EMBER_T0']):.3f}")


if __name__ == "__main__":
    if sys.argv[1:] == ["first-step"]:
        _first_step()
    else:
        print(markdown(measure()))
