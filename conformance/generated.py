"""Samples generated from each op's declaration, for what hand-written samples rarely reach.

``extend(ENTRIES)`` appends to every entry's samples, from the op's declaration (``OpDef``: its
kind, dtypes, result rule, kernel arguments) and the entry's own first sample as a template:

- **sizes** where real kernels switch code paths (SIMD tails, blocking, parallel splits): the
  template grown to about 4099 elements (an odd size past 4096); matmul-like ops grow their last
  two dims to 65/67/33 (inner sizes above 64, odd tiles), conv-like ops their channels; a
  reduction's template reduces over all of them (a long reduction);
- **special values** per op family: NaN, +-Inf and -0.0 in the first float input (and
  +-subnormals under ``--ember-full``);
- **out-of-range Python ints** against int8, uint8 and int16 tensors, with PyTorch's rule: the
  scalar is cast (wrapped) to the integer dtype the op computes in (``int8 + 300`` adds 44), and
  the ops of ``SCALAR_MUST_FIT`` refuse it with RuntimeError;
- **views**: a sample of one of PyTorch's view ops whose NumPy reference is a view of its
  input is marked ``is_view``, so the views check (writes through the view and through the
  base) runs for it on every backend, where the entry marks no view itself;
- with ``--ember-full``: every size of ``FULL_SIZES``, each also as a stepped slice
  (non-contiguous) and as a broadcast (expanded, stride-0) input, and the special values, with
  subnormals, in every floating dtype.

The generated samples are value checks only (never gradchecked) and run in float32 (the int
samples in their own dtype, the long sums also in float16), and by default only the kernels
where sizes matter are grown (``_sized_by_default``); the special values and ints reuse the
template's shape. Backends that compile per shape (JAX) pay about one compile per grown op.
A template whose grown form the op's reference refuses (shapes that must match, an explicit
size argument) is skipped: nothing is generated that the op does not accept.
"""

import functools
import math

import numpy as np

import ember
from ember.ops import REGISTRY

from .entries import A, E, S, T, category, np_dtype
from .repro import flatten, map_leaves, swap_ids

QUICK_SIZE = 4099  # the default grown size: past 4096 and odd
FULL_SIZES = (1, 7, 64, 65, 1000, 4097)
MATMUL_SIZES = (65, 67, 33, 17, 9, 5)  # the distinct sizes of a matmul's last two dims, in order
CONV_CHANNELS = 65
MAX_NUMEL = 1 << 16  # a grown input above this is not generated
SIZED_KINDS = ("elementwise", "reduction", "linalg", "nn", "indexing")  # --ember-full: all
# the dtypes whose long reductions also run (a half dtype must accumulate in float32, as
# PyTorch does: one accumulating in its own precision drifts by percents over 4099 elements)
ACCUMULATING = (ember.float16,)
SPECIAL_KINDS = ("elementwise", "reduction", "linalg", "nn")
# the small integer dtypes and the out-of-range Python ints tried against each
INT_SCALARS = {ember.int8: (300, -200, 128), ember.uint8: (-1, 300), ember.int16: (70000,)}
INT_VALUES = {ember.int8: [100, -5, 0, 127, -128, 3], ember.uint8: [3, 200, 0, 255, 1, 7],
              ember.int16: [100, -5, 0, 32767, -32768, 3]}
# ops whose Python-int operand must fit the tensor's dtype (PyTorch's checked conversion)
SCALAR_MUST_FIT = {"pow": "PyTorch refuses an out-of-range integer exponent"}
# the solvers are left out of the grown sizes and the special values: a grown matrix of
# repeated values is singular, and LAPACK's result for a non-finite matrix is unspecified
SOLVERS = ("linalg_inv", "linalg_solve", "linalg_det")

# PyTorch's documented view ops ("Tensor Views"), and reshape and flatten, which return a view
# of a contiguous input; flip and roll, whose NumPy counterparts are views, copy in PyTorch
PYTORCH_VIEWS = frozenset((
    "getitem", "as_strided", "detach", "diagonal", "expand", "movedim", "moveaxis", "narrow",
    "permute", "select", "squeeze", "transpose", "t", "unsqueeze", "view", "view_as",
    "unflatten", "unfold", "unbind", "split", "hsplit", "vsplit", "tensor_split", "chunk",
    "swapaxes", "swapdims", "view_dtype", "real", "imag", "reshape", "flatten"))
VIEW_SAMPLES = 3  # the first samples of an entry that are tried

# outside --ember-full: the int dtypes tried (int16 wraps as int8 does), the nn ops grown (over
# channels), and ops left out of growing (their result's size depends on the values)
QUICK_INTS = (ember.int8, ember.uint8)
CHANNEL_OPS = ("conv1d", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d")
VALUE_SIZED = ("unique", "nonzero", "argwhere", "masked_select")

FULL = False  # set by the plugin from --ember-full


def extend(entries):
    """Add the generated samples (and error samples) to each entry of `entries`, in place."""
    for name, entry in entries.items():
        op = REGISTRY.get(name)
        if op is None or "forward" in entry.custom or op.kind in ("creation", "random"):
            continue
        entry.samples = _with_generated(entry, op, entry.samples)
        if name in SCALAR_MUST_FIT and entry.errors is not None:
            entry.errors = _with_overflow_errors(op, entry.errors)
    return entries


def _with_generated(entry, op, hand_written):
    """The entry's sample function, followed by the generated samples."""
    check_views = op.name in PYTORCH_VIEWS and "views" not in entry.custom

    @functools.wraps(hand_written)
    def samples(m):
        out = hand_written(m)
        if check_views:
            _mark_views(entry, out)
        return out + generated(entry, op, m, out)
    samples.hand_written = hand_written
    return samples


def generated(entry, op, m, samples):
    """The generated samples of `op` for ``m.dtype``, from the hand-written `samples`."""
    template = _template(samples)
    if template is None:
        return []
    out = []
    d = m.dtype
    if op.name in SOLVERS or not (FULL or _sized_by_default(op)):
        pass
    elif op.kind == "linalg" and d.is_complex:
        pass  # complex64's rounding over 67-long inner sums exceeds its float32 tolerance
    elif d is ember.float32 or FULL:
        out += _sized(entry, op, template)
    elif d in ACCUMULATING and _accumulates(op):
        out += [s.key() for s in _sized(entry, op, template)]
    if d.is_floating_point and (d is ember.float32 or FULL) and op.kind in SPECIAL_KINDS \
            and op.name not in SOLVERS:
        s = _special(entry, template, d)
        if s is not None:
            out.append(s.key() if FULL else s)
    if d in INT_SCALARS and (FULL or d in QUICK_INTS) and d in op.allowed \
            and op.name not in SCALAR_MUST_FIT:
        out += _int_scalars(entry, op, samples, d)
    return out


# -- views -----------------------------------------------------------------------------------------
_VIEWS = {}


def _mark_views(entry, samples):
    """Mark as a view (``is_view``) each sample whose NumPy reference is a writeable view of
    its first input, as the op's result must then be on every backend: writes through either
    side are seen on the other (emulated where arrays are immutable)."""
    if any(s.view for s in samples):
        return  # the entry says which of its samples are views
    for i, s in enumerate(samples[:VIEW_SAMPLES]):
        if not (s.args and isinstance(s.args[0], T) and s.args[0].values.size):
            continue
        key = (entry.op, i, s.name)
        if key not in _VIEWS:
            try:
                base = _host(s.args[0])
                with np.errstate(all="ignore"):
                    out = entry.ref(base, *_host(s.args[1:]), **_host(s.kwargs))
                _VIEWS[key] = (isinstance(out, np.ndarray) and out.flags.writeable
                               and np.shares_memory(out, base))
            except Exception:  # noqa: BLE001
                _VIEWS[key] = False
        if _VIEWS[key]:
            s.is_view()


def _sized_by_default(op):
    """Whether the op gets a grown sample outside --ember-full: the kernels of the elementwise
    ops and reductions (a composite's kernels are grown through these), the matmul family and
    the ops over channels (conv, pooling), where blocking and inner sizes matter. Ops whose
    result's size depends on the values are left to the exhaustive run: JAX compiles them per
    call."""
    if op.name in VALUE_SIZED:
        return False
    if op.kind in ("elementwise", "reduction"):
        return op.primitive
    return op.kind == "linalg" or (op.kind == "nn" and op.name in CHANNEL_OPS)


def _accumulates(op):
    """A sum or a running sum or product: its half-precision form must accumulate in float32."""
    return op.primitive and op.kind == "reduction" and (
        op.result == "sum" or op.kernel_name.startswith("cum"))


# -- templates -------------------------------------------------------------------------------------
def _tensors(sample):
    return [v for v in flatten((sample.args, sample.kwargs)) if isinstance(v, T)]


def _template(samples):
    """The first sample that can be grown: tensor inputs with elements, no raw arrays, no
    dtype of its own."""
    for s in samples:
        leaves = flatten((s.args, s.kwargs))
        ts = [v for v in leaves if isinstance(v, T)]
        if (ts and ts[0].values.ndim >= 1 and ts[0].values.size and not s.needs
                and s.expected is None and not any(isinstance(v, A) for v in leaves)):
            return s
    return None


def _rebuilt(template, new, name):
    s = S(*swap_ids(template.args, new), **swap_ids(template.kwargs, new))
    return s.no_grad().named(name)


def _host(value):
    """Reference inputs as the checks give them (float64, complex128, int64 or bool)."""
    def leaf(v):
        if not isinstance(v, T):
            return v
        kind = (np.bool_, np.int64, np.float64, np.complex128)[category(v.dtype)]
        return np.asarray(v.values).astype(kind)

    return map_leaves(value, leaf)


_ACCEPTED = {}


def _accepted(entry, sample, key):
    """Whether the entry's reference takes `sample` (cached by `key`: op and shapes)."""
    if key not in _ACCEPTED:
        try:
            with np.errstate(all="ignore"):
                ref = sample.ref if getattr(sample, "ref", None) else entry.ref
                result = ref(*_host(sample.args), **_host(sample.kwargs))
            _ACCEPTED[key] = result is not None
        except Exception:  # noqa: BLE001 - the reference refuses the grown shapes
            _ACCEPTED[key] = False
    return _ACCEPTED[key]


def _key(entry, sample, tag):
    return (entry.op, tag, tuple((t.values.shape, category(t.dtype)) for t in _tensors(sample)),
            repr([v for v in flatten((sample.args, sample.kwargs)) if not isinstance(v, T)]))


# -- sizes -----------------------------------------------------------------------------------------
def _grown_shapes(op, ts, n):
    """{id(T): new shape} for the template's tensors grown to about `n` elements, or None."""
    first = ts[0].values.shape
    if op.kind == "linalg":
        sizes = {}
        for t in ts:
            for d in t.values.shape[-2:]:
                if d > 1 and d not in sizes and len(sizes) < len(MATMUL_SIZES):
                    sizes[d] = MATMUL_SIZES[len(sizes)]
        return {id(t): t.values.shape[:-2] + tuple(sizes.get(d, d) for d in t.values.shape[-2:])
                for t in ts}
    if op.kind == "nn" and len(first) >= 3:  # conv, pooling, norms: grow the channels
        channels = first[1]
        out = {id(ts[0]): first[:1] + (CONV_CHANNELS,) + first[2:]}
        for t in ts[1:]:  # a weight's input channels: dim 1 (conv), else dim 0 (transposed)
            shape = t.values.shape
            if t.values.ndim >= 3 and shape[0] == shape[1] == channels:
                return None  # which dim holds the input channels is ambiguous
            if t.values.ndim >= 3 and shape[1] == channels:
                out[id(t)] = shape[:1] + (CONV_CHANNELS,) + shape[2:]
            elif t.values.ndim >= 3 and shape[0] == channels:
                out[id(t)] = (CONV_CHANNELS,) + shape[1:]
        return out
    lead = int(np.prod(first[:-1])) if len(first) > 1 else 1
    if lead == 0:
        return None
    grown = first[:-1] + (max(1, math.ceil(n / lead)),)
    return {id(t): grown for t in ts if t.values.shape == first}


def _fill(values, shape, dtype):
    """`values` repeated to `shape`; floats scaled by a little per position, so that few ties
    remain (the reference sees the same values)."""
    out = np.resize(np.asarray(values), shape)
    if category(dtype) >= 2 and out.size:
        out = out * (1 + 2.0 ** -9 * (np.arange(out.size) % 97 / 97)).reshape(shape)
    return out


def _layout(t, shape, layout):
    """T `t` grown to `shape`, made the `layout` way (None or "contiguous": a new tensor)."""
    vals = _fill(t.values, shape, t.dtype)
    if layout == "expanded" and vals.ndim >= 1:  # (never the first input: see _sized)
        vals = np.broadcast_to(vals[:1], vals.shape).copy()
    return T(vals, t.dtype, grad=False, layout=None if layout in (None, "contiguous") else layout)


def _sized(entry, op, template):
    """The template grown past the boundary sizes (one by default, each under --ember-full,
    also as stepped-slice and broadcast inputs), where the reference accepts it."""
    if op.kind not in SIZED_KINDS and not FULL:
        return []
    ts = _tensors(template)
    out = []
    for n in (FULL_SIZES if FULL else (QUICK_SIZE,)):
        shapes = _grown_shapes(op, ts, n)
        if not shapes:
            continue
        for layout in (("contiguous", "stepped", "expanded") if FULL else ("contiguous",)):
            # a broadcast (expanded) input is never the first: an in-place form writes into
            # the first, which PyTorch refuses for an expanded tensor
            new = {id(t): _layout(t, shapes[id(t)], None if layout == "expanded" and k == 0
                                  else layout)
                   for k, t in enumerate(ts) if id(t) in shapes}
            if layout == "expanded" and len(new) < 2:
                continue
            if layout == "contiguous":  # only the tensors whose shape changed
                new = {i: t for i, t in new.items()
                       if t.values.shape != next(x for x in ts if id(x) == i).values.shape}
            if not new or any(t.values.size > MAX_NUMEL for t in new.values()):
                continue
            numel = max(t.values.size for t in new.values())
            s = _rebuilt(template, new, f"generated: {numel} elements, {layout}")
            if _accepted(entry, s, _key(entry, s, "sized")):
                out.append(s)
            if op.kind == "linalg":
                break  # one grown shape: the sizes are the matmul ones
        if op.kind == "linalg" or (op.kind == "nn" and len(ts[0].values.shape) >= 3):
            break
    return out


# -- special values --------------------------------------------------------------------------------
MIN_SPECIALS = 5  # NaN, Inf, -Inf, -0.0 and 0.0 at least


def specials(dtype, subnormals=None):
    """NaN, +-Inf, +-0.0, two ordinary values and, with `subnormals` (default: under
    --ember-full), +-the smallest subnormal of `dtype`. XLA on the CPU flushes subnormals to
    zero where PyTorch keeps them, so they are left to the exhaustive run."""
    vals = [math.nan, math.inf, -math.inf, -0.0, 0.0, 1.0, -2.5]
    if (FULL if subnormals is None else subnormals) and np_dtype(dtype) is not None:
        try:
            info = np.finfo(np_dtype(dtype))
        except ValueError:  # bfloat16: ml_dtypes knows its limits
            import ml_dtypes

            info = ml_dtypes.finfo(np_dtype(dtype))
        tiny = float(info.smallest_subnormal)
        vals[5:5] = [tiny, -tiny]
    return np.array(vals)


def _special(entry, template, dtype):
    ts = _tensors(template)
    first = next((t for t in ts if t.dtype.is_floating_point), None)
    if first is None:
        return None
    shape = first.values.shape
    lead = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
    vals = specials(dtype)
    if lead == 0 or first.values.size >= MIN_SPECIALS:
        new_shape = shape  # the template's shape: a backend compiling per shape has it already
    else:
        new_shape = shape[:-1] + (math.ceil(len(vals) / lead),)
    new = {}
    for t in ts:
        if t is first:
            new[id(t)] = T(np.resize(vals, new_shape), t.dtype, grad=False)
        elif t.values.shape == shape and new_shape != shape:
            new[id(t)] = T(np.resize(t.values, new_shape), t.dtype, grad=False)
    s = _rebuilt(template, new, "generated: NaN, Inf, -0.0" + (", subnormals" if FULL else ""))
    return s if _accepted(entry, s, _key(entry, s, "special")) else None


# -- out-of-range Python ints ------------------------------------------------------------------
def wrap_int(value, dtype):
    """Python int `value` cast to integer `dtype` as C casts it: two's-complement wrapped."""
    bits = 8 * dtype.itemsize
    low = -(1 << (bits - 1)) if dtype.is_signed else 0
    return (value - low) % (1 << bits) + low


def _scalar_template(op, samples):
    """The first sample ``op(T, python number)`` with no keyword arguments, or None."""
    if not op.broadcasts or len(op.kernel_args) != 2:
        return None
    for s in samples:
        if (len(s.args) == 2 and not s.kwargs and isinstance(s.args[0], T)
                and isinstance(s.args[1], (int, float)) and not isinstance(s.args[1], bool)):
            return s
    return None


def _int_scalars(entry, op, samples, dtype):
    template = _scalar_template(op, samples)
    if template is None:
        return []
    computes_in_int = op.result != "float"  # true division & co compute in the default float
    shape = template.args[0].values.shape  # compiled already where a backend compiles per shape
    if int(np.prod(shape)) < 2:
        shape = (len(INT_VALUES[dtype]),)
    out = []
    for v in INT_SCALARS[dtype]:
        x = T(np.resize(np.array(INT_VALUES[dtype]), shape), dtype, grad=False)
        s = S(x, v).no_grad().key().named(f"generated: Python int {v} against {dtype.name}")
        if computes_in_int:
            w = wrap_int(v, dtype)
            s.ref = lambda a, b, w=w: entry.ref(a, w)
        if _accepted(entry, s, _key(entry, s, f"int{v}")):
            out.append(s)
    return out


def _with_overflow_errors(op, hand_written):
    @functools.wraps(hand_written)
    def errors(m):
        out = list(hand_written(m))
        for d, values in INT_SCALARS.items():
            if d in op.allowed:
                out.append(E(RuntimeError, T(np.array(INT_VALUES[d]), d, grad=False),
                             values[0]).requires(d))
        return out
    return errors
