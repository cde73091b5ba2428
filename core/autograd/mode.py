"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode (per thread)."""

import functools

from .graph import grad_mode


class _Mode:
    """A context manager that is also a decorator."""

    _enabled = True

    def __enter__(self):
        self._prev = grad_mode.enabled
        grad_mode.enabled = self._enabled

    def __exit__(self, *exc):
        grad_mode.enabled = self._prev
        return False

    def __call__(self, fn):
        if isinstance(self, set_grad_enabled):
            grad_mode.enabled = self._prev  # decorating must not change the mode now

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)() if not isinstance(self, set_grad_enabled) else \
                    set_grad_enabled(self._enabled):
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_Mode):
    """Inside ``with ember.no_grad():`` no op is recorded for autograd."""

    _enabled = False


class enable_grad(_Mode):
    """Turn recording back on inside a ``no_grad`` block."""

    _enabled = True


class set_grad_enabled(_Mode):
    """``set_grad_enabled(False)`` as a call, a context manager or a decorator."""

    def __init__(self, mode):
        self._enabled = bool(mode)
        self._prev = grad_mode.enabled
        grad_mode.enabled = self._enabled

    def __enter__(self):
        pass


class inference_mode(_Mode):
    """Like no_grad (ember keeps no extra inference-only state)."""

    def __init__(self, mode=True):
        self._enabled = not mode


def is_grad_enabled():
    return grad_mode.enabled
