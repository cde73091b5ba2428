"""``python -m ember info``: ember's version, each backend's status, library, devices, default."""

import sys


def info():
    import ember
    from ember import backends

    lines = [f"ember {ember.__version__} (Python {sys.version.split()[0]})", "", "backends:"]
    found = backends.installed()
    width = max((len(n) for n in found), default=4)
    for name, b in sorted(found.items()):
        lib = f"{b.library or '?'} {b.version or ''}".strip()
        if b.status == backends.AVAILABLE:
            state = f"available    {lib}; devices: {', '.join(b.devices)}"
        else:
            state = f"{b.status:<12} {lib}; {b.reason}"
        lines.append(f"  {name:<{width}}  {state}")
    try:
        default = ember.get_default_backend()
    except RuntimeError as exc:
        default = f"(none: {exc})"
    lines += ["", f"default backend: {default}"]
    return "\n".join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "info":
        print("usage: python -m ember info", file=sys.stderr)
        return 2
    print(info())
    return 0


if __name__ == "__main__":
    sys.exit(main())
