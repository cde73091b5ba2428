"""``ember.as_torch()`` and ``python -m ember run``: ``import torch`` gives ember, in one process.

An import hook (a finder at the front of ``sys.meta_path``) answers for ``torch`` and every
``torch.*`` name with a module that stands for the ember module of the same path: ``torch.nn`` for
``ember.nn``, ``torch.utils.data`` for ``ember.utils.data``. Each is a thin module of its own
(named ``torch...``) whose attributes are ember's, so ``torch.nn.Linear is ember.nn.Linear``, and
setting one sets ember's (``torch.backends.cudnn.benchmark = True``); a name ember lacks raises
``AttributeError`` or ``ModuleNotFoundError`` saying that it is not implemented in ember. One
name means different things in the two: ``ember.backends`` is ember's plugin registry, so
``torch.backends`` stands for ``ember._torch_backends``, PyTorch's switches for cuDNN, cuBLAS and
MPS. While the hook is on, reprs print ``torch.float32``, ``torch.Size([2, 3])``,
``torch.strided`` and ``torch.return_types.max(...)``, as PyTorch does.

Nothing in ember uses the hook, and ``import ember`` alone never touches the name ``torch``.
"""

import importlib
import importlib.abc
import importlib.machinery
import sys
import types

from . import dtypes as _dt

__all__ = ["as_torch"]

_TORCH, _EMBER = "torch", "ember"
# torch modules whose namesake in ember is something else, and the ember module standing for each
_STAND_INS = {"torch.backends": "ember._torch_backends"}


def _renamed(name, pairs):
    """`name` with its first matching prefix (a whole dotted part) from `pairs` replaced."""
    for old, new in pairs:
        if name == old or name.startswith(old + "."):
            return new + name[len(old):]
    return name


def _ember_name(torch_name):
    return _renamed(torch_name, [*_STAND_INS.items(), (_TORCH, _EMBER)])


def _torch_name(ember_name):
    return _renamed(ember_name, [*((e, t) for t, e in _STAND_INS.items()), (_EMBER, _TORCH)])


def _is_ember_module(value):
    return isinstance(value, types.ModuleType) and (
        value.__name__ == _EMBER or value.__name__.startswith(_EMBER + "."))


def _not_implemented(torch_name):
    return f"{torch_name} is not implemented in ember (ember is running this program as torch)"


class _TorchModule(types.ModuleType):
    """``torch.X``: a module whose attributes are those of ``ember.X``."""

    def __getattr__(self, name):
        target = self.__dict__.get("__ember__")
        if target is None or (name.startswith("__") and name.endswith("__")
                              and name not in ("__version__", "__file__", "__all__")):
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        if name == "__all__" and not hasattr(target, "__all__"):  # for `from torch import *`
            return [n for n in dir(target) if not n.startswith("_")]
        try:
            value = getattr(target, name)
        except AttributeError:
            value = _import_submodule(f"{target.__name__}.{name}")
            if value is None:
                raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}: "
                                     f"{_not_implemented(f'{self.__name__}.{name}')}") from None
        if _is_ember_module(value):  # torch.nn is the torch module for ember.nn, not ember.nn
            return importlib.import_module(_torch_name(value.__name__))
        return value

    def __setattr__(self, name, value):
        # anything but what the import system keeps here is set on the ember module, so that a
        # switch set through torch (torch.backends.cudnn.benchmark = True) is ember's to read
        if _own_attribute(self, name, value):
            super().__setattr__(name, value)
        else:
            setattr(self.__dict__["__ember__"], name, value)

    def __delattr__(self, name):
        if _own_attribute(self, name):
            super().__delattr__(name)
        else:
            delattr(self.__dict__["__ember__"], name)

    def __dir__(self):
        return sorted(set(dir(self.__dict__["__ember__"])) | set(self.__dict__))

    def __repr__(self):
        return f"<module {self.__name__!r} (ember's {self.__dict__['__ember__'].__name__})>"


def _own_attribute(module, name, value=None):
    """Whether `name` lives on the torch module itself: dunders, and the submodules that
    ``import torch.x`` binds on its parent; everything else lives on the ember module."""
    return (name in module.__dict__ or "__ember__" not in module.__dict__
            or (name.startswith("__") and name.endswith("__"))
            or isinstance(value, types.ModuleType))


def _import_submodule(ember_name):
    """The ember module `ember_name`, or None if ember has no such module."""
    try:
        return importlib.import_module(ember_name)
    except ModuleNotFoundError as exc:
        if exc.name and (ember_name == exc.name or ember_name.startswith(exc.name + ".")):
            return None
        raise  # a module ember has failed to import something else: that is a real error


class _Loader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        module = _TorchModule(spec.name, self.target.__doc__)
        module.__ember__ = self.target
        return module

    def exec_module(self, module):
        pass  # everything is looked up on the ember module


class _TorchFinder(importlib.abc.MetaPathFinder):
    """Finds ``torch`` and ``torch.*`` as ember's modules (see the module docstring)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _TORCH and not fullname.startswith(_TORCH + "."):
            return None
        module = _import_submodule(_ember_name(fullname))
        if module is None:
            # named after the ember module, so that `from torch import missing` reports this
            # error rather than its own "cannot import name"
            raise ModuleNotFoundError(_not_implemented(fullname), name=_ember_name(fullname))
        # every torch.* module is a package, so that `from torch.x import missing` comes here too
        return importlib.machinery.ModuleSpec(fullname, _Loader(module), is_package=True)


def _installed():
    return any(isinstance(f, _TorchFinder) for f in sys.meta_path)


def as_torch():
    """Make ``import torch`` (and ``torch.nn``, ``torch.optim`` … every ``torch.*`` module) import
    ember in this process, with reprs as PyTorch prints them; returns the ``torch`` module.

    For notebooks; ``python -m ember run script.py`` does the same for a script. It must come
    before anything imports the real PyTorch: if ``torch`` is already imported, it raises
    ``RuntimeError`` rather than mix the two. Calling it again does nothing more.
    """
    if not _installed():
        loaded = sorted(n for n, m in sys.modules.items()
                        if (n == _TORCH or n.startswith(_TORCH + "."))
                        and not isinstance(m, _TorchModule))
        if loaded:
            where = getattr(sys.modules.get(_TORCH), "__file__", None) or "an unknown location"
            raise RuntimeError(
                f"ember.as_torch(): the real PyTorch is already imported in this process "
                f"({', '.join(loaded[:3])}{', ...' if len(loaded) > 3 else ''} from {where}), so "
                f"'torch' cannot also mean ember. Call ember.as_torch() before anything imports "
                f"torch (in a notebook: restart the kernel), or run the script with "
                f"python -m ember run script.py")
        _dt._repr_prefix = _TORCH
        sys.meta_path.insert(0, _TorchFinder())
    return importlib.import_module(_TORCH)
