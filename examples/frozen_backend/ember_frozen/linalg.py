"""The frozen backend's kernels for the linear-algebra ops (mm, bmm, dot, the norms ... come from
ember's decompositions over matmul and the elementwise kernels)."""

import numpy as np

from .array import lift, lift_all


def _zero_pivot(a):
    """Per matrix: 0, or the 1-based index of the first zero pivot of LU with partial pivoting."""
    n = a.shape[-1]
    lu = a.reshape((-1, n, n)).astype(np.complex128 if a.dtype.kind == "c" else np.float64)
    rows = np.arange(lu.shape[0])
    info = np.zeros(lu.shape[0], dtype=np.int64)
    for j in range(n):
        p = np.argmax(np.abs(lu[:, j:, j]), axis=1) + j
        top = lu[rows, p].copy()
        lu[rows, p] = lu[:, j]
        lu[:, j] = top
        pivot = lu[:, j, j]
        info = np.where((info == 0) & (pivot == 0), j + 1, info)
        factors = lu[:, j + 1:, j] / np.where(pivot == 0, 1, pivot)[:, None]
        lu[:, j + 1:, :] -= factors[:, :, None] * lu[:, j, None, :]
    return info.reshape(a.shape[:-2])


def _checked(fn):
    """(result, info): NumPy raises on a singular matrix; the result is then nan."""
    def kernel(a, *rest):
        try:
            return fn(a, *rest), np.zeros(a.shape[:-2], dtype=np.int64)
        except np.linalg.LinAlgError:
            shape = np.broadcast_shapes(a.shape[:-2], rest[0].shape[:-2]) + rest[0].shape[-2:] \
                if rest else a.shape
            return np.full(shape, np.nan, dtype=a.dtype), _zero_pivot(a)
    return kernel


KERNELS = {
    "matmul": lift(np.matmul),
    "linalg_inv": lift_all(_checked(np.linalg.inv)),
    "linalg_solve": lift_all(_checked(np.linalg.solve)),
    "linalg_det": lift(lambda a: np.asarray(np.linalg.det(a))),
}
