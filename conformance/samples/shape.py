"""Sample entries for the shape ops (see ``ember_conformance.samples``)."""

import numpy as np

import ember

from ..entries import E, Entry, S


# -- shape -----------------------------------------------------------------------------------------
def _reshape_samples(views):
    """reshape and view share samples; only view promises a view (reshape may copy)."""
    def samples(m):
        out = [S(m(2, 3), (3, 2)).named("2-d"), S(m(6), (2, -1)).named("inferred dim"),
               S(m(), (1,)).named("0-d to 1-d"), S(m(1), ()).named("1-d to 0-d"),
               S(m(0, 3), (3, 0)).named("empty"), S(m(2, 3, 2), (-1,)).named("flatten"),
               S(m(4, 5), (5, 2, 2)).named("larger")]
        if views:
            for s in out:
                if s.name != "empty":
                    s.is_view()
        return out
    return samples


def _reshape_ref(a, shape):
    return a.reshape(shape)


def reshape_errors(m):
    return [E(RuntimeError, m(2, 3), (4, 2)), E(RuntimeError, m(2, 3), (-1, -1)),
            E(TypeError, m(2, 3), "a"), E(RuntimeError, m(2, 3), (0, -1))]


def _view_errors(m):
    """reshape's errors, and a view that spans two contiguous runs of a transposed tensor."""
    t = m(3, 2)
    t.layout = "transposed"
    return reshape_errors(m) + [E(RuntimeError, t, (6,))]


def flatten_samples(m):
    return [S(m(2, 3, 2)).named("all"), S(m(2, 3, 2), 1).named("start_dim"),
            S(m(2, 3, 2), 0, -2).named("end_dim"), S(m()).named("0-d"),
            S(m(0, 3)).named("empty"), S(m(3)).named("1-d")]


def _flatten_ref(a, start_dim=0, end_dim=-1):
    if a.ndim == 0:
        return a.reshape(1)
    s, e = start_dim % a.ndim, end_dim % a.ndim
    return a.reshape(a.shape[:s] + (-1 if a.size else int(np.prod(a.shape[s:e + 1])),)
                     + a.shape[e + 1:])


def flatten_errors(m):
    return [E(RuntimeError, m(2, 3, 2), 2, 1), E(IndexError, m(2, 3, 2), 0, 3)]


def permute_samples(m):
    return [S(m(2, 3, 2), (2, 0, 1)).is_view().named("3-d"), S(m(2, 3), (1, 0)).is_view()
            .named("2-d"),
            S(m(2, 3, 2), (-1, 0, 1)).is_view().named("negative dims"), S(m(), ()).named("0-d"),
            S(m(0, 3), (1, 0)).named("empty")]


def permute_errors(m):
    return [E(RuntimeError, m(2, 3), (0,)), E(RuntimeError, m(2, 3), (0, 0)),
            E(IndexError, m(2, 3), (0, 2))]


def transpose_samples(m):
    return [S(m(2, 3), 0, 1).is_view().named("2-d"), S(m(2, 3, 2), 0, -1).is_view()
            .named("3-d, negative dim"),
            S(m(3), 0, 0).is_view().named("1-d"), S(m(), 0, -1).named("0-d"),
            S(m(0, 3), 0, 1).named("empty"), S(m(2, 3), 1, 1).is_view().named("same dim")]


def _transpose_ref(a, d0, d1):
    return np.swapaxes(a, d0, d1) if a.ndim else a


def squeeze_samples(m):
    return [S(m(1, 3, 1)).is_view().named("all"), S(m(1, 3, 1), 0).is_view().named("dim"),
            S(m(1, 3, 1), -1).is_view().named("negative dim"),
            S(m(1, 3, 1), 1).is_view().named("not size 1: unchanged"),
            S(m(1, 3, 1), (0, 2)).is_view().named("dims"), S(m()).named("0-d"),
            S(m(0, 1)).named("empty")]


def _squeeze_ref(a, dim=None):
    if dim is None:
        dims = range(a.ndim)
    else:
        dims = [d % max(a.ndim, 1) for d in (dim if isinstance(dim, tuple) else (dim,))]
    shape = tuple(s for i, s in enumerate(a.shape) if not (i in dims and s == 1))
    return a.reshape(shape)


def unsqueeze_samples(m):
    return [S(m(2, 3), 0).is_view().named("front"), S(m(2, 3), -1).is_view().named("back"),
            S(m(2, 3), 1).is_view().named("middle"), S(m(), 0).is_view().named("0-d"),
            S(m(0, 3), 1).named("empty")]


def _unsqueeze_ref(a, dim):
    return np.expand_dims(a, dim % (a.ndim + 1))


def dim_errors(n_args):
    def errors(m):
        return [E(IndexError, m(2, 3), *([3] * n_args))]
    return errors


def expand_samples(m):
    return [S(m(3, 1), (3, 4)).named("size-1 dim"), S(m(3), (2, 3)).named("new leading dim"),
            S(m(3, 1), (-1, 2)).named("-1 keeps a dim"), S(m(), (2, 2)).named("0-d"),
            S(m(1, 3), (0, 3)).named("to empty"), S(m(2, 3), (2, 3)).named("same shape")]


def _expand_ref(a, shape):
    shape = tuple(a.shape[i - (len(shape) - a.ndim)] if s == -1 else s
                  for i, s in enumerate(shape))
    return np.broadcast_to(a, shape)


def expand_errors(m):
    return [E(RuntimeError, m(2, 3), (3, 3)), E(RuntimeError, m(2, 3), (3,)),
            E(RuntimeError, m(2, 3), (-1, 2, 3))]


def cat_samples(m):
    out = [S([m(2, 3), m(1, 3)]).named("dim 0"), S([m(2, 3), m(2, 2)], 1).named("dim 1"),
           S([m(2, 1), m(2, 2), m(2, 1)], -1).named("three, negative dim"),
           S([m(0, 3), m(2, 3)]).named("an empty input"), S([m(2, 3), m(0)])
           .named("a legacy 1-d empty input"), S([m(3)]).named("one input")]
    if m.dtype is ember.float32:
        out.append(S([m(2), m(2, dtype=ember.float64)]).out(ember.float64)
                   .requires(ember.float64).named("promotes"))
    return out


def _cat_ref(arrays, dim=0):
    ref = next(a for a in arrays if a.shape != (0,) or len(arrays) == 1)
    keep = [a for a in arrays if not (a.shape == (0,) and ref.ndim != 1)]
    return np.concatenate(keep, axis=dim)


def cat_errors(m):
    return [E(RuntimeError, [m(2, 3), m(2, 2)]), E(RuntimeError, [m(2, 3), m(3)]),
            E(ValueError, []), E(TypeError, m(2, 3)), E(IndexError, [m(2, 3), m(2, 3)], 2)]


def stack_samples(m):
    out = [S([m(2, 3), m(2, 3)]).named("dim 0"), S([m(2, 3), m(2, 3)], 2).named("last dim"),
           S([m(2, 3), m(2, 3), m(2, 3)], -1).named("negative dim"),
           S([m(), m()]).named("0-d inputs"), S([m(0, 2), m(0, 2)], 1).named("empty")]
    if m.dtype is ember.float32:
        out.append(S([m(2), m(2, dtype=ember.float64)]).out(ember.float64)
                   .requires(ember.float64).named("promotes"))
    return out


def stack_errors(m):
    return [E(RuntimeError, [m(2, 3), m(3, 2)]), E(RuntimeError, []),
            E(IndexError, [m(2, 3), m(2, 3)], 4)]


def _piece_views(ctx):
    """Each piece of unbind / split / chunk is a view: a write into the last piece reaches the
    base, and a write into the base reaches the first piece."""
    from ..checks import compare, host, to_host, tolerance

    ran = 0
    for i, s in enumerate(ctx.samples()):
        if not s.view:
            continue
        ran += 1
        try:
            with ember.default_backend(ctx.backend.name):
                args, kwargs = ctx.materialize(s.args), ctx.materialize(s.kwargs)
                x = args[0]
                base = host(x).copy()
                refs = ctx.entry.ref(base, *to_host(args[1:]), **to_host(kwargs))
                pieces = ctx.invoke(args, kwargs)
                pieces[-1].add_(1)
                refs[-1][...] += 1
                problem = compare(x, base, x.dtype, tolerance(ctx.entry, x.dtype))
                if problem:
                    ctx.fail_sample(i, s, f"writing into a piece did not reach its base: {problem}",
                                    tail=["out[-1].add_(1)", "print(x0)  # changed too"])
                    continue
                x.add_(1)
                base += 1
                problem = compare(pieces[0], refs[0], x.dtype, tolerance(ctx.entry, x.dtype))
                if problem:
                    ctx.fail_sample(i, s, f"writing into the base did not reach a piece: {problem}",
                                    tail=["x0.add_(1)", "print(out[0])"])
        except Exception as exc:  # noqa: BLE001
            ctx.raised(i, s, exc)
    if not ran:
        import pytest

        pytest.fail(f"{ctx.case.op}: no sample is marked is_view()", pytrace=False)
    ctx.finish("pieces and their base do not share writes")


# -- narrow, unbind, split, chunk ------------------------------------------------------------------
def narrow_samples(m):
    return [S(m(4, 3), 0, 1, 2).is_view().named("rows"), S(m(4, 3), -1, 0, 2).is_view()
            .named("negative dim"), S(m(4, 3), 1, -2, 2).is_view().named("negative start"),
            S(m(5), 0, 2, 0).named("empty")]


def _narrow_ref(a, dim, start, length):
    start = start % a.shape[dim] if start < 0 else start
    return a[(slice(None),) * (dim % a.ndim) + (slice(start, start + length),)]


def narrow_errors(m):
    return [E(RuntimeError, m(4, 3), 1, 2, 2), E(IndexError, m(4, 3), 2, 0, 1),
            E(RuntimeError, m(), 0, 0, 1), E(IndexError, m(4, 3), 0, 5, 1)]


def unbind_samples(m):
    return [S(m(3, 2)).is_view().named("rows"), S(m(2, 3, 2), 1).is_view().named("middle dim"),
            S(m(2, 3), -1).is_view().named("negative dim"), S(m(0, 2), 1).named("empty")]


def _unbind_ref(a, dim=0):
    return tuple(np.moveaxis(a, dim, 0))


def split_samples(m):
    return [S(m(5, 2), 2).is_view().named("size, uneven"), S(m(4, 3), [1, 2], 1).is_view()
            .named("sizes"), S(m(4, 3), 4).is_view().named("one piece"),
            S(m(2, 6), 3, -1).is_view().named("negative dim"),
            S(m(3, 2), [0, 3]).named("an empty piece")]


def _split_ref(a, size, dim=0):
    n = a.shape[dim]
    cuts = np.cumsum(size)[:-1] if isinstance(size, list) else range(size, n, size)
    return tuple(np.split(a, list(cuts), axis=dim))


def split_errors(m):
    return [E(RuntimeError, m(4, 3), [1, 1], 1), E(RuntimeError, m(4, 3), 0),
            E(IndexError, m(4, 3), 2, 2), E(RuntimeError, m(4, 3), -1)]


def chunk_samples(m):
    return [S(m(6, 2), 3).is_view().named("even"), S(m(5, 2), 2).is_view().named("uneven"),
            S(m(2, 5), 3, 1).is_view().named("dim 1"), S(m(2, 2), 4).is_view()
            .named("fewer pieces than asked")]


def _chunk_ref(a, chunks, dim=0):
    n = a.shape[dim]
    return _split_ref(a, -(-n // chunks), dim)


def chunk_errors(m):
    return [E(RuntimeError, m(4, 3), 0), E(IndexError, m(4, 3), 2, 2)]


# -- reshaping views -------------------------------------------------------------------------------
def unflatten_samples(m):
    return [S(m(2, 6), 1, (2, 3)).is_view().named("last dim"), S(m(6, 2), 0, (3, -1)).is_view()
            .named("inferred size"), S(m(4), -1, (1, 4, 1)).is_view().named("ones"),
            S(m(0, 2), 0, (0, 5)).named("empty")]


def _unflatten_ref(a, dim, sizes):
    d = dim % a.ndim
    inner = np.empty(a.shape[d]).reshape(sizes).shape if a.shape[d] else tuple(sizes)
    return a.reshape(a.shape[:d] + inner + a.shape[d + 1:])


def unflatten_errors(m):
    return [E(RuntimeError, m(2, 6), 1, (4, 2)), E(IndexError, m(2, 6), 2, (2, 1))]


def movedim_samples(m):
    return [S(m(2, 3, 4), 0, 2).is_view().named("one dim"), S(m(2, 3, 4), (0, 1), (2, 0))
            .is_view().named("two dims"), S(m(2, 3), -1, 0).is_view().named("negative"),
            S(m(), 0, 0).named("0-d")]


def _movedim_ref(a, source, destination):
    return np.moveaxis(a, source, destination) if a.ndim else a


def movedim_errors(m):
    return [E(RuntimeError, m(2, 3, 4), (0, 0), (1, 2)), E(RuntimeError, m(2, 3), (0, 1), (0,)),
            E(IndexError, m(2, 3), 2, 0)]


def broadcast_to_samples(m):
    return [S(m(3, 1), (2, 3, 4)).named("new dims"), S(m(3), (2, 3)).named("row"),
            S(m(), (2,)).named("0-d"), S(m(3, 1), (-1, 2)).named("-1 keeps a dim")]


def _broadcast_to_ref(a, shape):
    shape = tuple(a.shape[i - (len(shape) - a.ndim)] if s == -1 else s
                  for i, s in enumerate(shape))
    return np.broadcast_to(a, shape)


def broadcast_tensors_samples(m):
    return [S(m(3, 1), m(4)).named("two"), S(m(2, 1, 3), m(4, 1), m()).named("three, 0-d"),
            S(m(2, 3)).named("one")]


def broadcast_tensors_errors(m):
    return [E(RuntimeError, m(2, 3), m(3, 2))]


# -- copies ----------------------------------------------------------------------------------------
def repeat_samples(m):
    return [S(m(2, 3), 2, 1).named("rows"), S(m(2, 3), 2, 2, 3).named("new leading dim"),
            S(m(3), (1,)).named("once"), S(m(), 3).named("0-d"), S(m(2, 3), 0, 1).named("zero")]


def _repeat_ref(a, *reps):
    if len(reps) == 1 and isinstance(reps[0], tuple):
        reps = reps[0]
    return np.tile(a.reshape((1,) * (len(reps) - a.ndim) + a.shape), reps)


def repeat_errors(m):
    return [E(RuntimeError, m(2, 3), 2), E(RuntimeError, m(2, 3), 1, -1)]


def tile_samples(m):
    return [S(m(2, 3), (2,)).named("fewer dims"), S(m(2, 3), (2, 1, 2)).named("more dims"),
            S(m(3), (2, 2)).named("1-d")]


def flip_samples(m):
    return [S(m(3, 4), (0,)).named("rows"), S(m(3, 4), (0, 1)).named("both"),
            S(m(2, 3, 2), [-1]).named("negative dim"), S(m(0, 2), (0,)).named("empty")]


def flip_errors(m):
    return [E(RuntimeError, m(3, 4), (0, 0)), E(IndexError, m(3, 4), (2,))]


def roll_samples(m):
    return [S(m(3, 4), 1, 0).named("rows"), S(m(3, 4), -1, 1).named("negative shift"),
            S(m(3, 4), (1, 2), (0, 1)).named("two dims"), S(m(3, 4), 5).named("flattened"),
            S(m(3, 4), 0, 1).named("no shift"), S(m(0, 2), 1, 0).named("empty")]


def _roll_ref(a, shifts, dims=None):
    return np.roll(a, shifts, dims)


def roll_errors(m):
    return [E(RuntimeError, m(3, 4), (1, 2), 0), E(IndexError, m(3, 4), 1, 2)]


def _stack_samples(m):
    out = [S([m(2, 3), m(2, 2)]).named("2-d"), S([m(3), m(2)]).named("1-d"),
           S([m(), m(2)]).named("0-d and 1-d")]
    if m.dtype is ember.float32:
        out.append(S([m(2), m(2, dtype=ember.float64)]).out(ember.float64)
                   .requires(ember.float64).named("promotes"))
    return out


def _vstack_samples(m):
    out = [S([m(2, 3), m(1, 3)]).named("2-d"), S([m(3), m(3)]).named("1-d rows"),
           S([m(2, 3), m(3)]).named("2-d and 1-d")]
    if m.dtype is ember.float32:
        out.append(S([m(2), m(2, dtype=ember.float64)]).out(ember.float64)
                   .requires(ember.float64).named("promotes"))
    return out


def _stack_errors(m):
    return [E(RuntimeError, []), E(TypeError, m(2, 3)), E(RuntimeError, [m(2, 3), m(3, 2)])]


def _tri_samples(m):
    return [S(m(4, 4)).named("square"), S(m(3, 5), 1).named("above"), S(m(5, 3), -1)
            .named("below"), S(m(2, 3, 3), 0).named("batched"), S(m(0, 3)).named("empty")]


def _tri_errors(m):
    return [E(RuntimeError, m(3))]


def _diag_samples(m):
    return [S(m(3)).named("vector"), S(m(3), 1).named("vector above"),
            S(m(2), -2).named("vector below"), S(m(3, 4)).named("matrix"),
            S(m(3, 4), 2).named("matrix above"), S(m(4, 3), -1).named("matrix below"),
            S(m(2, 3), 5).named("matrix, past the end"), S(m(0)).named("empty")]


def _diag_ref(a, diagonal=0):
    return np.diag(a, diagonal).copy()


def _diag_embed_samples(m):
    return [S(m(2, 3)).named("batch"), S(m(3), 1).named("above"),
            S(m(2, 3), -1, 0, 2).named("below, dims 0 and 2"),
            S(m(2, 3), 1, -1, 0).named("dims reversed"), S(m(0, 2)).named("empty")]


def _diag_embed_ref(a, offset=0, dim1=-2, dim2=-1):
    n = a.shape[-1] + abs(offset)
    out = np.zeros(a.shape[:-1] + (n, n), a.dtype)
    for i in range(a.shape[-1]):
        r, c = (i, i + offset) if offset >= 0 else (i - offset, i)
        out[..., r, c] = a[..., i]
    return np.moveaxis(out, (-2, -1), (dim1, dim2))


def _repeat_interleave_samples(m):
    counts = m.index([1, 0, 2])
    return [S(m(2, 3), 2).named("flattened"), S(m(2, 3), 2, 0).named("int along 0"),
            S(m(2, 3), counts, 1).named("counts along 1"),
            S(m(2, 3), m.index([3]), 0).named("one count"), S(m(), 3).named("0-d"),
            S(m(2, 3), 0, -1).named("zero times")]


def _repeat_interleave_ref(a, repeats, dim=None):
    return np.repeat(a, repeats, axis=dim)


# -- strided views ---------------------------------------------------------------------------------
def _diagonal_samples(m):
    return [S(m(3, 4)).is_view().named("main"), S(m(3, 4), 1).is_view().named("above"),
            S(m(2, 3, 4), -1, 2, 0).is_view().named("3-d below"),
            S(m(2, 2), 5).named("empty")]


def _diagonal_ref(a, offset=0, dim1=0, dim2=1):
    """np.diagonal, as a writable view (einsum's diagonal of the square block it lies in)."""
    moved = np.moveaxis(a, (dim1 % a.ndim, dim2 % a.ndim), (-2, -1))
    n = len(np.diagonal(moved, offset, -2, -1)[(0,) * (a.ndim - 2)]) if moved.size else 0
    r, c = max(-offset, 0), max(offset, 0)
    return np.einsum("...ii->...i", moved[..., r:r + n, c:c + n])


def _unfold_samples(m):
    return [S(m(5), 0, 2, 1).is_view().named("overlapping"),
            S(m(3, 4), 1, 2, 2).is_view().named("windows"),
            S(m(3, 4), -2, 3, 1).is_view().named("negative dim"),
            S(m(3, 4), 1, 0, 1).named("empty windows")]


def _unfold_ref(a, dimension, size, step):
    d = dimension % a.ndim
    windows = np.lib.stride_tricks.sliding_window_view(a, size, axis=d, writeable=True)
    return windows[(slice(None),) * d + (slice(None, None, step),)]


def _as_strided_samples(m):
    return [S(m(3, 4), (2, 2), (1, 4), 1).is_view().named("transposed block"),
            S(m(6), (3,), (2,)).is_view().named("every other"),
            S(m(2, 3), (2, 2), (1, 1)).is_view().named("overlapping"),
            S(m(4), (), ()).is_view().named("0-d")]


def _as_strided_ref(a, size, stride, storage_offset=0):
    flat = np.ascontiguousarray(a).reshape(-1)
    return np.lib.stride_tricks.as_strided(flat[storage_offset:], size,
                                           [s * flat.itemsize for s in stride])


def _as_strided_errors(m):
    return [E(RuntimeError, m(3, 4), (3, 3), (1,)), E(RuntimeError, m(3, 4), (2,), (-1,)),
            E(RuntimeError, m(3, 4), (5, 5), (4, 1))]


def _view_dtype_errors(m):
    """A 0-d tensor, and a last dim that the wider dtype does not divide."""
    out = [E(RuntimeError, m(), ember.int8 if m.dtype.itemsize > 1 else ember.int16)]
    if m.dtype.itemsize < 16:
        out.append(E(RuntimeError, m(3, 3), ember.complex128))
    return out


def _view_dtype_samples(m):
    return [S(m(3, 4), m.dtype).is_view().named("same dtype"), S(m(), m.dtype).named("0-d")]


ENTRIES = [
    Entry("reshape", _reshape_samples(views=False), _reshape_ref, errors=reshape_errors),
    # view raises, as PyTorch, on the layouts of the non-contiguous check (a transposed input)
    Entry("view", _reshape_samples(views=True), _reshape_ref, errors=_view_errors,
          noncontiguous=False),
    Entry("flatten", flatten_samples, _flatten_ref, errors=flatten_errors),
    Entry("permute", permute_samples, lambda a, dims: np.transpose(a, dims) if a.ndim else a,
          errors=permute_errors),
    Entry("transpose", transpose_samples, _transpose_ref, errors=dim_errors(2)),
    Entry("squeeze", squeeze_samples, _squeeze_ref, errors=dim_errors(1)),
    Entry("unsqueeze", unsqueeze_samples, _unsqueeze_ref, errors=dim_errors(1)),
    Entry("expand", expand_samples, _expand_ref, errors=expand_errors),
    Entry("cat", cat_samples, _cat_ref, errors=cat_errors),
    Entry("stack", stack_samples, lambda arrays, dim=0: np.stack(arrays, axis=dim),
          errors=stack_errors),
    Entry("narrow", narrow_samples, _narrow_ref, errors=narrow_errors),
    Entry("unbind", unbind_samples, _unbind_ref, errors=dim_errors(1),
          custom={"views": _piece_views}),
    Entry("split", split_samples, _split_ref, errors=split_errors, variants=False,
          custom={"views": _piece_views}),
    Entry("chunk", chunk_samples, _chunk_ref, errors=chunk_errors, variants=False,
          custom={"views": _piece_views}),
    Entry("unflatten", unflatten_samples, _unflatten_ref, errors=unflatten_errors),
    Entry("swapaxes", transpose_samples, _transpose_ref, errors=dim_errors(2)),
    Entry("swapdims", transpose_samples, _transpose_ref, errors=dim_errors(2)),
    Entry("movedim", movedim_samples, _movedim_ref, errors=movedim_errors),
    Entry("moveaxis", movedim_samples, _movedim_ref, errors=movedim_errors),
    Entry("broadcast_to", broadcast_to_samples, _broadcast_to_ref,
          errors=lambda m: [E(RuntimeError, m(2, 3), (3, 3))]),
    Entry("broadcast_tensors", broadcast_tensors_samples,
          lambda *arrays: tuple(np.broadcast_arrays(*arrays)), errors=broadcast_tensors_errors),
    Entry("repeat", repeat_samples, _repeat_ref, errors=repeat_errors),
    Entry("tile", tile_samples, lambda a, dims: np.tile(a, dims)),
    Entry("flip", flip_samples, lambda a, dims: np.flip(a, dims), errors=flip_errors),
    Entry("roll", roll_samples, _roll_ref, errors=roll_errors),
    Entry("hstack", _stack_samples, lambda arrays: np.hstack(arrays), errors=_stack_errors),
    Entry("vstack", _vstack_samples, lambda arrays: np.vstack(arrays), errors=_stack_errors),
    Entry("diag", _diag_samples, _diag_ref,
          errors=lambda m: [E(RuntimeError, m(2, 2, 2)), E(RuntimeError, m()),
                            E(TypeError, "a")]),
    Entry("diag_embed", _diag_embed_samples, _diag_embed_ref,
          errors=lambda m: [E(RuntimeError, m(2, 3), 0, -2, -2), E(IndexError, m(2, 3), 0, 0, 5)]),
    Entry("diagflat", lambda m: [S(m(2, 2)).named("matrix"), S(m(3), 1).named("above"),
                                 S(m(), -1).named("0-d below")],
          lambda a, offset=0: np.diagflat(a, offset)),
    Entry("repeat_interleave", _repeat_interleave_samples, _repeat_interleave_ref,
          errors=lambda m: [E(RuntimeError, m(2, 3), -1),
                            E(RuntimeError, m(2, 3), m.index([1, 2]), 1),
                            E(RuntimeError, m(2, 3), m.index([1, -2]), 0),
                            E(RuntimeError, m(2, 3), m.index([[1, 2]]), 0),
                            E(IndexError, m(2, 3), 2, 3)]),
    Entry("tril", _tri_samples, lambda a, diagonal=0: np.tril(a, diagonal), errors=_tri_errors),
    Entry("triu", _tri_samples, lambda a, diagonal=0: np.triu(a, diagonal), errors=_tri_errors),
    Entry("diagonal", _diagonal_samples, _diagonal_ref,
          errors=lambda m: [E(RuntimeError, m(2, 3), 0, 1, 1), E(IndexError, m(2, 3), 0, 0, 2)]),
    Entry("unfold", _unfold_samples, _unfold_ref,
          errors=lambda m: [E(RuntimeError, m(3, 4), 1, 5, 1), E(RuntimeError, m(3, 4), 1, 2, 0)]),
    # as_strided views the storage, which a non-contiguous input does not hold in its order
    Entry("as_strided", _as_strided_samples, _as_strided_ref, errors=_as_strided_errors,
          noncontiguous=False),
    Entry("view_dtype", _view_dtype_samples, lambda a, dtype: a, grad=False,
          call=lambda x, dtype: x.view(dtype), code="{0}.view({1})",
          errors=_view_dtype_errors),
]
