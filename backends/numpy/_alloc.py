"""Keep freed memory in the process: glibc malloc's trim and mmap thresholds, set at load.

A training step allocates and frees the same multi-megabyte temporaries (im2col columns,
activations, gradients) every step. With glibc's defaults each one above the mmap threshold is
mapped fresh and unmapped when freed, and the top of the heap is trimmed back to the system, so
the next step page-faults every page again (about 2,000 minor faults, several milliseconds, per
LeNet-5 step). Raising both thresholds lets malloc hand the same pages back out instead.

Only glibc has ``mallopt``; elsewhere (musl, macOS, Windows) this does nothing.
``EMBER_NO_MALLOPT=1`` in the environment turns it off.
"""

import ctypes
import ctypes.util
import os

M_TRIM_THRESHOLD = -1  # glibc's <malloc.h> parameter numbers
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # the largest glibc accepts on 64-bit (half its heap size)
TRIM_THRESHOLD = 256 * 1024 * 1024

_tuned = None


def tune():
    """Set the thresholds once per process; True where glibc accepted them, False where this
    is not glibc or EMBER_NO_MALLOPT is set."""
    global _tuned
    if _tuned is not None:
        return _tuned
    _tuned = False
    if os.environ.get("EMBER_NO_MALLOPT", "") not in ("", "0"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # noqa: B018 - only glibc has it (musl has a mallopt stub)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _tuned = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _tuned
