"""Linear algebra: matmul."""

from . import shape as S
from ._common import _wrap, check_tensor, grad_mode, record, same_backend
from .registry import defop


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
        from ._common import broadcast_shapes

        broadcast_shapes(sa[:-2], sb[:-2])


@defop("matmul", "linalg", "same (both inputs must share a dtype)", kernel="matmul(a, b) -> array",
       grad_fn="MmBackward0", backward=_matmul_backward, operators=("__matmul__", "__rmatmul__"))
def matmul(input, other):
    """The matrix product, with NumPy's rules for 1-D and batched inputs."""
    check_tensor(input, "input", "matmul")
    check_tensor(other, "other", "matmul")
    be = same_backend((input, other), "matmul")
    if input._dtype is not other._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_ctype(input._dtype)} != {_ctype(other._dtype)}")
    _check_shapes(input._data.shape, other._data.shape)
    out = _wrap(be.kernels["matmul"](input._data, other._data), be, input._dtype)
    if grad_mode.enabled and (input._rg or other._rg):
        record(matmul.op.node, out, (input, other), (input, other), None)
    return out


def _ctype(d):
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "bfloat16": "c10::BFloat16"}.get(d.name, d.name)
