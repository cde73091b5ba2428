"""Side-by-side timings of ember (each available backend) against PyTorch, raw NumPy and jax.jit.

    python -m benchmarks.run [--repeat 7] [--out benchmarks/results.md] [--chart docs/benchmarks.png]
                             [--curves docs/cost_curves.png] [--only mlp,lenet] [--quick]

Every figure is the median over repeats, all taken in the same run; the table gives each time and
the ratio ember ÷ PyTorch (lower is better), the peak training memory of each training workload,
and cost curves (time per step against batch size and width, see ``curves``). Nothing here is a
test: machines are noisy.
"""

import argparse
from builtins import max as builtins_max
import json
import os
import platform
import statistics
import subprocess
import sys
import time
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
    ("resnet", "small ResNet (6 basic blocks, BatchNorm) step, 32×32, batch 32", "ms", 1e3, 1,
     W.resnet_step, 1.2),
    ("transformer", "transformer encoder layer step (d=256, 4 heads, seq 128), batch 16", "ms",
     1e3, 1, W.transformer_step, 1.1),
    ("matmul", "1024×1024 float32 matmul", "ms", 1e3, 5, W.matmul, None),
]

# peak training memory: (workload key, label, steps), each measured in a fresh process
MEMORY = [("mlp", "MLP", 200), ("lenet", "LeNet-5", 50), ("resnet", "small ResNet", 10),
          ("transformer", "transformer encoder layer", 10)]

# cost curves: (key, title, x label, x values, --quick's x values, make(lib, x))
CURVES = [
    ("mlp_batch", "MLP 784-512-512-10 step against batch size", "batch size",
     (1, 4, 16, 64, 256), (1, 16, 256), lambda lib, n: W.mlp_step(lib, batch=n)),
    ("lenet_batch", "LeNet-5 step against batch size", "batch size",
     (1, 4, 16, 64, 256), (1, 16, 256), lambda lib, n: W.lenet_step(lib, batch=n)),
    ("mlp_width", "MLP 784-w-w-10 step (batch 128) against width w", "width",
     (64, 128, 256, 512, 1024, 2048), (64, 512, 2048), lambda lib, n: W.mlp_step(lib, width=n)),
]
CURVE_COLUMNS = ("pytorch", "jax.jit", "ember/numpy")


# wall-clock time by default; --cpu-time switches to the process's CPU time, steadier on a shared
# machine whose other jobs take the cores away (run it with one thread per library)
TIMER = timeit.default_timer


def _calls_per_timing(fn, number):
    """Warm `fn` up (and compile it, for jax.jit); `number`, or enough calls for ~20 ms."""
    fn()
    fn()
    if number is None:
        once = timeit.timeit(fn, number=1, timer=TIMER)
        number = max(1, min(200, int(0.02 / builtins_max(once, 1e-7))))
    return number


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


def _compiled_column(column):
    return column == "jax.jit" or column.endswith(" compiled")


def _groups(libs):
    """The libraries in timing groups: each on its own (others' allocations between its timings
    would disturb its heap, which no real program does), except the compiled programs (jax.jit
    and ember's compiled columns, compared as a ratio), which take turns, one timing each per
    round, so that a busy spell of a shared machine falls on both rather than on one of them."""
    compiled = [lib for lib in libs if _compiled_column(lib[0])]
    groups = []
    for lib in libs:
        if not _compiled_column(lib[0]):
            groups.append([lib])
        elif lib is compiled[0]:
            groups.append(compiled)
    return groups


def _cells(group, make, number, repeat):
    """{column: median seconds per call} of one workload on each library of `group` (see
    _groups), None where a library has no version, or the error it raised (a missing op on some
    backend must not stop the run)."""
    import contextlib

    import ember

    def context(column, lib):
        return ember.default_backend(lib) if column.startswith("ember/") else \
            contextlib.nullcontext()

    cells, timed = {}, []
    for column, lib in group:
        try:
            with context(column, lib):
                if column.startswith("ember/"):
                    fn = make(W.Compiled(ember) if column.endswith(" compiled") else ember)
                else:
                    fn = make(lib)
                cells[column] = None if fn is None else []
                if fn is not None:
                    timed.append((column, lib, fn, _calls_per_timing(fn, number)))
        except Exception as exc:  # noqa: BLE001 - reported in the table
            cells[column] = f"{type(exc).__name__}: {exc}"
    for _ in range(repeat):
        for column, lib, fn, calls in timed:
            if isinstance(cells[column], str):
                continue
            try:
                with context(column, lib):
                    cells[column].append(timeit.timeit(fn, number=calls, timer=TIMER) / calls)
            except Exception as exc:  # noqa: BLE001
                cells[column] = f"{type(exc).__name__}: {exc}"
    return {c: statistics.median(v) if isinstance(v, list) else v for c, v in cells.items()}


def _import_time(module):
    """Median seconds to import `module` in a fresh process, with bytecode cached as an installed
    package has it (a first run writes the cache even where PYTHONDONTWRITEBYTECODE is set)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True, env=env).stdout) for _ in range(6)]
    return statistics.median(runs[1:])


def _memory(lib, steps=200, workload="mlp"):
    proc = subprocess.run([sys.executable, "-m", "benchmarks.memory", lib, str(steps), workload],
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


def _memory_columns(columns, key):
    """Where to measure a workload's memory: every column for the MLP; PyTorch, hand-written
    NumPy, jax.jit and ember on NumPy for the others (eager ember on JAX takes minutes)."""
    if key == "mlp":
        return columns
    return [c for c in columns if c in ("pytorch", "numpy", "jax.jit", "ember/numpy")]


def curves(repeat, quick=False, backends=None):
    """{curve key: {column: [seconds per step or None, one per x]}} for CURVE_COLUMNS."""
    libs = [(c, lib) for c, lib in _libraries(backends) if c in CURVE_COLUMNS]
    out = {}
    for key, title, _, xs, quick_xs, make in CURVES:
        xs = quick_xs if quick else xs
        out[key] = {"x": list(xs), "columns": {}}
        for group in _groups(libs):
            for x in xs:
                cells = _cells(group, lambda lib_, x=x: make(lib_, x), None, repeat)
                for column, value in cells.items():
                    out[key]["columns"].setdefault(column, []).append(
                        value if isinstance(value, float) else None)
                    print(f"  {title[:40]:<40} {x:>5} {column:<14} {_fmt(value, 1e3):>10} ms",
                          file=sys.stderr)
        out[key]["columns"] = {c: out[key]["columns"][c] for c, _ in libs
                               if c in out[key]["columns"]}
    return out


def curves_markdown(data):
    """The cost curves as tables: ms per step, and ember/numpy ÷ pytorch, per x."""
    lines = []
    for key, title, xlabel, *_ in CURVES:
        if key not in data:
            continue
        d = data[key]
        cols = list(d["columns"])
        lines += ["", f"{title} (ms per step)", "",
                  f"| {xlabel} | " + " | ".join(cols) + " | ember/numpy ÷ pytorch |",
                  "|---|" + "---|" * len(cols) + "---|"]
        for i, x in enumerate(d["x"]):
            cells = {c: d["columns"][c][i] for c in cols}
            ratio = _ratio(cells)
            lines.append(f"| {x} | " + " | ".join(_fmt(cells[c], 1e3) for c in cols) +
                         f" | {'—' if ratio is None else f'{ratio:.2f}'} |")
    return "\n".join(lines)


def curves_chart(data, path):
    """One panel per curve: ms per step against x, log-log, one line per column."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [c for c in CURVES if c[0] in data]
    fig, axes = plt.subplots(1, len(keys), figsize=(5 * len(keys), 4.2), squeeze=False)
    for ax, (key, title, xlabel, *_) in zip(axes[0], keys):
        d = data[key]
        for column, times in d["columns"].items():
            pts = [(x, t * 1e3) for x, t in zip(d["x"], times) if t is not None]
            if pts:
                ax.plot(*zip(*pts), marker="o", label=column)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("ms per training step (median)")
        ax.set_title(title, fontsize=9)
        ax.grid(True, which="both", lw=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Cost curves: ember on NumPy, PyTorch eager (CPU) and jax.jit")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(repeat, only=None, backends=None):
    libs = _libraries(backends)
    columns = [c for c, _ in libs]
    results = []
    errors = []
    for key, label, unit, scale, number, make, target in WORKLOADS:
        if only and key not in only:
            continue
        cells = {}
        for group in _groups(libs):
            for column, value in _cells(group, make, number, repeat).items():
                if isinstance(value, str):
                    errors.append(f"{label} on {column}: {value}")
                cells[column] = value
                print(f"  {label:<46} {column:<14} {_fmt(value, scale):>10} {unit}",
                      file=sys.stderr)
        cells = {c: cells[c] for c, _ in libs}  # (the table's order)
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
        for key, _, steps in MEMORY:
            memory[key] = {}
            for column in _memory_columns(columns, key):
                name = "torch" if column == "pytorch" else column
                memory[key][column] = _memory(name, steps, key)
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
             f"{ember.__version__}; medians of {repeat} repeats, all in one run"
             f"{'; CPU time, not wall-clock' if TIMER is time.process_time else ''}.", "",
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
    for key, label, steps in MEMORY:
        if key not in memory:
            continue
        vals = []
        for c in columns:
            m = memory[key].get(c)
            vals.append(f"{m['training_mb']:.0f}" if isinstance(m, dict) and m.get("training_mb")
                        is not None else "—" if m is None or isinstance(m, dict) else "error")
        ours, ref = memory[key].get("ember/numpy"), memory[key].get("pytorch")
        ratio = (f"{ours['training_mb'] / ref['training_mb']:.2f}"
                 if isinstance(ours, dict) and isinstance(ref, dict)
                 and ours.get("training_mb") is not None and ref.get("training_mb")
                 else "—")
        lines.append(f"| peak memory of {steps} {label} steps, above the model's | MiB | " +
                     " | ".join(vals) + f" | {ratio} | ≤ 1.2 |" + (" — |" if compiled else ""))
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
                        + ",import,memory,curves,main")
    parser.add_argument("--backends", default=None, help="comma-separated ember backends")
    parser.add_argument("--curves", default=None, help="write the cost curves (PNG) here")
    parser.add_argument("--quick", action="store_true",
                        help="3 repeats and 3 points per cost curve (about a third of the time)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time CPU seconds of this process instead of wall-clock seconds "
                             "(for a loaded, shared machine; set OMP_NUM_THREADS=1 and "
                             "OPENBLAS_NUM_THREADS=1 so that both count the same work)")
    args = parser.parse_args(argv)
    global TIMER
    if args.cpu_time:
        TIMER = time.process_time
    only = set(args.only.split(",")) if args.only else None
    backends = set(args.backends.split(",")) if args.backends else None
    repeat = min(args.repeat, 3) if args.quick else args.repeat
    columns, results, memory, errors = run(repeat, only, backends)
    curve_data = curves(repeat, args.quick, backends) if not only or "curves" in only else {}
    text = markdown(columns, results, memory, errors, repeat) + "\n" + curves_markdown(curve_data)
    if (not only or "main" in only) and (backends is None or "jax" in backends):
        from . import main_job

        try:
            text += "\n\n" + main_job.markdown(main_job.measure(min(repeat, 3)))
        except Exception as exc:  # noqa: BLE001 - no JAX here: the rest of the run stands
            text += f"\n\nmain job: not measured ({type(exc).__name__}: {exc})"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"columns": columns, "results": results, "memory": memory,
                       "curves": curve_data}, f, indent=1, default=str)
    if args.chart:
        chart(columns, results, args.chart)
    if args.curves and curve_data:
        curves_chart(curve_data, args.curves)


if __name__ == "__main__":
    main()
