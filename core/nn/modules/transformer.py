"""Attention and transformer layers: MultiheadAttention and TransformerEncoderLayer.

Written with ember ops (autograd flows through them); parameter names, shapes, initialisation,
masks and the (L, N, E) / batch_first layouts follow PyTorch, so weights move between the two.
"""

import math
import warnings

from ... import ops
from ...dtypes import bool as _bool
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .linear import Linear, NonDynamicallyQuantizableLinear
from .module import Module

__all__ = ["MultiheadAttention", "TransformerEncoderLayer"]

_E, _S, _L = ops.elementwise, ops.shape, ops.linalg


def _canonical_mask(mask, name, other, other_name, dtype, check_other=True):
    """A bool mask (True = may not attend) as an additive float mask of `dtype` (-inf where
    True); a float mask is returned as it is."""
    if mask is None:
        return None
    if mask.dtype != _bool and not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {name} are supported")
    if check_other and other is not None and mask.dtype != other.dtype:
        warnings.warn(f"Support for mismatched {name} and {other_name} is deprecated. Use same "
                      f"type for both instead.", stacklevel=3)
    if not mask.is_floating_point():
        mask = _E.where(mask, float("-inf"), mask.new_zeros(tuple(mask.shape), dtype=dtype))
    return mask


def _pad_last(mask):
    """`mask` with one more (zero: attend) column, for an appended key."""
    if mask is None:
        return None
    return _S.cat([mask, mask.new_zeros((*mask.shape[:-1], 1))], -1)


def _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads):
    """PyTorch's shape checks of the attention inputs; returns whether the input is batched."""
    if query.dim() not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                             f"{query.dim()}-D query tensor")
    batched = query.dim() == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    want = query.dim()
    if key.dim() != want or value.dim() != want:
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be {want}-D but "
                             f"found {key.dim()}-D and {value.dim()}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != want - 1:
        raise AssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or "
                             f"{want - 1}-D but found {key_padding_mask.dim()}-D tensor instead")
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D "
                                 f"or 3-D but found {attn_mask.dim()}-D tensor instead")
        if not batched and attn_mask.dim() == 3:
            expected = (num_heads, query.shape[0], key.shape[0])
            if tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                     f"{attn_mask.shape}")
    return batched


def _in_projection(query, key, value, w_q, w_k, w_v, bias):
    """q, k, v projected by their weights and the thirds of the packed `bias`."""
    b_q, b_k, b_v = (None,) * 3 if bias is None else _S.chunk(bias, 3)
    return F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v)


def _split_heads(x, length, batch_heads, head_dim):
    """(len, N, E) -> (N * heads, len, head_dim), PyTorch's head-major batch layout."""
    return _S.transpose(_S.reshape(x, length, batch_heads, head_dim), 0, 1)


# over 80 lines on purpose: PyTorch's F.multi_head_attention_forward, with its 20+ arguments and
# their checks in PyTorch's order; splitting it would scatter that one documented sequence
def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention on (L, N, E) query and (S, N, E) key/value (or unbatched (L, E));
    returns the output and, with `need_weights`, the attention weights (averaged over heads
    unless `average_attn_weights` is False), as ``torch.nn.functional`` does."""
    batched = _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = (_S.unsqueeze(x, 1) for x in (query, key, value))
        if key_padding_mask is not None:
            key_padding_mask = _S.unsqueeze(key_padding_mask, 0)
    tgt_len, bsz, embed_dim = query.shape
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask,
                                       "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # attention computes the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                    check_other=False)
        is_causal = False  # the mask given (a causal one, by the hint's contract) is applied
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight,
                                 v_proj_weight, in_proj_bias)
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f"key shape {key.shape} does not match value shape "
                                 f"{value.shape}")
        if query is key and key is value:  # self-attention: one matmul for q, k and v
            qkv = F.linear(query, in_proj_weight, in_proj_bias)
            q, k, v = _S.chunk(qkv, 3, -1)
        else:
            q, k, v = _in_projection(query, key, value, *_S.chunk(in_proj_weight, 3),
                                     in_proj_bias)
    src_len = key.shape[0]
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = _S.unsqueeze(attn_mask, 0)
        elif tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
            raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should "
                               f"be {(bsz * num_heads, tgt_len, src_len)}.")
    if (bias_k is None) != (bias_v is None):
        raise AssertionError("bias_k is set but bias_v is None" if bias_v is None
                             else "bias_v is set but bias_k is None")
    if bias_k is not None:
        if static_k is not None or static_v is not None:
            which = "key" if static_k is not None else "value"
            raise AssertionError(f"bias cannot be added to static {which}.")
        k = _S.cat([k, _S.expand(bias_k, 1, bsz, embed_dim)])
        v = _S.cat([v, _S.expand(bias_v, 1, bsz, embed_dim)])
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    heads = bsz * num_heads
    q = _split_heads(q, tgt_len, heads, head_dim)
    k, v = ((_split_heads(t, t.shape[0], heads, head_dim) if static is None
             else _check_static(static, name, heads, head_dim))
            for t, static, name in ((k, static_k, "static_k"), (v, static_v, "static_v")))
    if add_zero_attn:
        k, v = (_S.cat([t, t.new_zeros((heads, 1, head_dim))], 1) for t in (k, v))
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            dim, want = (0, bsz) if key_padding_mask.shape[0] != bsz else (1, src_len)
            raise AssertionError(f"Expected key_padded_mask.shape[{dim}] to be {want}, but got "
                                 f"{key_padding_mask.shape[dim]}")
        key_padding_mask = _S.reshape(
            _S.expand(_S.reshape(key_padding_mask, bsz, 1, 1, src_len), bsz, num_heads, 1,
                      src_len), heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else _E.add(attn_mask, key_padding_mask)
    if not training:
        dropout_p = 0.0

    def merge_heads(out):
        """(N * heads, L, head_dim) -> out_proj applied -> (L, N, E)."""
        out = _S.reshape(_S.transpose(out, 0, 1), tgt_len * bsz, embed_dim)
        out = F.linear(out, out_proj_weight, out_proj_bias)
        out = _S.reshape(out, tgt_len, bsz, out.shape[1])
        return out if batched else _S.squeeze(out, 1)

    if not need_weights:
        if attn_mask is not None:
            attn_mask = _S.unsqueeze(attn_mask, 0) if attn_mask.shape[0] == 1 else \
                _S.reshape(attn_mask, bsz, num_heads, -1, src_len)
        q, k, v = (_S.reshape(t, bsz, num_heads, t.shape[1], head_dim) for t in (q, k, v))
        out = F.scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
        return merge_heads(_S.reshape(out, heads, tgt_len, head_dim)), None
    scores = _L.matmul(_E.mul(q, math.sqrt(1.0 / head_dim)), _S.transpose(k, -2, -1))
    if attn_mask is not None:
        scores = _E.add(attn_mask, scores)
    weights = F.softmax(scores, dim=-1)
    if dropout_p > 0.0:
        weights = F.dropout(weights, p=dropout_p)
    out = merge_heads(_L.matmul(weights, v))
    weights = _S.reshape(weights, bsz, num_heads, tgt_len, src_len)
    if average_attn_weights:
        weights = ops.reduction.mean(weights, dim=1)
    return out, (weights if batched else _S.squeeze(weights, 0))


def _check_static(static, name, heads, head_dim):
    """A precomputed (N * heads, S, head_dim) key or value, checked."""
    for dim, want in ((0, heads), (2, head_dim)):
        if static.shape[dim] != want:
            raise AssertionError(f"expecting {name}.size({dim}) of {want}, but got "
                                 f"{static.shape[dim]}")
    return static


class MultiheadAttention(Module):
    """Attention over `num_heads` heads: in_proj_weight (3E, E) packs the q, k, v projections
    (or q/k/v_proj_weight when kdim/vdim differ from embed_dim), out_proj maps back to E."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        kw = {"dtype": dtype, "device": device}
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        empty = ops.creation.empty
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, **kw))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(empty(embed_dim, embed_dim, **kw))
            self.k_proj_weight = Parameter(empty(embed_dim, self.kdim, **kw))
            self.v_proj_weight = Parameter(empty(embed_dim, self.vdim, **kw))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(empty(1, 1, embed_dim, **kw))
            self.bias_v = Parameter(empty(1, 1, embed_dim, **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        """PyTorch's init: xavier-uniform projections, zero biases, xavier-normal bias_k/v."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        for b in (self.bias_k, self.bias_v):
            if b is not None:
                init.xavier_normal_(b)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        batched = query.dim() == 3
        if self.batch_first and batched:
            same_kv = key is value
            same_qk = query is key
            query = _S.transpose(query, 0, 1)
            key = query if same_qk else _S.transpose(key, 0, 1)
            value = key if same_kv else _S.transpose(value, 0, 1)
        separate = not self._qkv_same_embed_dim
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=separate, q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and batched:
            out = _S.transpose(out, 0, 1)
        return out, weights


def _activation(name):
    """The function of an activation named by a string."""
    if name == "relu":
        return F.relu
    if name == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {name}")


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with dropout, a residual connection and
    LayerNorm (after each block, or before it with `norm_first`)."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        kw = {"dtype": dtype, "device": device}
        from .dropout import Dropout
        from .normalization import LayerNorm

        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation) if isinstance(activation, str) else activation

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        src_key_padding_mask = _canonical_mask(src_key_padding_mask, "src_key_padding_mask",
                                               src_mask, "src_mask", src.dtype)
        src_mask = _canonical_mask(src_mask, "src_mask", None, "", src.dtype, check_other=False)
        x = src
        if self.norm_first:
            x = _E.add(x, self._sa_block(self.norm1(x), src_mask, src_key_padding_mask,
                                         is_causal))
            x = _E.add(x, self._ff_block(self.norm2(x)))
        else:
            x = self.norm1(_E.add(x, self._sa_block(x, src_mask, src_key_padding_mask,
                                                    is_causal)))
            x = self.norm2(_E.add(x, self._ff_block(x)))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))
