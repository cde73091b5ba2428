"""Tensor creation, shape, indexing, in-place semantics and errors, on every backend."""

import numpy as np
import pytest

import ember


def test_tensor_infers_dtypes(backend):
    assert ember.tensor(1.0).dtype is ember.float32
    assert ember.tensor(1).dtype is ember.int64
    assert ember.tensor([True]).dtype is ember.bool
    assert ember.tensor(np.array([1, 2], dtype=np.int32)).dtype is ember.int32
    assert ember.tensor(np.array([1.0])).dtype is ember.float64
    assert ember.Tensor([1, 2]).dtype is ember.float32


def test_new_tensors_live_on_the_default_backend(backend):
    assert ember.zeros(2).backend == backend
    assert ember.randn(2).backend == backend
    assert ember.arange(3).backend == backend


def test_creation_values(backend):
    assert ember.arange(0, 10, 2).tolist() == [0, 2, 4, 6, 8]
    assert ember.arange(3).dtype is ember.int64
    assert ember.arange(0.0, 1.0, 0.5).dtype is ember.float32
    assert ember.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert ember.eye(2, 3).tolist() == [[1, 0, 0], [0, 1, 0]]
    assert ember.full((2,), 7).dtype is ember.int64
    assert ember.full((2,), 7.0).tolist() == [7.0, 7.0]
    assert ember.zeros(2, 3, dtype=ember.long).tolist() == [[0, 0, 0], [0, 0, 0]]
    assert ember.ones((2, 1)).shape == (2, 1)
    assert ember.empty(5, 3).shape == ember.Size([5, 3])


def test_ragged_data_is_a_value_error(backend):
    with pytest.raises(ValueError, match="expected sequence of length 2 at dim 1"):
        ember.tensor([[1, 2], [3]])


def test_manual_seed_reproduces(backend):
    ember.manual_seed(3)
    a = ember.rand(4).tolist(), ember.randn(2, 2).tolist(), ember.randint(0, 10, (5,)).tolist()
    ember.manual_seed(3)
    b = ember.rand(4).tolist(), ember.randn(2, 2).tolist(), ember.randint(0, 10, (5,)).tolist()
    assert a == b
    assert all(0 <= v < 1 for v in a[0]) and all(0 <= v < 10 for v in a[2])


def test_shape_ops(backend):
    x = ember.arange(12)
    assert x.reshape(3, 4).shape == (3, 4)
    assert x.view(-1, 6).shape == (2, 6)
    assert x.reshape(3, 4).transpose(0, 1).tolist() == np.arange(12).reshape(3, 4).T.tolist()
    assert x.reshape(2, 3, 2).permute(2, 0, 1).shape == (2, 2, 3)
    assert x.reshape(1, 12, 1).squeeze().shape == (12,)
    assert x.unsqueeze(0).shape == (1, 12)
    assert ember.tensor([[1], [2]]).expand(2, 3).tolist() == [[1, 1, 1], [2, 2, 2]]
    a = ember.tensor([[1, 2]])
    assert ember.cat([a, a], dim=0).tolist() == [[1, 2], [1, 2]]
    assert ember.stack([a, a], dim=1).shape == (1, 2, 2)
    assert ember.flatten(x.reshape(3, 4)).shape == (12,)


def test_reshape_of_wrong_size_names_it(backend):
    with pytest.raises(RuntimeError, match=r"shape '\[3, 5\]' is invalid for input of size 12"):
        ember.arange(12).reshape(3, 5)


def test_broadcast_mismatch_names_sizes(backend):
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of tensor "
                                           r"b \(4\) at non-singleton dimension 1"):
        ember.ones(2, 3) + ember.ones(4)


def test_bad_dim_is_index_error(backend):
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                                         r"\[-2, 1\], but got 2\)"):
        ember.ones(2, 3).sum(2)


def test_out_of_range_index_is_index_error(backend):
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        ember.ones(3)[5]


def test_wrong_argument_type_is_type_error(backend):
    with pytest.raises(TypeError):
        ember.add(ember.ones(2), "a")


def test_reductions(backend):
    t = ember.tensor([[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]], dtype=ember.int32)
    assert t.sum(dim=0).tolist() == [6, 6, 6, 6]
    assert t.sum(dim=1).tolist() == [4, 8, 12]
    assert ember.ones(2, 3, 4).sum(dim=0).shape == (3, 4)
    assert ember.ones(2, 3).sum((0, 1), keepdim=True).shape == (1, 1)
    values, indices = ember.tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim=1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert ember.tensor([3, 9, 1]).argmax().item() == 1
    assert ember.tensor([[1.0, 2.0], [3.0, 4.0]]).mean().item() == 2.5


def test_indexing(backend):
    x = ember.arange(12).reshape(3, 4)
    assert x[1].tolist() == [4, 5, 6, 7]
    assert x[:, 1].tolist() == [1, 5, 9]
    assert x[-1, -1].item() == 11
    assert x[::2, 1::2].tolist() == [[1, 3], [9, 11]]
    assert x[None, ..., 0].shape == (1, 3)
    assert x[x > 9].tolist() == [10, 11]
    assert x[[0, 2], [1, 3]].tolist() == [1, 11]


def test_setitem_broadcasts_and_keeps_the_object(backend):
    x = ember.arange(12, dtype=ember.float32).reshape(3, 4)
    ident = id(x)
    x[1, 2] = 17
    x[:2, :] = 12
    x[x > 11] = 0
    assert id(x) == ident
    assert x.tolist() == [[0] * 4, [0] * 4, [8, 9, 10, 11]]


def test_inplace_ops_keep_the_object_and_bump_the_version(backend):
    x = ember.ones(3)
    ident, version = id(x), x._version
    x += 1
    x.mul_(3)
    x.add_(ember.ones(3), alpha=2)
    assert id(x) == ident and x._version == version + 3
    assert x.tolist() == [8.0, 8.0, 8.0]


def test_inplace_result_must_fit_the_dtype(backend):
    x = ember.tensor([1, 2])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output "
                                           "type Long"):
        x.add_(1.5)


def test_python_operators_and_reflections(backend):
    x = ember.tensor([1.0, 2.0])
    assert (2 - x).tolist() == [1.0, 0.0]
    assert (2 / x).tolist() == [2.0, 1.0]
    assert (2 ** x).tolist() == [2.0, 4.0]
    assert (-x).tolist() == [-1.0, -2.0]
    assert abs(ember.tensor([-3])).tolist() == [3]
    assert (x @ x).item() == 5.0
    assert (x == 1.0).tolist() == [True, False]


def test_matmul_shapes_and_errors(backend):
    a, b = ember.ones(2, 3), ember.ones(3, 5)
    assert (a @ b).shape == (2, 5)
    assert ember.matmul(ember.ones(4, 2, 3), b).shape == (4, 2, 5)
    assert ember.matmul(ember.ones(3), b).shape == (5,)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and "
                                           r"4x5\)"):
        a @ ember.ones(4, 5)


def test_scalar_conversions(backend):
    t = ember.tensor(3.5)
    assert float(t) == 3.5 and int(t) == 3 and bool(t)
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        ember.ones(2).item()
    assert [1, 2, 3][ember.tensor(1)] == 2


def test_deepcopy_as_pytorch(backend):
    import copy

    model = ember.nn.Sequential(ember.nn.Linear(2, 3), ember.nn.BatchNorm1d(3))
    model(ember.randn(4, 2)).sum().backward()
    twin = copy.deepcopy(model)
    w, w2 = model[0].weight, twin[0].weight
    assert type(w2) is ember.nn.Parameter and w2.requires_grad and w2 is not w
    assert w2.tolist() == w.tolist() and w2.grad.tolist() == w.grad.tolist()
    assert twin[1].running_var.tolist() == model[1].running_var.tolist()
    with ember.no_grad():
        w2.add_(1.0)
    assert w2.tolist() != w.tolist()  # its own data
    x = ember.ones(2)
    a, b = copy.deepcopy([x, x])
    assert a is b and a is not x and not a.requires_grad
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(w * 2)
