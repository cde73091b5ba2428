"""Linear algebra: matmul, mm, bmm, mv, dot, outer, addmm, tensordot, einsum; the norms,
inverse, solve and determinant behind ``ember.linalg``."""

import builtins
import math

from . import elementwise as E
from . import reduction as R
from . import shape as S
from ._common import (_dt, _wrap, _wrap_dim, broadcast_shapes, check_tensor, grad_mode,
                      normalize_dims, record, same_backend)
from .registry import COMPLEX, FLOATING, LAPACK, NUMERIC, defop

inf = math.inf


def _matmul_backward(node, g):
    from .elementwise import sum_to

    a, b = node.saved_tensors
    na, nb = node.needs_input_grad
    a2 = a if a.dim() > 1 else S.unsqueeze(a, 0)
    b2 = b if b.dim() > 1 else S.unsqueeze(b, -1)
    out_shape = list(g.shape)
    if a.dim() == 1:
        out_shape.insert(len(out_shape) - (1 if b.dim() > 1 else 0), 1)
    if b.dim() == 1:
        out_shape.append(1)
    g2 = S.reshape(g, tuple(out_shape))
    ga = gb = None
    if na:
        ga = S.reshape(sum_to(matmul(g2, S.transpose(b2, -1, -2)), a2.shape), a.shape)
    if nb:
        gb = S.reshape(sum_to(matmul(S.transpose(a2, -1, -2), g2), b2.shape), b.shape)
    return ga, gb


def _check_shapes(sa, sb):
    if not sa or not sb:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{len(sa)}D and {len(sb)}D")
    if len(sa) == 1 and len(sb) == 1:
        if sa[0] != sb[0]:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{sa[0]}] and src "
                               f"[{sb[0]}] to have the same number of elements, but got {sa[0]} "
                               f"and {sb[0]} elements respectively")
        return
    k_a = sa[-1]
    k_b = sb[0] if len(sb) == 1 else sb[-2]
    if k_a != k_b:
        rows = 1
        for s in sa[:-1]:
            rows *= s
        left = f"{rows}x{k_a}" if len(sa) <= 2 else f"{rows}x{k_a}"
        right = f"{sb[0]}x1" if len(sb) == 1 else f"{sb[-2]}x{sb[-1]}"
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({left} and {right})")
    if len(sa) > 2 and len(sb) > 2:
        broadcast_shapes(sa[:-2], sb[:-2])


def _matmul_refusal(a, b):
    """matmul's error for a dtype it refuses, naming the CPU kernel PyTorch's matmul dispatches
    to for inputs of these dims."""
    na, nb = a.dim(), b.dim()
    kernel = "dot" if na == 1 and nb == 1 else "bmm" if na > 2 or nb > 2 else \
        "addmv_impl_cpu" if nb == 1 else "addmm_impl_cpu_"
    return NotImplementedError(f'"{kernel}" not implemented for \'{E._dtype_title(a._dtype)}\'')


@defop("matmul", "linalg", "same", dtypes=NUMERIC, dtype_args=(), kernel="matmul(a, b) -> array",
       grad_fn="MmBackward0", backward=_matmul_backward, operators=("__matmul__", "__rmatmul__"))
def matmul(input, other):
    """The matrix product, with NumPy's rules for 1-D and batched inputs."""
    check_tensor(input, "input", "matmul")
    check_tensor(other, "other", "matmul")
    be = same_backend((input, other), "matmul")
    _check_shapes(input._data.shape, other._data.shape)
    if other.dim() > 2 and input.dim() > 1 and input._dtype not in matmul.op.allowed:
        raise _matmul_refusal(input, other)  # PyTorch's batched path refuses the dtype first
    if input._dtype is not other._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_ctype(input._dtype)} != {_ctype(other._dtype)}")
    if input._dtype not in matmul.op.allowed:
        raise _matmul_refusal(input, other)
    out = _wrap(be.kernels["matmul"](input._data, other._data), be, input._dtype)
    if grad_mode.enabled and (input._rg or other._rg):
        record(matmul.op.node, out, (input, other), (input, other), None)
    return out


def _ctype(d):
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "bfloat16": "c10::BFloat16"}.get(d.name, d.name)


# -- mm, bmm, mv, dot: matmul with PyTorch's shape rules and nodes ---------------------------------
def _product(op, a, b, fn, names, check):
    """Run product op `op` on `a` and `b` (same backend and dtype, shapes checked by
    `check(sa, sb)`), recording its node."""
    check_tensor(a, names[0], fn)
    check_tensor(b, names[1], fn)
    be = same_backend((a, b), fn)
    check(a._data.shape, b._data.shape)
    if a._dtype is not b._dtype:
        if fn == "dot":
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                               f"{E._dtype_title(a._dtype)} and {E._dtype_title(b._dtype)}")
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_ctype(a._dtype)} != {_ctype(b._dtype)}")
    op.check_dtype(a._dtype)  # after the shapes and the dtypes' agreement, as PyTorch checks
    out = _wrap(be.kernels[op.name](a._data, b._data), be, a._dtype)
    if grad_mode.enabled and (a._rg or b._rg):
        record(op.node, out, (a, b), (a, b), None)
    return out


def _mm_check(sa, sb):
    if len(sa) != 2:
        raise RuntimeError("self must be a matrix")
    if len(sb) != 2:
        raise RuntimeError("mat2 must be a matrix")
    if sa[1] != sb[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa[0]}x{sa[1]} and "
                           f"{sb[0]}x{sb[1]})")


def _product_backward(product, d0, d1):
    """The backward of ``product(a, b)`` for mm and bmm: g @ b^T and a^T @ g (over dims d0, d1)."""
    def backward(node, g):
        a, b = node.saved_tensors
        na, nb = node.needs_input_grad
        return (product(g, S.transpose(b, d0, d1)) if na else None,
                product(S.transpose(a, d0, d1), g) if nb else None)

    return backward


@defop("mm", "linalg", "same", dtypes=NUMERIC, dtype_args=(), cpu_kernel="addmm_impl_cpu_",
       kernel="mm(a, b) -> array", decomposition=lambda k, a, b: k["matmul"](a, b),
       grad_fn="MmBackward0", backward=_product_backward(lambda a, b: mm(a, b), 0, 1))
def mm(input, mat2):
    """The product of two matrices (2-D only; see matmul for broadcasting)."""
    return _product(mm.op, input, mat2, "mm", ("input", "mat2"), _mm_check)


def _bmm_check(sa, sb):
    if len(sa) != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if len(sb) != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if sb[0] != sa[0] or sb[1] != sa[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{sa[0]}, {sa[2]}] but got: [{sb[0]}, {sb[1]}].")


@defop("bmm", "linalg", "same", dtypes=NUMERIC, dtype_args=(), cpu_kernel="bmm",
       kernel="bmm(a, b) -> array", decomposition=lambda k, a, b: k["matmul"](a, b),
       grad_fn="BmmBackward0", backward=_product_backward(lambda a, b: bmm(a, b), 1, 2))
def bmm(input, mat2):
    """Batched matrix products: (b, n, m) @ (b, m, p) -> (b, n, p), no broadcasting."""
    return _product(bmm.op, input, mat2, "bmm", ("input", "mat2"), _bmm_check)


def _mv_check(sa, sb):
    if len(sa) != 2 or len(sb) != 1 or sa[1] != sb[0]:
        mat = "x".join(map(str, sa))
        vec = "x".join(map(str, sb))
        raise RuntimeError(f"size mismatch, got input ({sa[0] if sa else 0}), mat ({mat}), "
                           f"vec ({vec})")


def _mv_backward(node, g):
    a, v = node.saved_tensors
    na, nv = node.needs_input_grad
    return (outer(g, v) if na else None, mv(S.transpose(a, 0, 1), g) if nv else None)


@defop("mv", "linalg", "same", dtypes=NUMERIC, dtype_args=(), cpu_kernel="addmv_impl_cpu",
       kernel="mv(a, v) -> array", decomposition=lambda k, a, v: k["matmul"](a, v),
       grad_fn="MvBackward0", backward=_mv_backward)
def mv(input, vec):
    """The product of a matrix and a vector."""
    return _product(mv.op, input, vec, "mv", ("input", "vec"), _mv_check)


def _dot_check(sa, sb):
    if len(sa) != 1 or len(sb) != 1:
        raise RuntimeError(f"1D tensors expected, but got {len(sa)}D and {len(sb)}D tensors")
    if sa[0] != sb[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{sa[0]}] and src "
                           f"[{sb[0]}] to have the same number of elements, but got {sa[0]} "
                           f"and {sb[0]} elements respectively")


def _dot_backward(node, g):
    a, b = node.saved_tensors
    na, nb = node.needs_input_grad
    return (E.mul(g, b) if na else None, E.mul(g, a) if nb else None)


@defop("dot", "linalg", "same", dtypes=NUMERIC, dtype_args=(), cpu_kernel="dot",
       kernel="dot(a, b) -> array", decomposition=lambda k, a, b: k["matmul"](a, b),
       grad_fn="DotBackward0", backward=_dot_backward)
def dot(input, tensor):
    """The inner product of two 1-D tensors (no complex conjugation)."""
    return _product(dot.op, input, tensor, "dot", ("input", "tensor"), _dot_check)


@defop("outer", "linalg", "promote", differentiable=True)
def outer(input, vec2):
    """The outer product of two 1-D tensors: ``input[i] * vec2[j]``."""
    check_tensor(input, "input", "outer")
    check_tensor(vec2, "vec2", "outer")
    for name, t in (("self", input), ("vec2", vec2)):
        if t.dim() != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.dim()}-D")
    return E.mul(S.reshape(input, (input.shape[0], 1)), vec2)


# -- addmm -----------------------------------------------------------------------------------------
def _addmm_kernel(k, c, a, b, beta, alpha):
    prod = k["matmul"](a, b)
    if alpha != 1:
        prod = k["mul"](prod, alpha)
    if beta == 0:  # PyTorch ignores input then (its nan and inf do not propagate)
        return prod
    return k["add"](prod, c if beta == 1 else k["mul"](c, beta))


def _addmm_backward(node, g):
    c_shape, beta, alpha = node.ctx
    a, b = node.saved_tensors
    nc, na, nb = node.needs_input_grad
    gc = E.mul(g, beta) if nc else None
    ga = E.mul(mm(g, S.transpose(b, 0, 1)), alpha) if na else None
    gb = E.mul(mm(S.transpose(a, 0, 1), g), alpha) if nb else None
    return gc, ga, gb


@defop("addmm", "linalg", "same", dtypes=NUMERIC,
       kernel="addmm(c, a, b, beta, alpha) -> array  (beta * c + alpha * a @ b; c broadcast)",
       decomposition=_addmm_kernel, grad_fn="AddmmBackward0", backward=_addmm_backward,
       broadcasts=True, inplace=True)
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)``; `input` broadcasts to the product's shape
    and is ignored when beta is 0."""
    check_tensor(input, "input", "addmm")
    check_tensor(mat1, "mat1", "addmm")
    check_tensor(mat2, "mat2", "addmm")
    be = same_backend((input, mat1, mat2), "addmm")
    sa, sb = mat1._data.shape, mat2._data.shape
    if len(sa) != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {len(sa)}-D tensor")
    if len(sb) != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {len(sb)}-D tensor")
    if sa[1] != sb[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa[0]}x{sa[1]} and "
                           f"{sb[0]}x{sb[1]})")
    shape = (sa[0], sb[1])
    if broadcast_shapes(input._data.shape, shape) != shape:
        raise RuntimeError(f"The expanded size of the tensor ({shape[-1]}) must match the "
                           f"existing size ({input._data.shape[-1]}) at non-singleton "
                           f"dimension 1.  Target sizes: {list(shape)}.  Tensor sizes: "
                           f"{list(input._data.shape)}")
    for t in (mat1, mat2):
        if t._dtype is not input._dtype:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                               f"{_ctype(input._dtype)} != {_ctype(t._dtype)}")
    out = _wrap(be.kernels["addmm"](input._data, mat1._data, mat2._data, beta, alpha), be,
                input._dtype)
    if grad_mode.enabled and (input._rg or mat1._rg or mat2._rg):
        record(addmm.op.node, out, (input, mat1, mat2), (mat1, mat2),
               (input._data.shape, beta, alpha))
    return out


# -- tensordot and einsum: written with ember ops --------------------------------------------------
def _contract(a, b, dims_a, dims_b):
    """Sum over the paired dims of `a` and `b`: the free dims of a, then those of b."""
    free_a = [d for d in range(a.dim()) if d not in dims_a]
    free_b = [d for d in range(b.dim()) if d not in dims_b]
    k = R._count(a.shape, dims_a)
    ma = S.reshape(S.permute(a, free_a + list(dims_a)), (R._count(a.shape, free_a), k))
    mb = S.reshape(S.permute(b, list(dims_b) + free_b), (k, R._count(b.shape, free_b)))
    out = matmul(ma, mb)
    return S.reshape(out, tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b))


@defop("tensordot", "linalg", "same", dtypes=NUMERIC, differentiable=True,
       method=False)
def tensordot(a, b, dims=2):
    """Sum over the last `dims` dims of `a` and the first of `b`, or over the dims listed in
    ``dims = (dims_a, dims_b)``."""
    check_tensor(a, "a", "tensordot")
    check_tensor(b, "b", "tensordot")
    if a._dtype is not b._dtype:
        raise RuntimeError("both inputs should have same dtype")
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > builtins.min(a.dim(), b.dim()):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(a.dim() - dims, a.dim())), list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
        if len(da) != len(db):
            raise RuntimeError(f"both dimension lists should have same length, but got "
                               f"{len(da)} and {len(db)}")
        da = [_wrap_dim(d, a.dim()) for d in da]
        db = [_wrap_dim(d, b.dim()) for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[x]} in dim {x} and second has size {b.shape[y]} in "
                               f"dim {y}")
    return _contract(a, b, da, db)


def _parse_einsum(equation, operands):
    """Each operand's subscripts as a list of labels (an ellipsis becomes labels ("...", i)
    counted from the right), and the output's."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation" if len(operands) > len(terms) else
                           "einsum(): fewer operands were provided than specified in the "
                           "equation")
    ell = 0
    subs = []
    for i, (term, t) in enumerate(zip(terms, operands)):
        labels = _labels(term, f"operand {i}")
        n_ell = t.dim() - (len(labels) - labels.count("..."))
        if "..." in labels:
            if n_ell < 0:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                                   f"({len(labels) - 1}) is more than the number of dimensions "
                                   f"({t.dim()}) for operand {i}")
            at = labels.index("...")
            labels[at:at + 1] = [("...", n_ell - j) for j in range(n_ell)]
            ell = builtins.max(ell, n_ell)
        elif n_ell != 0:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                               f"({len(labels)}) does not match the number of dimensions "
                               f"({t.dim()}) for operand {i} and no ellipsis was given")
        subs.append(labels)
    if arrow:
        out = _labels(rhs, "the output")
        if "..." in out:
            at = out.index("...")
            out[at:at + 1] = [("...", ell - j) for j in range(ell)]
        for label in out:
            if out.count(label) > 1:
                raise RuntimeError(f"einsum(): output subscript {label} appears more than once "
                                   f"in the output")
            if not builtins.any(label in s for s in subs):
                raise RuntimeError(f"einsum(): output subscript {label} does not appear in the "
                                   f"equation for any input operand")
    else:
        counts = {}
        for s in subs:
            for label in s:
                counts[label] = counts.get(label, 0) + 1
        out = [("...", ell - j) for j in range(ell)] + sorted(
            label for label, c in counts.items() if c == 1 and isinstance(label, str))
    return subs, out


def _labels(term, where):
    labels, i = [], 0
    while i < len(term):
        if term.startswith("...", i):
            if "..." in labels:
                raise RuntimeError(f"einsum(): found '.' for {where} that is not part of any "
                                   f"ellipsis")
            labels.append("...")
            i += 3
        elif term[i].isalpha():
            labels.append(term[i])
            i += 1
        else:
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation "
                               f"string, subscripts must be in [a-zA-Z]")
    return labels


def _diagonal(t, labels):
    """`t` with repeated labels reduced to their diagonal (``ii -> i``)."""
    from .creation import arange

    while len(set(labels)) != len(labels):
        label = next(lab for lab in labels if labels.count(lab) > 1)
        i = labels.index(label)
        j = labels.index(label, i + 1)
        if t.shape[i] != t.shape[j]:
            raise RuntimeError(f"einsum(): subscript {label} is repeated for operand but the "
                               f"sizes don't match, {t.shape[i]} != {t.shape[j]}")
        rest = [d for d in range(t.dim()) if d not in (i, j)]
        t = S.permute(t, [i, j] + rest)
        pos = arange(t.shape[0], device=None, _backend=t._backend)
        t = t[pos, pos]
        labels = [label] + [labels[d] for d in rest]
    return t, labels


def _sum_out(t, labels, keep):
    """Sum `t` over the labels not in `keep`."""
    drop = [i for i, lab in enumerate(labels) if lab not in keep]
    if drop:
        t = R.sum(t, drop, dtype=t._dtype)
        labels = [lab for i, lab in enumerate(labels) if i not in drop]
    return t, labels


def _align(t, labels, order):
    """`t` permuted to `order` (labels it lacks become size-1 dims)."""
    t = S.permute(t, [labels.index(lab) for lab in order if lab in labels])
    shape, it = [], iter(t.shape)
    for lab in order:
        shape.append(next(it) if lab in labels else 1)
    return S.reshape(t, tuple(shape))


@defop("einsum", "linalg", "same", dtypes=NUMERIC, differentiable=True,
       method=False)
def einsum(equation, *operands):
    """Sums of products by Einstein notation (``"ij,jk->ik"``), with ellipses, repeated
    subscripts (diagonals) and broadcasting, as matmuls of permuted, reshaped operands."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): argument 'equation' must be str, not "
                        f"{type(equation).__name__}")
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    for i, t in enumerate(operands):
        check_tensor(t, f"operands[{i}]", "einsum")
    same_backend(operands, "einsum")
    for t in operands[1:]:
        if t._dtype is not operands[0]._dtype:
            raise RuntimeError(f"expected scalar type {E._dtype_title(operands[0]._dtype)} but "
                               f"found {E._dtype_title(t._dtype)}")
    subs, out = _parse_einsum(equation, operands)
    sizes = {}
    for i, (t, labels) in enumerate(zip(operands, subs)):
        for lab, n in zip(labels, t.shape):
            seen = sizes.get(lab, 1)
            if n != 1 and seen != 1 and n != seen:
                name = lab if isinstance(lab, str) else "..."
                raise RuntimeError(f"einsum(): subscript {name} has size {n} for operand {i} "
                                   f"which does not broadcast with previously seen size {seen}")
            sizes[lab] = builtins.max(seen, n)
    terms = []
    for t, labels in zip(operands, subs):
        t, labels = _diagonal(t, labels)
        terms.append((t, labels))
    # contract left to right, summing each label out as soon as no later term needs it
    acc, acc_labels = terms[0]
    for k in range(1, len(terms)):
        later = set(out)  # the labels that the output or a term after the k-th needs
        for _, labels in terms[k + 1:]:
            later.update(labels)
        t, labels = terms[k]
        acc, acc_labels = _sum_out(acc, acc_labels, later | set(labels))
        t, labels = _sum_out(t, labels, later | set(acc_labels))
        acc, acc_labels = _pair(acc, acc_labels, t, labels, later, sizes)
    acc, acc_labels = _sum_out(acc, acc_labels, set(out))
    return _align(acc, acc_labels, out) if acc_labels != out else acc


def _pair(a, la, b, lb, later, sizes):
    """The product of two terms, summed over the labels they share and nothing later needs:
    one batched matmul (batch, a-only, shared) @ (batch, shared, b-only)."""
    batch = [lab for lab in la if lab in lb and lab in later]
    summed = [lab for lab in la if lab in lb and lab not in later]
    only_a = [lab for lab in la if lab not in lb]
    only_b = [lab for lab in lb if lab not in la]

    def shaped(t, labels, order):
        t = _align(t, labels, order)
        return S.expand(t, tuple(sizes[lab] if lab in batch or lab in summed else n
                                 for lab, n in zip(order, t.shape)))

    a = shaped(a, la, batch + only_a + summed)
    b = shaped(b, lb, batch + summed + only_b)
    nb = [sizes[lab] for lab in batch]
    na = [a.shape[len(batch) + i] for i in range(len(only_a))]
    nbo = [b.shape[len(batch) + len(summed) + i] for i in range(len(only_b))]
    k = R._count([sizes[lab] for lab in summed], range(len(summed)))
    ma = S.reshape(a, tuple(nb) + (R._count(na, range(len(na))), k))
    mb = S.reshape(b, tuple(nb) + (k, R._count(nbo, range(len(nbo)))))
    out = S.reshape(matmul(ma, mb), tuple(nb) + tuple(na) + tuple(nbo))
    return out, batch + only_a + only_b


# -- norms -----------------------------------------------------------------------------------------
def _float_input(x, fn):
    if x._dtype.category < 2:
        raise RuntimeError(f"{fn}: Expected a floating point or complex tensor as input. Got "
                           f"{E._dtype_title(x._dtype)}")


def _vector_norm_kernel(k, a, ord, dims, keepdim):
    x = k["abs"](a)
    if ord == inf:
        return k["amax"](x, dims, keepdim)
    if ord == -inf:
        return k["amin"](x, dims, keepdim)
    if ord == 0:
        return k["astype"](k["sum"](k["ne"](x, 0), dims, keepdim), x.dtype)
    if ord == 1:
        return k["sum"](x, dims, keepdim)
    if ord == 2:
        return k["sqrt"](k["sum"](k["mul"](x, x), dims, keepdim))
    return k["pow"](k["sum"](k["pow"](x, ord), dims, keepdim), 1.0 / ord)


def _vector_norm_backward(node, g):
    shape, ord, dims, keepdim = node.ctx
    x, out = node.saved_tensors
    g = R._expand_back(g, shape, dims, keepdim)
    if ord == 0:
        return (E.mul(g, 0.0),)
    if ord == 1:
        return (E.mul(g, E.sign(x)),)
    out = R._expand_back(out, shape, dims, keepdim)
    if ord in (inf, -inf):
        hit = E.eq(E.abs(x), out)
        share = E.div(E.sign(x), R.sum(hit, dims, keepdim=True))
        return (E.where(hit, E.mul(g, share), 0.0),)
    safe = E.where(E.eq(out, 0), 1.0, out)
    if ord == 2:
        return (E.mul(g, E.div(x, safe)),)
    scale = E.div(E.pow(E.abs(x), ord - 1), E.pow(safe, ord - 1))
    return (E.mul(E.mul(g, E.sign(x)), scale),)


def _cast_to(x, dtype):
    return x if dtype is None or dtype is x._dtype else x.to(dtype)


@defop("linalg_vector_norm", "linalg", "real", dtypes=FLOATING + COMPLEX,
       kernel="linalg_vector_norm(a, ord, dims, keepdim) -> real array",
       decomposition=_vector_norm_kernel, grad_fn="LinalgVectorNormBackward0",
       backward=_vector_norm_backward, function=False, method=False)
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The `ord`-norm of `x` over `dim` (all elements by default): ``sum(|x|**ord)**(1/ord)``,
    max or min ``|x|`` for ``ord = ±inf``, the count of nonzeros for 0."""
    check_tensor(x, "x", "linalg.vector_norm")
    _float_input(x, "linalg.vector_norm")
    if isinstance(ord, (str, bool)) or not isinstance(ord, (int, float)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not "
                        f"{type(ord).__name__}")
    x = _cast_to(x, dtype)
    dims = normalize_dims(dim, x.dim()) if x.dim() else ()
    if ord < 0 and x.numel() == 0 or (ord == inf and builtins.any(x.shape[d] == 0 for d in dims)):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty "
                           f"tensor because the operation does not have an identity")
    be = x._backend
    real = {_dt.complex64: _dt.float32, _dt.complex128: _dt.float64}.get(x._dtype, x._dtype)
    out = _wrap(be.kernels["linalg_vector_norm"](x._data, ord, dims, keepdim), be, real)
    if x._rg and grad_mode.enabled:
        record(vector_norm.op.node, out, (x,), (x, out), (x._data.shape, ord, dims, keepdim))
    return out


def _matrix_dims(A, dim, fn):
    if A.dim() < 2:
        raise RuntimeError(f"{fn}: The input tensor A must have at least 2 dimensions.")
    d0, d1 = (_wrap_dim(d, A.dim()) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{fn}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


@defop("linalg_matrix_norm", "linalg", "real", dtypes=FLOATING + COMPLEX,
       differentiable=True, function=False, method=False)
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """A matrix norm over the two dims `dim`: ``'fro'``, or the largest (1, inf) or smallest
    (-1, -inf) absolute column or row sum."""
    check_tensor(A, "A", "linalg.matrix_norm")
    _float_input(A, "linalg.matrix_norm")
    d0, d1 = _matrix_dims(A, dim, "linalg.matrix_norm")
    A = _cast_to(A, dtype)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(f"linalg.matrix_norm(ord={ord!r}) needs singular values, "
                                  f"which ember does not compute; use ord='fro', 1, -1, inf "
                                  f"or -inf")
    if ord not in (1, -1, inf, -inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    summed, kept = (d0, d1) if ord in (1, -1) else (d1, d0)
    sums = R.sum(E.abs(A), summed, keepdim=keepdim)
    kept = kept if keepdim or kept < summed else kept - 1
    return (R.amax if ord > 0 else R.amin)(sums, kept, keepdim=keepdim)


@defop("linalg_norm", "linalg", "real", dtypes=FLOATING + COMPLEX,
       differentiable=True, function=False, method=False)
def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """A vector norm (`dim` an int, or a 1-D input) or a matrix norm (`dim` a pair, or a 2-D
    input); with neither `ord` nor `dim`, the 2-norm of all elements."""
    check_tensor(A, "A", "linalg.norm")
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 2 or dim is None and ord is not None and A.dim() == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dim or (-2, -1), keepdim,
                           dtype=dtype)
    if dim is None and ord is not None and A.dim() != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.dim()}D.")
    if dim is not None and len(dim) != 1:
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. "
                           f"Got {list(dim)}")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: ord {ord!r} is a matrix norm, but the norm is taken "
                           f"over one dim")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


@defop("norm", "linalg", "real", dtypes=FLOATING + COMPLEX, differentiable=True,
       numpy_names=False)
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """PyTorch's ``torch.norm``: the `p`-norm over `dim` (``'fro'`` is the 2-norm of all the
    elements of `dim`; ``'nuc'`` a matrix norm)."""
    check_tensor(input, "input", "norm")
    dims = (dim,) if isinstance(dim, int) else dim
    if p == "fro" and (dims is None or len(dims) <= 2):
        return vector_norm(input, 2, dims, keepdim, dtype=dtype)
    if isinstance(p, str):
        return matrix_norm(input, p, dims if dims is not None else (-2, -1), keepdim,
                           dtype=dtype)
    return vector_norm(input, 2 if p is None else p, dims, keepdim, dtype=dtype)


# -- inverse, solve, determinant -------------------------------------------------------------------
class LinAlgError(RuntimeError):
    """A linear-algebra routine failed on its input (a singular matrix), as
    ``torch.linalg.LinAlgError``."""


def _square(A, fn, name="A"):
    if A.dim() < 2:
        raise RuntimeError(f"{fn}: The input tensor {name} must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{fn}: {name} must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")


def _check_info(be, info, fn, message):
    """Raise LinAlgError when the kernel's `info` (per matrix: 0, or the 1-based index of a
    zero pivot) reports a singular matrix."""
    host = be.kernels["to_numpy"](info)
    if not host.any():
        return
    flat = host.reshape(-1)
    batch = next(i for i, v in enumerate(flat) if v)
    where = f"(Batch element {batch}): " if host.ndim else ""
    raise LinAlgError(f"{fn}: {where}{message.format(int(flat[batch]))}")


def _mT(t):
    return S.transpose(t, -1, -2)


def _inv_backward(node, g):
    (out,) = node.saved_tensors
    return (E.neg(matmul(matmul(_mT(out), g), _mT(out))),)


@defop("linalg_inv", "linalg", "same", dtypes=LAPACK,
       kernel="linalg_inv(a) -> (inverse, int info)  (info per matrix: 0, or the 1-based index "
              "of the first zero pivot of its LU factorisation)",
       grad_fn="LinalgInvExBackward0", backward=_inv_backward, function="inverse",
       method="inverse")
def inv(A):
    """The inverse of a square matrix (or of each in a batch); a singular one raises
    ``ember.linalg.LinAlgError``."""
    check_tensor(A, "A", "linalg.inv")
    _float_input(A, "linalg.inv")
    _square(A, "linalg.inv")
    be = A._backend
    out, info = be.kernels["linalg_inv"](A._data)
    _check_info(be, info, "linalg.inv", "The diagonal element {} is zero, the inversion could "
                                        "not be completed because the input matrix is singular.")
    out = _wrap(out, be, A._dtype)
    if A._rg and grad_mode.enabled:
        record(inv.op.node, out, (A,), (out,), None)
    return out


def _solve_backward(node, g):
    from .elementwise import sum_to

    a_shape, b_shape, vector = node.ctx
    A, X = node.saved_tensors
    na, nb = node.needs_input_grad
    if vector:
        g = S.unsqueeze(g, -1)
        X = S.unsqueeze(X, -1)
    gb = solve(_mT(A), g)
    ga = sum_to(E.neg(matmul(gb, _mT(X))), a_shape) if na else None
    if not nb:
        return ga, None
    gb = sum_to(gb, b_shape + (1,) if vector else b_shape)
    return ga, (S.reshape(gb, b_shape) if vector else gb)


@defop("linalg_solve", "linalg", "same", dtypes=LAPACK,
       kernel="linalg_solve(a, b) -> (x, int info)  (a @ x = b; b is (..., n, k); batch dims "
              "broadcast; info as linalg_inv)",
       grad_fn="LinalgSolveExBackward0", backward=_solve_backward, function=False,
       method=False)
def solve(A, B, *, left=True):
    """X with ``A @ X = B`` (``X @ A = B`` when not `left`); B is a vector when it is 1-D or
    has one dim fewer than A; batch dims broadcast."""
    check_tensor(A, "A", "linalg.solve")
    check_tensor(B, "B", "linalg.solve")
    be = same_backend((A, B), "linalg.solve")
    if not left:
        return _mT(solve(_mT(A), _mT(B)))
    _float_input(A, "linalg.solve")
    _square(A, "linalg.solve")
    if A._dtype is not B._dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found "
                           f"A of type {E._dtype_title(A._dtype)} and B of type "
                           f"{E._dtype_title(B._dtype)} instead")
    sa, sb = A._data.shape, B._data.shape
    vector = len(sb) == 1 or (len(sb) == len(sa) - 1 and sb == sa[:-1])
    rb = be.kernels["reshape"](B._data, sb + (1,)) if vector else B._data
    if rb.shape[-2] != sa[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"AX = B ({sa[-2]}x{sa[-1]} and {rb.shape[-2]}x{rb.shape[-1]})")
    broadcast_shapes(sa[:-2], rb.shape[:-2])
    out, info = be.kernels["linalg_solve"](A._data, rb)
    _check_info(be, info, "torch.linalg.solve",
                "The solver failed because the input matrix is singular.")
    if vector:
        out = be.kernels["reshape"](out, out.shape[:-1])
    out = _wrap(out, be, A._dtype)
    if grad_mode.enabled and (A._rg or B._rg):
        record(solve.op.node, out, (A, B), (A, out), (sa, sb, vector))
    return out


def _det_backward(node, g):
    A, out = node.saved_tensors
    scale = S.unsqueeze(S.unsqueeze(E.mul(g, out), -1), -1)
    return (E.mul(scale, _mT(inv(A))),)


@defop("linalg_det", "linalg", "same", dtypes=LAPACK, kernel="linalg_det(a) -> array",
       grad_fn="LinalgDetBackward0", backward=_det_backward, function="det", method="det")
def det(A):
    """The determinant of a square matrix (or of each in a batch)."""
    check_tensor(A, "A", "linalg.det")
    _float_input(A, "linalg.det")
    _square(A, "linalg.det")
    be = A._backend
    out = _wrap(be.kernels["linalg_det"](A._data), be, A._dtype)
    if A._rg and grad_mode.enabled:
        record(det.op.node, out, (A,), (A, out), None)
    return out
