"""PyTorch's CPU random numbers, on the host with NumPy: one Mersenne Twister and the transforms
PyTorch's CPU kernels apply to its words, so that a seed gives PyTorch's values on every CPU
backend (core converts the NumPy results to the backend's arrays).

The engine is NumPy's ``MT19937`` bit generator, given the state that PyTorch's seeding makes
(the standard ``init_genrand`` recurrence on the low 32 bits of the seed). Everything below was
found by comparing with torch 2.x on the CPU; each transform says what it does:

- a 32-bit draw is one tempered MT word; a 64-bit draw is two words, the first the high half;
- uniform floats keep the low bits of a draw times their weight: 24 of a 32-bit draw for
  float32, 53 of a 64-bit draw for float64, then ``x * (to - from) + from`` in that precision
  (one rounding for float32: a fused multiply-add); float16 and bfloat16 round the float32
  value, a result equal to ``to`` becoming ``from``;
- integers in ``[low, high)`` are ``draw % (high - low) + low``, with a 64-bit draw when the
  range needs more than 32 bits;
- normals: a contiguous float tensor of at least 16 elements is filled with uniforms, then each
  block of 16 turns into 16 normals by Box-Muller (``u1 = 1 - x[j]``, ``u2 = x[j + 8]``, radius
  ``sqrt(-2 log u1)``, angle ``2 pi u2``; cosines in the first 8 places, sines in the last 8);
  a length that is not a multiple of 16 redraws 16 uniforms for the last 16 places and does that
  block again. For float32 PyTorch evaluates log, sin and cos with single-precision polynomials
  (Cephes's, as vectorised in the widely used ``avx_mathfun`` header, with fused multiply-adds);
  they are reproduced below operation by operation. Shorter tensors, and other dtypes below 16
  elements, take one double-precision Box-Muller pair per two values from two 64-bit uniforms
  (angle from the first, radius ``sqrt(-2 log1p(-u2))`` from the second), keeping the sine for
  the next call: that cached value lives in the generator state. Not bit for bit: float64
  blocks use NumPy's log/sin/cos (the C library's can differ in the last bit), and float16 /
  bfloat16 blocks are computed in float32 and rounded (PyTorch rounds each step).
- ``randperm(n)`` is a forward Fisher-Yates shuffle: for i in 0..n-2, swap places i and
  ``i + draw % (n - i)`` (from n = 2**32 / 20 on, an inside-out shuffle on 64-bit draws).
- a Bernoulli draw with a tensor of probabilities is ``float32 uniform < p``; with a single
  probability (``bernoulli_(p)``, dropout's mask) it is ``float64 uniform < p``.
"""

import math

import numpy as np

_MASK32 = 0xFFFF_FFFF
_F32 = np.float32


def _key(seed):
    """The 624-word MT19937 key PyTorch derives from `seed` (its low 32 bits)."""
    key = [seed & _MASK32]
    for j in range(1, 624):
        prev = key[-1]
        key.append((1812433253 * (prev ^ (prev >> 30)) + j) & _MASK32)
    return np.array(key, dtype=np.uint32)


class CPUGenerator:
    """PyTorch's CPU generator: an MT19937 engine plus the cached second normal of the
    double-precision Box-Muller path. Draw methods return NumPy arrays."""

    __slots__ = ("_bg", "seed", "next_double_normal", "next_float_normal")

    def __init__(self, seed=67280421310721):
        self._bg = np.random.MT19937()
        self.manual_seed(seed)

    def manual_seed(self, seed):
        self.seed = int(seed) % (1 << 64)
        self._bg.state = {"bit_generator": "MT19937",
                          "state": {"key": _key(self.seed), "pos": 624}}
        self.next_double_normal = None
        self.next_float_normal = None

    # -- state ---------------------------------------------------------------------------------
    # PyTorch's layout (5056 bytes): seed u64, left i32, seeded i32, next u64, state u64[624],
    # normal_x, normal_y, normal_rho f64, normal_is_valid i32, pad, next_float_normal f32,
    # its validity (bool), pad. ``left`` counts the words still unread plus one, ``next`` the
    # index of the next one, as NumPy's ``pos``.
    _LAYOUT = np.dtype([("seed", "<u8"), ("left", "<i4"), ("seeded", "<i4"), ("next", "<u8"),
                        ("state", "<u8", (624,)), ("normal_x", "<f8"), ("normal_y", "<f8"),
                        ("normal_rho", "<f8"), ("normal_is_valid", "<i4"), ("pad0", "<i4"),
                        ("next_float", "<f4"), ("float_valid", "u1"), ("pad1", "u1", (3,))])

    def get_state(self):
        """The state as PyTorch's 5056 bytes (a uint8 NumPy array)."""
        st = self._bg.state["state"]
        rec = np.zeros((), self._LAYOUT)
        rec["seed"] = self.seed
        rec["left"] = 624 - int(st["pos"]) + 1
        rec["seeded"] = 1
        rec["next"] = int(st["pos"])
        rec["state"] = st["key"].astype(np.uint64)
        if self.next_double_normal is not None:  # PyTorch keeps it as normal_y
            rec["normal_y"] = self.next_double_normal
            rec["normal_is_valid"] = 1
        if self.next_float_normal is not None:
            rec["next_float"] = self.next_float_normal
            rec["float_valid"] = 1
        return np.frombuffer(rec.tobytes(), dtype=np.uint8).copy()

    def set_state(self, raw):
        """Restore a state from :meth:`get_state` (or PyTorch's ``get_rng_state()``) bytes."""
        raw = np.ascontiguousarray(raw, dtype=np.uint8)
        if raw.size != self._LAYOUT.itemsize:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size "
                               f"{self._LAYOUT.itemsize} but found the input RNG state size to be "
                               f"{raw.size}")
        rec = np.frombuffer(raw.tobytes(), dtype=self._LAYOUT)[0]
        pos = int(rec["next"])
        if not 0 <= pos <= 624 or int(rec["left"]) != 625 - pos:
            raise RuntimeError("The input RNG state is invalid: its position and remaining count "
                               "disagree")
        self.seed = int(rec["seed"])
        self._bg.state = {"bit_generator": "MT19937",
                          "state": {"key": rec["state"].astype(np.uint32), "pos": pos}}
        self.next_double_normal = float(rec["normal_y"]) if rec["normal_is_valid"] else None
        self.next_float_normal = float(rec["next_float"]) if rec["float_valid"] else None

    # -- words ---------------------------------------------------------------------------------
    def words32(self, n):
        """`n` 32-bit draws (uint64 array holding 32-bit values)."""
        return self._bg.random_raw(int(n))

    def words64(self, n):
        """`n` 64-bit draws: two words each, the first the high half."""
        w = self._bg.random_raw(2 * int(n)).reshape(-1, 2)
        return (w[:, 0] << np.uint64(32)) | w[:, 1]

    # -- transforms ----------------------------------------------------------------------------
    def uniform(self, n, dtype, low=0.0, high=1.0):
        """`n` uniforms in [low, high) of NumPy float `dtype`."""
        dtype = np.dtype(dtype)
        if dtype == np.float64:
            x = (self.words64(n) & np.uint64((1 << 53) - 1)) * 2.0 ** -53
            return x * (float(high) - float(low)) + float(low)
        x = (self.words32(n) & np.uint64(0xFF_FFFF)).astype(_F32)
        x *= _F32(2.0 ** -24)  # exact: a 24-bit integer times a power of two
        if dtype == np.float32:
            lo, hi = _F32(low), _F32(high)
            return x if (lo, hi) == (0, 1) else _fma(x, hi - lo, lo)
        # float16 / bfloat16: a float32 uniform, rounded; a value that rounds up to `high`
        # becomes `low`, keeping [low, high)
        lo, hi = dtype.type(low), dtype.type(high)
        out = _fma(x, _F32(hi) - _F32(lo), _F32(lo)).astype(dtype)
        out[out == hi] = lo
        return out

    def integers(self, n, low, high):
        """`n` int64 values in [low, high)."""
        span = int(high) - int(low)
        words = self.words64(n) if span >= 1 << 32 else self.words32(n)
        return (words % np.uint64(span)).astype(np.int64) + np.int64(low)

    def random_int64(self):
        """``torch.empty((), dtype=torch.int64).random_()``: a 64-bit draw modulo 2**63."""
        return int(self.words64(1)[0]) % (1 << 63)

    def normal(self, n, dtype, mean=0.0, std=1.0):
        """`n` normals of NumPy float `dtype`, the way PyTorch fills a contiguous tensor."""
        dtype = np.dtype(dtype)
        if n < 16:
            return self._scalar_normals(n, mean, std).astype(dtype)
        work = np.float32 if dtype == np.float32 else np.float64
        mean, std = work(mean), work(std)
        x = self.uniform(n, dtype if dtype in (np.float32, np.float64) else np.float32)
        x = x.astype(work, copy=False)
        rows = x[:n - n % 16].reshape(-1, 16)
        for start in range(0, len(rows), _CHUNK):  # chunks small enough to stay in cache
            _box_muller16(rows[start:start + _CHUNK], mean, std)
        if n % 16:
            tail = self.uniform(16, work).reshape(1, 16)
            x[n - 16:] = _box_muller16(tail, mean, std).ravel()
        return x.astype(dtype, copy=False)

    def _scalar_normals(self, n, mean, std):
        """PyTorch's element-at-a-time path: double Box-Muller pairs, the sine kept for the next
        value (also across calls). At most 15 values, so plain ``math`` (the C library, as
        PyTorch) is both exact and cheap here."""
        out = []
        while len(out) < n:
            if self.next_double_normal is not None:
                out.append(self.next_double_normal)
                self.next_double_normal = None
                continue
            u1, u2 = (int(v & np.uint64((1 << 53) - 1)) * 2.0 ** -53 for v in self.words64(2))
            radius = math.sqrt(-2.0 * math.log1p(-u2))
            theta = 2.0 * math.pi * u1
            self.next_double_normal = radius * math.sin(theta)
            out.append(radius * math.cos(theta))
        return np.array(out, dtype=np.float64) * float(std) + float(mean)

    def randperm(self, n):
        """A permutation of 0..n-1 (int64), by PyTorch's forward Fisher-Yates shuffle. The draws
        are vectorised; the swaps depend on each other, so they run as one loop over a list."""
        if n <= 1:
            return np.arange(n, dtype=np.int64)
        if n >= _MASK32 // 20:  # PyTorch's inside-out shuffle on 64-bit draws, for huge n
            picks = (self.words64(n) % np.arange(1, n + 1, dtype=np.uint64)).tolist()
            perm = [0] * n
            for i, z in enumerate(picks):
                perm[i] = perm[z]
                perm[z] = i
            return np.array(perm, dtype=np.int64)
        offsets = (self.words32(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
        perm = list(range(n))
        for i, z in enumerate(offsets):
            j = i + z
            perm[i], perm[j] = perm[j], perm[i]
        return np.array(perm, dtype=np.int64)

    def bernoulli_tensor(self, p):
        """1.0 where a float32 uniform is below the (float32) probability, else 0.0."""
        p = np.asarray(p)
        u = self.uniform(p.size, np.float32).reshape(p.shape)
        return (u < p.astype(_F32)).astype(p.dtype)

    def bernoulli_scalar(self, n, p):
        """`n` Bernoulli(p) draws (bool): a float64 uniform below `p`."""
        return self.uniform(n, np.float64) < float(p)

    def exponential(self, n, dtype):
        """`n` Exp(1) draws of NumPy float `dtype`: ``-log1p(-u)`` of float64 uniforms."""
        return (-np.log1p(-self.uniform(n, np.float64))).astype(dtype)

    def multinomial(self, probs, num_samples, replacement):
        """Category indices (int64, one row per row of the 2-d `probs`), as PyTorch's CPU
        kernel: with replacement (and more than one sample) each row's running sum in the
        input's precision, divided by its total (the last set to 1), is searched for the first
        entry >= a float64 uniform, row after row; otherwise the `num_samples` largest of
        ``probs / Exp(1)`` (one draw per entry, in order) are taken, largest first."""
        if replacement and num_samples > 1:
            out = np.empty((probs.shape[0], num_samples), dtype=np.int64)
            for i, row in enumerate(probs):  # one row at a time: the draws are row-major
                cum = np.cumsum(row, dtype=row.dtype)
                cum = cum / cum[-1]
                cum[-1] = 1
                out[i] = np.searchsorted(cum.astype(np.float64),
                                         self.uniform(num_samples, np.float64), side="left")
            return out
        keys = probs / self.exponential(probs.size, probs.dtype).reshape(probs.shape)
        if num_samples == 1:
            return np.argmax(keys, axis=-1)[:, None].astype(np.int64)
        return np.argsort(-keys, axis=-1, kind="stable")[:, :num_samples].astype(np.int64)

_CHUNK = 4096  # rows of 16 per Box-Muller batch


def _fma(a, b, c):
    """float32 a * b + c with one rounding, as a fused multiply-add (via float64, where the
    product of two floats is exact)."""
    t = np.multiply(a, b, dtype=np.float64)
    t += c
    return t.astype(_F32)


def _box_muller16(x, mean, std):
    """Rows of 16 uniforms -> rows of 16 normals, in place (see the module docstring)."""
    if x.dtype == np.float64:
        radius = np.sqrt(-2.0 * np.log(1.0 - x[:, :8]))
        theta = 2.0 * math.pi * x[:, 8:]
        x[:, :8] = radius * np.cos(theta) * std + mean
        x[:, 8:] = radius * np.sin(theta) * std + mean
        return x
    radius = np.sqrt(_F32(-2) * _log_f32(_F32(1) - x[:, :8]))
    sin, cos = _sincos_f32(_F32(2 * math.pi) * x[:, 8:])
    cos *= radius
    sin *= radius
    if (mean, std) != (0, 1):  # the final fused multiply-add is exact for mean 0, std 1
        cos, sin = _fma(cos, std, mean), _fma(sin, std, mean)
    x[:, :8] = cos
    x[:, 8:] = sin
    return x


_LOG_POLY = (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
             1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
             3.3333331174e-1)


def _fma_(y, b, c, buf):
    """In place: y = fma(y, b, c) in float32. `b` and `c` are scalars or float64 arrays (NumPy's
    mixed-precision loops are slow); `buf` is a float64 scratch array of y's shape. The product
    of two floats is exact in float64, so one rounding to float32 remains, as in a fused
    multiply-add."""
    np.copyto(buf, y)
    buf *= b
    buf += c
    np.copyto(y, buf, casting="same_kind")
    return y


def _f64(a):
    return a.astype(np.float64)


def _log_f32(x):
    """Cephes's single-precision natural log for positive normal floats (`x` is overwritten):
    split into exponent e and mantissa m in [sqrt(1/2), sqrt(2)), a degree-9 polynomial in
    m - 1, and e * ln 2 added in two parts; every multiply-add fused."""
    bits = x.view(np.int32)
    e = (bits >> 23).astype(_F32)
    e -= _F32(0x7F - 1)
    bits &= np.int32(~0x7F800000)
    bits |= np.int32(0x3F000000)
    m = x  # the mantissa, in [0.5, 1)
    small = (m < _F32(0.707106781186547524)).astype(_F32)
    e -= small
    small *= m  # m where m < sqrt(1/2), else 0
    m -= _F32(1)
    m += small
    z = m * m
    buf = np.empty(m.shape, np.float64)
    m64 = _f64(m)
    y = np.full_like(m, _F32(_LOG_POLY[0]))
    for p in _LOG_POLY[1:]:
        _fma_(y, m64, _F32(p), buf)
    y *= m
    _fma_(y, _f64(z), _f64(e * _F32(-2.12194440e-4)), buf)
    z *= _F32(0.5)
    y -= z
    y += m
    return _fma_(e, _F32(0.693359375), _f64(y), buf)


def _sincos_f32(x):
    """Cephes's single-precision sine and cosine of non-negative x (`x` is overwritten):
    reduce by multiples of pi/4 (subtracted in three parts), then one of two short polynomials
    per octant; every multiply-add fused."""
    j = (x * _F32(1.27323954473516)).astype(np.int32)
    j += 1
    j &= ~1
    y64 = j.astype(np.float64)
    buf = np.empty(x.shape, np.float64)
    for part in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8):
        np.multiply(y64, _F32(part), out=buf)
        np.add(buf, x, out=buf, casting="unsafe")
        np.copyto(x, buf, casting="same_kind")
    z = x * x
    z64 = _f64(z)
    yc = np.full_like(z, _F32(2.443315711809948e-5))
    _fma_(yc, z64, _F32(-1.388731625493765e-3), buf)
    _fma_(yc, z64, _F32(4.166664568298827e-2), buf)
    yc *= z
    z *= _F32(-0.5)
    _fma_(yc, z64, _f64(z), buf)
    yc += _F32(1)
    ys = np.full_like(z, _F32(-1.9515295891e-4))
    _fma_(ys, z64, _F32(8.3321608736e-3), buf)
    _fma_(ys, z64, _F32(-1.6666654611e-1), buf)
    ys *= z64.astype(_F32)
    x64 = _f64(x)
    _fma_(ys, x64, x64, buf)
    # per octant, sine and cosine are the one polynomial or the other: chosen by bit masks
    # (all ones where the octant's bit 1 is clear), then the octant's signs on the sign bits
    pick = (j & 2) >> 1
    pick -= 1
    ys_bits, yc_bits = ys.view(np.int32), yc.view(np.int32)
    diff = ys_bits ^ yc_bits
    diff &= pick
    sin_bits = yc_bits ^ diff
    cos_bits = ys_bits ^ diff
    sin_bits ^= (j & 4) << 29
    cos_bits ^= (~(j - 2) & 4) << 29
    return sin_bits.view(_F32), cos_bits.view(_F32)
