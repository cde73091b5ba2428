"""``autograd.Function``: custom forward/backward, ctx, several outputs, double backward."""

import gc
import weakref

import pytest

import ember
from ember.autograd import Function


class LegendrePolynomial3(Function):
    """PyTorch's custom-function tutorial example: P3(x) = (5x^3 - 3x) / 2."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


class Exp(Function):
    """Saves its own output, as PyTorch's documentation example does."""

    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


def test_legendre_tutorial_fit(backend):
    x = ember.linspace(-1.0, 1.0, 50)
    y = ember.sin(x)
    a = ember.tensor(0.0, requires_grad=True)
    b = ember.tensor(-1.0, requires_grad=True)
    c = ember.tensor(0.0, requires_grad=True)
    d = ember.tensor(0.3, requires_grad=True)
    losses = []
    for _ in range(30):
        y_pred = a + b * LegendrePolynomial3.apply(c + d * x)
        loss = ((y_pred - y) ** 2).sum()
        losses.append(loss.item())
        loss.backward()
        with ember.no_grad():
            for p in (a, b, c, d):
                p -= 5e-3 * p.grad
                p.grad = None
    assert losses[-1] < losses[0] / 2


def test_grad_fn_name_and_ctx(backend):
    x = ember.tensor([0.5, 2.0], requires_grad=True)
    y = LegendrePolynomial3.apply(x)
    assert y.grad_fn.name() == "LegendrePolynomial3Backward"
    assert repr(y.grad_fn).startswith("<LegendrePolynomial3Backward object at 0x")
    assert y.grad_fn.needs_input_grad == (True,)
    assert y.grad_fn.next_functions[0][0].variable is x
    assert not LegendrePolynomial3.apply(x.detach()).requires_grad


def test_matches_gradcheck_and_double_backward(backend):
    x = ember.tensor([0.5, -0.3, 2.0], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(LegendrePolynomial3.apply, (x,))
    assert ember.autograd.gradgradcheck(LegendrePolynomial3.apply, (x,))
    (g,) = ember.autograd.grad(LegendrePolynomial3.apply(x).sum(), x, create_graph=True)
    (gg,) = ember.autograd.grad(g.sum(), x)
    assert gg.tolist() == pytest.approx([15 * v for v in x.tolist()])


def test_saved_output_double_backward(backend):
    x = ember.tensor([0.5, 1.0], dtype=ember.float64, requires_grad=True)
    (g,) = ember.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
    (gg,) = ember.autograd.grad(g.sum(), x)
    assert g.tolist() == pytest.approx(x.exp().tolist())
    assert gg.tolist() == pytest.approx(x.exp().tolist())


def test_saved_output_modified_in_place_is_detected(backend):
    x = ember.ones(2, requires_grad=True)
    y = Exp.apply(x)
    y.add_(1)
    with pytest.raises(RuntimeError, match="which is output 0 of Exp, is at version 1"):
        y.sum().backward()


class Split(Function):
    """Several outputs, a non-tensor argument, a non-differentiable output."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        idx = ember.tensor([1, 0])
        ctx.mark_non_differentiable(idx)
        return x * k, x + 1, idx

    @staticmethod
    def backward(ctx, g1, g2, g_idx):
        ctx.seen = (ctx.needs_input_grad, g2.tolist(), g_idx is not None)
        return g1 * ctx.k + g2, None


def test_several_outputs(backend):
    x = ember.ones(2, requires_grad=True)
    a, b, idx = Split.apply(x, 3.0)
    assert a.grad_fn is b.grad_fn and (a._output_nr, b._output_nr) == (0, 1)
    assert not idx.requires_grad and len(a.grad_fn.next_functions) == 1
    node = a.grad_fn
    a.sum().backward()  # b gets no gradient: it reaches backward as zeros
    assert x.grad.tolist() == [3.0, 3.0]
    assert node.seen == ((True, False), [0.0, 0.0], True)
    x.grad = None
    a, b, _ = Split.apply(x, 3.0)
    (a.sum() + (b * 2).sum()).backward()
    assert x.grad.tolist() == [5.0, 5.0]


def test_set_materialize_grads_false_passes_none(backend):
    class F(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            assert g2 is None
            return g1 * 2

    x = ember.ones(2, requires_grad=True)
    a, _ = F.apply(x)
    a.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_returning_an_input_gives_a_new_tensor(backend):
    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = ember.ones(2, requires_grad=True)
    y = Identity.apply(x)
    assert y is not x and y.grad_fn.name() == "IdentityBackward"
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_setup_context_style(backend):
    class Mul(Function):
        @staticmethod
        def forward(a, b):
            return a * b

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(*inputs)

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b, g * a

    a = ember.tensor([2.0], requires_grad=True)
    b = ember.tensor([5.0], requires_grad=True)
    Mul.apply(a, b).sum().backward()
    assert (a.grad.item(), b.grad.item()) == (5.0, 2.0)


def test_broadcast_gradient_is_summed_to_the_input_shape(backend):
    class Scale(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.expand(3, 2)

    x = ember.ones(2, requires_grad=True)
    Scale.apply(x).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_backward_errors(backend):
    class TooMany(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    class WrongShape(TooMany):
        @staticmethod
        def backward(ctx, g):
            return ember.ones(3)

    class GradForNonTensor(Function):
        @staticmethod
        def forward(ctx, x, n):
            return x * n

        @staticmethod
        def backward(ctx, g):
            return g, ember.ones(1)

    x = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"function TooManyBackward returned an incorrect "
                                           r"number of gradients \(expected 1, got 2\)"):
        TooMany.apply(x).sum().backward()
    with pytest.raises(RuntimeError, match=r"Function WrongShapeBackward returned an invalid "
                                           r"gradient at index 0 - got \[3\] but expected shape "
                                           r"compatible with \[2\]"):
        WrongShape.apply(x).sum().backward()
    with pytest.raises(RuntimeError, match="returned a gradient different than None at position "
                                           "2, but the corresponding forward input was not a "
                                           "Variable"):
        GradForNonTensor.apply(x, 3).sum().backward()
    with pytest.raises(TypeError, match="save_for_backward can only save variables"):
        class Bad(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, 3)
                return x

        Bad.apply(x)


def test_forward_runs_without_grad_and_saved_tensors_are_freed(backend):
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, x):
            seen.append(ember.is_grad_enabled())
            tmp = x * 2
            ctx.save_for_backward(tmp)
            return tmp + 1

        @staticmethod
        def backward(ctx, g):
            (tmp,) = ctx.saved_tensors
            return g * 2

    x = ember.ones(2, requires_grad=True)
    y = Probe.apply(x)
    saved = weakref.ref(y.grad_fn._saved[0])
    assert seen == [False]
    y.sum().backward()
    gc.collect()
    assert saved() is None
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.sum().backward()


def test_hooks_and_retain_grad_on_one_output_of_several(backend):
    x = ember.ones(2, requires_grad=True)
    a, b, _ = Split.apply(x, 3.0)
    b.retain_grad()
    b.register_hook(lambda g: g * 10)
    (a.sum() + (b * 2).sum()).backward()
    assert b.grad.tolist() == [20.0, 20.0] and not a.retains_grad
    assert x.grad.tolist() == [23.0, 23.0]
