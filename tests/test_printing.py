"""Printing is PyTorch's, character for character (module prefix aside): checked against PyTorch
itself where it is installed, and against known strings everywhere."""

import numpy as np
import pytest

import ember

# (numpy data, dtype name or None, requires_grad)
SAMPLES = [
    (np.float32(3.5), None, False),
    (np.array(5, dtype=np.int64), None, False),
    (np.array([], dtype=np.float32), None, False),
    (np.zeros((0, 3), dtype=np.float32), None, False),
    (np.array([], dtype=np.int64), None, False),
    (np.arange(12, dtype=np.float32), None, False),
    (np.arange(12, dtype=np.float32).reshape(3, 4) / 7, None, False),
    (np.array([1e-5, 1.0, 123456.0], dtype=np.float32), None, False),
    (np.array([1e10, 1.0], dtype=np.float32), None, False),
    (np.array([np.nan, np.inf, -np.inf, 1.5], dtype=np.float32), None, False),
    (np.array([np.nan, 2.0], dtype=np.float32), None, False),
    (np.array([-0.5, 100.25], dtype=np.float64), None, False),
    (np.array([[1, -20], [300, 4]], dtype=np.int32), None, False),
    (np.array([True, False]), None, False),
    (np.array([1, 2, 3], dtype=np.uint8), None, False),
    (np.linspace(0, 1, 40, dtype=np.float32), None, False),
    (np.arange(2000, dtype=np.float32), None, False),
    (np.arange(3000, dtype=np.int64).reshape(30, 100), None, False),
    (np.arange(24, dtype=np.float32).reshape(2, 3, 4), None, False),
    (np.ones((2, 2), dtype=np.float32), None, True),
    (np.array([1.0, 2.0], dtype=np.float16), None, False),
]


def _ember(data, dtype, rg):
    t = ember.tensor(data)
    if dtype:
        t = t.to(getattr(ember, dtype))
    return t.requires_grad_(rg)


@pytest.mark.parametrize("i", range(len(SAMPLES)))
def test_repr_matches_pytorch(i, torch, backend):
    data, dtype, rg = SAMPLES[i]
    expected = repr(torch.tensor(data).requires_grad_(rg)).replace("torch.", "ember.")
    assert repr(_ember(data, dtype, rg)) == expected


def test_repr_known_strings(backend):
    assert repr(ember.tensor([5.5, 3])) == "tensor([5.5000, 3.0000])"
    assert repr(ember.tensor([], dtype=ember.int64)) == "tensor([], dtype=ember.int64)"
    assert repr(ember.zeros(0, 3)) == "tensor([], size=(0, 3))"
    assert repr(ember.tensor([1e-5, 1.0])) == "tensor([1.0000e-05, 1.0000e+00])"
    assert repr(ember.tensor([[1, -20], [300, 4]], dtype=ember.int32)) == (
        "tensor([[  1, -20],\n        [300,   4]], dtype=ember.int32)")
    assert repr(ember.Size([2, 3])) == "ember.Size([2, 3])"
    assert isinstance(ember.ones(2, 3).shape, tuple)


def test_summarised_print(backend):
    assert repr(ember.arange(1500)) == "tensor([   0,    1,    2,  ..., 1497, 1498, 1499])"
    assert repr(ember.arange(2000, dtype=ember.float32)) == (
        "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
        "        1.9990e+03])")


def test_grad_fn_suffix(backend):
    x = ember.ones(2, requires_grad=True)
    assert repr(x * 2) == "tensor([2., 2.], grad_fn=<MulBackward0>)"
