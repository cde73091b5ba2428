"""The kernel contract: docs/backend-contract.md is current and complete, the checker of
``--ember-check-contract`` catches calls outside it both ways (core's arguments, a kernel's
result), and core's decompositions stay inside it."""

import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ember
from ember import backends
from ember.ops import REGISTRY
from ember_conformance import contract

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "backend-contract.md"


def test_doc_tables_are_current():
    text = DOC.read_text(encoding="utf-8")
    assert contract.render(text) == text, (
        "docs/backend-contract.md is stale: run "
        "`python -m ember_conformance.contract --write docs/backend-contract.md`")


def test_doc_lists_every_kernel_with_a_written_contract():
    text = DOC.read_text(encoding="utf-8")
    kernels = [n for n, op in REGISTRY.items() if op.kernel]
    missing = [n for n in kernels if f"| `{n}` |" not in text]
    assert not missing, f"kernels missing from docs/backend-contract.md: {missing}"
    unwritten = [n for n in kernels if n not in contract.SPECS]
    assert not unwritten, (f"kernels without an entry in ember_conformance.contract.SPECS (their "
                           f"arguments and result are barely checked): {unwritten}; add one line "
                           f"each to SPECS in conformance/contract.py, then run `python -m "
                           f"ember_conformance.contract --write docs/backend-contract.md`")
    for n in kernels:
        kinds, rule, alias = contract.SPECS[n]
        assert len(kinds) == len(REGISTRY[n].kernel_args), n
        assert all(k in contract.ARG_KINDS for k in kinds), n
        assert rule in contract.RESULTS and alias in ("may", "no", "mutates"), n


@pytest.fixture(scope="module")
def numpy_backend():
    return backends.get_backend("numpy")


def checked(backend, **broken):
    """The backend's table under the checks, with kernels replaced by `broken`."""
    kernels = dict(backend.kernels)
    kernels.update(broken)
    contract.take()
    return contract.checked_table(backend, kernels)


def violation(fn, *args):
    with pytest.raises(contract.ContractViolation) as info:
        fn(*args)
    contract.take()
    return str(info.value)


def test_a_flattened_result_is_caught(numpy_backend):
    k = checked(numpy_backend, add=lambda a, b: np.add(a, b).reshape(-1))
    msg = violation(k["add"], np.ones((2, 3), np.float32), np.ones((2, 3), np.float32))
    assert "backend 'numpy', op 'add', kernel add(a, b)" in msg
    assert "returned shape (6,); the contract wants (2, 3)" in msg


def test_float64_data_for_float32_inputs_is_caught(numpy_backend):
    k = checked(numpy_backend, exp=lambda a: np.exp(a.astype(np.float64)))
    msg = violation(k["exp"], np.ones(3, np.float32))
    assert "op 'exp'" in msg and "returned dtype float64; the contract wants float32" in msg


def test_a_result_that_is_not_the_backends_array_is_caught(numpy_backend):
    k = checked(numpy_backend, neg=lambda a: (-a).tolist())
    assert "not an array of the backend" in violation(k["neg"], np.ones(3, np.float32))


def test_a_copy_that_shares_memory_is_caught(numpy_backend):
    k = checked(numpy_backend, clone=lambda a: a)
    assert "sharing memory with an input" in violation(k["clone"], np.ones(3))


def test_an_index_put_that_writes_into_its_input_is_caught(numpy_backend):
    def index_put(a, index, values, accumulate):
        a[index] = values
        return a

    k = checked(numpy_backend, index_put=index_put)
    msg = violation(k["index_put"], np.zeros(3), (np.array([1]),), 2.0, False)
    assert "modified its input" in msg


@pytest.mark.parametrize("kernel, args, what", [
    ("getitem", (np.arange(4.0), (slice(None, None, -1),)), "step that is not positive"),
    ("add", (np.arange(4), 1.5), "a float Python scalar against a int64 array"),
    ("add", (np.arange(4, dtype=np.uint8), 300), "out of the range of uint8"),
    ("mul", (np.arange(4.0), np.arange(4.0, dtype=np.float32)), "several dtypes"),
    ("sum", (np.ones((2, 3)), (), False), "() for an array of 2 dims"),
    ("sum", (np.ones((2, 3)), (-1,), False), "not distinct dims in [0, 2)"),
    ("reshape", (np.ones(6), (-1,)), "not a tuple of non-negative ints"),
    ("asarray", ([1.0, 2.0], np.dtype("float32")), "not a numpy.ndarray"),
])
def test_arguments_outside_the_contract_are_caught(numpy_backend, kernel, args, what):
    k = checked(numpy_backend)
    msg = violation(k[kernel], *args)
    assert f"op {kernel!r}" in msg and what in msg


def test_comparisons_take_out_of_range_scalars(numpy_backend):
    k = checked(numpy_backend)
    assert k["lt"](np.arange(3, dtype=np.uint8), 300).all()
    assert not contract.take()


def test_a_decomposition_is_named_in_the_message(numpy_backend):
    k = checked(numpy_backend, sub=lambda a, b: np.subtract(a, b).astype(np.float64))
    msg = violation(k["softmax"], np.ones((2, 3), np.float32), 1)
    assert "op 'sub'" in msg and "inside the decomposition of 'softmax'" in msg


@pytest.fixture()
def checked_numpy():
    contract.install(["numpy"])
    try:
        yield
    finally:
        contract.uninstall()


def test_core_decompositions_stay_inside_the_contract(checked_numpy):
    """The calls the checker found outside the contract, fixed in core: flip with negative
    slice steps, hardtanh with float limits on integers, reshape with -1, lists for asarray."""
    with ember.default_backend("numpy"):
        x = ember.arange(12.0).reshape(3, 4)
        assert ember.flip(x, (0, 1))[0].tolist() == [11.0, 10.0, 9.0, 8.0]
        ints = ember.tensor([-3, 0, 3])
        assert ember.nn.functional.hardtanh(ints, -1.7, 2.7).tolist() == [-1, 0, 2]
        assert ember.masked_select(x, x > 9).tolist() == [10.0, 11.0]
        assert ember.take(x, ember.tensor([0, 11])).tolist() == [0.0, 11.0]
        pooled = ember.nn.functional.avg_pool2d(x.reshape(1, 1, 3, 4), 2, padding=1,
                                                count_include_pad=False)
        assert pooled.shape == (1, 1, 2, 3)
        assert ember.nn.functional.adaptive_avg_pool2d(x.reshape(1, 1, 3, 4), 2).shape == \
            (1, 1, 2, 2)
        assert abs(x.var().item() - 13.0) < 1e-9
    assert not contract.take()


def test_the_pytest_option_checks_every_call_and_fails_caught_violations(tmp_path):
    (tmp_path / "test_probe.py").write_text(textwrap.dedent("""
        import numpy as np
        from ember import backends

        def test_installed():
            assert backends.lookup("numpy").kernels["add"].__name__ == "checked_add"

        def test_caught_violation_still_fails():
            try:
                backends.lookup("numpy").kernels["add"](np.arange(3), 0.5)
            except AssertionError:
                pass
    """))
    env = {k: v for k, v in os.environ.items() if k != "EMBER_BACKEND"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(tmp_path / "test_probe.py"), "--ember-backend=numpy",
                           "--ember-check-contract", "--ember-report-dir", str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    out = proc.stdout + proc.stderr
    assert "1 failed, 1 passed" in out, out
    assert "test_caught_violation_still_fails" in out
    assert "a float Python scalar against a int64 array" in out
