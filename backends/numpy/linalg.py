"""NumPy-API kernels for the linear-algebra ops (shared with CuPy): matmul, inverse, solve and
determinant. mm, bmm, mv, dot, addmm and the vector norm come from core's decompositions over
matmul and the elementwise kernels."""

import numpy as np

from .elementwise import quiet_for


def make(xp):
    """The linear-algebra kernels for array module `xp` (numpy or cupy)."""
    quiet = quiet_for(xp)  # products of inf and 0 make NumPy warn

    @quiet
    def matmul(a, b):
        return xp.matmul(a, b)

    def zero_pivot(a):
        """Per matrix: 0, or the 1-based index of the first zero pivot of LU with partial
        pivoting (what LAPACK's getrf reports as info)."""
        n = a.shape[-1]
        lu = a.reshape((-1, n, n)).astype(xp.complex128 if a.dtype.kind == "c" else xp.float64)
        rows = xp.arange(lu.shape[0])
        info = xp.zeros(lu.shape[0], dtype=xp.int64)
        for j in range(n):
            p = xp.argmax(xp.abs(lu[:, j:, j]), axis=1) + j
            top = lu[rows, p].copy()
            lu[rows, p] = lu[:, j]
            lu[:, j] = top
            pivot = lu[:, j, j]
            info = xp.where((info == 0) & (pivot == 0), j + 1, info)
            factors = lu[:, j + 1:, j] / xp.where(pivot == 0, 1, pivot)[:, None]
            lu[:, j + 1:, :] -= factors[:, :, None] * lu[:, j, None, :]
        return info.reshape(a.shape[:-2])

    def checked(solve_fn, a, *rest):
        """`solve_fn`'s result and info: on a singular matrix NumPy raises (CuPy gives
        non-finite values); the result is then garbage and info names the zero pivot."""
        try:
            out = solve_fn(a, *rest)
        except np.linalg.LinAlgError:
            out = None
        if out is not None and bool(xp.isfinite(out).all()):
            return out, xp.zeros(a.shape[:-2], dtype=xp.int64)
        info = zero_pivot(a)
        if out is None:
            shape = np.broadcast_shapes(a.shape[:-2], rest[0].shape[:-2]) + rest[0].shape[-2:] \
                if rest else a.shape
            out = xp.full(shape, xp.nan, dtype=a.dtype)
        return out, info

    return {
        "matmul": matmul,
        "linalg_inv": lambda a: checked(xp.linalg.inv, a),
        "linalg_solve": lambda a, b: checked(xp.linalg.solve, a, b),
        "linalg_det": lambda a: xp.asarray(xp.linalg.det(a)),
    }
