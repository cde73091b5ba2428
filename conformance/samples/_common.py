"""What the parts of the sample database share: input makers (``binary_samples``,
``unary_samples``...), NumPy references, error samples and the checks some entries make their
own way. The entries themselves live in one module per area, as ``ember.ops`` does."""

import numpy as np

import ember

from ..entries import FLOAT, INT, S

inf, nan = float("inf"), float("nan")
REAL = INT + FLOAT


class _Code(str):
    """A snippet's call of ``ember.nn.functional.<name>``, for any number of arguments."""

    def format(self, *parts, kw=""):
        return f"{self}({', '.join(parts)}{kw})"


def _functional(name):
    """`call` and `code` for an op reached as ``ember.nn.functional.<name>``."""
    import ember.nn.functional as F

    return dict(call=getattr(F, name), code=_Code(f"ember.nn.functional.{name}"))


def _distinct(m, *shape, dtype=None):
    return m.distinct(*shape, dtype=dtype)


def unary_samples(gen, special=None):
    """Samples of a unary elementwise op; `special` adds exact values (nan, inf, 0, ...)."""
    def samples(m):
        out = [S(gen(m, 2, 3)).named("2-d"), S(gen(m)).named("0-d"),
               S(gen(m, 0, 2)).named("empty"), S(gen(m, 2, 1, 3)).named("3-d"),
               S(gen(m, 5, 6)).named("larger")]
        if special is not None and m.dtype.is_floating_point:
            out.append(S(m.values(special)).no_grad().key().named("special values"))
        return out
    return samples


def _quiet(fn):
    """`fn` without NumPy's warnings for nan, inf and division by zero; bool arrays count as
    0 and 1 (NumPy would compute in float16)."""
    def ref(*args, **kwargs):
        args = [a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype == bool else a
                for a in args]
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    return ref


# -- the table -------------------------------------------------------------------------------------
_HALF_SUM = {ember.float16: (5e-3, 5e-3), ember.bfloat16: (3e-2, 3e-2)}
