"""``ember.cuda``: whether CUDA devices are there, how many, and waiting for them.

ember has no CUDA code of its own: a CUDA device is one that an available backend (CuPy, JAX on
a GPU, a third-party plugin) lists as ``cuda:N``. So ``torch.cuda.is_available()`` in a
tutorial is true exactly when ``t.to("cuda")`` can work.
"""

__all__ = ["is_available", "device_count", "current_device", "synchronize"]


def _cuda_backends():
    from . import backends

    found = []
    for b in backends.installed().values():
        b.load()
        if b.status == backends.AVAILABLE and any(d.startswith("cuda") for d in b.devices):
            found.append(b)
    return found


def is_available():
    """True if some available backend has a CUDA device."""
    return bool(_cuda_backends())


def device_count():
    """The number of CUDA devices (the most any one backend lists)."""
    return max((sum(d.startswith("cuda") for d in b.devices) for b in _cuda_backends()),
               default=0)


def _require():
    found = _cuda_backends()
    if not found:
        raise RuntimeError("No CUDA GPUs are available: no installed ember backend lists a cuda "
                           "device (python -m ember info shows why; pip install 'ember[cuda]' "
                           "adds the CuPy backend)")
    return found


def current_device():
    """The index of the CUDA device new CUDA tensors go to: the default backend's, else 0."""
    from . import backends

    _require()
    default = backends._default_backend()
    first = default.devices[0] if default.devices else "cpu"
    return int(first.split(":")[1]) if first.startswith("cuda:") else 0


def synchronize(device=None):
    """Wait for all work queued on a CUDA device (the current one by default) to finish."""
    found = _require()
    if device is None:
        device = current_device()
    name = device if isinstance(device, str) else f"cuda:{getattr(device, 'index', device)}"
    if name == "cuda":
        name = f"cuda:{current_device()}"
    for b in found:
        if name in b.devices and b.synchronize is not None:
            b.synchronize(device=name)
