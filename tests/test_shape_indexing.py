"""Shape and indexing behaviour beyond the per-op conformance entries: grad_fn names as PyTorch's,
gradients against PyTorch, and views (narrow, unbind, split) sharing writes on every backend."""

import numpy as np
import pytest

import ember

X = np.arange(12.0).reshape(3, 4)
IDX = [[0, 1], [2, 0], [1, 1]]

# (name, fn(module, x)) run on ember and on PyTorch alike
CASES = [
    ("narrow", lambda m, x: x.narrow(1, 1, 2)),
    ("unbind", lambda m, x: x.unbind(1)[2]),
    ("split", lambda m, x: x.split(3, 1)[1]),
    ("split_with_sizes", lambda m, x: x.split([1, 3], 1)[1]),
    ("chunk", lambda m, x: x.chunk(2, 0)[1]),
    ("unflatten", lambda m, x: x.unflatten(1, (2, 2))),
    ("swapaxes", lambda m, x: x.swapaxes(0, 1)),
    ("broadcast_to", lambda m, x: x.broadcast_to((2, 3, 4))),
    ("repeat", lambda m, x: x.repeat(2, 1, 2)),
    ("tile", lambda m, x: x.tile((2,))),
    ("flip", lambda m, x: x.flip(0, 1)),
    ("roll", lambda m, x: x.roll((1, -1), (0, 1))),
    ("roll_flat", lambda m, x: x.roll(5)),
    ("movedim", lambda m, x: x.movedim(0, 1)),
    ("hstack", lambda m, x: m.hstack([x, x])),
    ("vstack", lambda m, x: m.vstack([x[0], x])),
    ("tril", lambda m, x: x.tril(1)),
    ("triu", lambda m, x: x.triu(-1)),
    ("gather", lambda m, x: x.gather(1, m.tensor(IDX))),
    ("scatter", lambda m, x: x.scatter(1, m.tensor(IDX), x[:, :2] * 2)),
    ("scatter_value", lambda m, x: x.scatter(1, m.tensor(IDX), 2.0)),
    ("scatter_add", lambda m, x: x.scatter_add(1, m.tensor(IDX), x[:, 1:3] * 3)),
    ("index_select", lambda m, x: x.index_select(1, m.tensor([0, 2, 2]))),
    ("index_add", lambda m, x: x.index_add(1, m.tensor([0, 2, 2]), x[:, :3] * 2, alpha=2)),
    ("masked_select", lambda m, x: x.masked_select(x > 4)),
    ("take", lambda m, x: x.take(m.tensor([[0, -1], [5, 5]]))),
]


@pytest.mark.parametrize("name, fn", CASES, ids=[c[0] for c in CASES])
def test_values_grad_fn_and_gradients_match_pytorch(backend, torch, name, fn):
    x = ember.tensor(X, requires_grad=True)
    tx = torch.tensor(X, requires_grad=True)
    out, tout = fn(ember, x), fn(torch, tx)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy())
    assert type(out.grad_fn).__name__ == type(tout.grad_fn).__name__
    w = np.random.default_rng(0).random(tuple(tout.shape))
    (g,) = ember.autograd.grad((out * ember.tensor(w)).sum(), x)
    (tg,) = torch.autograd.grad((tout * torch.tensor(w)).sum(), tx)
    np.testing.assert_allclose(g.numpy(), tg.numpy())


@pytest.mark.parametrize("pieces", [lambda x: x.unbind(0), lambda x: x.split(2, 1),
                                    lambda x: x.chunk(2, 1), lambda x: (x.narrow(1, 1, 2),)],
                         ids=["unbind", "split", "chunk", "narrow"])
def test_pieces_are_views_of_their_base(backend, pieces):
    x = ember.zeros(3, 4)
    ps = pieces(x)
    ps[-1].add_(1)
    assert x.sum().item() == ps[-1].numel()
    x.add_(1)
    assert (ps[0] >= 1).all().item()


def test_split_and_chunk_methods_match_functions(backend):
    x = ember.arange(10.0).reshape(5, 2)
    assert [p.tolist() for p in x.split(2)] == [p.tolist() for p in ember.split(x, 2)]
    assert [p.shape for p in x.chunk(3)] == [ember.Size([2, 2]), ember.Size([2, 2]),
                                              ember.Size([1, 2])]


def test_nonzero_where_and_argwhere(backend, torch):
    v = [[0, 1, 0], [2, 0, 3]]
    x, tx = ember.tensor(v), torch.tensor(v)
    assert x.nonzero().tolist() == tx.nonzero().tolist()
    assert ember.argwhere(x).tolist() == torch.argwhere(tx).tolist()
    assert [t.tolist() for t in x.nonzero(as_tuple=True)] == \
        [t.tolist() for t in tx.nonzero(as_tuple=True)]


@pytest.mark.parametrize("call, exc, words", [
    (lambda x: x.gather(1, ember.tensor([[4]])), RuntimeError, "index 4 is out of bounds"),
    (lambda x: x.index_select(0, ember.tensor([3])), RuntimeError, "index 3 is out of bounds"),
    (lambda x: x.index_add(0, ember.tensor([-1]), ember.ones(1, 4)), RuntimeError, "index -1"),
    (lambda x: x.scatter(1, ember.tensor([[9]]), 1.0), RuntimeError, "index 9"),
    (lambda x: x.take(ember.tensor([12])), IndexError, "tried to access index 12"),
], ids=["gather", "index_select", "index_add", "scatter", "take"])
def test_index_out_of_range_names_index_and_size(backend, call, exc, words):
    with pytest.raises(exc, match=words):
        call(ember.zeros(3, 4))
