"""Backends are laid out by area: each kernel lives in the module of its op's area (the op's
``kind`` in the registry; the nn ops on sliding windows in ``conv``), and a backend's table is
the merge of its areas, with no kernel defined in two of them."""

import subprocess
import sys

import numpy as np
import pytest

from ember import backends, ops
from ember_numpy.kernels import area_name, merge

# an area module holds the ops of this kind; every other area is named after its kind
_KIND_OF_AREA = {"conv": "nn", "special": "elementwise"}


def _misplaced(tables):
    """'area: op (kind)' for each kernel whose op is not of its area's kind."""
    return [f"{area}: {name} ({ops.REGISTRY[name].kind})"
            for area, kernels in tables.items() for name in kernels
            if ops.REGISTRY[name].kind != _KIND_OF_AREA.get(area, area)]


def test_numpy_kernels_live_in_the_area_of_their_op():
    from ember_numpy.kernels import AREAS

    assert _misplaced({area_name(a): a.make(np) for a in AREAS}) == []


def test_jax_kernels_live_in_the_area_of_their_op():
    b = backends.installed().get("jax")
    if b is None or b.status != backends.AVAILABLE:
        pytest.skip(f"the jax backend is not available: {getattr(b, 'reason', 'not installed')}")
    b.kernels  # noqa: B018 - loads the backend, which enables JAX's 64-bit types
    import jax.numpy as jnp
    from ember_jax.kernels import AREAS

    assert _misplaced({area_name(a): a.make(jnp) for a in AREAS}) == []


def test_frozen_kernels_live_in_the_area_of_their_op():
    kernels = pytest.importorskip(
        "ember_frozen.kernels", reason="ember-frozen is not installed "
        "(pip install -e examples/frozen_backend)")
    assert _misplaced({area_name(a): a.KERNELS for a in kernels.AREAS}) == []


def test_the_frozen_backend_does_not_import_embers_numpy_backend():
    """It is a stranger's backend: its areas are its own, not ember_numpy's."""
    pytest.importorskip("ember_frozen", reason="ember-frozen is not installed "
                        "(pip install -e examples/frozen_backend)")
    code = ("import sys, ember_frozen.kernels; "
            "assert 'ember_numpy' not in sys.modules, 'ember_frozen imported ember_numpy'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_kernel_defined_in_two_areas_is_refused():
    with pytest.raises(ValueError, match="kernel 'add' is defined in two areas: 'elementwise' "
                                         "and 'linalg'"):
        merge({"elementwise": {"add": np.add}, "linalg": {"matmul": np.matmul, "add": np.add}})
    assert merge({"elementwise": {"add": np.add}, "linalg": {"matmul": np.matmul}}) == \
        {"add": np.add, "matmul": np.matmul}


def test_jax_table_is_the_numpy_table_with_overrides():
    """JAX's areas build on NumPy's: every NumPy kernel is in JAX's table (the conv area, which
    JAX writes whole with lax convolutions, included; max pooling runs core's composite as one
    jitted program), but the strided views."""
    b = backends.installed().get("jax")
    if b is None or b.status != backends.AVAILABLE:
        pytest.skip(f"the jax backend is not available: {getattr(b, 'reason', 'not installed')}")
    from ember_jax.kernels import make_kernels
    from ember_numpy.kernels import make_kernels as numpy_kernels

    b.kernels  # noqa: B018 - loads the backend, which enables JAX's 64-bit types
    # NumPy's strided views that writes go through (JAX takes core's composites for them)
    strided = {"as_strided", "diagonal", "unfold"}
    assert sorted(set(numpy_kernels(np)) - set(make_kernels()) - strided) == []
