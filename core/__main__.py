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
            if b.missing:
                state += f"; no kernel for {len(b.missing)} ops: {', '.join(b.missing)}"
        else:
            reason = "; ".join(ln.strip() for ln in str(b.reason).splitlines() if ln.strip())
            state = f"{b.status:<12} {lib}; {reason}"  # one line per backend, even for long errors
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
    from ember.backends import PluginError

    try:
        print(info())
    except PluginError as exc:  # EMBER_STRICT_PLUGINS=1 and a broken plugin
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
