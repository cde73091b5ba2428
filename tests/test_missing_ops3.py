"""3-D convolution and pooling, max unpooling and ``ember.fft`` against PyTorch: values and
gradients over a few argument combinations each, PyTorch's errors, the nn layers and the
run-as-torch mapping of ``torch.fft``.

The conformance suite runs every op on every backend against NumPy references; here PyTorch is
the oracle (the ``torch`` fixture), on the default backend. gradcheck takes no complex tensors,
so the transforms' gradients are checked only here.
"""

import subprocess
import sys

import numpy as np
import pytest

import ember
import ember.fft
import ember.nn.functional as F
from ember import nn

RNG = np.random.default_rng(14)


def _close(a, b, atol=1e-9):
    b = b.detach()
    if b.is_complex():
        b = b.resolve_conj()
    a = a.detach().numpy()
    assert a.shape == tuple(b.shape)
    np.testing.assert_allclose(a, b.numpy(), rtol=1e-7, atol=atol)


def _against(torch, ember_fn, torch_fn, *arrays, grad=True, atol=1e-9):
    """Both calls on the same float64 (or complex128) arrays: equal results (every result of a
    tuple) and equal gradients of every floating input for the same output gradient."""
    mine = [ember.tensor(a, requires_grad=grad and a.dtype.kind in "fc") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=grad and a.dtype.kind in "fc") for a in arrays]
    out, want = ember_fn(*mine), torch_fn(*theirs)
    if isinstance(want, tuple):
        for a, b in zip(out, want):
            _close(a, b, atol)
        out, want = out[0], want[0]
    else:
        _close(out, want, atol)
    if grad:
        g = RNG.standard_normal(tuple(want.shape))
        if want.is_complex():
            g = g + 1j * RNG.standard_normal(tuple(want.shape))
        out.backward(ember.tensor(g))
        want.backward(torch.tensor(g))
        for a, b in zip(mine, theirs):
            if b.grad is not None:
                _close(a.grad, b.grad, atol)


def _ints(shape):
    """Distinct values (no ties: max pooling's gradient is then well defined)."""
    return RNG.permutation(int(np.prod(shape))).reshape(shape) * 0.5


# -- convolution -----------------------------------------------------------------------------------
CONV3D = [dict(),
          dict(stride=(2, 1, 2), padding=(1, 0, 2), dilation=(1, 2, 1), groups=2),
          dict(padding="same", dilation=(2, 1, 1)),
          dict(padding="valid", stride=2)]


@pytest.mark.parametrize("kwargs", CONV3D, ids=str)
def test_conv3d_matches_pytorch(torch, kwargs):
    x, w, b = (RNG.standard_normal(s) for s in ((2, 4, 5, 4, 6), (6, 2, 3, 2, 3), (6,)))
    if "groups" not in kwargs:
        w = RNG.standard_normal((6, 4, 3, 2, 3))
    _against(torch, lambda *t: F.conv3d(*t, **kwargs),
             lambda *t: torch.nn.functional.conv3d(*t, **kwargs), x, w, b)


CONV_TRANSPOSE3D = [dict(),
                    dict(stride=(2, 1, 3), padding=(1, 1, 0), output_padding=(1, 0, 2),
                         groups=2, dilation=(1, 2, 1)),
                    dict(dilation=2, output_padding=1)]


@pytest.mark.parametrize("kwargs", CONV_TRANSPOSE3D, ids=str)
def test_conv_transpose3d_matches_pytorch(torch, kwargs):
    x, w, b = (RNG.standard_normal(s) for s in ((2, 4, 3, 4, 2), (4, 3, 2, 3, 2), (6,)))
    if "groups" not in kwargs:
        b = b[:3]
    _against(torch, lambda *t: F.conv_transpose3d(*t, **kwargs),
             lambda *t: torch.nn.functional.conv_transpose3d(*t, **kwargs), x, w, b)


def test_unbatched_conv3d_and_conv_transpose3d(torch):
    x, w = RNG.standard_normal((2, 3, 4, 3)), RNG.standard_normal((2, 2, 2, 2, 2))
    for name in ("conv3d", "conv_transpose3d"):
        _against(torch, getattr(F, name), getattr(torch.nn.functional, name), x, w)


@pytest.mark.parametrize("call, exc, match", [
    (lambda x, w: F.conv3d(x[0, 0], w), RuntimeError, r"Expected 4D \(unbatched\) or 5D"),
    (lambda x, w: F.conv3d(x, w[:, :1]), RuntimeError, "to have 1 channels, but got 2"),
    (lambda x, w: F.conv3d(x, w, stride=(1, 1)), RuntimeError, "list of 3 values"),
    (lambda x, w: F.conv3d(x, w, stride=2, padding="same"), RuntimeError, "strided"),
    (lambda x, w: F.conv3d(x[:, :, :1], w), RuntimeError, "Kernel size can't be greater"),
    (lambda x, w: F.conv_transpose3d(x, w, output_padding=1), RuntimeError,
     "output_padding_depth: 1"),
    (lambda x, w: F.conv_transpose3d(x, w, padding="same"), TypeError, "must be tuple of ints"),
    (lambda x, w: F.conv3d(x.int(), w.int()), NotImplementedError, "slow_conv3d_cpu"),
], ids=["dims", "channels", "stride length", "same strided", "kernel too big",
        "output_padding", "transposed same", "integers"])
def test_conv3d_errors_are_pytorch_s(call, exc, match):
    x, w = ember.randn(1, 2, 3, 3, 3), ember.randn(2, 2, 2, 2, 2)
    with pytest.raises(exc, match=match):
        call(x, w)


# -- pooling ---------------------------------------------------------------------------------------
MAX_POOL3D = [dict(kernel_size=2),
              dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
              dict(kernel_size=(2, 3, 2), stride=(1, 2, 3), padding=(1, 1, 0),
                   dilation=(2, 1, 2))]


@pytest.mark.parametrize("kwargs", MAX_POOL3D, ids=str)
def test_max_pool3d_and_its_indices_match_pytorch(torch, kwargs):
    x = _ints((2, 3, 5, 6, 7))
    _against(torch, lambda t: F.max_pool3d(t, **kwargs, return_indices=True),
             lambda t: torch.nn.functional.max_pool3d(t, **kwargs, return_indices=True), x)


def test_max_pool3d_on_integers_and_ties_keeps_pytorch_s_first_maximum(torch):
    x = RNG.integers(0, 3, (1, 2, 4, 4, 4))
    out, index = F.max_pool3d(ember.tensor(x), 3, 1, 1, return_indices=True)
    want, windex = torch.nn.functional.max_pool3d(torch.tensor(x), 3, 1, 1, return_indices=True)
    assert out.dtype is ember.int64
    np.testing.assert_array_equal(out.numpy(), want.numpy())
    np.testing.assert_array_equal(index.numpy(), windex.numpy())


AVG_POOL3D = [dict(kernel_size=2),
              dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
              dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
              dict(kernel_size=(2, 3, 2), stride=(1, 2, 3), padding=(1, 1, 0),
                   divisor_override=5)]


@pytest.mark.parametrize("kwargs", AVG_POOL3D, ids=str)
def test_avg_pool3d_matches_pytorch(torch, kwargs):
    _against(torch, lambda t: F.avg_pool3d(t, **kwargs),
             lambda t: torch.nn.functional.avg_pool3d(t, **kwargs),
             RNG.standard_normal((2, 3, 5, 6, 7)))


@pytest.mark.parametrize("size", [(2, 3, 4), 1, (None, 2, 5), (3, 4, 3)], ids=str)
def test_adaptive_pool3d_matches_pytorch(torch, size):
    x = _ints((2, 3, 5, 6, 7))
    _against(torch, lambda t: F.adaptive_avg_pool3d(t, size),
             lambda t: torch.nn.functional.adaptive_avg_pool3d(t, size), x)
    _against(torch, lambda t: F.adaptive_max_pool3d(t, size, True),
             lambda t: torch.nn.functional.adaptive_max_pool3d(t, size, True), x)


@pytest.mark.parametrize("call, exc, match", [
    (lambda x: F.max_pool3d(x[0, 0], 2), RuntimeError, "4D or 5D"),
    (lambda x: F.max_pool3d(x, (2, 2)), RuntimeError, "tuple of three ints"),
    (lambda x: F.max_pool3d(x, 2, 0), RuntimeError, "stride should not be zero"),
    (lambda x: F.max_pool3d(x, 2, padding=2), RuntimeError, "at most half"),
    (lambda x: F.max_pool3d(x[:, :, :1], 2), RuntimeError, "Output size is too small"),
    (lambda x: F.max_pool3d(x.bool(), 2), NotImplementedError,
     "\"max_pool3d\" not implemented for 'Bool'"),
    (lambda x: F.avg_pool3d(x, 2, divisor_override=0), RuntimeError, "divisor must be not zero"),
    (lambda x: F.avg_pool3d(x[:, :, :1], 2), RuntimeError, r"input image \(T: 1"),
    (lambda x: F.avg_pool3d(x.half(), 2), NotImplementedError, "avg_pool3d_out_frame"),
    (lambda x: F.adaptive_avg_pool3d(x, (2, 2)), RuntimeError, "output_size must be 3"),
    (lambda x: F.adaptive_avg_pool3d(x.long(), 2), RuntimeError, "could not infer"),
    (lambda x: F.adaptive_max_pool3d(x[0, 0], 2), RuntimeError, "Expected 4D or 5D"),
], ids=["dims", "kernel length", "stride 0", "padding", "too small", "bool", "divisor 0",
        "avg too small", "avg half", "adaptive size", "adaptive ints", "adaptive max dims"])
def test_pool3d_errors_are_pytorch_s(call, exc, match):
    with pytest.raises(exc, match=match):
        call(ember.randn(1, 2, 4, 4, 4))


# -- max unpooling ---------------------------------------------------------------------------------
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_max_unpool_inverts_max_pool_as_pytorch(torch, nd):
    pool = getattr(torch.nn.functional, f"max_pool{nd}d")
    x = torch.tensor(_ints((2, 3) + (5, 7, 9)[:nd]))
    values, index = pool(x, 3, 2, 1, return_indices=True)
    mine = getattr(F, f"max_unpool{nd}d")
    theirs = getattr(torch.nn.functional, f"max_unpool{nd}d")
    _against(torch, lambda v, i: mine(v, i, 3, 2, 1), lambda v, i: theirs(v, i, 3, 2, 1),
             values.numpy(), index.numpy())
    bigger = tuple(s + 1 for s in x.shape[2:])
    _against(torch, lambda v, i: mine(v[0], i[0], 3, 2, 1, bigger),
             lambda v, i: theirs(v[0], i[0], 3, 2, 1, bigger), values.numpy(), index.numpy())


def test_max_pool3d_indices_feed_max_unpool3d():
    x = ember.tensor(_ints((1, 2, 4, 4, 4)))
    values, index = F.max_pool3d(x, 2, return_indices=True)
    back = F.max_unpool3d(values, index, 2)
    kept = back != 0
    assert int(kept.sum()) == values.numel()
    np.testing.assert_array_equal(back.numpy()[kept.numpy()], x.numpy()[kept.numpy()])


@pytest.mark.parametrize("call, exc, match", [
    (lambda x, i: F.max_unpool2d(x, i.fill_(99), 2), RuntimeError,
     r"Found an invalid max index: 99 \(output volumes are of size 4x4\)"),
    (lambda x, i: F.max_unpool2d(x, i.int(), 2), RuntimeError, "should be type int64"),
    (lambda x, i: F.max_unpool2d(x, i[:, :, :1], 2), RuntimeError, "same as that of the input"),
    (lambda x, i: F.max_unpool2d(x, i, 2, output_size=(9, 9)), ValueError,
     "must be between 2 and 6"),
    (lambda x, i: F.max_unpool2d(x, i, 2, output_size=(1, 4, 4)), ValueError,
     "2 or 4 elements"),
    (lambda x, i: F.max_unpool2d(x[0, 0], i[0, 0], 2), RuntimeError, "3d or 4d Tensor"),
    (lambda x, i: F.max_unpool2d(x.long(), i, 2), NotImplementedError, "Long"),
], ids=["index range", "index dtype", "index shape", "output size", "output size length",
        "dims", "integers"])
def test_max_unpool_errors_are_pytorch_s(call, exc, match):
    with pytest.raises(exc, match=match):
        call(ember.randn(1, 2, 2, 2), ember.zeros(1, 2, 2, 2, dtype=ember.int64))


# -- the layers ------------------------------------------------------------------------------------
def test_layers_print_and_compute_as_pytorch_s(torch):
    layers = [("Conv3d", (2, 4, 3), dict(padding=1, padding_mode="circular")),
              ("ConvTranspose3d", (2, 4, 2), dict(stride=2, groups=2)),
              ("MaxPool3d", (2,), dict(stride=1)), ("AvgPool3d", (3,), dict(padding=1)),
              ("AdaptiveAvgPool3d", ((2, None, 3),), {}), ("AdaptiveMaxPool3d", (2,), {})]
    x = RNG.standard_normal((1, 2, 4, 5, 6))
    for name, args, kwargs in layers:
        mine, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
        assert repr(mine) == repr(theirs)
        mine.double()
        theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in
                                mine.state_dict().items()})
        _close(mine(ember.tensor(x)), theirs.double()(torch.tensor(x)))
    for nd in (1, 2, 3):
        assert repr(getattr(nn, f"MaxUnpool{nd}d")(2, 1)) == \
            repr(getattr(torch.nn, f"MaxUnpool{nd}d")(2, 1))


def test_conv_transpose3d_layer_picks_output_padding_from_output_size():
    layer = nn.ConvTranspose3d(2, 3, 3, stride=2)
    assert layer(ember.randn(1, 2, 3, 3, 3), output_size=(8, 7, 8)).shape == (1, 3, 8, 7, 8)
    with pytest.raises(ValueError, match="valid sizes range from 7 to 8"):
        layer(ember.randn(1, 2, 3, 3, 3), output_size=(9, 7, 7))


def test_max_unpool_layer_takes_the_indices_of_max_pool():
    pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    values, index = pool(ember.randn(1, 1, 4, 4))
    assert unpool(values, index, output_size=(1, 1, 5, 5)).shape == (1, 1, 5, 5)


# -- fft -------------------------------------------------------------------------------------------
_R = RNG.standard_normal((4, 6))
_C = _R + 1j * RNG.standard_normal((4, 6))


@pytest.mark.parametrize("norm", [None, "ortho", "forward"])
@pytest.mark.parametrize("name, source, kwargs", [
    ("fft", _R, {}), ("fft", _C, dict(n=4, dim=0)), ("ifft", _C, dict(n=9)),
    ("ifft", _R, {}), ("rfft", _R, {}), ("rfft", _R, dict(n=5, dim=0)),
    ("irfft", _C, {}), ("irfft", _C, dict(n=7)), ("irfft", _C, dict(n=5, dim=0)),
    ("irfft", _R, dict(n=4)),
    ("fftn", _C, {}), ("fftn", _R, dict(s=(3, 5))), ("ifftn", _C, dict(dim=(0,))),
    ("rfftn", _R, dict(s=(5,), dim=(-2,))), ("rfftn", _R, {}), ("irfftn", _C, dict(s=(3, 5))),
    ("irfftn", _C, {}), ("fft2", _C, {}), ("ifft2", _R, dict(s=(2, 8))),
], ids=lambda v: v if isinstance(v, str) else None)
def test_fft_values_dtypes_and_gradients_match_pytorch(torch, name, source, kwargs, norm):
    mine, theirs = getattr(ember.fft, name), getattr(torch.fft, name)
    _against(torch, lambda t: mine(t, norm=norm, **kwargs),
             lambda t: theirs(t, norm=norm, **kwargs), source)


@pytest.mark.parametrize("dtype, want", [("float32", "complex64"), ("float64", "complex128"),
                                         ("int64", "complex64"), ("bool", "complex64"),
                                         ("complex64", "complex64")])
def test_fft_result_dtypes_are_pytorch_s(dtype, want):
    x = ember.ones(4, dtype=getattr(ember, dtype))
    assert ember.fft.fft(x).dtype is getattr(ember, want)
    assert ember.fft.irfft(x).dtype is (ember.float64 if want == "complex128" else
                                        ember.float32)
    if dtype != "complex64":
        assert ember.fft.rfft(x).dtype is getattr(ember, want)


def test_fft_of_a_higher_rank_input(torch):
    x = RNG.standard_normal((2, 3, 4)) + 1j * RNG.standard_normal((2, 3, 4))
    _against(torch, ember.fft.fftn, torch.fft.fftn, x)
    _against(torch, lambda t: ember.fft.irfftn(t, s=(2, 3, 5)),
             lambda t: torch.fft.irfftn(t, s=(2, 3, 5)), x)


def test_fft_second_derivative_matches_pytorch(torch):
    x = RNG.standard_normal(6)
    results = []
    for lib, t in ((ember, ember.tensor(x, requires_grad=True)),
                   (torch, torch.tensor(x, requires_grad=True))):
        y = lib.fft.irfft(lib.fft.rfft(t * t), 6)  # real -> complex -> real, not linear
        (gx,) = lib.autograd.grad((y * y).sum(), t, create_graph=True)
        gx.sum().backward()
        results.append((gx, t.grad))
    for mine, theirs in zip(*results):
        _close(mine, theirs)


def test_fftfreq_rfftfreq_and_shifts_match_pytorch(torch):
    for n, d in ((5, 1.0), (6, 0.1), (1, 2.0)):
        _close(ember.fft.fftfreq(n, d), torch.fft.fftfreq(n, d), atol=0)
        _close(ember.fft.rfftfreq(n, d), torch.fft.rfftfreq(n, d), atol=0)
    assert ember.fft.fftfreq(4, dtype=ember.float64).dtype is ember.float64
    x = np.arange(24).reshape(2, 3, 4)
    for dim in (None, 1, (0, 2)):
        for name in ("fftshift", "ifftshift"):
            _close(getattr(ember.fft, name)(ember.tensor(x), dim=dim),
                   getattr(torch.fft, name)(torch.tensor(x), dim=dim), atol=0)


@pytest.mark.parametrize("call, exc, match", [
    (lambda x: ember.fft.fft(x, 0), RuntimeError, r"Invalid number of data points \(0\)"),
    (lambda x: ember.fft.fft(x, dim=3), IndexError, "out of range"),
    (lambda x: ember.fft.fft(x, norm="bad"), RuntimeError, 'Invalid normalization mode: "bad"'),
    (lambda x: ember.fft.fftn(x, s=(2,), dim=(0, 1)), RuntimeError, "same length"),
    (lambda x: ember.fft.fftn(x, dim=(0, 0)), RuntimeError, "FFT dims must be unique"),
    (lambda x: ember.fft.rfft(x.to(ember.complex64)), RuntimeError,
     "rfft expects a real input tensor, but got ComplexFloat"),
    (lambda x: ember.fft.fft(x.half()), RuntimeError, "Unsupported dtype Half"),
    (lambda x: ember.fft.irfft(x[:1, :1]), RuntimeError, r"Invalid number of data points \(0\)"),
    (lambda x: ember.fft.fft(x[0, 0]), IndexError, "no dimensions"),
    (lambda x: ember.fft.fftfreq(4, dtype=ember.int64), RuntimeError,
     "fftfreq requires a floating point or complex dtype"),
], ids=["n 0", "dim", "norm", "s and dim", "dims unique", "rfft complex", "half", "irfft 1",
        "0-d", "fftfreq dtype"])
def test_fft_errors_are_pytorch_s(call, exc, match):
    with pytest.raises(exc, match=match):
        call(ember.randn(3, 4))


# -- run as torch ---------------------------------------------------------------------------------
def test_torch_fft_runs_as_ember_fft():
    code = ("import ember; ember.as_torch(); import torch.fft; from torch.fft import rfft; "
            "assert torch.fft.fft is ember.fft.fft and rfft is ember.fft.rfft; "
            "print(torch.fft.rfft(torch.ones(4)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "tensor([4.+0.j, 0.+0.j, 0.+0.j])"
