"""The NumPy backend's speed paths give the same results as the plain ones: its own conv2d,
conv2d_weight and conv_transpose2d kernels (chunked columns, wide-plane and strided forms)
against core's decompositions, conv2d's input gradient against PyTorch's, fused batch
normalisation against its composite form, and the allocator tuning's switch."""

import itertools
import os
import subprocess
import sys

import numpy as np
import pytest

import ember
from ember.ops.conv import _conv2d_kernel, _conv2d_weight_kernel, _conv_transpose2d_kernel

# (stride, padding, output_padding, dilation, groups): the wide-plane path (stride 1) with
# dilation, padding, output_padding and groups, and the general path beside it
CASES = [((1, 1), (0, 0), (0, 0), (1, 1), 1), ((1, 1), (1, 2), (0, 0), (1, 1), 1),
         ((1, 1), (0, 1), (1, 0), (2, 2), 1), ((1, 1), (1, 1), (0, 0), (2, 1), 2),
         ((2, 1), (1, 0), (1, 0), (1, 1), 2), ((2, 3), (0, 1), (1, 2), (1, 1), 1)]


@pytest.mark.parametrize("chunk", [1, 1 << 30])  # one image per chunk, or one chunk in all
@pytest.mark.parametrize("stride,padding,output_padding,dilation,groups", CASES)
def test_conv_transpose2d_kernel_matches_decomposition(monkeypatch, chunk, stride, padding,
                                                       output_padding, dilation, groups):
    import ember_numpy.conv as numpy_conv

    monkeypatch.setattr(numpy_conv, "CHUNK_BYTES", chunk)
    kernels = ember.backends.get_backend("numpy").kernels
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4, 5, 6))
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


# (kernel, stride, padding, dilation, groups): wide columns (stride 1, with and without
# padding and dilation), a 1x1 kernel used in place, and strided windows
CONV_CASES = [((3, 3), (1, 1), (1, 1), (1, 1), 1), ((3, 2), (1, 1), (0, 2), (2, 1), 2),
              ((1, 1), (1, 1), (0, 0), (1, 1), 1), ((1, 1), (2, 2), (0, 0), (1, 1), 1),
              ((3, 3), (2, 1), (1, 0), (1, 2), 1), ((5, 5), (1, 1), (0, 0), (1, 1), 1)]


@pytest.mark.parametrize("chunk", [1, 1 << 30])  # one image per chunk, or one chunk in all
@pytest.mark.parametrize("kernel,stride,padding,dilation,groups", CONV_CASES)
def test_conv2d_kernels_match_decompositions(monkeypatch, chunk, kernel, stride, padding,
                                             dilation, groups):
    import ember_numpy.conv as numpy_conv

    monkeypatch.setattr(numpy_conv, "CHUNK_BYTES", chunk)
    kernels = ember.backends.get_backend("numpy").kernels
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 4, 8, 7))
    w = rng.standard_normal((6, 4 // groups) + kernel)
    for bias in (None, rng.standard_normal(6)):
        args = (a, w, bias, stride, padding, dilation, groups)
        got, want = kernels["conv2d"](*args), _conv2d_kernel(kernels, *args)
        assert got.shape == want.shape and got.flags.c_contiguous
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(want.shape)
    args = (a, g, kernel, stride, padding, dilation, groups)
    got, want = kernels["conv2d_weight"](*args), _conv2d_weight_kernel(kernels, *args)
    assert got.shape == want.shape == w.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_weight_gradient_same_with_columns_kept_or_rebuilt(monkeypatch):
    """On a backend that runs core's conv2d (im2col), conv2d keeps the columns for the weight's
    gradient up to COLS_KEPT_BYTES and computes larger ones' with conv2d_weight in backward;
    the NumPy backend's own conv2d never keeps them: all three give the same gradients."""
    import functools

    import ember.ops.conv as conv_ops

    kernels = ember.backends.get_backend("numpy").kernels
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 9, 8))
    w = rng.standard_normal((4, 3, 3, 3))
    grads = []
    for route, limit in (("core", 1 << 40), ("core", 0), ("numpy", 1 << 40)):
        with monkeypatch.context() as m:
            m.setattr(conv_ops, "COLS_KEPT_BYTES", limit)
            if route == "core":
                m.setitem(kernels, "conv2d", functools.partial(_conv2d_kernel, kernels))
            with ember.default_backend("numpy"):
                ex, ew = ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=True)
                out = ember.nn.functional.conv2d(ex, ew, padding=1, stride=(2, 1))
                assert (out.grad_fn.ctx[4] is not None) == (route == "core" and bool(limit))
                out.square().sum().backward()
        grads.append((ex.grad.numpy(), ew.grad.numpy()))
    for kept, rebuilt, own in zip(*grads):
        np.testing.assert_allclose(kept, rebuilt, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(kept, own, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6), (3, 4, 5, 2)])
@pytest.mark.parametrize("affine", [False, True])
def test_fused_batch_norm_matches_composite(monkeypatch, shape, affine):
    """Training-mode batch_norm runs as one node with a closed-form backward: its output,
    running statistics and gradients (first and second order) are the composite form's."""
    import ember.ops.nn as nn_ops

    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape) * 3 + 1
    w, b = rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    g = rng.standard_normal(shape)
    results = []
    for fused in (True, False):
        with monkeypatch.context() as m:
            if not fused:
                m.setattr(nn_ops, "_fusable", lambda *args: False)
            ex = ember.tensor(x, requires_grad=True)
            ew, eb = (ember.tensor(v, requires_grad=True) if affine else None for v in (w, b))
            mean, var = ember.zeros(shape[1], dtype=ember.float64), \
                ember.ones(shape[1], dtype=ember.float64)
            out = ember.nn.functional.batch_norm(ex, mean, var, ew, eb, True, 0.3, 1e-3)
            assert (type(out.grad_fn).__name__ == "NativeBatchNormBackward0") == fused
            params = [ex] + ([ew, eb] if affine else [])
            grads = ember.autograd.grad(out, params, ember.tensor(g), create_graph=True)
            second = ember.autograd.grad(sum((q * q).sum() for q in grads), params,
                                         allow_unused=True)  # no gradient depends on the bias
            assert (second[-1] is None) == affine
            results.append([t.detach().numpy() for t in [out, mean, var, *grads, *second]
                            if t is not None])
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
