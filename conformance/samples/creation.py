"""Sample entries for the creation, random and conversion ops (see ``ember_conformance.samples``)."""

import numpy as np

import ember

from ..entries import ALL, FLOAT, A, AnyValues, E, Entry, S, category, int64, np_dtype


# -- conversion ------------------------------------------------------------------------------------
_CAST_TARGETS = (ember.float32, ember.float64, ember.int64, ember.int32, ember.uint8, ember.bool,
                 ember.float16, ember.bfloat16, ember.complex64)


def astype_samples(m):
    d = m.dtype
    values = m.values(np.array([[0.0, 0.5, 1.75], [2.0, 3.25, 0.0]]) if category(d) >= 2 else
                      np.array([[0, 1, 2], [3, 0, 1]]) if category(d) == 1 else
                      np.array([[True, False, True], [False, False, True]]))
    if category(d) == 3:
        values = m.values(values.values + 0.5j)
    out = []
    for target in _CAST_TARGETS:
        if category(d) == 3 and category(target) < 3:
            continue  # casting complex to real drops the imaginary part (and warns)
        s = S(values, target).out(target).named(f"to {target.name}")
        if target not in (ember.float32, ember.float64) or not d.is_floating_point:
            s.no_grad()
        out.append(s.requires(target))
    if d.is_floating_point:
        neg = m.values(np.array([-1.5, -0.25, 2.75]))
        out += [S(neg, t).out(t).requires(t).no_grad().named(f"negative to {t.name}")
                for t in (ember.int64, ember.int32)]
    wide = ember.complex128 if category(d) == 3 else ember.float64
    out.append(S(m(), wide).out(wide).requires(wide).named("0-d"))
    narrow = ember.complex64 if category(d) == 3 else ember.int64
    out.append(S(m(0, 2), narrow).out(narrow).requires(narrow).no_grad().named("empty"))
    return out


def _astype_ref(a, dtype):
    return a.astype(np_dtype(dtype) or np.float64)


def _astype_variants(ctx):
    """``x.to(d)``, ``x.to(dtype=d)``, ``x.type(d)`` and the named casts (``x.float()``) agree."""
    from ..checks import _same

    named = {ember.float32: "float", ember.float64: "double", ember.float16: "half",
             ember.bfloat16: "bfloat16", ember.int64: "long", ember.int32: "int",
             ember.bool: "bool", ember.uint8: "byte", ember.complex64: "cfloat"}
    for i, s in enumerate(ctx.samples()):
        _, target = s.args
        try:
            with ember.default_backend(ctx.backend.name):
                x = ctx.materialize(s.args[0])
                want = x.to(target)
                forms = {"to(dtype=...)": x.to(dtype=target), "type(...)": x.type(target)}
                if target in named:
                    forms[f".{named[target]}()"] = getattr(x, named[target])()
        except Exception as exc:  # noqa: BLE001
            ctx.raised(i, s, exc)
            continue
        for label, got in forms.items():
            diff = _same(want, got)
            if diff:
                ctx.fail_sample(i, s, f"x{label} differs from x.to(dtype): {diff}")
        if target is x.dtype and want is not x:
            ctx.fail_sample(i, s, "x.to(x.dtype) should return x itself")
    ctx.finish("the casts disagree")


def _clone_views(ctx):
    """A clone owns its memory: writing into it leaves the original alone."""
    from ..checks import host

    s = S(ctx.make()(2, 3))
    with ember.default_backend(ctx.backend.name):
        x = ctx.materialize(s.args[0])
        before = host(x).copy()
        c = ember.clone(x)
        c.add_(1)
    if not np.array_equal(host(x), before):
        ctx.fail_sample(0, s, "writing into the clone changed the original",
                        tail=["out.add_(1)", "print(x0)  # unchanged"])
    ctx.finish("clone shares memory")


def _numpy_views(ctx):
    """``t.numpy()`` shares memory with the tensor exactly when the backend declares
    ``shares_numpy_memory``."""
    from ..checks import host

    shares = ctx.backend.shares_numpy_memory
    s = S(ctx.make()(2, 3))
    with ember.default_backend(ctx.backend.name):
        x = ctx.materialize(s.args[0])
        arr = x.numpy()
        before = host(x).copy()
        if shares:
            arr += 1
            if not np.allclose(host(x), before + 1):
                ctx.fail_sample(0, s, "the backend declares shares_numpy_memory, but writing "
                                      "into t.numpy() did not change the tensor",
                                tail=["out += 1", "print(x0)  # changed too"])
        elif arr.flags.writeable:
            arr += 1
            if not np.allclose(host(x), before):
                ctx.fail_sample(0, s, "the backend does not declare shares_numpy_memory, but "
                                      "writing into t.numpy() changed the tensor",
                                tail=["out += 1", "print(x0)  # unchanged"])
    ctx.finish("numpy() memory sharing differs from the declared capability")


def _from_numpy_views(ctx):
    """``from_numpy(a)`` shares memory with `a` exactly when the backend declares
    ``shares_numpy_memory`` (otherwise it copies)."""
    from ..checks import host

    shares = ctx.backend.shares_numpy_memory
    s = S(A(np.arange(6.0).reshape(2, 3), ctx.dtype))
    with ember.default_backend(ctx.backend.name):
        arr = s.args[0].array()
        t = ember.from_numpy(arr)
        before = host(t).copy()
        arr += 1
    now = host(t)
    if shares and not np.allclose(now, before + 1):
        ctx.fail_sample(0, s, "the backend declares shares_numpy_memory, but the tensor did not "
                              "see a write into the NumPy array", tail=["a0 += 1", "print(out)"])
    if not shares and not np.allclose(now, before):
        ctx.fail_sample(0, s, "the backend does not share NumPy memory, yet the tensor changed "
                              "with the NumPy array", tail=["a0 += 1", "print(out)"])
    ctx.finish("from_numpy memory sharing differs from the declared capability")


def _simple_samples(m):
    return [S(m(2, 3)).named("2-d"), S(m()).named("0-d"), S(m(0, 3)).named("empty"),
            S(m(2, 1, 3)).named("3-d")]


def _numpy(x):
    return x.numpy()


def numpy_errors(m):
    return [E(RuntimeError, m.values([1.0, 2.0], dtype=ember.float32, requires_grad=True))
            .requires(ember.float32)]


def from_numpy_samples(m):
    vals = m(2, 3).values
    return [S(A(vals, m.dtype)).named("2-d"), S(A(m().values, m.dtype)).named("0-d"),
            S(A(m(0, 3).values, m.dtype)).named("empty")]


def from_numpy_errors(m):
    return [E(TypeError, [1, 2]), E(TypeError, A(np.array(["a"]), None))]


def tensor_samples(m):
    d = m.dtype
    vals = m(2, 3).values
    out = [S(vals.tolist(), dtype=d).named("nested list"), S(m().values.item(), dtype=d)
           .named("0-d scalar"), S([], dtype=d).named("empty"),
           S(A(vals, d if d is not ember.bfloat16 else ember.float32), dtype=d)
           .named("NumPy array, dtype=")]
    if d is not ember.bfloat16:
        out.append(S(A(vals, d)).named("NumPy array keeps its dtype"))
    if d is ember.float32:
        out += [S([1, 2]).out(ember.int64).named("ints infer int64"),
                S([1.5, 2]).out(ember.float32).named("floats infer the default dtype"),
                S(True).out(ember.bool).named("bool"),
                S([[1, 2.5], [3, 4]]).out(ember.float32).named("mixed int and float"),
                S(2 + 1j).out(ember.complex64).requires(ember.complex64).named("complex"),
                S(A(vals, ember.float64)).out(ember.float64).requires(ember.float64)
                .named("float64 array")]
    return out


def _tensor_ref(data, dtype=None):
    return np.asarray(data)


def tensor_errors(m):
    return [E(ValueError, [[1, 2], [3]]), E(TypeError, "abc"), E(RuntimeError, None)]


def _copy(dst, src):
    return dst.copy_(src)


def copy_samples(m):
    out = [S(m(2, 3, grad=False), m(2, 3)).named("same shape"),
           S(m(2, 3, grad=False), m(3)).named("broadcast"),
           S(m(2, 3, grad=False), m()).named("0-d source"),
           S(m(0, 3, grad=False), m(3)).named("empty")]
    src = m.values(np.array([[0, 1, 2], [3, 0, 1]]), dtype=ember.int64)
    out.append(S(m(2, 3, grad=False), src).requires(ember.int64).named("from int64"))
    return out


def _copy_ref(dst, src):
    return np.broadcast_to(src, dst.shape).copy()


def copy_errors(m):
    return [E(RuntimeError, m(2, 3), m(4)), E(TypeError, m(2, 3), [1, 2])]


def _copy_inplace(ctx):
    """``x.copy_(src)`` returns x itself and bumps its version."""
    for i, s in enumerate(ctx.samples()):
        with ember.default_backend(ctx.backend.name):
            dst, src = ctx.materialize(s.args)
            ident, version = id(dst), dst._version
            try:
                r = dst.copy_(src)
            except Exception as exc:  # noqa: BLE001
                ctx.raised(i, s, exc)
                continue
        if r is not dst or id(dst) != ident:
            ctx.fail_sample(i, s, "copy_ returned a new object instead of the tensor itself")
        elif dst._version <= version:
            ctx.fail_sample(i, s, "copy_ did not bump the tensor's version")
    ctx.finish("copy_ is not a proper in-place write")


# -- creation --------------------------------------------------------------------------------------
def full_samples(m):
    v = m.scalar("complex")
    d = m.dtype
    out = [S((2, 3), v, dtype=d).named("2-d"), S((), v, dtype=d).named("0-d"),
           S((0, 3), v, dtype=d).named("empty"), S([2, 2], v, dtype=d).named("list size")]
    if d is ember.float32:
        out += [S((2,), 1.5).out(ember.float32).named("float fill infers the default dtype"),
                S((2,), 7).out(ember.int64).named("int fill infers int64"),
                S((2,), True).out(ember.bool).named("bool fill infers bool")]
    return out


def _full_ref(size, fill_value, dtype=None):
    return np.full(size, fill_value)


def filled_samples(m):
    d = m.dtype
    out = [S(2, 3, dtype=d).named("sizes"), S((2, 3), dtype=d).named("tuple"),
           S((), dtype=d).named("0-d"), S(0, dtype=d).named("empty")]
    if d is ember.float32:
        out.append(S(2, 3).out(ember.float32).named("default dtype"))
    return out


def _filled_ref(value):
    def ref(*size, dtype=None):
        if len(size) == 1 and isinstance(size[0], tuple):
            size = size[0]
        return AnyValues(size) if value is None else np.full(size, value)
    return ref


def filled_errors(m):
    return [E(RuntimeError, -1), E(TypeError, "a")]


def arange_samples(m):
    d = m.dtype
    out = [S(5, dtype=d).named("end"), S(1, 7, 2, dtype=d).named("start, end, step"),
           S(5, 0, -1, dtype=d).named("negative step"), S(0, 0, dtype=d).named("empty")]
    if d.is_floating_point:
        out.append(S(0, 1, 0.25, dtype=d).named("float step"))
    if d is ember.float32:
        out += [S(5).out(ember.int64).named("ints infer int64"),
                S(0.5, 3).out(ember.float32).named("floats infer the default dtype")]
    return out


def _arange_ref(start, end=None, step=1, dtype=None):
    if end is None:
        start, end = 0, start
    return np.arange(start, end, step, dtype=np.float64)


def arange_errors(m):
    return [E(RuntimeError, 0, 3, 0), E(RuntimeError, 0, 3, -1)]


def linspace_samples(m):
    d = m.dtype
    out = [S(0, 10, 6, dtype=d).named("integer steps"), S(2, 2, 1, dtype=d).named("one step"),
           S(0, 1, 0, dtype=d).named("empty")]
    if d.is_floating_point or d.is_complex:
        out += [S(0, 1, 5, dtype=d).named("fractions"), S(-1, 1, 2, dtype=d).named("two")]
    if d is ember.float32:
        out.append(S(0, 1, 3).out(ember.float32).named("default dtype"))
    return out


def _linspace_ref(start, end, steps, dtype=None):
    return np.linspace(start, end, steps)


def eye_samples(m):
    d = m.dtype
    out = [S(3, dtype=d).named("square"), S(2, 4, dtype=d).named("wide"),
           S(4, 2, dtype=d).named("tall"), S(0, dtype=d).named("empty")]
    if d is ember.float32:
        out.append(S(2).out(ember.float32).named("default dtype"))
    return out


def _eye_ref(n, m=None, dtype=None):
    return np.eye(n, m)


# -- random ----------------------------------------------------------------------------------------
def _shape_of(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def random_samples(m):
    d = m.dtype
    out = [S(3, 4, dtype=d).named("sizes"), S((5,), dtype=d).named("tuple"),
           S(0, dtype=d).named("empty"), S((), dtype=d).named("0-d")]
    if d is ember.float32:
        out.append(S(3).out(ember.float32).named("default dtype"))
    return out


def _random_ref(*size, dtype=None, generator=None):
    return AnyValues(_shape_of(size))


def random_errors(m):
    return [E(NotImplementedError, 2, dtype=ember.int64).requires(ember.int64),
            E(RuntimeError, -1)]


def randint_samples(m):
    d = m.dtype
    low = 0 if d is ember.uint8 else -3
    out = [S(0, 10, (3, 4), dtype=d).named("low, high, size"),
           S(10, (5,), dtype=d).named("high, size"), S(low, 3, (4,), dtype=d).named("low < 0"),
           S(0, 2, (0,), dtype=d).named("empty")]
    if d is ember.int64:
        out.append(S(0, 5, (3,)).out(ember.int64).named("default dtype"))
    return out


def _randint_ref(low=0, high=None, size=None, *, dtype=None, generator=None):
    if size is None:
        size = high
    return AnyValues(size)


def randint_errors(m):
    return [E(RuntimeError, 5, 3, (2,)), E(TypeError, 5)]


def _draws(ctx, fn, args, kwargs, seed, generator=False):
    with ember.default_backend(ctx.backend.name):
        if generator:
            g = ember.Generator().manual_seed(seed)
            return fn(*args, generator=g, **kwargs)
        ember.manual_seed(seed)
        return fn(*args, **kwargs)


def random_check(kind):
    """Reproducible draws (same seed, same values; another seed, other values), the right
    shape and dtype, values in range, and sensible statistics over 4096 draws."""
    def check(ctx):
        from ..checks import host

        d = ctx.dtype
        fn = getattr(ember, kind)
        if kind == "randint":
            low = 0 if d is ember.uint8 else -3
            args, high = (low, 7, (4096,)), 7
        else:
            args, low, high = (4096,), 0, 1
        kw = dict(dtype=d)
        seed = ctx.case.seed % (1 << 31)
        call = f"ember.{kind}({', '.join(map(repr, args))}, dtype=ember.{d.name})"
        s = S(*args, **kw)
        problems = []
        try:
            a = _draws(ctx, fn, args, kw, seed)
            b = _draws(ctx, fn, args, kw, seed)
            c = _draws(ctx, fn, args, kw, seed + 1)
            g1 = _draws(ctx, fn, args, kw, seed, generator=True)
            g2 = _draws(ctx, fn, args, kw, seed, generator=True)
        except Exception as exc:  # noqa: BLE001
            ctx.raised(0, s, exc)
            ctx.finish(f"{kind} failed")
            return
        va, vb, vc = host(a), host(b), host(c)
        if a.dtype is not d or tuple(a.shape) != (4096,):
            problems.append(f"got {a.dtype} {list(a.shape)}, expected {d} [4096]")
        if not np.array_equal(va, vb):
            problems.append("the same seed gave different values")
        if np.array_equal(va, vc):
            problems.append("different seeds gave the same values")
        if not np.array_equal(host(g1), host(g2)):
            problems.append("the same Generator seed gave different values")
        parts = [va.real, va.imag] if d.is_complex else [va]
        for p in parts:
            if kind == "rand":
                if p.min() < 0 or p.max() >= 1:
                    problems.append(f"values outside [0, 1): min {p.min()}, max {p.max()}")
                if abs(p.mean() - 0.5) > 0.03 or abs(p.std() - 0.2887) > 0.03:
                    problems.append(f"not uniform: mean {p.mean():.4f}, std {p.std():.4f}")
            elif kind == "randn":
                sd = np.sqrt(0.5) if d.is_complex else 1.0
                if abs(p.mean()) > 0.1 or abs(p.std() - sd) > 0.08:
                    problems.append(f"not standard normal: mean {p.mean():.4f}, std "
                                    f"{p.std():.4f} (expected 0, {sd:.4f})")
            else:
                if p.min() < low or p.max() >= high or not np.array_equal(p, np.round(p)):
                    problems.append(f"values outside the integers of [{low}, {high}): min "
                                    f"{p.min()}, max {p.max()}")
                if set(np.unique(p).tolist()) != set(range(low, high)):
                    problems.append(f"not every integer of [{low}, {high}) was drawn")
        for p in problems:
            ctx.failures.append(
                f"{p}\nReproduce with:\nimport ember\nwith ember.default_backend("
                f"{ctx.backend.name!r}):\n    ember.manual_seed({seed})\n    a = {call}\n"
                f"    ember.manual_seed({seed})\n    b = {call}\n    print(a, b)")
        ctx.finish(f"{kind} draws are wrong")
    return check


def _generator_check(ctx):
    """manual_seed makes draws reproducible; a Generator of its own leaves the default's
    sequence alone; initial_seed reports the seed."""
    seed = ctx.case.seed % (1 << 31)
    problems = []
    with ember.default_backend(ctx.backend.name):
        ember.manual_seed(seed)
        a = ember.rand(8).numpy()
        ember.manual_seed(seed)
        g = ember.Generator().manual_seed(seed + 1)
        ember.rand(8, generator=g)
        b = ember.rand(8).numpy()
        if ember.initial_seed() != seed:
            problems.append(f"initial_seed() is {ember.initial_seed()}, expected {seed}")
    if not np.array_equal(a, b):
        problems.append("drawing from another Generator changed the default generator's "
                        "sequence")
    for p in problems:
        ctx.failures.append(
            f"{p}\nReproduce with:\nimport ember\nwith ember.default_backend("
            f"{ctx.backend.name!r}):\n    ember.manual_seed({seed}); a = ember.rand(8)\n"
            f"    ember.manual_seed({seed}); g = ember.Generator().manual_seed({seed + 1})\n"
            f"    ember.rand(8, generator=g); b = ember.rand(8)\n    print(a, b)")
    ctx.finish("the generator is not reproducible")


def _manual_seed(seed):
    return ember.manual_seed(seed)


def generator_errors(m):
    return [E(ValueError, 2 ** 70)]


# -- creation --------------------------------------------------------------------------------------
def logspace_samples(m):
    d = m.dtype
    out = [S(0, 2, 5, dtype=d).named("base 10"), S(0, 3, 4, base=2, dtype=d).named("base 2"),
           S(1, 0, 3, dtype=d).named("decreasing"), S(0, 1, 0, dtype=d).named("empty")]
    if d is ember.float32:
        out.append(S(-1, 1, 3).out(ember.float32).named("default dtype"))
    return out


def _logspace_ref(start, end, steps, base=10.0, dtype=None):
    return np.logspace(start, end, steps, base=base)


# -- random: reproducible draws with the right shape, dtype and values -----------------------------
def _random_check(draw, valid, what):
    """A forward check for a random op: ``draw(dtype, generator)`` gives a tensor; the same seed
    (of manual_seed or of a Generator) gives the same values, another seed others, and
    ``valid(values, dtype)`` returns a problem or None."""
    def check(ctx):
        from ..checks import host

        seed = ctx.case.seed % (1 << 31)
        problems = []
        try:
            with ember.default_backend(ctx.backend.name):
                ember.manual_seed(seed)
                a = draw(ctx.dtype, None)
                ember.manual_seed(seed)
                b = draw(ctx.dtype, None)
                ember.manual_seed(seed + 1)
                c = draw(ctx.dtype, None)
                g1 = draw(ctx.dtype, ember.Generator().manual_seed(seed))
                g2 = draw(ctx.dtype, ember.Generator().manual_seed(seed))
        except Exception as exc:  # noqa: BLE001
            ctx.raised(0, S(), exc)
            ctx.finish(f"{ctx.case.op} failed")
            return
        va = host(a)
        if not np.array_equal(va, host(b)):
            problems.append("the same seed gave different values")
        if np.array_equal(va, host(c)):
            problems.append("different seeds gave the same values")
        if not np.array_equal(host(g1), host(g2)):
            problems.append("the same Generator seed gave different values")
        problem = valid(va, ctx.dtype)
        if problem:
            problems.append(problem)
        for p in problems:
            ctx.failures.append(f"{p}\nReproduce with:\nimport ember\nwith ember.default_backend("
                                f"{ctx.backend.name!r}):\n    ember.manual_seed({seed})\n"
                                f"    print({what})")
        ctx.finish(f"{ctx.case.op} draws are wrong")
    return check


def _randperm_valid(v, d):
    if sorted(v.tolist()) != list(range(500)):
        return f"not a permutation of 0..499: {v[:10]} ..."
    return None


def randperm_samples(m):
    d = m.dtype
    out = [S(5, dtype=d).named("n"), S(0, dtype=d).named("empty"), S(1, dtype=d).named("one")]
    if d is ember.int64:
        out.append(S(4).out(ember.int64).named("default dtype"))
    return out


def _bernoulli_valid(v, d):
    if not np.isin(v, (0, 1)).all():
        return f"values other than 0 and 1: {np.unique(v)}"
    low, high = v[:, :2000].mean(), v[:, 2000:].mean()
    if abs(low - 0.2) > 0.04 or abs(high - 0.9) > 0.04:
        return f"frequencies {low:.3f} and {high:.3f}, expected 0.2 and 0.9"
    return None


def _bernoulli_draw(d, g):
    p = ember.cat([ember.full((2, 2000), 0.2, dtype=d), ember.full((2, 2000), 0.9, dtype=d)], 1)
    return ember.bernoulli(p, generator=g)


def bernoulli_samples(m):
    return [S(m(3, 4, low=0, high=1)).named("probabilities"), S(m(3), p=0.5).named("p="),
            S(m(0, 2, low=0, high=1)).named("empty")]


def _multinomial_draw(d, g):
    probs = ember.tensor([[0.0, 1.0, 3.0, 0.0], [1.0, 1.0, 1.0, 1.0]], dtype=d)
    with_r = ember.multinomial(probs, 4000, replacement=True, generator=g)
    without = ember.multinomial(probs, 2, generator=g)
    return ember.cat([with_r, without], 1)


def _multinomial_valid(v, d):
    first, without = v[0, :4000], v[:, 4000:]
    if not np.isin(first, (1, 2)).all():
        return f"categories of zero weight were drawn: {np.unique(first)}"
    if abs((first == 2).mean() - 0.75) > 0.04:
        return f"category 2 drawn {(first == 2).mean():.3f} of the time, expected 0.75"
    if sorted(without[0].tolist()) != [1, 2] or len(set(without[1].tolist())) != 2:
        return f"draws without replacement repeat or pick zero weights: {without}"
    return None


def multinomial_samples(m):
    return [S(m.values([0.2, 0.3, 0.5]), 2).named("1-d"),
            S(m.values([[1.0, 0.0, 1.0], [0.5, 0.5, 0.5]]), 5, replacement=True)
            .named("2-d, with replacement"), S(m.values([[1.0, 2.0]]), 2).named("all categories")]


def _multinomial_ref(probs, num_samples, replacement=False, generator=None):
    return AnyValues(probs.shape[:-1] + (num_samples,))


def multinomial_errors(m):
    return [E(RuntimeError, m.values([1.0, 0.0]), 2), E(RuntimeError, m.values([-1.0, 2.0]), 1),
            E(RuntimeError, m.values([1.0, 1.0]), 3),
            E(RuntimeError, m.values([1, 2], dtype=ember.int64), 1).requires(ember.int64)]


def _normal_draw(d, g):
    mean = ember.cat([ember.zeros(4000, dtype=d), ember.full((4000,), 3.0, dtype=d)])
    return ember.normal(mean, 2.0, generator=g)


def _normal_valid(v, d):
    a, b = v[:4000], v[4000:]
    if abs(a.mean()) > 0.15 or abs(b.mean() - 3) > 0.15 or abs(a.std() - 2) > 0.15:
        return f"means {a.mean():.3f}, {b.mean():.3f} and std {a.std():.3f}, expected 0, 3 and 2"
    return None


def normal_samples(m):
    return [S(m(3, 4), 1.5).named("tensor mean"), S(0.5, m.pos(3)).named("tensor std"),
            S(m(2, 1), m.pos(3)).named("both, broadcast"),
            S(0.0, 1.0, (2, 3)).out(ember.float32).named("floats and size")]


def _normal_ref(mean, std, size=None, generator=None):
    if size is not None:
        return AnyValues(size)
    return AnyValues(np.broadcast_shapes(np.shape(mean), np.shape(std)))


def normal_errors(m):
    return [E(RuntimeError, m(3), -1.0), E(RuntimeError, 0.0, m.values([1.0, -1.0])),
            E(TypeError, 0.0, 1.0)]


# -- conversion ------------------------------------------------------------------------------------
def from_dlpack_samples(m):
    return [S(A(m(2, 3).values, m.dtype)).named("2-d"), S(A(m().values, m.dtype)).named("0-d"),
            S(A(m(0, 3).values, m.dtype)).named("empty")]


def _from_dlpack_views(ctx):
    """``from_dlpack(a)`` shares memory with a NumPy array exactly where ``from_numpy`` does."""
    original = ember.from_numpy
    ember.from_numpy = ember.from_dlpack  # the same memory check, through DLPack
    try:
        _from_numpy_views(ctx)
    finally:
        ember.from_numpy = original


ENTRIES = [
    Entry("astype", astype_samples, _astype_ref, call=lambda x, d: x.to(d), code="{0}.to({1})",
          grad=True, grad_kwargs=dict(eps=1e-3, atol=1e-3, rtol=1e-3),
          custom={"variants": _astype_variants}),
    Entry("clone", _simple_samples, lambda a, **kw: a.copy(), custom={"views": _clone_views}),
    Entry("to_numpy", _simple_samples, lambda a: a, call=_numpy, code="{0}.numpy()",
          errors=numpy_errors, custom={"views": _numpy_views}),
    Entry("assign", copy_samples, _copy_ref, call=_copy, code="{0}.copy_({1})", mutates=True,
          grad=True, errors=copy_errors, custom={"variants": _copy_inplace}),
    Entry("asarray", tensor_samples, _tensor_ref, errors=tensor_errors),
    Entry("from_numpy", from_numpy_samples, lambda a: a, errors=from_numpy_errors,
          custom={"views": _from_numpy_views}),
    Entry("full", full_samples, _full_ref, errors=lambda m: [E(RuntimeError, (-1,), 1.0),
                                                             E(TypeError, "a", 1.0)]),
    Entry("zeros", filled_samples, _filled_ref(0), errors=filled_errors),
    Entry("ones", filled_samples, _filled_ref(1), errors=filled_errors),
    Entry("empty", filled_samples, _filled_ref(None), errors=filled_errors),
    Entry("arange", arange_samples, _arange_ref, errors=arange_errors),
    Entry("linspace", linspace_samples, _linspace_ref,
          errors=lambda m: [E(RuntimeError, 0, 1, -1),
                            E(NotImplementedError, 0, 1, 3, dtype=ember.bool)]),
    Entry("eye", eye_samples, _eye_ref, errors=lambda m: [E(RuntimeError, -1)]),
    Entry("generator", lambda m: [], call=_manual_seed, code="ember.manual_seed({0})",
          errors=generator_errors, custom={"forward": _generator_check}),
    Entry("rand", random_samples, _random_ref, errors=random_errors,
          custom={"forward": random_check("rand")}),
    Entry("randn", random_samples, _random_ref, errors=random_errors,
          custom={"forward": random_check("randn")}),
    Entry("randint", randint_samples, _randint_ref,
          errors=randint_errors, custom={"forward": random_check("randint")}),
    Entry("logspace", logspace_samples, _logspace_ref,
          errors=lambda m: [E(RuntimeError, 0, 1, -1)]),
    Entry("randperm", randperm_samples, lambda n, dtype=None: AnyValues((n,)),
          errors=lambda m: [E(RuntimeError, -1), E(TypeError, 2.5)],
          custom={"forward": _random_check(lambda d, g: ember.randperm(500, dtype=d, generator=g),
                                           _randperm_valid, "ember.randperm(500)")}),
    Entry("bernoulli", bernoulli_samples, lambda p, p_=None, **kw: AnyValues(p.shape), grad=False, variants=False,
          errors=lambda m: [E(NotImplementedError, m.index([1]))],
          custom={"forward": _random_check(_bernoulli_draw, _bernoulli_valid,
                                           "ember.bernoulli(ember.full((4000,), 0.2))")}),
    Entry("multinomial", multinomial_samples, _multinomial_ref,
          variants=False, errors=multinomial_errors,
          custom={"forward": _random_check(_multinomial_draw, _multinomial_valid,
                                           "ember.multinomial(ember.tensor([0., 1., 3., 0.]), "
                                           "20, replacement=True)")}),
    Entry("normal", normal_samples, _normal_ref, grad=False, variants=False,
          errors=normal_errors,
          custom={"forward": _random_check(_normal_draw, _normal_valid,
                                           "ember.normal(ember.zeros(4000), 2.0)")}),
    Entry("from_dlpack", from_dlpack_samples, lambda a: a,
          errors=lambda m: [E(TypeError, [1, 2])], custom={"views": _from_dlpack_views}),
]
