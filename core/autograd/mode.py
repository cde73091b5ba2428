"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode (per thread).

Each is a context manager and a decorator (``@no_grad()``, and ``@no_grad`` bare as in recent
PyTorch); a decorated generator function runs every step between yields in the mode. The state
lives in a thread-local, so a mode entered in one thread does not affect another.
"""

import functools
import inspect

from .graph import grad_mode


class _Mode:
    """A context manager that is also a decorator; subclasses give the mode to enter."""

    _enabled = True
    _inference = False

    def __new__(cls, *args, **kwargs):
        # `@no_grad` without parentheses: the class is called with the function itself
        if cls is not set_grad_enabled and len(args) == 1 and callable(args[0]) and not kwargs:
            return cls()(args[0])
        return super().__new__(cls)

    def __init__(self):
        self._prev = []

    def __enter__(self):
        self._prev.append((grad_mode.enabled, grad_mode.inference))
        grad_mode.enabled = self._enabled
        grad_mode.inference = self._inference

    def __exit__(self, *exc):
        grad_mode.enabled, grad_mode.inference = self._prev.pop()
        return False

    def clone(self):
        """A fresh manager of the same mode (a decorator enters a new one per call)."""
        return type(self)()

    def __call__(self, fn):
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def generator(*args, **kwargs):
                gen = fn(*args, **kwargs)
                try:
                    with self.clone():
                        value = next(gen)
                    while True:
                        try:
                            sent = yield value
                        except GeneratorExit:
                            gen.close()
                            raise
                        except BaseException as e:  # noqa: B036 - passed into the generator
                            with self.clone():
                                value = gen.throw(e)
                        else:
                            with self.clone():
                                value = gen.send(sent)
                except StopIteration as stop:
                    return stop.value

            return generator

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_Mode):
    """Inside ``with ember.no_grad():`` no op is recorded for autograd."""

    _enabled = False


class enable_grad(_Mode):
    """Turn recording back on inside a ``no_grad`` block."""

    _enabled = True


class set_grad_enabled(_Mode):
    """``set_grad_enabled(False)`` as a call (it sets the mode at once), a context manager or a
    decorator."""

    def __init__(self, mode):
        self._enabled = bool(mode)
        self._inference = grad_mode.inference
        self._prev = [(grad_mode.enabled, grad_mode.inference)]
        grad_mode.enabled = self._enabled

    def __enter__(self):
        pass

    def clone(self):
        return _Fixed(self._enabled)

    def __call__(self, fn):
        # decorating must not change the mode now
        grad_mode.enabled, grad_mode.inference = self._prev.pop()
        return super().__call__(fn)


class _Fixed(_Mode):
    """The manager a ``set_grad_enabled(mode)`` decorator enters per call."""

    def __init__(self, mode):
        super().__init__()
        self._enabled = mode

    def clone(self):
        return _Fixed(self._enabled)


class inference_mode(_Mode):
    """Like no_grad, and ``is_inference_mode_enabled()`` is true inside (``mode=False`` is a
    no-op manager). ember keeps no extra inference-only state on tensors."""

    def __init__(self, mode=True):
        super().__init__()
        self._mode = bool(mode)
        self._enabled = not mode if mode else grad_mode.enabled
        self._inference = self._mode

    def __enter__(self):
        if not self._mode:  # inference_mode(False) leaves the current mode as it is
            self._enabled = grad_mode.enabled
        super().__enter__()

    def clone(self):
        return inference_mode(self._mode)


def is_grad_enabled():
    return grad_mode.enabled


def is_inference_mode_enabled():
    return grad_mode.inference
