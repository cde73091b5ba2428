"""The seeds' tensor and autograd snippets, run with ``import ember as torch``, print what the seeds
show PyTorch printing (module prefix aside). The seed texts collapsed runs of spaces, so outputs are
compared with whitespace runs collapsed; tests/test_printing.py checks exact layout against PyTorch."""

import contextlib
import io
import re
import textwrap

import numpy as np
import pytest

import ember


def run(code):
    out = io.StringIO()
    env = {"torch": ember, "np": np}
    with contextlib.redirect_stdout(out):
        exec(textwrap.dedent(code), env)  # noqa: S102 - test snippets written in this file
    return out.getvalue()


def same(printed, seed_text):
    norm = lambda s: re.sub(r"\s+", " ", s.replace("torch.", "ember.")).strip()  # noqa: E731
    assert norm(printed) == norm(seed_text)


CASES = {
    "001 dtypes": ("""
        a=torch.tensor(1.0,dtype=torch.float)
        b=torch.tensor(1,dtype=torch.long)
        c=torch.tensor(1.0,dtype=torch.int8)
        print(a,b,c)
    """, "tensor(1.) tensor(1) tensor(1, dtype=torch.int8)"),
    "001 legacy constructors": ("""
        d=torch.FloatTensor(2,3)
        f=torch.IntTensor([1,2,3,4])
        print(d,'\\n',f)
    """, """tensor([[0., 0., 0.],
        [0., 0., 0.]])
 tensor([1, 2, 3, 4], dtype=torch.int32)"""),
    "001 numpy conversion": ("""
        g=np.array([[1,2,3],[4,5,6]], dtype=np.int32)
        h=torch.tensor(g)
        i=torch.from_numpy(g)
        j=h.numpy()
        print(h,'\\n',i,'\\n',j)
    """, """tensor([[1, 2, 3],
        [4, 5, 6]], dtype=torch.int32)
 tensor([[1, 2, 3],
        [4, 5, 6]], dtype=torch.int32)
 [[1 2 3]
 [4 5 6]]"""),
    "001 constant creators": ("""
        l=torch.ones(2,3)
        m=torch.zeros(2,3)
        n=torch.arange(0,10,2)
        print(l,'\\n',m,'\\n',n)
    """, """tensor([[1., 1., 1.],
        [1., 1., 1.]])
 tensor([[0., 0., 0.],
        [0., 0., 0.]])
 tensor([0, 2, 4, 6, 8])"""),
    "001 view": ("""
        o=torch.tensor([[1.3597, 1.7565, 1.1835], [1.9602, 1.1388, 1.7656]])
        print(o[:,1])
        print(o.view((3,2)))
        print(o.view(-1,2))
    """, """tensor([1.7565, 1.1388])
tensor([[1.3597, 1.7565],
        [1.1835, 1.9602],
        [1.1388, 1.7656]])
tensor([[1.3597, 1.7565],
        [1.1835, 1.9602],
        [1.1388, 1.7656]])"""),
    "001 broadcasting": ("""
        p=torch.arange(1,3).view(1,2)
        q=torch.arange(1,4).view(3,1)
        print(p,'\\n',q,'\\n',p+q)
    """, """tensor([[1, 2]])
 tensor([[1],
        [2],
        [3]])
 tensor([[2, 3],
        [3, 4],
        [4, 5]])"""),
    "001 unsqueeze": ("""
        o=torch.tensor([[1.6903, 1.6787, 1.3914], [1.9450, 1.1150, 1.4855]])
        r=o.unsqueeze(1)
        print(r,'\\n',r.shape)
    """, """tensor([[[1.6903, 1.6787, 1.3914]],

        [[1.9450, 1.1150, 1.4855]]])
 torch.Size([2, 1, 3])"""),
    "001 autograd": ("""
        x1=torch.tensor(1.0,requires_grad=True)
        x2=torch.tensor(2.0,requires_grad=True)
        y=x1+2*x2
        print(y)
        y.backward()
        print(x1.grad.data)
        print(x2.grad.data)
        print(y)
    """, """tensor(5., grad_fn=<AddBackward0>)
tensor(1.)
tensor(2.)
tensor(5., grad_fn=<AddBackward0>)"""),
    "001 no_grad": ("""
        x = torch.randn(3, requires_grad=True)
        print(x.requires_grad)
        print((x ** 2).requires_grad)
        with torch.no_grad():
            print((x ** 2).requires_grad)
    """, "True True False"),
    "001 .data": ("""
        x = torch.ones(1,requires_grad=True)
        print(x.data)
        print(x.data.requires_grad)
        y = 2 * x
        x.data *= 100
        y.backward()
        print(x)
        print(x.grad)
    """, """tensor([1.])
False
tensor([100.], requires_grad=True)
tensor([2.])"""),
    "002 arange and reshape": ("""
        x = torch.arange(12, dtype=torch.float32)
        print(x)
        print(x.numel())
        print(x.shape)
        X = x.reshape(3, 4)
        print(X)
    """, """tensor([ 0., 1., 2., 3., 4., 5., 6., 7., 8., 9., 10., 11.])
12
torch.Size([12])
tensor([[ 0., 1., 2., 3.],
    [ 4., 5., 6., 7.],
    [ 8., 9., 10., 11.]])"""),
    "002 zeros 3d": ("print(torch.zeros((2, 3, 4)))", """tensor([[[0., 0., 0., 0.],
     [0., 0., 0., 0.],
     [0., 0., 0., 0.]],

    [[0., 0., 0., 0.],
     [0., 0., 0., 0.],
     [0., 0., 0., 0.]]])"""),
    "002 arithmetic": ("""
        x = torch.tensor([1.0, 2, 4, 8])
        y = torch.tensor([2, 2, 2, 2])
        print((x + y, x - y, x * y, x / y, x ** y))
    """, """(tensor([ 3., 4., 6., 10.]),
 tensor([-1., 0., 2., 6.]),
 tensor([ 2., 4., 8., 16.]),
 tensor([0.5000, 1.0000, 2.0000, 4.0000]),
 tensor([ 1., 4., 16., 64.]))"""),
    "002 cat, ==, sum": ("""
        X = torch.arange(12, dtype=torch.float32).reshape((3,4))
        Y = torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
        print((torch.cat((X, Y), dim=0), torch.cat((X, Y), dim=1)))
        print(X == Y)
        print(X.sum())
    """, """(tensor([[ 0., 1., 2., 3.],
     [ 4., 5., 6., 7.],
     [ 8., 9., 10., 11.],
     [ 2., 1., 4., 3.],
     [ 1., 2., 3., 4.],
     [ 4., 3., 2., 1.]]),
 tensor([[ 0., 1., 2., 3., 2., 1., 4., 3.],
     [ 4., 5., 6., 7., 1., 2., 3., 4.],
     [ 8., 9., 10., 11., 4., 3., 2., 1.]]))
tensor([[False, True, False, True],
    [False, False, False, False],
    [False, False, False, False]])
tensor(66.)"""),
    "002 broadcasting": ("""
        a = torch.arange(3).reshape((3, 1))
        b = torch.arange(2).reshape((1, 2))
        print((a, b))
        print(a + b)
    """, """(tensor([[0],
     [1],
     [2]]),
 tensor([[0, 1]]))
tensor([[0, 1],
    [1, 2],
    [2, 3]])"""),
    "002 indexing and assignment": ("""
        X = torch.arange(12, dtype=torch.float32).reshape((3,4))
        print((X[-1], X[1:3]))
        X[1, 2] = 17
        print(X)
        X[:2, :] = 12
        print(X)
    """, """(tensor([ 8., 9., 10., 11.]),
 tensor([[ 4., 5., 6., 7.],
     [ 8., 9., 10., 11.]]))
tensor([[ 0., 1., 2., 3.],
    [ 4., 5., 17., 7.],
    [ 8., 9., 10., 11.]])
tensor([[12., 12., 12., 12.],
    [12., 12., 12., 12.],
    [ 8., 9., 10., 11.]])"""),
    "002 saving memory": ("""
        X = torch.arange(12, dtype=torch.float32).reshape((3,4))
        Y = torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
        before = id(Y)
        Y = Y + X
        print(id(Y) == before)
        Z = torch.zeros_like(Y)
        before = id(Z)
        Z[:] = X + Y
        print(id(Z) == before)
        before = id(X)
        X += Y
        print(id(X) == before)
    """, "False True True"),
    "002 conversion": ("""
        X = torch.arange(12, dtype=torch.float32).reshape((3,4))
        A = X.numpy()
        B = torch.from_numpy(A)
        print(type(A).__module__ + "." + type(A).__name__, type(B).__name__)
        a = torch.tensor([3.5])
        print((a, a.item(), float(a), int(a)))
    """, """numpy.ndarray Tensor
(tensor([3.5000]), 3.5, 3.5, 3)"""),
    "003 creation": ("""
        x = torch.ones(2,2,requires_grad=True)
        print(x)
        print(torch.zeros(5, 3, dtype=torch.long))
        x = torch.tensor([5.5, 3])
        print(x)
        x = x.new_ones(5, 3, dtype=torch.double)
        print(x)
    """, """tensor([[1., 1.],
        [1., 1.]], requires_grad=True)
tensor([[0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0]])
tensor([5.5000, 3.0000])
tensor([[1., 1., 1.],
        [1., 1., 1.],
        [1., 1., 1.],
        [1., 1., 1.],
        [1., 1., 1.]], dtype=torch.float64)"""),
    "003 grad_fn": ("""
        x = torch.randn(2,2)
        y = x + 2
        print(y.grad_fn)
        x = torch.randn(2,2,requires_grad=True)
        print(type((x + 2).grad_fn).__name__, type((x / 2).grad_fn).__name__)
        print(torch.randn(4,3).view(-1,2).shape, torch.randn(4,3).size())
    """, "None\nAddBackward0 DivBackward0\ntorch.Size([6, 2]) torch.Size([4, 3])"),
    "003 numpy sharing": ("""
        a = torch.ones(5)
        print(a)
        b = a.numpy()
        print(b)
        a.add_(1)
        print(a)
        print(b)
    """, """tensor([1., 1., 1., 1., 1.])
[1. 1. 1. 1. 1.]
tensor([2., 2., 2., 2., 2.])
[2. 2. 2. 2. 2.]"""),
    "003 from_numpy sharing": ("""
        a = np.ones(5)
        b = torch.from_numpy(a)
        np.add(a, 1, out=a)
        print(a)
        print(b)
    """, """[2. 2. 2. 2. 2.]
tensor([2., 2., 2., 2., 2.], dtype=torch.float64)"""),
    "000 attributes": ("""
        t = torch.tensor([1, 2, 3])
        print(t.dtype, t.device, t.layout)
    """, "torch.int64 cpu torch.strided"),
    "000 constructors": ("""
        data = np.array([1, 2, 3])
        t1 = torch.Tensor(data)
        t2 = torch.tensor(data)
        t3 = torch.as_tensor(data)
        t4 = torch.from_numpy(data)
        t5 = torch.tensor(np.array([1, 2, 3]), dtype=torch.float64)
        print(t1, t2, t3, t4, t5)
    """, "tensor([1., 2., 3.]) tensor([1, 2, 3]) tensor([1, 2, 3]) tensor([1, 2, 3]) "
         "tensor([1., 2., 3.], dtype=torch.float64)"),
    "000 as_tensor and from_numpy share": ("""
        data = np.array([1, 2, 3])
        t1, t2 = torch.Tensor(data), torch.tensor(data)
        t3, t4 = torch.as_tensor(data), torch.from_numpy(data)
        data[0] = 0
        print(t1, t2, t3, t4)
    """, "tensor([1., 2., 3.]) tensor([1, 2, 3]) tensor([0, 2, 3]) tensor([0, 2, 3])"),
    "000 reshape": ("""
        t = torch.tensor([[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]], dtype=torch.float32)
        print(t.numel(), t.reshape(1, -1).shape, torch.squeeze(t.reshape(1, 12)).shape)
        print(torch.unsqueeze(t, 2).shape, torch.flatten(t))
    """, """12 torch.Size([1, 12]) torch.Size([12])
torch.Size([3, 4, 1]) tensor([1., 1., 1., 1., 2., 2., 2., 2., 3., 3., 3., 3.])"""),
    "000 sum along an axis": ("""
        t = torch.tensor([[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]], dtype=torch.int32)
        print(t.sum(dim=0), t.sum(dim=1))
        print(t[0] + t[1] + t[2])
        print(torch.ones(2, 3, 4).sum(dim=0).shape)
    """, """tensor([6, 6, 6, 6]) tensor([ 4, 8, 12])
tensor([6, 6, 6, 6], dtype=torch.int32)
torch.Size([3, 4])"""),
}

# memory sharing with NumPy is a capability: backends that cannot share copy instead
SHARING = {"003 numpy sharing", "003 from_numpy sharing", "000 as_tensor and from_numpy share"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_seed_snippet(case, backend):
    if case in SHARING and not ember.backends.get_backend(backend).shares_numpy_memory:
        pytest.skip(f"the {backend} backend declares shares_numpy_memory=False; "
                    f"tests/test_seeds.py::test_copying_backends_copy checks that instead")
    code, expected = CASES[case]
    same(run(code), expected)


def test_copying_backends_copy(backend):
    if ember.backends.get_backend(backend).shares_numpy_memory:
        pytest.skip(f"the {backend} backend shares memory with NumPy")
    a = ember.ones(3)
    b = a.numpy()
    a.add_(1)
    assert b.tolist() == [1.0, 1.0, 1.0] and a.tolist() == [2.0, 2.0, 2.0]
