"""What ``torch.backends`` is when ember runs a program as torch (see ``ember.as_torch``).

In PyTorch, ``torch.backends`` holds the switches of the libraries PyTorch links (cuDNN, cuBLAS,
MPS); ``ember.backends`` is ember's plugin registry, another thing under the same name. So the
import hook maps ``torch.backends`` here, and tutorial lines such as
``torch.backends.cudnn.benchmark = True`` or ``torch.backends.mps.is_available()`` work.

ember links none of those libraries: a switch is kept, type-checked and read back as PyTorch's
is, and changes nothing. The availability checks say what ember can do here: cuDNN counts as
available exactly when a CUDA backend is (``torch.cuda.is_available()``), MPS when an available
backend lists an ``mps`` device.
"""

import contextlib
import sys
import types

__all__ = ["cuda", "cudnn", "mps"]


def _has_device(kind):
    """True if some available backend lists a device of type `kind` ("mps", "mps:0")."""
    from . import backends

    for b in backends.installed().values():
        b.load()
        if b.status == backends.AVAILABLE and any(d.split(":")[0] == kind for d in b.devices):
            return True
    return False


def _check_bool(where, value):
    if type(value) is not bool:
        raise RuntimeError(f"{where} expects a bool, but got {type(value).__name__}")


class _Switches(types.ModuleType):
    """A module whose boolean switches (``_BOOLS``) refuse anything but a bool, as PyTorch's do."""

    _BOOLS = ()

    def __setattr__(self, name, value):
        if name in self._BOOLS:
            _check_bool(f"torch.backends.{self.__name__.rpartition('.')[2]}.{name}", value)
        super().__setattr__(name, value)


class _CuDNN(_Switches):
    _BOOLS = ("enabled", "benchmark", "deterministic", "allow_tf32")

    def is_available(self):
        """True if cuDNN could be used: here, exactly when a CUDA backend is available."""
        from . import cuda

        return cuda.is_available()

    def version(self):
        """None: ember links no cuDNN of its own (PyTorch's answer where it has none)."""
        return None

    def is_acceptable(self, tensor):
        """False: ember never hands a tensor to cuDNN."""
        return False

    @contextlib.contextmanager
    def flags(self, enabled=False, benchmark=False, benchmark_limit=10, deterministic=False,
              allow_tf32=True):
        """Set the switches for the ``with`` block, and restore them after it."""
        names = ("enabled", "benchmark", "benchmark_limit", "deterministic", "allow_tf32")
        saved = {n: getattr(self, n) for n in names}
        new = dict(zip(names, (enabled, benchmark, benchmark_limit, deterministic, allow_tf32)))
        try:
            for n, v in new.items():
                setattr(self, n, v)
            yield
        finally:
            for n, v in saved.items():
                setattr(self, n, v)


class _MPS(types.ModuleType):
    def is_available(self):
        """True if an available backend lists an ``mps`` device (none of ember's own do)."""
        return _has_device("mps")

    def is_built(self):
        """Whether ember can run on MPS at all: the same answer as :meth:`is_available`."""
        return _has_device("mps")


class _CuBLAS:
    """``torch.backends.cuda.matmul``: cuBLAS's precision switches (kept, and ignored)."""

    _BOOLS = ("allow_tf32",)
    _REDUCTIONS = ("allow_fp16_reduced_precision_reduction",
                   "allow_bf16_reduced_precision_reduction")

    def __init__(self):
        self.__dict__.update(allow_tf32=False, allow_fp16_reduced_precision_reduction=True,
                             allow_bf16_reduced_precision_reduction=True)

    def __setattr__(self, name, value):
        if name in self._BOOLS:
            _check_bool(f"torch.backends.cuda.matmul.{name}", value)
        elif name in self._REDUCTIONS:  # PyTorch also takes (allow, allow_splitk)
            if not (type(value) is bool or (isinstance(value, (tuple, list)) and value
                                            and all(type(v) is bool for v in value))):
                raise TypeError(f"{name} expects a bool or a tuple/list of bools, but got "
                                f"{type(value)}")
        else:
            raise AttributeError(f"Unknown attribute {name}")
        self.__dict__[name] = value

    def __getattr__(self, name):
        raise AttributeError(f"Unknown attribute {name}")

    def __repr__(self):
        return "<torch.backends.cuda.matmul: cuBLAS switches, which ember accepts and ignores>"


def _submodule(cls, name, doc, **values):
    """The submodule `name` of this module, importable as such (as ``os.path`` is)."""
    module = cls(f"{__name__}.{name}", doc)
    for key, value in values.items():
        setattr(module, key, value)
    sys.modules[module.__name__] = module
    return module


cudnn = _submodule(_CuDNN, "cudnn", "``torch.backends.cudnn``: cuDNN's switches (kept, and "
                   "ignored: ember links no cuDNN).", enabled=True, benchmark=False,
                   benchmark_limit=10, deterministic=False, allow_tf32=True)
mps = _submodule(_MPS, "mps", "``torch.backends.mps``: whether Apple's MPS devices are there.")
cuda = _submodule(types.ModuleType, "cuda", "``torch.backends.cuda``: cuBLAS's switches.",
                  matmul=_CuBLAS())
