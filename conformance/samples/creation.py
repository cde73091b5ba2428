"""Sample entries for the creation, random and conversion ops added after the first set (see
``ember_conformance.samples``)."""

import numpy as np

import ember

from ..entries import ALL, FLOAT, A, AnyValues, E, Entry, S, int64
from .core import _from_numpy_views


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
    Entry("logspace", logspace_samples, _logspace_ref, dtypes=FLOAT + (ember.int64,),
          errors=lambda m: [E(RuntimeError, 0, 1, -1)]),
    Entry("randperm", randperm_samples, lambda n, dtype=None: AnyValues((n,)),
          dtypes=(ember.int64, ember.int32, ember.int16, ember.float32, ember.float64),
          errors=lambda m: [E(RuntimeError, -1), E(TypeError, 2.5)],
          custom={"forward": _random_check(lambda d, g: ember.randperm(500, dtype=d, generator=g),
                                           _randperm_valid, "ember.randperm(500)")}),
    Entry("bernoulli", bernoulli_samples, lambda p, p_=None, **kw: AnyValues(p.shape),
          dtypes=FLOAT, grad=False, variants=False,
          errors=lambda m: [E(NotImplementedError, m.index([1]))],
          custom={"forward": _random_check(_bernoulli_draw, _bernoulli_valid,
                                           "ember.bernoulli(ember.full((4000,), 0.2))")}),
    Entry("multinomial", multinomial_samples, _multinomial_ref, dtypes=FLOAT, out=int64,
          variants=False, errors=multinomial_errors,
          custom={"forward": _random_check(_multinomial_draw, _multinomial_valid,
                                           "ember.multinomial(ember.tensor([0., 1., 3., 0.]), "
                                           "20, replacement=True)")}),
    Entry("normal", normal_samples, _normal_ref, dtypes=FLOAT, grad=False, variants=False,
          errors=normal_errors,
          custom={"forward": _random_check(_normal_draw, _normal_valid,
                                           "ember.normal(ember.zeros(4000), 2.0)")}),
    Entry("from_dlpack", from_dlpack_samples, lambda a: a,
          dtypes=tuple(d for d in ALL if d is not ember.bfloat16),
          errors=lambda m: [E(TypeError, [1, 2])], custom={"views": _from_dlpack_views}),
]
