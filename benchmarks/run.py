"""Side-by-side timings of ember (each available backend) against PyTorch and raw NumPy.

    python -m benchmarks.run [--repeat 7] [--out benchmarks/results.md]

Every figure is the median over repeats; the table gives each time and the ratio to PyTorch
(ember ÷ PyTorch, lower is better). Nothing here is a test: machines are noisy.
"""

import argparse
import platform
import statistics
import subprocess
import sys
import time
import timeit

import numpy as np


def _median_time(fn, number, repeat):
    fn()  # warm up
    times = timeit.repeat(fn, number=number, repeat=repeat)
    return statistics.median(times) / number


def tiny_add(lib, requires_grad):
    if lib == "numpy":
        a, b = np.ones(1, dtype=np.float32), np.ones(1, dtype=np.float32)
        return lambda: a + b
    a = lib.ones(1, requires_grad=requires_grad)
    b = lib.ones(1, requires_grad=requires_grad)
    return lambda: a + b


def chain_backward(lib):
    """30 elementwise ops on 8 elements, then backward()."""
    if lib == "numpy":
        return None
    x = lib.ones(8, requires_grad=True)

    def step():
        y = x
        for _ in range(10):
            y = (y * 1.01 + 0.5).tanh()
        y.sum().backward()
        x.grad = None

    return step


def matmul(lib, n=1024):
    if lib == "numpy":
        a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
        return lambda: a @ a
    a = lib.randn(n, n)

    def step():
        out = a @ a
        ready = getattr(getattr(out, "_data", None), "block_until_ready", None)  # JAX is async
        if ready is not None:
            ready()
        return out

    return step


def import_time(module):
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout) for _ in range(5)]
    return statistics.median(runs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", default=None, help="also write the table as Markdown here")
    args = parser.parse_args(argv)

    import ember

    try:
        import torch
        torch.set_num_threads(max(1, torch.get_num_threads()))
    except ImportError:
        torch = None
    backends = [n for n, b in sorted(ember.backends.installed().items())
                if b.status == ember.backends.AVAILABLE]
    rows = []

    def row(name, unit, scale, make, number):
        ref = None
        cells = {}
        if torch is not None and make(torch) is not None:
            ref = _median_time(make(torch), number, args.repeat) * scale
            cells["pytorch"] = ref
        np_fn = make("numpy")
        if np_fn is not None:
            cells["numpy"] = _median_time(np_fn, number, args.repeat) * scale
        for be in backends:
            with ember.default_backend(be):
                fn = make(ember)
                if fn is not None:
                    cells[f"ember/{be}"] = _median_time(fn, number, args.repeat) * scale
        rows.append((name, unit, cells, ref))

    row("a + b, 1 element, no grad", "µs", 1e6, lambda lib: tiny_add(lib, False), 20000)
    row("a + b, 1 element, requires_grad", "µs", 1e6, lambda lib: tiny_add(lib, True), 20000)
    row("30-op chain on 8 elements + backward", "µs", 1e6, chain_backward, 200)
    row("1024x1024 float32 matmul", "ms", 1e3, matmul, 5)
    cells = {"ember/numpy": import_time("ember") * 1e3}
    if torch is not None:
        cells["pytorch"] = import_time("torch") * 1e3
    rows.append(("import time", "ms", cells, cells.get("pytorch")))

    columns = ["pytorch", "numpy"] + [f"ember/{b}" for b in backends]
    lines = [f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
             f"Python {platform.python_version()}, numpy {np.__version__}"
             + (f", torch {torch.__version__}" if torch else "") + f"; medians of {args.repeat}.",
             "",
             "| workload | unit | " + " | ".join(columns) + " | ember/numpy ÷ pytorch |",
             "|---|---|" + "---|" * len(columns) + "---|"]
    for name, unit, cells, ref in rows:
        vals = [f"{cells[c]:.2f}" if c in cells else "—" for c in columns]
        ratio = f"{cells['ember/numpy'] / ref:.2f}" if ref and "ember/numpy" in cells else "—"
        lines.append(f"| {name} | {unit} | " + " | ".join(vals) + f" | {ratio} |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
