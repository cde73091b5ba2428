"""The NumPy backend: silent on NaN, inf and zero divisors as PyTorch is, through NumPy's public
error-state interface only, and without touching the caller's NumPy error state."""

import pathlib
import threading

import numpy as np
import pytest

import ember
import ember_numpy


def test_numpy_backend_uses_no_private_numpy_interface():
    for path in pathlib.Path(ember_numpy.__file__).parent.glob("*.py"):
        text = path.read_text()
        for private in ("numpy._core", "_extobj_contextvar", "_make_extobj"):
            assert private not in text, f"{path.name} uses NumPy's private {private}"


def test_kernels_are_silent_whatever_the_callers_error_state():
    x = ember.tensor([0.0, 1.0, -1.0, np.inf])
    with ember.default_backend("numpy"), np.errstate(all="raise"):
        (x / 0, ember.log(x), x * np.inf, (x + 3e38) * 3e38, ember.sqrt(x))
        with pytest.raises(FloatingPointError):  # the caller's own NumPy code still raises
            np.ones(1) / 0
    assert np.geterr()["divide"] == "warn"


def test_kernels_are_silent_in_threads_at_once():
    """Large arrays: NumPy releases the GIL inside the kernel, so threads meet in it."""
    errors = []
    x = ember.zeros(200_000)

    def work():
        try:
            with np.errstate(all="raise"):
                for _ in range(20):
                    ember.log(x / 0)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
