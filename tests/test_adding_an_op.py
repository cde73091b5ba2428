"""docs/adding-an-op.md's path, followed for real: a toy composite op is declared and given a
sample entry, and nothing else; the conformance suite then checks it (forward, result dtype,
gradients, errors and the dtypes it must refuse). An op declared without a sample fails."""

import os
import subprocess
import sys
import textwrap

import pytest

TOY = textwrap.dedent("""
    import numpy as np

    import ember
    from ember.ops import elementwise as E
    from ember.ops.registry import FLOATING, defop
    from ember_conformance.entries import S, Entry
    from ember_conformance.samples import ENTRIES


    # the declaration: a composite (no kernel), differentiable through the ops it is made of
    @defop("toy_softsign", "nn", "same", dtypes=FLOATING, differentiable=True, method=False,
           namespaces=("nn.functional",))
    def toy_softsign(input):
        \"\"\"input / (1 + |input|).\"\"\"
        return E.div(input, E.add(E.abs(input), 1))


    # the sample entry
    ENTRIES["toy_softsign"] = Entry(
        "toy_softsign", lambda m: [S(m(3, 4)), S(m(5))], lambda a: a / (1 + np.abs(a)),
        call=lambda x: ember.nn.functional.toy_softsign(x), code="ember.nn.functional.toy_softsign({0})")
    {extra}
    # nn.functional was bound before this module ran: bind the namespace again, as an op
    # module of core would have been imported first
    import ember.nn.functional as F
    ember.ops.bind_namespace("nn.functional", vars(F))
""")

NO_SAMPLES = textwrap.dedent("""
    @defop("toy_unsampled", "nn", "same", dtypes=FLOATING, differentiable=True, method=False,
           namespaces=("nn.functional",))
    def toy_unsampled(input):
        return E.abs(input)
""")


def _run_suite(tmp_path, extra, select):
    (tmp_path / "toy_op.py").write_text(TOY.replace("{extra}", extra))
    env = dict(os.environ, PYTHONPATH=str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "toy_op", "-p", "no:cacheprovider",
           "--pyargs", "ember_conformance", "--ember-backend=numpy", "-k", select]
    return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_a_declared_op_with_a_sample_is_certified(tmp_path):
    done = _run_suite(tmp_path, "", "toy_softsign")
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    for check in ("test_forward", "test_dtype", "test_grad", "test_rejects"):
        assert check in out or "passed" in out, out
    # forward and dtype per float dtype, the gradient checks, the refused dtypes, the sample check
    passed = int(out.rsplit(" passed", 1)[0].split()[-1])
    assert passed >= 8, out


def test_a_declared_op_without_samples_fails(tmp_path):
    done = _run_suite(tmp_path, NO_SAMPLES, "test_has_samples and toy_unsampled")
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "toy_unsampled" in out and "has no entry" in out, out


@pytest.mark.parametrize("bad, message", [
    (dict(result="floaty"), "unknown result rule"),
    (dict(saves=("inputs",)), "saves"),
    (dict(namespaces=("torch",)), "namespaces"),
    (dict(dtype_args=("nope",)), "dtype_args"),
])
def test_a_wrong_declaration_is_refused_with_its_field(bad, message):
    from ember.ops.registry import REGISTRY, defop

    result = bad.pop("result", "same")
    with pytest.raises(ValueError, match=message):
        @defop("toy_bad", "nn", result, **bad)
        def toy_bad(input):
            return input
    assert "toy_bad" not in REGISTRY


def test_a_kernel_that_cannot_take_the_declared_arguments_is_refused():
    from ember.ops.registry import check_kernel

    error = check_kernel("toybackend", "add", lambda a: a)
    assert isinstance(error, TypeError)
    assert "toybackend" in str(error) and "'add'" in str(error) and "add(a, b)" in str(error)
    assert check_kernel("toybackend", "add", lambda a, b: a) is None
    assert check_kernel("toybackend", "add", lambda *arrays: arrays[0]) is None
