"""The plugin host: finds backends through entry points, loads them lazily, and chooses the default.

Public surface:

- ``ember.backends.installed()``: every installed backend with its status;
- ``ember.set_default_backend(name)``, ``ember.get_default_backend()``,
  ``with ember.default_backend(name):``; the ``EMBER_BACKEND`` environment variable;
- ``EMBER_STRICT_PLUGINS=1`` turns a broken plugin into an error instead of a warning.
"""

import contextlib
import importlib.metadata
import os
import threading
import warnings

import pluggy

from . import dtypes as _dt
from . import hookspecs

ENTRY_POINT_GROUP = "ember.backends"

AVAILABLE, UNAVAILABLE, BROKEN = "available", "unavailable", "broken"


class PluginError(RuntimeError):
    """A backend plugin could not be loaded, under EMBER_STRICT_PLUGINS=1."""


class EmberPluginWarning(UserWarning):
    """A backend plugin is broken; the other backends keep working."""


def _strict():
    return os.environ.get("EMBER_STRICT_PLUGINS", "") not in ("", "0")


class Backend:
    """One installed backend: its status, capabilities and, once loaded, its kernel table."""

    __slots__ = ("name", "entry_point", "status", "reason", "library", "version", "extra",
                 "mutable", "shares_numpy_memory", "dlpack", "devices", "kernels", "native",
                 "supported_dtypes", "expected_failures", "missing", "out_kernels", "synchronize",
                 "_loaded", "_lock", "__weakref__")

    def __init__(self, name, entry_point):
        self.name = name
        self.entry_point = entry_point
        self.status = None
        self.reason = None
        self.library = None
        self.version = None
        self.extra = None
        self.mutable = True
        self.shares_numpy_memory = False
        self.dlpack = False
        self.out_kernels = frozenset()
        self.synchronize = None
        self.devices = ()
        self.kernels = {}
        self.native = {}
        self.supported_dtypes = ()
        self.expected_failures = {}
        self.missing = ()
        self._loaded = False
        self._lock = threading.Lock()

    # -- loading -------------------------------------------------------------------------------
    def load(self):
        """Import the plugin and call its hooks, once. Never raises unless strict."""
        if self._loaded:
            return self
        with self._lock:
            if not self._loaded:
                try:
                    self._load()
                except Exception as exc:  # noqa: BLE001 - isolation is the point
                    self.status, self.reason = BROKEN, f"{type(exc).__name__}: {exc}"
                    self.kernels = {}
                    self._loaded = True
                    if _strict():
                        raise PluginError(f"ember backend {self.name!r} is broken: {self.reason} "
                                          f"(EMBER_STRICT_PLUGINS is set)") from exc
                    warnings.warn(f"ember backend {self.name!r} is broken and was skipped: "
                                  f"{self.reason}", EmberPluginWarning, stacklevel=3)
                self._loaded = True
        return self

    def _load(self):
        module = self.entry_point.load()
        pm = pluggy.PluginManager("ember")
        pm.add_hookspecs(hookspecs)
        pm.register(module, name=f"ember-backend-{self.name}")
        pm.check_pending()
        hook = pm.hook
        info = hook.ember_backend_info() or {}
        if not isinstance(info, dict):
            raise TypeError(f"ember_backend_info must return a dict, got {type(info).__name__}")
        self.library = info.get("library")
        self.version = info.get("version")
        self.extra = info.get("extra")
        self.mutable = bool(info.get("mutable", True))
        self.shares_numpy_memory = bool(info.get("shares_numpy_memory", False))
        self.dlpack = bool(info.get("dlpack", False))
        self.out_kernels = frozenset(info.get("out_kernels", ()) if self.mutable else ())
        reason = hook.ember_backend_available()
        if reason is not None:
            self.status, self.reason = UNAVAILABLE, str(reason)
            return
        native = hook.ember_backend_dtypes()
        if not isinstance(native, dict) or not native:
            raise TypeError("ember_backend_dtypes must return a non-empty dict of dtype names")
        self.native = {_dt.from_name(k): v for k, v in native.items()}
        self.supported_dtypes = tuple(d for d in _dt.ALL_DTYPES if d in self.native)
        kernels = hook.ember_backend_kernels()
        if not isinstance(kernels, dict):
            raise TypeError("ember_backend_kernels must return a dict of kernel functions")
        self.kernels, self.missing = _validated_kernels(self.name, kernels)
        self.devices = tuple(hook.ember_backend_devices() or ("cpu",))
        self.expected_failures = dict(hook.ember_backend_expected_failures() or {})
        self.synchronize = hook.ember_backend_synchronize
        self.status = AVAILABLE

    # -- use -------------------------------------------------------------------------------------
    @property
    def available(self):
        self.load()
        return self.status == AVAILABLE

    @property
    def default_device(self):
        return self.devices[0]

    def require(self):
        """Return self if it can run, or raise the error a user should see."""
        self.load()
        if self.status != AVAILABLE:
            raise RuntimeError(_unusable_message(self))
        return self

    def dtype_native(self, dtype):
        try:
            return self.native[dtype]
        except KeyError:
            raise TypeError(f"the {self.name} backend does not support {dtype}; it supports "
                            f"{', '.join(d.name for d in self.supported_dtypes)}") from None

    def __repr__(self):
        return f"<ember backend {self.name!r}: {self.describe()}>"

    def describe(self):
        self.load()
        if self.status == AVAILABLE:
            return AVAILABLE
        return f"{self.status} ({self.reason})"


def _validated_kernels(name, kernels):
    """(full kernel table, missing primitive ops) for a backend's registered `kernels`.

    A backend that lacks kernels for some primitive ops still loads: ember grows ops faster than
    plugins are released, and one missing op should not take a whole backend away. Each missing
    op gets a kernel that raises NotImplementedError naming the op and the backend; ``python -m
    ember info`` lists them and the conformance suite fails on them (a backend may declare them
    as expected failures).
    """
    from . import ops

    unknown = sorted(k for k in kernels if k not in ops.REGISTRY)
    if unknown:
        raise ValueError(f"backend {name!r} registers kernels for unknown ops: {', '.join(unknown)}")
    not_callable = sorted(k for k, f in kernels.items() if not callable(f))
    if not_callable:
        raise TypeError(f"backend {name!r} registers non-callable kernels: {', '.join(not_callable)}")
    missing = tuple(sorted(op.name for op in ops.REGISTRY.values()
                           if op.primitive and op.name not in kernels))
    table = dict(kernels)
    for op_name in missing:
        table[op_name] = _missing_kernel(name, op_name)
    return ops.registry.resolve_kernels(table), missing


def _missing_kernel(backend, op):
    def missing(*args, **kwargs):
        raise NotImplementedError(f"the {backend!r} backend has no kernel for the op {op!r} "
                                  f"(its plugin predates the op or leaves it out); use another "
                                  f"backend for it, or add the kernel to the plugin")

    missing.__name__ = f"missing_{op}"
    return missing


# -- discovery -----------------------------------------------------------------------------------
_backends = None
_discovery_lock = threading.Lock()


def _discover():
    global _backends
    if _backends is None:
        with _discovery_lock:
            if _backends is None:
                found = {}
                for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
                    if ep.name in found:
                        if found[ep.name].entry_point.value == ep.value:
                            continue  # the same distribution seen twice on sys.path
                        b = found[ep.name]
                        b.status, b._loaded = BROKEN, True
                        b.reason = (f"two plugins claim the name {ep.name!r}: "
                                    f"{b.entry_point.value} and {ep.value}")
                        continue
                    found[ep.name] = Backend(ep.name, ep)
                _backends = found
                if _strict():
                    for b in found.values():
                        b.load()
                        if b.status == BROKEN:
                            raise PluginError(f"ember backend {b.name!r} is broken: {b.reason}")
    return _backends


def rediscover():
    """Forget every backend and list the entry points again (after installing a plugin)."""
    global _backends, _default
    with _discovery_lock:
        _backends = None
        _default = None


def installed():
    """Every installed backend, loaded, as a dict name -> Backend (status, reason, devices ...)."""
    found = _discover()
    for b in found.values():
        b.load()
    return dict(found)


def lookup(name):
    """The installed Backend called `name`, loaded whatever its status, or None; only that
    plugin is imported."""
    b = _discover().get(name)
    return b.load() if b is not None else None


def get_backend(name):
    """The Backend called `name`, ready to use, or a RuntimeError listing what is installed."""
    if isinstance(name, Backend):
        return name.require()
    found = _discover()
    b = found.get(name)
    if b is None:
        raise RuntimeError(f"unknown ember backend {name!r}. {_installed_summary(found)}")
    return b.require()


def _installed_summary(found):
    for b in found.values():
        b.load()
    listing = ", ".join(f"{b.name} ({b.describe()})" for b in found.values()) or "none"
    return (f"Installed backends: {listing}. Third-party backends install as pip packages that "
            f"register an entry point in the {ENTRY_POINT_GROUP!r} group.")


def _unusable_message(b):
    hint = f' Install it with: pip install "ember[{b.extra}]".' if b.extra and b.status == UNAVAILABLE else ""
    others = _installed_summary(_discover())
    return f"ember backend {b.name!r} is {b.status}: {b.reason}.{hint} {others}"


# -- the default backend -------------------------------------------------------------------------
_default = None


def _default_backend():
    global _default
    if _default is None:
        _default = get_backend(os.environ.get("EMBER_BACKEND") or "numpy")
    return _default


def get_default_backend():
    """The name of the backend new tensors are created on (``EMBER_BACKEND``, else numpy)."""
    return _default_backend().name


def set_default_backend(name):
    """Create new tensors on backend `name` from now on."""
    global _default
    _default = get_backend(name)


@contextlib.contextmanager
def default_backend(name):
    """``with ember.default_backend("jax"):`` creates tensors on JAX inside the block."""
    global _default
    previous = _default
    _default = get_backend(name)
    try:
        yield _default
    finally:
        _default = previous
