"""The deliberate differences from PyTorch: the one table that ``--ember-oracle=torch`` reads
and ``docs/differences.md`` is generated from (``python -m ember_conformance differences``).

Keys are as for a backend's expected failures: ``"op"`` (every check of the op),
``"op[check]"`` or ``"op[check-dtype]"``, with check one of forward, dtype, grad, errors. A
disagreement the oracle finds under a listed key is reported as an expected failure with the
reason; one under no key fails; a key under which nothing differs any more is reported stale.
"""

import re

_COMPLEX32 = ("PyTorch computes a float16 tensor and a complex Python scalar in complex32 "
              "(experimental ComplexHalf, without division); ember has no complex32 and "
              "computes in complex64, the next complex type")
_INDEX_ERROR = ("a wrongly ranked input: PyTorch fails deep inside with IndexError "
                "(\"Dimension out of range\"); ember checks the rank first and raises "
                "RuntimeError naming the expected shape")

DIFFERENCES = {
    "add[dtype-float16]": _COMPLEX32,
    "sub[*-float16]": _COMPLEX32,
    "mul[*-float16]": _COMPLEX32,
    "div[*-float16]": _COMPLEX32,
    "gelu[forward-float32]": "gelu(+inf) is +inf in ember (the limit, and what float16 and "
                             "float64 give in PyTorch too); PyTorch's vectorised float32 CPU "
                             "kernel gives NaN",
    "topk[forward*]": "with sorted=False PyTorch returns the k values in an unspecified order; "
                      "ember always returns them sorted (allowed by PyTorch's documentation)",
    "max_pool1d[*int*]": "PyTorch's CPU max_pool1d is not implemented for integer tensors; "
                         "ember's takes every real dtype, as max_pool2d does in both",
    "layer_norm[forward*]": "F.layer_norm accepts an int normalized_shape in ember, as "
                            "nn.LayerNorm does in both; PyTorch's functional form wants a tuple",
    "layer_norm[grad*]": "the same int normalized_shape sample (see layer_norm[forward*])",
    "scatter[grad*]": "with src larger than index, PyTorch's backward fails (it returns a "
                      "gradient of index's shape for src); ember gives src a gradient of its "
                      "own shape, zero where nothing was scattered",
    "scatter_add[grad*]": "as scatter[grad*]: with src larger than index PyTorch's backward "
                          "fails; ember gives src a gradient of its own shape",
    "clamp[errors*]": "clamp of a uint8 tensor to a negative bound: PyTorch wraps the bound "
                      "silently; ember refuses an out-of-range scalar with RuntimeError",
    "multinomial[errors*]": "more draws without replacement than nonzero-probability "
                            "categories: PyTorch 2.13's CPU kernel returns repeated categories; "
                            "ember raises RuntimeError, as PyTorch documents",
    "norm[errors*]": "a string p that names no norm: PyTorch fails with AttributeError from "
                     "its own internals; ember raises TypeError naming the argument",
    "normalize[errors*]": "as norm[errors*]: a string p gives TypeError, not AttributeError",
    "from_dlpack[errors*]": "an object without __dlpack__: PyTorch raises RuntimeError about an "
                            "invalid capsule; ember raises TypeError, as for any argument of the "
                            "wrong type",
    "sort[forward*]": "the indices of equal values: unspecified in both with stable=False "
                      "(ember's are NumPy's quicksort's, PyTorch's its own)",
    "fftfreq[*-complex*]": "fftfreq with a complex dtype: PyTorch's CPU kernel (arange) is "
                           "not implemented for complex types and raises NotImplementedError; "
                           "ember's declaration accepts them and gives the frequencies with a "
                           "zero imaginary part",
    "rfftfreq[*-complex*]": "as fftfreq[*-complex*]",
    "rfftfreq[errors*]": "rfftfreq(-1): PyTorch 2.13 returns tensor([-0.]) (while fftfreq(-1) "
                         "raises); ember raises RuntimeError for a negative n in both",
    "binary_cross_entropy[forward*]": "PyTorch's CPU kernel checks that every input value lies "
                                      "in [0, 1] and raises RuntimeError; ember does not read "
                                      "the values back to check (a host sync per call) and "
                                      "gives NaN for them",
    "prod[forward-float16]": "the generated sample multiplies 4100 float16 values, a zero among "
                             "them, past float16's range: PyTorch's order of accumulation "
                             "reaches inf first (inf * 0 = NaN), ember's reaches the zero first "
                             "(-0.0); both are float16 overflow",
    "to_numpy[*-bfloat16]": "PyTorch's Tensor.numpy() refuses bfloat16 (NumPy has no such "
                            "type); ember returns an ml_dtypes bfloat16 array, on backends that "
                            "have bfloat16",
    "im2col[errors*]": _INDEX_ERROR,
    "avg_pool2d[errors*]": _INDEX_ERROR,
    "interpolate[errors*]": "antialias=True (PyTorch's anti-aliased bilinear and bicubic "
                            "kernels) is not implemented in ember: it raises NotImplementedError "
                            "naming the option rather than resample without antialiasing",
    "sinc[errors*]": "ember's sinc is real only: a complex input raises NotImplementedError, "
                     "where PyTorch computes the complex sinc",
}


def _pattern(key):
    """A key as a regular expression: `*` matches anything, everything else is literal."""
    return re.compile(".*".join(map(re.escape, key.split("*"))) + r"\Z")


_PATTERNS = {key: _pattern(key) for key in DIFFERENCES}


def lookup(op, check, dtype=""):
    """(key, reason) of the entry covering this test, or None: the key ``op``,
    ``op[check]`` or ``op[check-dtype]``, where ``*`` in a key matches anything."""
    names = [f"{op}[{check}-{dtype}]" if dtype else f"{op}[{check}]", f"{op}[{check}]", op]
    for key, pattern in _PATTERNS.items():
        if any(pattern.match(n) for n in names):
            return key, DIFFERENCES[key]
    return None


def markdown():
    """docs/differences.md: the table, with how to read and change it."""
    lines = [
        "# Deliberate differences from PyTorch",
        "",
        "<!-- generated by `python -m ember_conformance differences --out docs/differences.md`"
        " from conformance/differences.py; edit that file, not this one -->",
        "",
        "The conformance suite can run every op's samples through PyTorch as well "
        "(`pytest --pyargs ember_conformance --ember-backend=numpy --ember-oracle=torch`) and "
        "compares values, result dtypes, gradients and the exception type of each bad input. "
        "Every disagreement is either fixed in ember or listed here with its reason; the suite "
        "reads this table (`ember_conformance.differences.DIFFERENCES`), so a listed difference "
        "is reported as an expected failure, an unlisted one fails, and an entry that no longer "
        "differs is reported as stale.",
        "",
        "Keys: `op` (every check of the op), `op[check]` or `op[check-dtype]`, with check one of "
        "`forward` (values), `dtype` (result dtype), `grad` (gradients) and `errors` "
        "(exception types).",
        "",
        "| key | why ember differs |",
        "|---|---|",
    ]
    for key in sorted(DIFFERENCES):
        lines.append(f"| `{key}` | {DIFFERENCES[key]} |")
    if not DIFFERENCES:
        lines.append("| (none) | |")
    return "\n".join(lines) + "\n"
