"""Side-by-side timings of ember (each available backend) against PyTorch, raw NumPy and jax.jit.

    python -m benchmarks.run [--repeat 7] [--out benchmarks/results.md] [--chart docs/benchmarks.png]
                             [--only mlp,lenet]

Every figure is the median over repeats, all taken in the same run; the table gives each time and
the ratio ember ÷ PyTorch (lower is better). Nothing here is a test: machines are noisy.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import timeit

import numpy as np

from . import workloads as W

# (key, label, unit, seconds -> unit, calls per timing, make, target for ember/numpy ÷ pytorch)
WORKLOADS = [
    ("add", "a + b, 1 element, no grad", "µs", 1e6, 20000, lambda lib: W.tiny_add(lib), 1.0),
    ("add_grad", "a + b, 1 element, requires_grad", "µs", 1e6, 20000,
     lambda lib: W.tiny_add(lib, True), 1.0),
    ("chain", "30-op chain on 8 elements + backward", "µs", 1e6, 200, W.chain_backward, 1.0),
    ("mlp", "MLP 784-512-512-10 training step, batch 128", "ms", 1e3, 5, W.mlp_step, 0.9),
    ("lenet", "LeNet-5 training step, 28×28, batch 64", "ms", 1e3, 3, W.lenet_step, 1.0),
    ("lenet_bn", "same, with BatchNorm", "ms", 1e3, 3, lambda lib: W.lenet_step(lib, "bn"),
     None),
    ("lenet_dropout", "same, with dropout", "ms", 1e3, 3,
     lambda lib: W.lenet_step(lib, "dropout"), None),
    ("matmul", "1024×1024 float32 matmul", "ms", 1e3, 5, W.matmul, None),
]


def _median_time(fn, number, repeat):
    fn()  # warm up (and compile, for jax.jit)
    fn()
    return statistics.median(timeit.repeat(fn, number=number, repeat=repeat)) / number


def _libraries(only_backends=None):
    """(column name, lib) for each library to time: PyTorch, NumPy, jax.jit, ember backends."""
    import ember

    libs = []
    try:
        import torch

        libs.append(("pytorch", torch))
    except ImportError:
        print("PyTorch is not installed (pip install 'ember[bench]'): its column stays empty",
              file=sys.stderr)
    libs.append(("numpy", "numpy"))
    try:
        import jax  # noqa: F401

        libs.append(("jax.jit", "jax.jit"))
    except ImportError:
        pass
    for name, b in sorted(ember.backends.installed().items()):
        if b.status == ember.backends.AVAILABLE and (not only_backends or name in only_backends):
            libs.append((f"ember/{name}", name))
            if b.compiler is not None:  # the same workloads through ember.compile
                libs.append((f"ember/{name} compiled", name))
    return libs


def _cell(column, lib, make, number, repeat):
    """The median time of one workload on one library, None where it has no version, or the
    error it raised (a missing op on some backend must not stop the run)."""
    import ember

    try:
        if column.startswith("ember/"):
            with ember.default_backend(lib):
                fn = make(W.Compiled(ember) if column.endswith(" compiled") else ember)
                return None if fn is None else _median_time(fn, number, repeat)
        fn = make(lib)
        return None if fn is None else _median_time(fn, number, repeat)
    except Exception as exc:  # noqa: BLE001 - reported in the table
        return f"{type(exc).__name__}: {exc}"


def _import_time(module):
    """Median seconds to import `module` in a fresh process, with bytecode cached as an installed
    package has it (a first run writes the cache even where PYTHONDONTWRITEBYTECODE is set)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True, env=env).stdout) for _ in range(6)]
    return statistics.median(runs[1:])


def _memory(lib, steps=200):
    proc = subprocess.run([sys.executable, "-m", "benchmarks.memory", lib, str(steps)],
                          capture_output=True, text=True,
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if proc.returncode:
        return f"error: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else '?'}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt(value, scale=1.0):
    if value is None:
        return "—"
    if isinstance(value, str):
        return "error"
    v = value * scale
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


def run(repeat, only=None, backends=None):
    libs = _libraries(backends)
    columns = [c for c, _ in libs]
    results = []
    errors = []
    for key, label, unit, scale, number, make, target in WORKLOADS:
        if only and key not in only:
            continue
        cells = {}
        for column, lib in libs:
            value = _cell(column, lib, make, number, repeat)
            if isinstance(value, str):
                errors.append(f"{label} on {column}: {value}")
            cells[column] = value
            print(f"  {label:<46} {column:<14} {_fmt(value, scale):>10} {unit}", file=sys.stderr)
        results.append({"key": key, "label": label, "unit": unit, "scale": scale,
                        "cells": cells, "target": target})
    if not only or "matmul" in only:  # matmul as throughput, against raw NumPy
        mm = next(r for r in results if r["key"] == "matmul")
        flops = 2 * 1024 ** 3
        mm["gflops"] = {c: flops / v / 1e9 for c, v in mm["cells"].items()
                        if isinstance(v, float)}
    if not only or "import" in only:
        cells = {"ember/numpy": _import_time("ember")}
        if "pytorch" in columns:
            cells["pytorch"] = _import_time("torch")
        results.append({"key": "import", "label": "import time", "unit": "s", "scale": 1.0,
                        "cells": cells, "target": None})
    memory = {}
    if not only or "memory" in only:
        for column, lib in libs:
            name = "torch" if column == "pytorch" else column
            memory[column] = _memory(name)
    return columns, results, memory, errors


def _ratio(cells, column="ember/numpy", ref="pytorch"):
    a, b = cells.get(column), cells.get(ref)
    return a / b if isinstance(a, float) and isinstance(b, float) else None


def markdown(columns, results, memory, errors, repeat):
    import ember

    torch_version = ""
    try:
        import torch

        torch_version = f", torch {torch.__version__} ({torch.get_num_threads()} threads)"
    except ImportError:
        pass
    compiled = "ember/jax compiled" in columns
    lines = [f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
             f"{platform.python_version()}, numpy {np.__version__}{torch_version}, ember "
             f"{ember.__version__}; medians of {repeat} repeats, all in one run.", "",
             "| workload | unit | " + " | ".join(columns) + " | ember/numpy ÷ pytorch | target |"
             + (" ember/jax compiled ÷ jax.jit |" if compiled else ""),
             "|---|---|" + "---|" * len(columns) + "---|---|" + ("---|" if compiled else "")]
    for r in results:
        vals = [_fmt(r["cells"].get(c), r["scale"]) for c in columns]
        ratio = _ratio(r["cells"])
        jit_ratio = _ratio(r["cells"], "ember/jax compiled", "jax.jit")
        extra = (f" {'—' if jit_ratio is None else f'{jit_ratio:.2f}'} |" if compiled else "")
        target = f"≤ {r['target']}" if r["target"] else "—"
        if r["key"] == "import":
            target = "≤ 0.3 s"
            ratio = None
        lines.append(f"| {r['label']} | {r['unit']} | " + " | ".join(vals) +
                     f" | {'—' if ratio is None else f'{ratio:.2f}'} | {target} |" + extra)
        if "gflops" in r:
            g = r["gflops"]
            vs_numpy = g.get("ember/numpy", 0) / g["numpy"] if "numpy" in g else None
            vals = [f"{g[c]:.0f}" if c in g else "—" for c in columns]
            lines.append("| same matmul, throughput | GFLOP/s | " + " | ".join(vals) +
                         f" | {'—' if vs_numpy is None else f'{vs_numpy:.2f} of raw NumPy'}"
                         " | ≥ 0.95 of raw NumPy |")
    if memory:
        vals = []
        for c in columns:
            m = memory.get(c)
            vals.append(f"{m['training_mb']:.0f}" if isinstance(m, dict) else "error" if m else "—")
        ours, ref = memory.get("ember/numpy"), memory.get("pytorch")
        ratio = (f"{ours['training_mb'] / ref['training_mb']:.2f}"
                 if isinstance(ours, dict) and isinstance(ref, dict) and ref["training_mb"] > 0
                 else "—")
        lines.append("| peak memory of 200 MLP steps, above the model's | MiB | " +
                     " | ".join(vals) + f" | {ratio} | ≤ 1.2 |")
    if errors:
        lines += ["", "Errors:", ""] + [f"- {e}" for e in errors]
    return "\n".join(lines)


def chart(columns, results, path):
    """Bars of each ember backend's time ÷ PyTorch's per workload, on a log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    timed = [r for r in results if r["key"] != "import" and isinstance(r["cells"].get("pytorch"), float)]
    others = [c for c in columns if c != "pytorch"]
    fig, ax = plt.subplots(figsize=(10, 0.55 * len(timed) * len(others) ** 0.5 + 2))
    height = 0.8 / len(others)
    for j, column in enumerate(others):
        ratios = [_ratio(r["cells"], column) for r in timed]
        ys = [i + j * height for i in range(len(timed))]
        xs = [v if v is not None else np.nan for v in ratios]
        bars = ax.barh(ys, xs, height=height, label=column)
        for y, v, bar in zip(ys, ratios, bars):
            if v is not None:
                ax.text(v * 1.03, y, f"{v:.2f}", va="center", fontsize=7)
    ax.axvline(1.0, color="black", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks([i + 0.4 - height / 2 for i in range(len(timed))])
    ax.set_yticklabels([r["label"] for r in timed], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("time ÷ PyTorch's (lower is faster; left of the line beats PyTorch)")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("ember and friends against PyTorch eager (CPU), medians")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", default=None, help="also write the table as Markdown here")
    parser.add_argument("--chart", default=None, help="write a bar chart (PNG) here")
    parser.add_argument("--json", default=None, help="write the raw results as JSON here")
    parser.add_argument("--only", default=None,
                        help="comma-separated workloads: " + ",".join(w[0] for w in WORKLOADS)
                        + ",import,memory")
    parser.add_argument("--backends", default=None, help="comma-separated ember backends")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    backends = set(args.backends.split(",")) if args.backends else None
    columns, results, memory, errors = run(args.repeat, only, backends)
    text = markdown(columns, results, memory, errors, args.repeat)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"columns": columns, "results": results, "memory": memory}, f, indent=1,
                      default=str)
    if args.chart:
        chart(columns, results, args.chart)


if __name__ == "__main__":
    main()
