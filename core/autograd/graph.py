"""Graph nodes and grad mode: what an op records when an input requires grad.

Every differentiable op has one Node subclass named as PyTorch names it (``AddBackward0``),
created from the op's registry entry. A node holds edges to the nodes of its inputs
(``next_functions``), the tensors its derivative needs (saved with their version, so a later
in-place change is caught), and small non-tensor facts (shapes, dims) in ``ctx``.
"""

import threading
import weakref


class _GradMode(threading.local):
    enabled = True
    inference = False


grad_mode = _GradMode()


class Node:
    """A step of the backward graph. Subclasses are made per op by ``node_class``."""

    __slots__ = ("next_functions", "_saved", "_versions", "ctx", "_freed", "_hooks",
                 "__weakref__")
    _backward = None
    _op_name = None

    def __init__(self, next_functions, saved, ctx):
        self.next_functions = next_functions
        self._saved = saved
        self._versions = tuple([t._version for t in saved]) if saved else ()
        self.ctx = ctx
        self._freed = False
        self._hooks = None

    def name(self):
        return type(self).__name__

    @property
    def needs_input_grad(self):
        return tuple(n is not None for n, _ in self.next_functions)

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                "if you need to access saved tensors after calling backward.")
        for t, v in zip(self._saved, self._versions):
            if t._version != v:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: [{t._type_name()} {list(t.shape)}], which is output 0 of "
                    f"{self.name()}, is at version {t._version}; expected version {v} instead.")
        return self._saved

    def apply(self, grad):
        """The gradients for each input, given the gradient of this node's output."""
        if self._freed:
            self.saved_tensors  # raises the freed-graph error
        return type(self)._backward(self, grad)

    def release(self):
        """Drop what was saved for backward (after a backward without retain_graph)."""
        self._saved = ()
        self._versions = ()
        self._freed = True

    def register_hook(self, fn):
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"


class AccumulateGrad(Node):
    """The node at a leaf that requires grad: adds the incoming gradient to ``leaf.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        Node.__init__(self, (), (), None)
        self.variable = variable

    def release(self):
        pass


def node_class(op_name, grad_fn_name, backward):
    """The Node subclass of one op; its class name is the ``grad_fn`` name users see."""
    return type(grad_fn_name, (Node,), {"__slots__": (), "_backward": staticmethod(backward),
                                        "_op_name": op_name})


def edge(t):
    """The edge (node, 0) through which gradient reaches tensor `t`, or (None, 0)."""
    fn = t.grad_fn
    if fn is not None:
        return (fn, 0)
    if t._rg:
        acc = t._grad_acc() if t._grad_acc is not None else None
        if acc is None:
            acc = AccumulateGrad(t)
            t._grad_acc = weakref.ref(acc)
        return (acc, 0)
    return (None, 0)


_NO_EDGE = (None, 0)


def record(cls, out, inputs, saved=(), ctx=None):
    """Attach a node of class `cls` to `out`, with edges to `inputs`; return `out`."""
    edges = []
    for t in inputs:  # edge() inlined: this runs for every recorded op
        if t is None:
            edges.append(_NO_EDGE)
        elif t.grad_fn is not None:
            edges.append((t.grad_fn, 0))
        else:
            edges.append(edge(t) if t._rg else _NO_EDGE)
    out.grad_fn = cls(tuple(edges), saved, ctx)
    out._rg = True
    return out
