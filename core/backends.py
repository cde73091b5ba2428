"""The plugin host: finds backends through entry points, loads them lazily, and chooses the default.

Public surface:

- ``ember.backends.installed()``: every installed backend with its status;
- ``ember.set_default_backend(name)``, ``ember.get_default_backend()``,
  ``with ember.default_backend(name):``; the ``EMBER_BACKEND`` environment variable;
- ``EMBER_STRICT_PLUGINS=1`` turns a broken plugin into an error instead of a warning, at every
  use of it, not only the first.

Plugins are untrusted code: whatever a plugin raises while it loads (``SystemExit`` included;
``KeyboardInterrupt`` is reported, then raised again), and any hook result of the wrong type,
marks that plugin broken with the reason and leaves the others working. A third-party plugin that
registers the name of one of ember's own backends is reported and ignored: the built-in wins.
"""

import contextlib
import contextvars
import difflib
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


def _strict_error(b):
    return PluginError(f"ember backend {b.name!r} is broken: {b.reason} "
                       f"(EMBER_STRICT_PLUGINS is set)")


class Backend:
    """One installed backend: its status, capabilities and, once loaded, its kernel table."""

    __slots__ = ("name", "entry_point", "status", "reason", "library", "version", "extra",
                 "mutable", "shares_numpy_memory", "dlpack", "devices", "kernels", "native",
                 "supported_dtypes", "expected_failures", "missing", "own_kernels", "out_kernels",
                 "synchronize",
                 "compiler", "start_method", "compiles_per_shape", "_loaded", "_lock", "_loading",
                 "__weakref__")

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
        self.start_method = None  # how worker processes must be started to use this backend
        # each new shape and dtype of an op costs a compilation (JAX): the conformance suite's
        # default run checks fewer distinct samples on such a backend (see the suite's README)
        self.compiles_per_shape = False
        self.compiler = None  # ember_backend_compiler(): what ember.compile hands a step to
        self.devices = ()
        self.kernels = {}
        self.native = {}
        self.supported_dtypes = ()
        self.expected_failures = {}
        self.missing = ()
        self.own_kernels = frozenset()  # the kernels the plugin gives (the rest are core's)
        self._loaded = False
        self._lock = threading.Lock()
        self._loading = None  # the thread running this backend's hooks, while it does

    # -- loading -------------------------------------------------------------------------------
    def load(self):
        """Import the plugin and call its hooks, once. Never raises unless strict (then at every
        call, while the backend is broken) or interrupted (KeyboardInterrupt)."""
        if not self._loaded:
            if self._loading is threading.current_thread():
                raise RuntimeError(f"ember backend {self.name!r} was used by its own plugin while "
                                   f"it loads: a hook must not make tensors on the backend it is "
                                   f"defining (use another backend, e.g. 'numpy', inside hooks)")
            with self._lock:
                if not self._loaded:
                    self._load_isolated()
        if self.status == BROKEN and _strict():
            raise _strict_error(self)
        return self

    def _load_isolated(self):
        self._loading = threading.current_thread()
        try:
            self._load()
        except (Exception, SystemExit, KeyboardInterrupt) as exc:  # noqa: BLE001 - isolation
            self.status, self.reason = BROKEN, f"{type(exc).__name__}: {exc}"
            self.kernels = {}
            self._loaded = True
            if isinstance(exc, KeyboardInterrupt):
                warnings.warn(f"ember backend {self.name!r} was interrupted while it loaded and "
                              f"is marked broken", EmberPluginWarning, stacklevel=4)
                raise
            if _strict():
                raise _strict_error(self) from exc
            warnings.warn(f"ember backend {self.name!r} is broken and was skipped: "
                          f"{self.reason}", EmberPluginWarning, stacklevel=4)
        finally:
            self._loading = None
            self._loaded = True

    def _load(self):
        module = self.entry_point.load()
        pm = pluggy.PluginManager("ember")
        pm.add_hookspecs(hookspecs)
        pm.register(module, name=f"ember-backend-{self.name}")
        pm.check_pending()
        hook = pm.hook
        check = _HookCheck(self.name, module)
        info = hook.ember_backend_info()
        info = {} if info is None else check.info(info)
        self.library = info.get("library")
        self.version = info.get("version")
        self.extra = info.get("extra")
        self.mutable = info.get("mutable", True)
        self.shares_numpy_memory = info.get("shares_numpy_memory", False)
        self.dlpack = info.get("dlpack", False)
        self.out_kernels = frozenset(info.get("out_kernels", ()) if self.mutable else ())
        self.start_method = info.get("start_method")
        self.compiles_per_shape = info.get("compiles_per_shape", False)
        reason = check.result("ember_backend_available", hook.ember_backend_available(),
                              (str, type(None)), "None or a string saying why not")
        if reason is not None:
            self.status, self.reason = UNAVAILABLE, reason
            return
        native = hook.ember_backend_dtypes()
        if not isinstance(native, dict) or not native:
            raise TypeError(check.wrong("ember_backend_dtypes", native,
                                        "ember_backend_dtypes must return a non-empty dict of "
                                        "dtype names"))
        self.native = {check.dtype_name(k): v for k, v in native.items()}
        for d, n in self.native.items():
            try:
                _NATIVE_DTYPES.setdefault(n, (d, self.native))
            except TypeError:
                raise TypeError(check.wrong("ember_backend_dtypes", n, "native dtypes must be "
                                            "hashable")) from None
        self.supported_dtypes = tuple(d for d in _dt.ALL_DTYPES if d in self.native)
        kernels = hook.ember_backend_kernels()
        if not isinstance(kernels, dict):
            raise TypeError(check.wrong("ember_backend_kernels", kernels,
                                        "ember_backend_kernels must return a dict of kernel "
                                        "functions"))
        self.kernels, self.missing = _validated_kernels(self.name, kernels)
        self.own_kernels = frozenset(kernels)
        devices = hook.ember_backend_devices()
        self.devices = ("cpu",) if devices is None else check.names(
            "ember_backend_devices", devices, "a non-empty list of device names such as ['cpu']")
        failures = hook.ember_backend_expected_failures()
        self.expected_failures = {} if failures is None else check.mapping(
            "ember_backend_expected_failures", failures, "a dict {'op' or 'op[check]': reason}")
        self.synchronize = hook.ember_backend_synchronize
        self.compiler = hook.ember_backend_compiler()
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


_START_METHODS = ("fork", "spawn", "forkserver")

# native dtype -> (ember dtype, {ember dtype: native} of the backend it came from), filled as
# backends load: core's decompositions see raw arrays only, and must not read NumPy's dtype
# attributes (``a.dtype.kind``) from them, since a backend's dtypes need not be NumPy's
_NATIVE_DTYPES = {}


def ember_dtype(native):
    """The ember dtype of a loaded backend's native dtype (``ember_dtype(a.dtype)`` of a raw
    array `a`)."""
    return _NATIVE_DTYPES[native][0]


def native_like(native, dtype):
    """The native dtype for ember `dtype` of the backend whose native dtype `native` is (the
    int64 of the backend of raw array `a`: ``native_like(a.dtype, ember.int64)``)."""
    return _NATIVE_DTYPES[native][1][dtype]


class _HookCheck:
    """Type checks for one plugin's hook results: a wrong type is a TypeError that names the
    backend, its module and the hook, and shows what came back (``devices`` returning ``"cpu"``
    would otherwise become the devices ``('c', 'p', 'u')``)."""

    # ember_backend_info: key -> (accepted types, what is expected)
    INFO = {"library": ((str, type(None)), "a string"),
            "version": ((str, type(None)), "a string"),
            "extra": ((str, type(None)), "a string"),
            "mutable": (bool, "True or False"),
            "shares_numpy_memory": (bool, "True or False"),
            "dlpack": (bool, "True or False"),
            "compiles_per_shape": (bool, "True or False"),
            "out_kernels": ((list, tuple, set, frozenset), "a list of kernel names"),
            "start_method": ((str, type(None)), f"one of {', '.join(map(repr, _START_METHODS))}")}

    def __init__(self, name, module):
        self.where = f"ember backend {name!r} ({getattr(module, '__name__', module)})"

    def wrong(self, hook, value, expected):
        return (f"{self.where}: {expected}; {hook}() returned {type(value).__name__} "
                f"{_short_repr(value)}")

    def result(self, hook, value, types, expected):
        if not isinstance(value, types):
            raise TypeError(self.wrong(hook, value, f"{hook}() must return {expected}"))
        return value

    def info(self, info):
        hook = "ember_backend_info"
        if not isinstance(info, dict):
            raise TypeError(self.wrong(hook, info, "ember_backend_info must return a dict"))
        for key, value in info.items():
            if key not in self.INFO:
                continue  # a key of a later ember, or the plugin's own: ignored
            types, expected = self.INFO[key]
            if not isinstance(value, types):
                raise TypeError(f"{self.where}: {hook}()[{key!r}] must be {expected}, got "
                                f"{type(value).__name__} {_short_repr(value)}")
        kernels = info.get("out_kernels", ())
        if not all(isinstance(k, str) for k in kernels):
            raise TypeError(self.wrong(hook, kernels,
                                       "ember_backend_info()['out_kernels'] must be kernel names"))
        method = info.get("start_method")
        if method is not None and method not in _START_METHODS:
            raise TypeError(self.wrong(hook, method, f"ember_backend_info()['start_method'] must "
                                                     f"be one of {_START_METHODS}"))
        return info

    def names(self, hook, value, expected):
        if (not isinstance(value, (list, tuple)) or not value
                or not all(isinstance(v, str) and v for v in value)):
            raise TypeError(self.wrong(hook, value, f"{hook}() must return {expected}"))
        return tuple(value)

    def mapping(self, hook, value, expected):
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in value.items()):
            raise TypeError(self.wrong(hook, value, f"{hook}() must return {expected}"))
        return dict(value)

    def dtype_name(self, name):
        if not isinstance(name, str):
            raise TypeError(self.wrong("ember_backend_dtypes", name, "ember_backend_dtypes() "
                                       "must map dtype names ('float32', ...) to native dtypes"))
        try:
            return _dt.from_name(name)
        except Exception:
            raise TypeError(self.wrong("ember_backend_dtypes", name, "ember_backend_dtypes() "
                                       "names an unknown dtype")) from None


def _short_repr(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _validated_kernels(name, kernels):
    """(full kernel table, missing primitive ops) for a backend's registered `kernels`.

    A backend that lacks kernels for some primitive ops still loads: ember grows ops faster than
    plugins are released, and one missing op should not take a whole backend away. Each missing
    op gets a kernel that raises NotImplementedError naming the op and the backend; ``python -m
    ember info`` lists them and the conformance suite fails on them (a backend may declare them
    as expected failures).
    """
    from . import ops

    unknown = sorted(str(k) for k in kernels if not isinstance(k, str) or k not in ops.REGISTRY)
    if unknown:
        raise ValueError(f"backend {name!r} registers kernels for unknown ops: {', '.join(unknown)}")
    not_callable = sorted(str(k) for k, f in kernels.items() if not callable(f))
    if not_callable:
        raise TypeError(f"backend {name!r} registers non-callable kernels: {', '.join(not_callable)}")
    for op_name, fn in kernels.items():  # each kernel against its op's declared arguments
        error = ops.registry.check_kernel(name, op_name, fn)
        if error is not None:
            raise error
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
_BUILTIN_DISTRIBUTION = "ember"  # ember's own backends register from its own distribution


def _distribution(ep):
    dist = getattr(ep, "dist", None)
    return getattr(dist, "name", None) or ep.value.split(":")[0].split(".")[0]


def _list_entry_points():
    """name -> Backend for every entry point, without importing any. A name claimed by two
    third-party plugins is broken; a third-party plugin claiming a built-in backend's name is
    listed apart as broken (``numpy@its-distribution``), and the built-in keeps the name."""
    found = {}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        b = found.get(ep.name)
        if b is None:
            found[ep.name] = Backend(ep.name, ep)
            continue
        if b.entry_point.value == ep.value:
            continue  # the same distribution seen twice on sys.path
        builtin = _distribution(b.entry_point) == _BUILTIN_DISTRIBUTION
        if builtin or _distribution(ep) == _BUILTIN_DISTRIBUTION:
            impostor = ep if builtin else b.entry_point
            if not builtin:
                found[ep.name] = Backend(ep.name, ep)
            rejected = Backend(f"{ep.name}@{_distribution(impostor)}", impostor)
            rejected.status, rejected._loaded = BROKEN, True
            rejected.reason = (f"the plugin {impostor.value} registers the name {ep.name!r} of "
                               f"ember's built-in backend; it is ignored and the built-in one is "
                               f"used")
            found[rejected.name] = rejected
            warnings.warn(f"ember backend {rejected.name!r} is broken and was skipped: "
                          f"{rejected.reason}", EmberPluginWarning, stacklevel=4)
            continue
        b.status, b._loaded = BROKEN, True
        b.reason = (f"two plugins claim the name {ep.name!r}: "
                    f"{b.entry_point.value} and {ep.value}")
    return found


def _discover():
    """The installed backends (listed once). Under EMBER_STRICT_PLUGINS every plugin is loaded
    and a broken one raises PluginError, at every call."""
    global _backends
    found = _backends
    if found is None:
        with _discovery_lock:
            if _backends is None:
                _backends = _list_entry_points()
            found = _backends
    if _strict():
        for b in list(found.values()):
            b.load()  # raises for a broken backend
    return found


def rediscover():
    """Forget every backend and list the entry points again (after installing a plugin); the
    process-wide default backend is chosen again too."""
    global _backends, _process_default
    with _discovery_lock:
        _backends = None
        _process_default = None


def installed():
    """Every installed backend, loaded, as a dict name -> Backend (status, reason, devices ...)."""
    found = _discover()
    for b in list(found.values()):
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
        close = difflib.get_close_matches(str(name), list(found), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise RuntimeError(f"unknown ember backend {name!r}.{hint} {_installed_summary(found)}")
    return b.require()


def _installed_summary(found):
    """The installed backends, with the status of those already loaded. It loads nothing: an
    error path must stay fast (loading can mean importing JAX, or any plugin)."""
    listing = ", ".join(f"{b.name} ({b.describe()})" if b._loaded else b.name
                        for b in found.values()) or "none"
    return (f"Installed backends: {listing}. Third-party backends install as pip packages that "
            f"register an entry point in the {ENTRY_POINT_GROUP!r} group; "
            f"`python -m ember info` shows the status of each.")


def _unusable_message(b):
    hint = f' Install it with: pip install "ember[{b.extra}]".' if b.extra and b.status == UNAVAILABLE else ""
    others = _installed_summary(_discover())
    return f"ember backend {b.name!r} is {b.status}: {b.reason}.{hint} {others}"


# -- the default backend -------------------------------------------------------------------------
# Two levels, as PyTorch's grad mode has one per thread: ``with default_backend(name)`` sets a
# context variable, so it applies to the current thread (and the asyncio tasks it starts) only;
# outside every such block, the process-wide default applies, which ``set_default_backend`` sets
# (and ``EMBER_BACKEND``, else numpy, gives at first use).
_process_default = None
_context_default = contextvars.ContextVar("ember_default_backend", default=None)


def _default_backend():
    b = _context_default.get()
    if b is None:
        b = _process_default
        if b is None:
            b = _init_process_default()
    return b


def _init_process_default():
    global _process_default
    b = get_backend(os.environ.get("EMBER_BACKEND") or "numpy")
    with _discovery_lock:
        if _process_default is None:
            _process_default = b
        return _process_default


def get_default_backend():
    """The name of the backend new tensors are created on here: the innermost
    ``with ember.default_backend(...)`` block of this thread, else the process-wide default."""
    return _default_backend().name


def set_default_backend(name):
    """Make `name` the process-wide default backend: every thread (those already running too)
    creates new tensors on it, except inside a ``with ember.default_backend(...)`` block, whose
    backend applies in its own thread until the block ends."""
    global _process_default
    _process_default = get_backend(name)


@contextlib.contextmanager
def default_backend(name):
    """``with ember.default_backend("jax"):`` creates tensors on JAX inside the block, in this
    thread only (and the asyncio tasks started in it); other threads are not affected."""
    b = get_backend(name)
    token = _context_default.set(b)
    try:
        yield b
    finally:
        _context_default.reset(token)
