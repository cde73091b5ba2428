"""Sample entries for the linear-algebra ops (see ``ember_conformance.samples``): matmul, mm,
bmm, mv, dot, outer, addmm, tensordot, einsum, the norms, inverse, solve and det."""

import numpy as np

import ember

from ..entries import ALL, COMPLEX, FLOAT, INT, E, Entry, S, same
from ._common import _HALF_SUM


NUMERIC = INT + FLOAT + COMPLEX


# -- linear algebra --------------------------------------------------------------------------------
def matmul_samples(m):
    out = [S(m(2, 3), m(3, 4)).named("2-d @ 2-d"), S(m(3), m(3)).named("1-d @ 1-d"),
           S(m(3), m(3, 2)).named("1-d @ 2-d"), S(m(2, 3), m(3)).named("2-d @ 1-d"),
           S(m(2, 2, 3), m(3, 2)).named("batched @ 2-d"),
           S(m(2, 1, 2, 3), m(3, 3, 2)).named("broadcast batches"),
           S(m(0, 3), m(3, 2)).named("empty rows"), S(m(2, 0), m(0, 3)).named("empty inner")]
    return out


def matmul_errors(m):
    return [E(RuntimeError, m(2, 3), m(2, 2)), E(RuntimeError, m(), m(2)),
            E(RuntimeError, m(3), m(4)),
            E(RuntimeError, m(2, 2, dtype=ember.float32), m(2, 2, dtype=ember.float64))
            .requires(ember.float32, ember.float64),
            E(TypeError, m(2, 2), [[1.0, 2.0], [3.0, 4.0]])]


inf, nan = float("inf"), float("nan")
NUMERIC = INT + FLOAT + COMPLEX
LAPACK = (ember.float32, ember.float64, ember.complex64, ember.complex128)
_F32, _F64 = ember.float32, ember.float64


def _mixed(m, *shapes):
    """Arguments with float32 and float64 tensors (the ops require one dtype)."""
    return [m(*s, dtype=d) for s, d in zip(shapes, (_F32, _F64))]


def _mixed_error(m, *shapes):
    return E(RuntimeError, *_mixed(m, *shapes)).requires(_F32, _F64)


# -- products --------------------------------------------------------------------------------------
def mm_samples(m):
    return [S(m(2, 3), m(3, 4)).named("2-d"), S(m(1, 3), m(3, 1)).named("row @ column"),
            S(m(0, 3), m(3, 2)).named("empty rows"), S(m(2, 0), m(0, 3)).named("empty inner"),
            S(m(4, 5), m(5, 3)).named("larger")]


def mm_errors(m):
    return [E(RuntimeError, m(2, 3), m(2, 2)), E(RuntimeError, m(3), m(3, 2)),
            E(RuntimeError, m(2, 3), m(3)), _mixed_error(m, (2, 2), (2, 2)),
            E(TypeError, m(2, 2), [[1.0, 2.0], [3.0, 4.0]])]


def bmm_samples(m):
    return [S(m(2, 2, 3), m(2, 3, 2)).named("batched"), S(m(1, 0, 3), m(1, 3, 2))
            .named("empty rows"), S(m(0, 2, 3), m(0, 3, 2)).named("empty batch"),
            S(m(3, 1, 2), m(3, 2, 1)).named("vectors")]


def bmm_errors(m):
    return [E(RuntimeError, m(2, 3), m(3, 2)), E(RuntimeError, m(2, 2, 3), m(2, 2, 3)),
            E(RuntimeError, m(2, 2, 3), m(3, 3, 2)), _mixed_error(m, (1, 2, 2), (1, 2, 2))]


def mv_samples(m):
    return [S(m(2, 3), m(3)).named("2-d @ 1-d"), S(m(0, 3), m(3)).named("empty rows"),
            S(m(3, 0), m(0)).named("empty inner"), S(m(4, 5), m(5)).named("larger")]


def mv_errors(m):
    return [E(RuntimeError, m(2, 3), m(2)), E(RuntimeError, m(3), m(3)),
            E(RuntimeError, m(2, 3), m(3, 1)), _mixed_error(m, (2, 2), (2,))]


def dot_samples(m):
    return [S(m(3), m(3)).named("1-d"), S(m(0), m(0)).named("empty"),
            S(m(6), m(6)).named("larger")]


def dot_errors(m):
    return [E(RuntimeError, m(2, 3), m(2, 3)), E(RuntimeError, m(3), m(2)),
            _mixed_error(m, (3,), (3,))]


def outer_samples(m):
    out = [S(m(3), m(2)).named("1-d"), S(m(0), m(2)).named("empty"),
           S(m(4), m(5)).named("larger")]
    if m.dtype is _F32:
        out.append(S(m(3), m(2, dtype=_F64)).out(_F64).requires(_F64).named("promotes"))
    return out


def outer_errors(m):
    return [E(RuntimeError, m(2, 3), m(3)), E(TypeError, m(3), [1.0, 2.0])]


def addmm_samples(m):
    floating = m.dtype.is_floating_point or m.dtype.is_complex
    beta, alpha = (0.5, 2.0) if floating else (2, 3)
    out = [S(m(2, 4), m(2, 3), m(3, 4)).named("2-d"),
           S(m(4), m(2, 3), m(3, 4)).named("input broadcast"),
           S(m(2, 4), m(2, 3), m(3, 4), beta=beta, alpha=alpha).named("beta, alpha"),
           S(m(2, 0), m(2, 3), m(3, 0)).named("empty")]
    if m.dtype.is_floating_point:
        out.append(S(m.values(np.full((2, 2), nan)), m(2, 3), m(3, 2), beta=0).no_grad().key()
                   .named("beta=0 ignores input (nan)"))
    return out


def _addmm_ref(c, a, b, beta=1, alpha=1):
    prod = alpha * np.matmul(a, b)
    return prod if beta == 0 else beta * c + prod


def addmm_errors(m):
    return [E(RuntimeError, m(2, 4), m(2, 3), m(2, 4)), E(RuntimeError, m(3), m(2, 3), m(3, 4)),
            E(RuntimeError, m(2, 4), m(3), m(3, 4))]


def tensordot_samples(m):
    return [S(m(2, 3), m(3, 4), 1).named("dims=1"), S(m(2, 3, 4), m(3, 4, 2)).named("dims=2"),
            S(m(2, 3), m(4, 2), ([0], [1])).named("dim lists"),
            S(m(2, 3), m(2, 3), ([0, 1], [0, 1])).named("all dims"),
            S(m(2), m(3), 0).named("dims=0: outer product"),
            S(m(0, 3), m(3, 2), 1).named("empty")]


def _tensordot_ref(a, b, dims=2):
    return np.tensordot(a, b, axes=dims)


def tensordot_errors(m):
    return [E(RuntimeError, m(2, 3), m(2, 3), 1), E(RuntimeError, m(2, 3), m(3), 3),
            E(RuntimeError, m(2, 3), m(2, 3), ([0], [0, 1])),
            _mixed_error(m, (2, 3), (3, 2))]


def einsum_samples(m):
    return [S("ij,jk->ik", m(2, 3), m(3, 4)).named("matrix product"),
            S("ij,jk", m(2, 3), m(3, 4)).named("implicit output"),
            S("ii", m(3, 3)).named("trace"), S("ii->i", m(3, 3)).named("diagonal"),
            S("ij->ji", m(2, 3)).named("transpose"), S("ij->", m(2, 3)).named("sum"),
            S("bij,bjk->bik", m(2, 2, 3), m(2, 3, 2)).named("batched"),
            S("i,j->ij", m(3), m(2)).named("outer"),
            S("...ij,...jk", m(2, 2, 3), m(3, 2)).named("ellipsis broadcast"),
            S("ij,ij,ij->i", m(2, 3), m(2, 3), m(2, 3)).named("three operands"),
            S("bij,jk->bik", m(1, 2, 3), m(3, 2)).named("size-1 batch"),
            S("i j , j k -> i k", m(2, 3), m(3, 2)).named("spaces")]


def _einsum_ref(equation, *operands):
    return np.einsum(equation.replace(" ", ""), *operands)


def einsum_errors(m):
    return [E(RuntimeError, "ij,jk->ik", m(2, 3), m(2, 2)), E(RuntimeError, "ij,jk", m(2, 3)),
            E(RuntimeError, "ij->k", m(2, 3)), E(RuntimeError, "ijk", m(2, 3)),
            E(RuntimeError, "i1", m(2, 3)), E(TypeError, 1, m(2, 3))]


# -- norms -----------------------------------------------------------------------------------------
def vector_norm_samples(m):
    a, d = m.away, m.distinct
    return [S(a(2, 3)).named("all, 2-norm"), S(a(2, 3), ord=1).named("1-norm"),
            S(a(2, 3), ord=3, dim=1).named("3-norm, dim"),
            S(d(2, 3), ord=inf, dim=(0, 1)).named("inf-norm"),
            S(d(2, 3), ord=-inf, dim=1, keepdim=True).named("-inf-norm, keepdim"),
            S(a(2, 3), ord=0).named("0-norm"), S(a(2, 3), ord=0.5, dim=-1).named("0.5-norm"),
            S(a(2, 3), ord=-2, dim=0).named("-2-norm"),
            S(m()).named("0-d"), S(m(0, 3)).named("empty: 0"),
            S(m.values([[0.0, 0.0], [3.0, -4.0]]), dim=1).no_grad().key()
            .named("a zero row (no second derivative there)")]


def _vector_norm_ref(x, ord=2, dim=None, keepdim=False, dtype=None):
    dims = None if dim is None or x.ndim == 0 else (dim if isinstance(dim, tuple) else (dim,))
    a = np.abs(x)
    with np.errstate(all="ignore"):
        if ord == inf:
            return np.max(a, axis=dims, keepdims=keepdim)
        if ord == -inf:
            return np.min(a, axis=dims, keepdims=keepdim)
        if ord == 0:
            return np.sum(a != 0, axis=dims, keepdims=keepdim).astype(np.float64)
        return np.sum(a ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)


def vector_norm_errors(m):
    return [E(RuntimeError, m(3, dtype=ember.int64)).requires(ember.int64),
            E(TypeError, m(2, 3), ord="fro"), E(RuntimeError, m(0), ord=inf),
            E(IndexError, m(2, 3), dim=2)]


def _vector_norm(*args, **kwargs):
    return ember.linalg.vector_norm(*args, **kwargs)


def matrix_norm_samples(m):
    d = m.away  # continuous values: no tie between row or column sums (a kink of max and min)
    return [S(d(2, 3)).named("fro"), S(d(2, 3), ord=1).named("1: largest column sum"),
            S(d(2, 3), ord=-1).named("-1"), S(d(3, 2), ord=inf).named("inf: largest row sum"),
            S(d(2, 3), ord=-inf, keepdim=True).named("-inf, keepdim"),
            S(d(2, 3, 2), dim=(0, 2)).named("dims"), S(d(2, 2, 3), ord=1).named("batched"),
            S(d(2, 3, 2), ord=inf, dim=(2, 0)).named("dims reversed")]


def _matrix_norm_ref(A, ord="fro", dim=(-2, -1), keepdim=False, dtype=None):
    d0, d1 = (d % A.ndim for d in dim)
    a = np.abs(A)
    if ord == "fro":
        return np.sqrt(np.sum(a ** 2, axis=(d0, d1), keepdims=keepdim))
    summed, kept = (d0, d1) if ord in (1, -1) else (d1, d0)
    sums = np.sum(a, axis=summed, keepdims=True)
    out = (np.max if ord > 0 else np.min)(sums, axis=kept, keepdims=True)
    return out if keepdim else np.squeeze(out, axis=(d0, d1))


def matrix_norm_errors(m):
    return [E(RuntimeError, m(3)), E(RuntimeError, m(2, 3), ord=3),
            E(RuntimeError, m(2, 3), dim=(0, 0)),
            E(RuntimeError, m(2, 3, dtype=ember.int64)).requires(ember.int64)]


def _matrix_norm(*args, **kwargs):
    return ember.linalg.matrix_norm(*args, **kwargs)


def linalg_norm_samples(m):
    a = m.away
    return [S(a(2, 3)).named("2-norm of all"), S(a(3), ord=1).named("vector, ord"),
            S(a(2, 3), ord=inf).named("matrix, ord"), S(a(2, 3), dim=1).named("dim int"),
            S(a(2, 3, 2), ord=1, dim=(0, 2)).named("dim pair"),
            S(a(2, 3), ord="fro", keepdim=True).named("fro, keepdim"),
            S(a(2, 3, 2)).named("3-d, no ord")]


def _linalg_norm_ref(A, ord=None, dim=None, keepdim=False, dtype=None):
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 2 or dim is None and ord is not None and A.ndim == 2:
        return _matrix_norm_ref(A, "fro" if ord is None else ord, dim or (-2, -1), keepdim)
    return _vector_norm_ref(A, 2 if ord is None else ord, dim, keepdim)


def linalg_norm_errors(m):
    return [E(RuntimeError, m(2, 2, 2), ord=1), E(RuntimeError, m(2, 3, 2), dim=(0, 1, 2)),
            E(RuntimeError, m(3, dtype=ember.int64)).requires(ember.int64)]


def _linalg_norm(*args, **kwargs):
    return ember.linalg.norm(*args, **kwargs)


def norm_samples(m):
    a, d = m.away, m.distinct
    return [S(a(2, 3)).named("fro of all"), S(a(2, 3), 1).named("p=1"),
            S(a(2, 3), 3, 1).named("p=3, dim"), S(d(2, 3), inf, (0, 1)).named("p=inf, dims"),
            S(a(2, 3), "fro", 1, True).named("fro, dim, keepdim"),
            S(a(2, 3, 2), 2, (0, 2)).named("dims")]


def _norm_ref(x, p="fro", dim=None, keepdim=False, dtype=None):
    dims = (dim,) if isinstance(dim, int) else dim
    return _vector_norm_ref(x, 2 if p == "fro" else p, dims, keepdim)


def norm_errors(m):
    return [E(RuntimeError, m(3, dtype=ember.int64)).requires(ember.int64),
            E(IndexError, m(2, 3), 2, 2), E(TypeError, "a")]


# -- inverse, solve, det ---------------------------------------------------------------------------
def _invertible(m, *shape):
    """Well-conditioned square matrices: random values plus a dominant diagonal."""
    vals = m(*shape).values + 4 * np.eye(shape[-1])
    return m.values(vals)


def inv_samples(m):
    return [S(_invertible(m, 3, 3)).named("3x3"), S(_invertible(m, 2, 3, 3)).named("batched"),
            S(_invertible(m, 1, 1)).named("1x1"), S(_invertible(m, 4, 4)).named("larger")]


def inv_errors(m):
    return [E(RuntimeError, m.values([[1.0, 2.0], [2.0, 4.0]])), E(RuntimeError, m(2, 3)),
            E(RuntimeError, m(3)), E(RuntimeError, m(2, 2, dtype=ember.int64))
            .requires(ember.int64), E(TypeError, [[1.0]])]


def solve_samples(m):
    A = _invertible
    return [S(A(m, 3, 3), m(3, 2)).named("matrix B"), S(A(m, 3, 3), m(3)).named("vector B"),
            S(A(m, 2, 3, 3), m(2, 3)).named("batched, vector B"),
            S(A(m, 2, 3, 3), m(3, 1)).named("B broadcast"),
            S(A(m, 2, 2), m(2, 2, 3)).named("A broadcast"),
            S(A(m, 3, 3), m(2, 3), left=False).named("left=False")]


def _solve_ref(A, B, left=True):
    if not left:
        return np.swapaxes(_solve_ref(np.swapaxes(A, -1, -2), np.swapaxes(B, -1, -2)), -1, -2)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    if vector:
        return np.linalg.solve(A, B[..., None])[..., 0]
    return np.linalg.solve(A, B)


def solve_errors(m):
    return [E(RuntimeError, m.values(np.zeros((3, 3))), m(3)),
            E(RuntimeError, _invertible(m, 3, 3), m(2, 2)), E(RuntimeError, m(2, 3), m(2)),
            E(RuntimeError, _invertible(m, 2, 3, 3), m(3, 3, 1)),
            E(RuntimeError, m(3, 3, dtype=_F32), m(3, dtype=_F64)).requires(_F32, _F64)]


def _solve(*args, **kwargs):
    return ember.linalg.solve(*args, **kwargs)


def det_samples(m):
    return [S(_invertible(m, 3, 3)).named("3x3"), S(_invertible(m, 2, 2, 2)).named("batched"),
            S(m(1, 1)).named("1x1"), S(m(3, 3)).named("random"),
            S(m.values([[1.0, 2.0], [2.0, 4.0]])).no_grad().key().named("singular: 0")]


def det_errors(m):
    return [E(RuntimeError, m(2, 3)), E(RuntimeError, m(3)),
            E(RuntimeError, m(2, 2, dtype=ember.int64)).requires(ember.int64)]


_LAPACK_TOL = {ember.float32: (1e-4, 1e-5), ember.complex64: (1e-4, 1e-5)}
# sums of products: a float32 result that cancels (22.55 from terms of about 150, in a generated
# sample with 65-long inner sums) keeps the terms' absolute rounding, about 4e-5, which depends
# on the order the BLAS adds them in (its blocking, chosen per CPU)
_PRODUCTS = {**_HALF_SUM, ember.float32: (1.3e-6, 1e-4)}

ENTRIES = [
    Entry("matmul", matmul_samples, np.matmul, errors=matmul_errors,
          tol=_PRODUCTS),
    Entry("mm", mm_samples, np.matmul, errors=mm_errors, tol=_PRODUCTS),
    Entry("bmm", bmm_samples, np.matmul, errors=bmm_errors, tol=_PRODUCTS),
    Entry("mv", mv_samples, np.matmul, errors=mv_errors, tol=_PRODUCTS),
    Entry("dot", dot_samples, np.dot, errors=dot_errors, tol=_PRODUCTS),
    Entry("outer", outer_samples, np.multiply.outer, errors=outer_errors),
    Entry("addmm", addmm_samples, _addmm_ref, errors=addmm_errors,
          tol=_PRODUCTS),
    Entry("tensordot", tensordot_samples, _tensordot_ref,
          errors=tensordot_errors, tol=_PRODUCTS),
    Entry("einsum", einsum_samples, _einsum_ref, errors=einsum_errors,
          tol=_PRODUCTS),
    Entry("linalg_vector_norm", vector_norm_samples, _vector_norm_ref, errors=vector_norm_errors, call=_vector_norm,
          code="ember.linalg.vector_norm({0}{kw})", tol=_HALF_SUM),
    Entry("linalg_matrix_norm", matrix_norm_samples, _matrix_norm_ref, errors=matrix_norm_errors, call=_matrix_norm,
          code="ember.linalg.matrix_norm({0}{kw})", tol=_HALF_SUM),
    Entry("linalg_norm", linalg_norm_samples, _linalg_norm_ref, errors=linalg_norm_errors, call=_linalg_norm,
          code="ember.linalg.norm({0}{kw})", tol=_HALF_SUM),
    Entry("norm", norm_samples, _norm_ref,
          errors=norm_errors, tol=_HALF_SUM),
    Entry("linalg_inv", inv_samples, np.linalg.inv, errors=inv_errors,
          tol=_LAPACK_TOL),
    Entry("linalg_solve", solve_samples, _solve_ref, errors=solve_errors,
          call=_solve, code="ember.linalg.solve({0}, {1}{kw})", tol=_LAPACK_TOL),
    Entry("linalg_det", det_samples, np.linalg.det, errors=det_errors,
          tol=_LAPACK_TOL),
]
