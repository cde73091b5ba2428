"""Peak memory of training (the MLP, or another workload of ``workloads``), measured in a
fresh process per library.

    python -m benchmarks.memory LIB [STEPS] [WORKLOAD]
        (LIB: torch, numpy, jax.jit, ember/<backend>; WORKLOAD: mlp, lenet, resnet, transformer)

Prints one JSON line: the resident set size once the model and data exist (``baseline_mb``), and
the peak resident set size over `STEPS` training steps from there (``peak_mb``); their
difference is what training itself holds (gradients, optimizer state, activations). The peak
is Linux's VmHWM, reset after the setup through ``/proc/self/clear_refs``. A workload with no
version for LIB prints ``training_mb: null``.
"""

import json
import sys


def _status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB -> MiB
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak():
    """Make VmHWM restart from the current RSS (Linux ≥ 4.0); False where it cannot."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def measure(lib_name, steps, workload="mlp"):
    from . import workloads

    if lib_name == "torch":
        import torch as lib
    elif lib_name.startswith("ember/"):
        import ember as lib

        name, _, compiled = lib_name.split("/", 1)[1].partition(" ")
        lib.set_default_backend(name)
        if compiled:  # "ember/jax compiled"
            from .workloads import Compiled

            lib = Compiled(lib)
    else:
        lib = lib_name
    step = getattr(workloads, f"{workload}_step")(lib)
    if step is None:
        return {"lib": lib_name, "workload": workload, "training_mb": None}
    baseline = _status("VmRSS")
    reset = _reset_peak()
    for _ in range(steps):
        step()
    peak = _status("VmHWM")
    return {"lib": lib_name, "workload": workload, "steps": steps, "baseline_mb": baseline,
            "peak_mb": peak,
            "training_mb": peak - baseline, "peak_reset": reset}


if __name__ == "__main__":
    lib_name = sys.argv[1]
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    print(json.dumps(measure(lib_name, steps, sys.argv[3] if len(sys.argv) > 3 else "mlp")))
