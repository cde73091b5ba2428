"""``autograd.Function``: an op whose forward and backward the user writes, as in PyTorch.

::

    class Exp(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    y = Exp.apply(x)          # y.grad_fn is an <ExpBackward> node

``forward`` runs with grad mode off; its outputs get one node (the ``ctx``) with one output per
returned tensor. ``backward`` gets one gradient per output and returns one per forward argument
(None for arguments that are not tensors or need none). It runs with grad mode on when the
backward pass builds a graph (``create_graph=True``), so a backward written with ember ops is
differentiable again.
"""

from .. import tensor as _tensor
from .graph import Node, _SavedOutput, edge, grad_mode


class FunctionCtx:
    """What ``forward`` uses to pass state to ``backward``."""

    def save_for_backward(self, *tensors):
        """Save tensors (or None) for ``backward``; read them back with ``ctx.saved_tensors``.
        In-place changes to them after this are detected when backward reads them."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, _tensor.Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} "
                                f"is of type {type(t).__name__}")
        self._to_save = tensors

    def mark_non_differentiable(self, *tensors):
        """Outputs that get no gradient (their grad in backward is zeros, or None)."""
        self._non_differentiable = tuple(tensors)

    def set_materialize_grads(self, value):
        """Whether None output gradients reach ``backward`` as zeros (default True)."""
        self._materialize = bool(value)


class _FunctionNode(Node, FunctionCtx):
    """The grad_fn of a Function's outputs, and the ctx its forward and backward see."""

    _function = None

    def __init__(self, needs_input_grad):
        Node.__init__(self, (), (), None)
        self._needs_input_grad = needs_input_grad
        self._to_save = ()
        self._non_differentiable = ()
        self._materialize = True

    @property
    def needs_input_grad(self):
        """One bool per forward argument: whether backward must compute its gradient."""
        return self._needs_input_grad

    def _finish(self, args, outputs):
        """Attach the outputs to this node, save what forward asked for; return the outputs."""
        tensor_args = [a for a in args if isinstance(a, _tensor.Tensor)]
        self.next_functions = tuple(edge(a) for a in tensor_args)
        arg_edge, k = [], 0
        for a in args:
            arg_edge.append(k if isinstance(a, _tensor.Tensor) else None)
            k += isinstance(a, _tensor.Tensor)
        self._arg_edge = tuple(arg_edge)
        self._input_shapes = tuple(a._data.shape for a in tensor_args)
        self._n_outputs = len(outputs)
        meta, result = [], []
        for i, o in enumerate(outputs):
            if not isinstance(o, _tensor.Tensor):
                meta.append(None)
                result.append(o)
                continue
            if any(o is a for a in tensor_args):  # an input returned as is: a new alias of it
                o = o.detach()
            meta.append((o._data.shape, o._dtype, o._backend))
            differentiable = o._dtype.is_floating_point or o._dtype.is_complex
            if differentiable and not any(o is n for n in self._non_differentiable):
                o.grad_fn = self
                o._output_nr = i
                o._rg = True
            result.append(o)
        self._out_meta = tuple(meta)
        saved = tuple(None if t is None else
                      _SavedOutput(t) if any(t is o for o in result) else t
                      for t in self._to_save)
        self._saved = saved
        self._versions = tuple(None if t is None else t._vc[0] for t in saved)
        self._to_save = self._non_differentiable = ()
        return result

    def apply(self, grad):
        """Call the Function's backward with one gradient per output; one per input edge out."""
        grads = [grad] if self._n_outputs == 1 else list(grad)
        for i, m in enumerate(self._out_meta):
            if m is None:
                grads[i] = None
            elif grads[i] is None and self._materialize:
                from ..ops.creation import zeros

                grads[i] = zeros(m[0], dtype=m[1], _backend=m[2])
        result = self._function.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self._arg_edge)
        if len(result) > n and all(r is None for r in result[n:]):
            result = result[:n]
        if len(result) != n:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {n}, got {len(result)})")
        out = [None] * len(self.next_functions)
        for i, (g, e) in enumerate(zip(result, self._arg_edge)):
            if e is None:
                if g is not None:
                    raise RuntimeError(f"function {self.name()} returned a gradient different than "
                                       f"None at position {i + 1}, but the corresponding forward "
                                       f"input was not a Variable")
            elif g is not None:
                out[e] = self._fit(g, self._input_shapes[e], i)
        return out

    def _fit(self, g, shape, i):
        """`g` summed down to the input's `shape` where it broadcasts to it, else an error."""
        from ..ops.elementwise import sum_to

        if not isinstance(g, _tensor.Tensor):
            raise TypeError(f"function {self.name()} returned a gradient of type "
                            f"{type(g).__name__} at index {i}; expected a Tensor or None")
        gs = g._data.shape
        if gs == shape:
            return g
        lead = len(gs) - len(shape)
        if lead < 0 or any(s != gd and s != 1 for s, gd in zip(shape, gs[lead:])):
            raise RuntimeError(f"Function {self.name()} returned an invalid gradient at index {i} "
                               f"- got {list(gs)} but expected shape compatible with "
                               f"{list(shape)}")
        return sum_to(g, shape)


class Function:
    """Base class of a custom differentiable op: write ``forward(ctx, *args)`` and
    ``backward(ctx, *grads)`` as static methods and call ``YourFunction.apply(*args)``.

    ``forward`` may instead take only the arguments, with a ``setup_context(ctx, inputs,
    output)`` static method filling the ctx (PyTorch's newer style)."""

    _backward_cls = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # the node class: its name is the grad_fn name users see, "<ClassName>Backward"
        cls._backward_cls = type(f"{cls.__name__}Backward", (_FunctionNode,),
                                 {"_function": cls, "__module__": cls.__module__})

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward (grad mode off) and record one node for all its outputs."""
        if cls._backward_cls is None:
            raise RuntimeError("Function.apply must be called on a subclass of "
                               "ember.autograd.Function")
        needs = tuple(isinstance(a, _tensor.Tensor) and a._rg for a in args)
        ctx = cls._backward_cls(needs)
        previous = grad_mode.enabled
        grad_mode.enabled = False
        try:
            if cls.setup_context is not Function.setup_context:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        finally:
            grad_mode.enabled = previous
        if not (previous and any(needs)):
            return output
        many = isinstance(output, tuple)
        result = ctx._finish(args, output if many else (output,))
        return tuple(result) if many else result[0]
