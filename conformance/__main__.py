"""``python -m ember_conformance``: certify a backend, merge certificates, write the table of
deliberate differences from PyTorch.

    python -m ember_conformance certify --backend NAME [--out DIR] [--max-slowdown X]
    python -m ember_conformance merge CERT.json... [--out FILE]
    python -m ember_conformance differences [--out FILE | --check FILE]
"""

import argparse
import sys


def _parser():
    p = argparse.ArgumentParser(prog="python -m ember_conformance",
                                description="ember's conformance suite: certificates")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("certify", help="run the suite for one backend and write its certificate")
    c.add_argument("--backend", required=True, help="the backend's name (ember.backends entry)")
    c.add_argument("--out", default=".", help="directory for the report and the certificate "
                                              "(default: .)")
    c.add_argument("--oracle", choices=("auto", "torch", "off"), default="auto",
                   help="compare with PyTorch too: 'auto' (if it is installed, the default), "
                        "'torch' (required) or 'off'")
    c.add_argument("--no-perf", dest="perf", action="store_false",
                   help="leave out the timings against the NumPy backend")
    c.add_argument("--no-contract", dest="contract", action="store_false",
                   help="leave out the kernel-contract check (--ember-check-contract), which "
                        "checks every kernel call's arguments and results")
    c.add_argument("--max-slowdown", type=float, default=None, metavar="X",
                   help="fail when an op or training step is over X times slower than on NumPy")
    c.add_argument("-n", "--workers", type=int, default=None,
                   help="pytest-xdist worker processes")
    c.add_argument("pytest_args", nargs="*", help="more pytest arguments, after --")
    m = sub.add_parser("merge", help="merge certificates into one ops x backends table")
    m.add_argument("certificates", nargs="+", help="certificate-NAME.json files")
    m.add_argument("--out", default=None, help="write the Markdown table here (default: stdout)")
    d = sub.add_parser("differences", help="the table of deliberate differences from PyTorch")
    g = d.add_mutually_exclusive_group()
    g.add_argument("--out", default=None, help="write docs/differences.md here")
    g.add_argument("--check", default=None, metavar="FILE",
                   help="exit 1 if FILE is not what --out would write")
    return p


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.command == "certify":
        from .certify import certify

        if args.max_slowdown is not None and args.max_slowdown <= 0:
            raise SystemExit(f"--max-slowdown must be positive, got {args.max_slowdown}")
        code, _ = certify(args.backend, args.out, args.oracle, args.perf, args.max_slowdown,
                          args.workers, args.pytest_args, args.contract)
        return code
    if args.command == "merge":
        from .certify import load, merge, write_atomic

        try:
            certs = [load(p) for p in args.certificates]
        except (OSError, ValueError) as exc:
            print(f"merge: {exc}", file=sys.stderr)
            return 2
        text = merge(certs)
        if args.out:
            write_atomic(args.out, text)
            print(f"merge: {len(certs)} certificate(s) -> {args.out}")
        else:
            sys.stdout.write(text)
        return 0 if all(c["verdict"] == "certified" for c in certs) else 1
    from .certify import write_atomic
    from .differences import markdown

    text = markdown()
    if args.check:
        with open(args.check) as f:
            if f.read() != text:
                print(f"{args.check} is stale: run python -m ember_conformance differences "
                      f"--out {args.check}", file=sys.stderr)
                return 1
        return 0
    if args.out:
        write_atomic(args.out, text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
