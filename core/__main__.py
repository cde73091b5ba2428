"""``python -m ember info``: ember's version, each backend's status, library, devices, default
(``--kernels``: each backend's kernels by area).
``python -m ember run script.py [args]`` (or ``run -m module [args]``): run a PyTorch program on
ember, unchanged, with ``import torch`` giving ember (see ``ember.as_torch``).
"""

import os
import sys

USAGE = """usage: python -m ember info [--kernels]
       python -m ember run script.py [args ...]
       python -m ember run -m module [args ...]"""


def _kernel_areas(b):
    """Lines listing an available backend's kernels by area (the kind of their op)."""
    from ember import ops

    lines = []
    for area, names in ops.registry.kernels_by_area(n for n, o in ops.REGISTRY.items()
                                                    if o.kernel or o.decomposition).items():
        own = [n for n in names if n in b.own_kernels]
        missing = [n for n in names if n in b.missing]
        core = len(names) - len(own) - len(missing)
        text = f"    {area:<12} {len(own):>3} kernels"
        if core:
            text += f", {core} built by core from them"
        if missing:
            text += f"; missing: {', '.join(missing)}"
        lines.append(text)
    return lines


def info(kernels=False):
    import ember
    from ember import backends

    lines = [f"ember {ember.__version__} (Python {sys.version.split()[0]})", "", "backends:"]
    found = backends.installed()
    width = max((len(n) for n in found), default=4)
    for name, b in sorted(found.items()):
        lib = f"{b.library or '?'} {b.version or ''}".strip()
        if b.status == backends.AVAILABLE:
            state = f"available    {lib}; devices: {', '.join(b.devices)}"
            if b.missing:
                state += f"; no kernel for {len(b.missing)} ops: {', '.join(b.missing)}"
        else:
            reason = "; ".join(ln.strip() for ln in str(b.reason).splitlines() if ln.strip())
            state = f"{b.status:<12} {lib}; {reason}"  # one line per backend, even for long errors
        lines.append(f"  {name:<{width}}  {state}")
        if kernels and b.status == backends.AVAILABLE:
            lines += _kernel_areas(b)
    try:
        default = ember.get_default_backend()
    except RuntimeError as exc:
        default = f"(none: {exc})"
    lines += ["", f"default backend: {default}"]
    return "\n".join(lines)


def run(argv):
    """Run the script (or ``-m`` module) `argv[0]` with arguments `argv[1:]` as ``__main__``,
    as ``python script.py`` would, with ``import torch`` importing ember."""
    import runpy

    if not argv or argv[0] in ("-h", "--help") or (argv[0] == "-m" and len(argv) < 2):
        print(USAGE, file=sys.stderr)
        return 2
    import ember

    ember.as_torch()
    if argv[0] == "-m":
        sys.argv = [argv[1]] + list(argv[2:])
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return 0
    script = argv[0]
    if not os.path.exists(script):
        print(f"python -m ember run: can't open file {os.path.abspath(script)!r}: "
              f"[Errno 2] No such file or directory", file=sys.stderr)
        return 2
    sys.argv = list(argv)
    sys.path[0] = os.path.dirname(os.path.abspath(script))  # as `python script.py` sets it
    runpy.run_path(script, run_name="__main__")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "run":
        return run(argv[1:])
    if not argv or argv[0] != "info" or any(a != "--kernels" for a in argv[1:]):
        print(USAGE, file=sys.stderr)
        return 2
    from ember.backends import PluginError

    try:
        print(info(kernels="--kernels" in argv[1:]))
    except PluginError as exc:  # EMBER_STRICT_PLUGINS=1 and a broken plugin
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
