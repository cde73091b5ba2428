"""The NumPy backend's speed paths give the same results as the plain ones: its own
conv_transpose2d kernel (both stride-1 forms and the general one) against core's
decomposition, conv2d's input gradient against PyTorch's, and the allocator tuning's switch."""

import itertools
import os
import subprocess
import sys

import numpy as np
import pytest

import ember
from ember.ops.conv import _conv_transpose2d_kernel

# (stride, padding, output_padding, dilation, groups): the wide-plane path (stride 1) with
# dilation, padding, output_padding and groups, and the general path beside it
CASES = [((1, 1), (0, 0), (0, 0), (1, 1), 1), ((1, 1), (1, 2), (0, 0), (1, 1), 1),
         ((1, 1), (0, 1), (1, 0), (2, 2), 1), ((1, 1), (1, 1), (0, 0), (2, 1), 2),
         ((2, 1), (1, 0), (1, 0), (1, 1), 2), ((2, 3), (0, 1), (1, 2), (1, 1), 1)]


@pytest.mark.parametrize("stride,padding,output_padding,dilation,groups", CASES)
def test_conv_transpose2d_kernel_matches_decomposition(stride, padding, output_padding,
                                                       dilation, groups):
    kernels = ember.backends.get_backend("numpy").kernels
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 4, 5, 6))
    # fewer output than input channels: the columns on the wide plane; more: the correlation
    for out_channels in (3, 9):
        w = rng.standard_normal((4, out_channels, 3, 2))
        for bias in (None, rng.standard_normal(out_channels * groups)):
            args = (a, w, bias, stride, padding, output_padding, dilation, groups)
            got = kernels["conv_transpose2d"](*args)
            want = _conv_transpose2d_kernel(kernels, *args)
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_conv2d_input_gradient_through_the_kernel(torch):
    """conv2d's input gradient (conv_transpose2d at stride 1) against PyTorch's."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4, 7, 6)).astype(np.float32)
    w = rng.standard_normal((5, 4, 3, 3)).astype(np.float32)
    for padding, dilation in itertools.product((0, 1), (1, 2)):
        with ember.default_backend("numpy"):
            ex = ember.tensor(x, requires_grad=True)
            ember.nn.functional.conv2d(ex, ember.tensor(w), padding=padding,
                                       dilation=dilation).square().sum().backward()
        tx = torch.tensor(x, requires_grad=True)
        torch.nn.functional.conv2d(tx, torch.tensor(w), padding=padding,
                                   dilation=dilation).square().sum().backward()
        np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-4)


def _tune_in_fresh_process(env):
    code = "from ember_numpy._alloc import tune; print(tune())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, **env})
    return out.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_malloc_tuning_switch():
    import platform

    if platform.libc_ver()[0] != "glibc":
        pytest.skip(f"not glibc ({platform.libc_ver()}): mallopt is not called")
    assert _tune_in_fresh_process({"EMBER_NO_MALLOPT": ""}) == "True"
    assert _tune_in_fresh_process({"EMBER_NO_MALLOPT": "1"}) == "False"


def test_weight_gradient_same_with_columns_kept_or_rebuilt(monkeypatch):
    """conv2d keeps im2col's columns for the weight's gradient up to COLS_KEPT_BYTES and
    rebuilds larger ones in backward: both give the same gradients."""
    import ember.ops.conv as conv_ops

    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 9, 8))
    w = rng.standard_normal((4, 3, 3, 3))
    grads = []
    for limit in (1 << 40, 0):
        monkeypatch.setattr(conv_ops, "COLS_KEPT_BYTES", limit)
        with ember.default_backend("numpy"):
            ex, ew = ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=True)
            out = ember.nn.functional.conv2d(ex, ew, padding=1, stride=(2, 1))
            assert (out.grad_fn.ctx[4] is not None) == bool(limit)  # kept, or not
            out.square().sum().backward()
        grads.append((ex.grad.numpy(), ew.grad.numpy()))
    for kept, rebuilt in zip(*grads):
        np.testing.assert_allclose(kept, rebuilt, rtol=1e-12, atol=1e-12)
