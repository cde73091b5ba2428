"""Recurrent, bilinear, attention and transformer layers against PyTorch: the same weights give the
same outputs and gradients; reprs, state_dict keys and errors match."""

import warnings

import numpy as np
import pytest

import ember
from ember import nn

RTOL, ATOL = 1e-4, 1e-5


def _to_torch_module(torch, module, ref):
    """Copies `module`'s weights into the torch module `ref` (keys must match exactly)."""
    ref.load_state_dict({k: torch.tensor(v.numpy()) for k, v in module.state_dict().items()})
    return ref


def _inputs(torch, *shapes, seed=0):
    """Random float32 inputs as (ember tensors, torch tensors), both requiring grad."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    return ([ember.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def _flat(out):
    """Every tensor of a (possibly nested) module result, in order."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [] if out is None else [out]


def _close(got, want):
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=RTOL, atol=ATOL)


def _check_same_as_torch(torch, module, ref, shapes, call=None):
    """Runs `module` and torch's `ref` (holding the same weights) on the same inputs; checks the
    outputs, then the gradients of a random projection of them wrt inputs and parameters."""
    call = call or (lambda m, *xs: m(*xs))
    _to_torch_module(torch, module, ref)
    ours, theirs = _inputs(torch, *shapes)
    got, want = _flat(call(module, *ours)), _flat(call(ref, *theirs))
    assert len(got) == len(want)
    rng = np.random.default_rng(1)
    loss_e, loss_t = 0, 0
    for g, w in zip(got, want):
        assert tuple(g.shape) == tuple(w.shape)
        _close(g, w)
        weight = rng.standard_normal(tuple(w.shape)).astype(np.float32)
        loss_e = (g * ember.tensor(weight)).sum() + loss_e
        loss_t = (w * torch.tensor(weight)).sum() + loss_t
    loss_e.backward()
    loss_t.backward()
    for x, xt in zip(ours, theirs):
        _close(x.grad, xt.grad)
    theirs_params = dict(ref.named_parameters())
    for name, p in module.named_parameters():
        _close(p.grad, theirs_params[name].grad)


# -- RNN, LSTM, GRU ------------------------------------------------------------------------------

RECURRENT = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2, "bias": False}),
    ("RNN", {"bidirectional": True, "batch_first": True}),
    ("LSTM", {}),
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"proj_size": 3, "batch_first": True}),
    ("GRU", {}),
    ("GRU", {"num_layers": 2, "bidirectional": True, "bias": False}),
]


@pytest.mark.parametrize("kind, kwargs", RECURRENT, ids=[f"{k}-{kw}" for k, kw in RECURRENT])
def test_recurrent_matches_pytorch(torch, backend, kind, kwargs):
    module = getattr(nn, kind)(4, 5, **kwargs)
    ref = getattr(torch.nn, kind)(4, 5, **kwargs)
    shape = (2, 6, 4) if kwargs.get("batch_first") else (6, 2, 4)
    _check_same_as_torch(torch, module, ref, [shape])


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_recurrent_with_initial_state_matches_pytorch(torch, backend, kind):
    module = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True)
    ref = getattr(torch.nn, kind)(3, 4, num_layers=2, bidirectional=True)
    if kind == "LSTM":
        _check_same_as_torch(torch, module, ref, [(5, 2, 3), (4, 2, 4), (4, 2, 4)],
                             call=lambda m, x, h, c: m(x, (h, c)))
    else:
        _check_same_as_torch(torch, module, ref, [(5, 2, 3), (4, 2, 4)])


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_recurrent_unbatched_input_matches_pytorch(torch, backend, kind):
    module = getattr(nn, kind)(3, 4, batch_first=True)
    ref = getattr(torch.nn, kind)(3, 4, batch_first=True)
    _check_same_as_torch(torch, module, ref, [(5, 3)])


def test_recurrent_state_dict_keys_and_repr_match_pytorch(torch, backend):
    for kind, kwargs in RECURRENT + [("RNN", {"num_layers": 3, "dropout": 0.5})]:
        ours, theirs = getattr(nn, kind)(4, 5, **kwargs), getattr(torch.nn, kind)(4, 5, **kwargs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
            {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
        assert repr(ours) == repr(theirs)


def test_recurrent_init_is_uniform_in_inverse_sqrt_hidden(backend):
    module = nn.LSTM(3, 16, num_layers=2)
    assert all(float(p.abs().max()) <= 0.25 for p in module.parameters())


def test_recurrent_dropout_between_layers_only_in_training(backend):
    if not hasattr(nn.functional, "dropout"):
        pytest.skip("nn.functional.dropout is not available yet")
    module = nn.GRU(3, 8, num_layers=2, dropout=0.9)
    x = ember.randn(4, 2, 3)
    a, b = module(x)[0], module(x)[0]
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    module.eval()
    a, b = module(x)[0], module(x)[0]
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_recurrent_errors_match_pytorch(backend):
    rnn = nn.RNN(3, 4, num_layers=2)
    with pytest.raises(ValueError, match="RNN: Expected input to be 2D or 3D, got 4D tensor"):
        rnn(ember.randn(2, 3, 4, 5))
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. "
                                           "Expected 3, got 5"):
        rnn(ember.randn(2, 3, 5))
    with pytest.raises(RuntimeError, match="Expected hidden size \\(2, 3, 4\\), got \\[1, 3, 4\\]"):
        rnn(ember.randn(5, 3, 3), ember.zeros(1, 3, 4))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx should also be 3-D but got "
                                           "2-D tensor"):
        rnn(ember.randn(5, 3, 3), ember.zeros(2, 4))
    with pytest.raises(RuntimeError, match="Expected hidden\\[1\\] size \\(1, 2, 4\\), got "
                                           "\\[1, 3, 4\\]"):
        nn.LSTM(3, 4)(ember.randn(5, 2, 3), (ember.zeros(1, 2, 4), ember.zeros(1, 3, 4)))
    with pytest.raises(ValueError, match="RNN input dtype"):
        rnn(ember.randn(5, 3, 3, dtype=ember.float64))
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sig'"):
        nn.RNN(3, 4, nonlinearity="sig")
    with pytest.raises(ValueError, match="dropout should be a number in range \\[0, 1\\]"):
        nn.GRU(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        nn.LSTM(3, 0)
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.GRU(3, 4, proj_size=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nn.RNN(3, 4, dropout=0.5)
    assert "non-zero dropout expects num_layers greater than 1" in str(caught[0].message)


# -- cells ---------------------------------------------------------------------------------------

CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu", "bias": False}),
         ("LSTMCell", {}), ("GRUCell", {}), ("GRUCell", {"bias": False})]


@pytest.mark.parametrize("kind, kwargs", CELLS, ids=[f"{k}-{kw}" for k, kw in CELLS])
def test_cell_matches_pytorch(torch, backend, kind, kwargs):
    module, ref = getattr(nn, kind)(3, 4, **kwargs), getattr(torch.nn, kind)(3, 4, **kwargs)
    assert repr(module) == repr(ref)
    assert list(module.state_dict()) == list(ref.state_dict())
    _check_same_as_torch(torch, module, ref, [(2, 3)])
    if kind == "LSTMCell":
        _check_same_as_torch(torch, module, ref, [(2, 3), (2, 4), (2, 4)],
                             call=lambda m, x, h, c: m(x, (h, c)))
        _check_same_as_torch(torch, module, ref, [(3,), (4,), (4,)],
                             call=lambda m, x, h, c: m(x, (h, c)))
    else:
        _check_same_as_torch(torch, module, ref, [(2, 3), (2, 4)])
        _check_same_as_torch(torch, module, ref, [(3,), (4,)])


def test_cell_errors_match_pytorch(backend):
    cell = nn.RNNCell(3, 4)
    with pytest.raises(ValueError, match="RNNCell: Expected input to be 1D or 2D, got 3D"):
        cell(ember.randn(2, 3, 3))
    with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 5 expected 3"):
        cell(ember.randn(2, 5))
    with pytest.raises(RuntimeError, match="Input batch size 2 doesn't match hidden0 batch size 3"):
        cell(ember.randn(2, 3), ember.zeros(3, 4))
    with pytest.raises(RuntimeError, match="hidden1 has inconsistent hidden_size: got 3, "
                                           "expected 4"):
        nn.LSTMCell(3, 4)(ember.randn(2, 3), (ember.zeros(2, 4), ember.zeros(2, 3)))


# -- Bilinear, Unflatten -------------------------------------------------------------------------

@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_matches_pytorch(torch, backend, bias):
    module, ref = nn.Bilinear(3, 4, 5, bias=bias), torch.nn.Bilinear(3, 4, 5, bias=bias)
    assert repr(module) == repr(ref)
    assert list(module.state_dict()) == list(ref.state_dict())
    _check_same_as_torch(torch, module, ref, [(2, 6, 3), (2, 6, 4)])
    _check_same_as_torch(torch, module, ref, [(3,), (4,)])


def test_bilinear_init_and_errors(backend):
    module = nn.Bilinear(16, 3, 2)
    assert float(module.weight.abs().max()) <= 0.25 and float(module.bias.abs().max()) <= 0.25
    with pytest.raises(RuntimeError, match="input batch dimensions do not match at dim 0: got 2 "
                                           "and 3"):
        module(ember.randn(2, 16), ember.randn(3, 3))
    with pytest.raises(RuntimeError, match="input1 size does not match weight size: got 4 but "
                                           "expected 16"):
        module(ember.randn(2, 4), ember.randn(2, 3))
    with pytest.raises(RuntimeError, match="input dimensions do not match: got 3 and 2"):
        module(ember.randn(2, 2, 16), ember.randn(2, 3))


def test_unflatten_matches_pytorch(torch, backend):
    for dim, sizes in [(1, (2, -1)), (-1, (3, 2)), (0, [3, 1])]:
        ours, theirs = nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes)
        assert repr(ours) == repr(theirs)
        x = np.arange(18, dtype=np.float32).reshape(3, 6)
        np.testing.assert_array_equal(ours(ember.tensor(x)).numpy(),
                                      theirs(torch.tensor(x)).numpy())
    with pytest.raises(RuntimeError, match="Provided sizes \\[4, -1\\] don't multiply up to the "
                                           "size of dim 1 \\(6\\)"):
        nn.Unflatten(1, (4, -1))(ember.zeros(3, 6))
    with pytest.raises(TypeError, match="unflattened_size must be a tuple of ints, but found "
                                        "type int"):
        nn.Unflatten(1, 5)


# -- MultiheadAttention --------------------------------------------------------------------------

def _mask(module, array):
    """`array` as a tensor of the library `module` belongs to (masks are constants)."""
    if isinstance(module, nn.Module):
        return ember.tensor(array)
    import torch

    return torch.tensor(array)


PAD = np.array([[False, False, False, True, True], [False, False, False, False, False]])
CAUSAL_BOOL = np.triu(np.ones((4, 5), dtype=bool), k=2)
FLOAT_MASK = np.random.default_rng(3).standard_normal((4, 5)).astype(np.float32)


def test_self_attention_matches_pytorch(torch, backend):
    module, ref = nn.MultiheadAttention(8, 2), torch.nn.MultiheadAttention(8, 2)
    assert repr(module) == repr(ref)
    _check_same_as_torch(torch, module, ref, [(5, 3, 8)], call=lambda m, x: m(x, x, x))


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("average", [True, False])
def test_attention_with_masks_matches_pytorch(torch, backend, need_weights, average):
    module, ref = nn.MultiheadAttention(8, 4), torch.nn.MultiheadAttention(8, 4)

    def call(m, q, k, v):
        return m(q, k, v, key_padding_mask=_mask(m, PAD), attn_mask=_mask(m, FLOAT_MASK),
                 need_weights=need_weights, average_attn_weights=average)

    with warnings.catch_warnings():  # bool padding with a float attn_mask warns, as in PyTorch
        warnings.simplefilter("ignore")
        _check_same_as_torch(torch, module, ref, [(4, 2, 8), (5, 2, 8), (5, 2, 8)], call=call)


@pytest.mark.parametrize("need_weights", [True, False])
def test_attention_batch_first_kdim_vdim_bias_kv_zero_attn_matches_pytorch(torch, backend,
                                                                           need_weights):
    kwargs = dict(kdim=3, vdim=5, add_bias_kv=True, add_zero_attn=True, batch_first=True)
    module, ref = nn.MultiheadAttention(8, 2, **kwargs), torch.nn.MultiheadAttention(8, 2, **kwargs)
    assert list(module.state_dict()) == list(ref.state_dict())

    def call(m, q, k, v):
        return m(q, k, v, attn_mask=_mask(m, CAUSAL_BOOL), key_padding_mask=_mask(m, PAD),
                 need_weights=need_weights)

    _check_same_as_torch(torch, module, ref, [(2, 4, 8), (2, 5, 3), (2, 5, 5)], call=call)


def test_attention_unbatched_and_eval_dropout_match_pytorch(torch, backend):
    module = nn.MultiheadAttention(6, 3, dropout=0.5, bias=False).eval()
    ref = torch.nn.MultiheadAttention(6, 3, dropout=0.5, bias=False).eval()
    _check_same_as_torch(torch, module, ref, [(4, 6), (5, 6), (5, 6)])


def test_attention_dropout_applies_in_training(backend):
    module = nn.MultiheadAttention(8, 2, dropout=0.9)
    x = ember.randn(6, 2, 8)
    w1, w2 = module(x, x, x)[1], module(x, x, x)[1]
    assert not np.allclose(w1.detach().numpy(), w2.detach().numpy())


def test_attention_init_and_errors(backend):
    module = nn.MultiheadAttention(8, 2)
    assert float(module.in_proj_bias.abs().max()) == 0.0
    assert float(module.out_proj.bias.abs().max()) == 0.0
    assert float(module.in_proj_weight.abs().max()) <= (6 / (24 + 8)) ** 0.5
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(8, 3)
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0"):
        nn.MultiheadAttention(0, 2)
    x = ember.randn(4, 2, 8)
    with pytest.raises(RuntimeError, match="The shape of the 2D attn_mask is"):
        module(x, x, x, attn_mask=ember.zeros(3, 4))
    with pytest.raises(AssertionError, match="expected `key` and `value` to be 3-D"):
        module(x, x[0], x[0])
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        module(x, x, x, is_causal=True)
    with pytest.raises(AssertionError, match="only bool and floating types of attn_mask"):
        module(x, x, x, attn_mask=ember.zeros(4, 4, dtype=ember.int64))


# -- TransformerEncoderLayer ---------------------------------------------------------------------

ENCODER = [({}, (5, 2, 8)),
           ({"activation": "gelu", "norm_first": True, "batch_first": True}, (2, 5, 8)),
           ({"bias": False, "layer_norm_eps": 1e-3}, (5, 8))]


@pytest.mark.parametrize("kwargs, shape", ENCODER, ids=[str(kw) for kw, _ in ENCODER])
def test_encoder_layer_matches_pytorch(torch, backend, kwargs, shape):
    kwargs = dict(kwargs, dim_feedforward=16, dropout=0.0)
    module = nn.TransformerEncoderLayer(8, 2, **kwargs)
    ref = torch.nn.TransformerEncoderLayer(8, 2, **kwargs)
    assert list(module.state_dict()) == list(ref.state_dict())
    _check_same_as_torch(torch, module, ref, [shape])


@pytest.mark.parametrize("kwargs", [{}, {"bias": False, "dropout": 0.2}])
def test_encoder_layer_repr_matches_pytorch(torch, backend, kwargs):
    module = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, **kwargs)
    assert repr(module) == repr(torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16,
                                                                 **kwargs))


def test_encoder_layer_with_masks_matches_pytorch(torch, backend):
    module = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0)
    ref = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0)
    causal = np.triu(np.ones((5, 5), dtype=bool), k=1)

    def call(m, x):
        return m(x, src_mask=_mask(m, causal), src_key_padding_mask=_mask(m, PAD))

    _check_same_as_torch(torch, module, ref, [(5, 2, 8)], call=call)


def test_encoder_layer_eval_disables_dropout(torch, backend):
    module = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.5)
    ref = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.5)
    _to_torch_module(torch, module, ref)
    module.eval(), ref.eval()
    x = np.random.default_rng(0).standard_normal((5, 2, 8)).astype(np.float32)
    with torch.no_grad():
        want = ref(torch.tensor(x))
    _close(module(ember.tensor(x)), want)
    module.train()
    assert not np.allclose(module(ember.tensor(x)).detach().numpy(), want.numpy())


def test_encoder_layer_activation_module_and_errors(torch, backend):
    if hasattr(nn, "GELU"):
        module = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, activation=nn.GELU())
        ref = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16,
                                               activation=torch.nn.GELU())
        assert repr(module) == repr(ref)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")


# -- higher-order gradients ----------------------------------------------------------------------

def test_layers_support_double_backward(backend):
    from ember.autograd import gradcheck, gradgradcheck

    ember.manual_seed(0)
    x = ember.randn(3, 2, 4, dtype=ember.float64, requires_grad=True)
    for module in (nn.LSTM(4, 3, bidirectional=True), nn.GRU(4, 3), nn.MultiheadAttention(4, 2)):
        module.double()
        fn = (lambda t, m=module: m(t, t, t)[0]) if isinstance(module, nn.MultiheadAttention) \
            else (lambda t, m=module: m(t)[0])
        assert gradcheck(fn, (x,)) and gradgradcheck(fn, (x,))


def test_attention_is_causal_hint_matches_pytorch(torch, backend):
    module, ref = nn.MultiheadAttention(8, 2), torch.nn.MultiheadAttention(8, 2)
    causal = np.triu(np.ones((5, 5), dtype=bool), k=1)

    def call(m, x):
        return m(x, x, x, attn_mask=_mask(m, causal), need_weights=False, is_causal=True)[0]

    _check_same_as_torch(torch, module, ref, [(5, 2, 8)], call=call)
