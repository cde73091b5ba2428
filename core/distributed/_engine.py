"""The communicator interface that every collectives engine implements, and host staging.

An engine moves raw arrays, never Tensors: ``ember.distributed`` stages a tensor into the engine's
native buffer (``Engine.stage``), calls one operation, and writes the result back into the tensor
when the operation completes. Each operation starts the transfer and returns a *request*: an
object whose ``test()`` says whether it has finished (and drives the engine's progress). The
caller polls it against the process group's timeout, so a lost peer raises instead of hanging.

Reduction ops arrive as strings: ``"sum"``, ``"product"``, ``"max"``, ``"min"`` (``AVG`` is a sum
divided above the engine). Ranks are ranks of the engine's own communicator.
"""

import numpy as np


class Engine:
    """One communicator: ``rank`` and ``size`` of this process in it, and its operations.

    ``allreduce``, ``broadcast``, ``reduce``, ``allgather``, ``reduce_scatter``, ``gather``,
    ``scatter``, ``send``, ``recv`` and ``barrier`` return a request; ``split(ranks)`` makes the
    communicator of a subgroup (collective over this one; None on ranks outside it).
    """

    name = None
    rank = 0
    size = 1

    def stage(self, tensor):
        """(buffer, commit): a contiguous native buffer holding `tensor`'s values, and a function
        writing the buffer back into the tensor (None where the buffer *is* the tensor's memory)."""
        raise NotImplementedError

    def empty(self, shape, like):
        """A new native buffer of `shape` with the dtype of buffer `like`."""
        raise NotImplementedError

    def from_host(self, array):
        """A native buffer holding NumPy `array` (host engines use it as it is)."""
        return array

    def to_host(self, buf):
        """Native buffer `buf` as a NumPy array."""
        return buf

    def close(self):
        """Release the communicator (``destroy_process_group``)."""


class Done:
    """The request of an operation that finished when it was called."""

    __slots__ = ()

    def test(self):
        return True


DONE = Done()


def host_stage(tensor):
    """Stage `tensor` as a C-contiguous, writable NumPy array (the host engines' buffer)."""
    be = tensor._backend
    arr = be.kernels["to_numpy"](tensor._data)
    if (be.shares_numpy_memory and isinstance(arr, np.ndarray) and arr.flags.c_contiguous
            and arr.flags.writeable):
        return arr, None
    buf = np.array(arr, copy=True, order="C")
    return buf, lambda b: write_back(tensor, be.kernels["from_numpy"](b))


def write_back(tensor, raw):
    """Copy raw array `raw` (of `tensor`'s backend) into `tensor` in place, outside autograd; on
    an immutable backend the tensor (and the base of a view) is rebound to the new values."""
    from ..autograd import no_grad
    from ..tensor import _wrap

    src = _wrap(raw, tensor._backend, tensor._dtype)
    if src._data.shape != tensor._data.shape:
        src = src.reshape(tensor._data.shape)
    with no_grad():
        tensor.copy_(src)
