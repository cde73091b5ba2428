"""Graph nodes and grad mode: what an op records when an input requires grad.

Every differentiable op has one Node subclass named as PyTorch names it (``AddBackward0``),
created from the op's registry entry. A node holds edges ``(node, output_nr)`` to the nodes of its
inputs (``next_functions``), the tensors its derivative needs (saved with their version, so a
later in-place change is caught), and small non-tensor facts (shapes, dims) in ``ctx``.

No node refers back to a tensor it produced (an output saved for backward is kept as a bare
alias of its data), so a graph is a DAG of plain references and is freed by reference counting
as soon as its outputs are dropped.
"""

import itertools
import re
import threading
import weakref

from .. import tensor as _tensor  # used at call time (tensor imports this module first)


class _GradMode(threading.local):
    enabled = True
    inference = False


grad_mode = _GradMode()


class RemovableHandle:
    """Returned by ``register_hook``; ``handle.remove()`` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, hooks):
        self._hooks = weakref.ref(hooks) if hooks is not None else None
        self.id = next(self._ids)

    def remove(self):
        hooks = self._hooks() if self._hooks is not None else None
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class _Hooks(dict):
    """A hook table (a dict subclass, so a handle can refer to it weakly)."""

    __slots__ = ("__weakref__",)


def add_hook(table, fn):
    """Put `fn` in hook table `table` (made if None); return (table, handle)."""
    if table is None:
        table = _Hooks()
    handle = RemovableHandle(table)
    table[handle.id] = fn
    return table, handle


class _SavedOutput:
    """An output of the node saved for its own backward, kept without its ``grad_fn`` (which is
    the node itself: keeping it would make a reference cycle): its array, dtype, backend and
    version counter. Unpacking rebuilds the tensor with the node as its ``grad_fn``, so
    higher-order gradients still flow through it."""

    __slots__ = ("_data", "_backend", "_dtype", "output_nr", "_vc")

    def __init__(self, out):
        self._data, self._backend, self._dtype = out._data, out._backend, out._dtype
        self._vc = out._vc  # in-place changes of the output are still detected
        self.output_nr = out._output_nr

    @property
    def alias(self):
        """A tensor of the saved value, without history."""
        t = _tensor._wrap(self._data, self._backend, self._dtype)
        t._vc = self._vc
        return t

    def unpack(self, node):
        t = _tensor._wrap(self._data, self._backend, self._dtype)
        t._vc = self._vc
        t.grad_fn = node
        t._output_nr = self.output_nr
        t._rg = True
        return t


_FREED = ("Trying to backward through the graph a second time (or directly access saved "
          "tensors after they have already been freed). Saved intermediate values of the "
          "graph are freed when you call .backward() or autograd.grad(). Specify "
          "retain_graph=True if you need to backward through the graph a second time or "
          "if you need to access saved tensors after calling backward.")


def _op_title(node):
    """How PyTorch names an op in the version error: ``MulBackward0`` -> ``Mul``."""
    return re.sub(r"Backward\d*$", "", node.name())


def _modified(t, fn, v):
    """PyTorch's error for saved tensor `t` (of node `fn`'s output) changed in place since it
    was saved at version `v`."""
    which = f", which is output 0 of {_op_title(fn)}," if fn is not None else ""
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{t._type_name()} {list(t._data.shape)}]{which} is at version {t._vc[0]}; "
        f"expected version {v} instead. Hint: the tensor was saved for backward before it was "
        "changed in place; make a copy (.clone()) before the in-place operation.")


class Node:
    """A step of the backward graph. Subclasses are made per op by ``node_class``."""

    __slots__ = ("next_functions", "_saved", "_versions", "ctx", "_freed", "_hooks",
                 "_post_hooks", "_retained", "_shapes", "__weakref__")
    _backward = None
    _op_name = None
    _n_outputs = 1
    _broadcasts = False  # the op broadcasts its inputs: apply() sums gradients back to them

    def __init__(self, next_functions, saved, ctx):
        self.next_functions = next_functions
        self._saved = saved
        self._versions = tuple([t._vc[0] for t in saved]) if saved else ()
        self.ctx = ctx
        self._freed = False
        self._hooks = None  # tensor hooks on this node's outputs: {id: (output_nr, fn)}
        self._post_hooks = None
        self._retained = None  # {output_nr: weakref(tensor)} of outputs that retain_grad()
        self._shapes = None  # the inputs' shapes, kept only where one was broadcast

    def name(self):
        return type(self).__name__

    @property
    def needs_input_grad(self):
        edges = self.next_functions
        if len(edges) == 2:  # most ops: (input, other)
            return (edges[0][0] is not None, edges[1][0] is not None)
        return tuple([n is not None for n, _ in edges])

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(_FREED)
        out = []
        for t, v in zip(self._saved, self._versions):
            if t is None:  # autograd.Function may save None
                out.append(None)
            elif type(t) is _SavedOutput:
                if t._vc[0] != v:
                    raise _modified(t.alias, self, v)
                out.append(t.unpack(self))
            else:
                if t._vc[0] != v:
                    raise _modified(t, t.grad_fn, v)
                out.append(t)
        return tuple(out)

    def apply(self, grad):
        """The gradients for each input, given the gradient of this node's output; where the
        op broadcast an input, its gradient is summed back to the input's shape here, once for
        every op (derivatives never undo broadcasting themselves)."""
        grads = type(self)._backward(self, grad)
        shapes = self._shapes
        if shapes is None:
            return grads
        return tuple(g if g is None or s is None or g._data.shape == s else _sum_to(g, s)
                     for g, s in zip(grads, shapes))

    def release(self):
        """Drop what was saved for backward (after a backward without retain_graph)."""
        if self._saved:
            self._saved = ()
            self._versions = ()
            self._freed = True

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node; it may return new
        grad_inputs. Returns a handle whose ``remove()`` unregisters it."""
        self._post_hooks, handle = add_hook(self._post_hooks, fn)
        return handle

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node; it may return new grad_outputs."""
        return self._tensor_hook(None, fn)

    def _tensor_hook(self, output_nr, fn):
        self._hooks, handle = add_hook(self._hooks, (output_nr, fn))
        return handle

    def _retain(self, output_nr, tensor):
        if self._retained is None:
            self._retained = {}
        self._retained[output_nr] = weakref.ref(tensor)

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"


class AccumulateGrad(Node):
    """The node at a leaf that requires grad: adds the incoming gradient to ``leaf.grad``.

    The leaf keeps its node (made once, not once per op) and the node refers to the leaf weakly,
    so the pair makes no reference cycle; a gradient reaching a leaf that is gone is dropped."""

    __slots__ = ("_variable",)

    def __init__(self, variable):
        Node.__init__(self, (), (), None)
        self._variable = weakref.ref(variable)

    @property
    def variable(self):
        return self._variable()

    def release(self):
        pass


def node_class(op_name, grad_fn_name, backward, broadcasts=False):
    """The Node subclass of one op; its class name is the ``grad_fn`` name users see."""
    return type(grad_fn_name, (Node,), {"__slots__": (), "_backward": staticmethod(backward),
                                        "_op_name": op_name, "_broadcasts": broadcasts})


def _sum_to(g, shape):
    """Sum gradient `g` down to `shape`, undoing broadcasting (with ember ops, so it is
    differentiable in turn)."""
    from ..ops import reduction, shape as shape_ops

    gs = g._data.shape
    lead = len(gs) - len(shape)
    dims = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and gs[i + lead] != 1)
    if dims:
        g = reduction.sum(g, dims, keepdim=True)
    return shape_ops.reshape(g, tuple(shape)) if g._data.shape != tuple(shape) else g


def _stale_view(t):
    """Whether `t` is a view whose base's history changed since its own was derived."""
    view = t._view
    return view is not None and view[2] is not view[0].grad_fn


def _refresh(t):
    from ..ops.inplace import refresh_view

    refresh_view(t)


def edge(t):
    """The edge (node, output_nr) through which gradient reaches tensor `t`, or (None, 0)."""
    if t._view is not None and _stale_view(t):
        _refresh(t)
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    if t._rg:
        return _leaf_edge(t)
    return (None, 0)


def _leaf_edge(t):
    """The edge into leaf `t`'s AccumulateGrad node: made once, kept on the tensor."""
    acc = t._grad_acc
    if acc is None:
        acc = t._grad_acc = (AccumulateGrad(t), 0)
    return acc


_NO_EDGE = (None, 0)


def record(cls, out, inputs, saved=(), ctx=None, shapes=None):
    """Attach a node of class `cls` to `out`, with edges to `inputs`; return `out`. For an op
    that broadcasts, `shapes` may give the inputs' shapes where one differs from the output's
    (``()`` where none does), so that they are not compared again here."""
    edges = []
    for t in inputs:  # edge() inlined: this runs for every recorded op
        if t is None:
            edges.append(_NO_EDGE)
            continue
        view = t._view
        if view is not None and view[2] is not view[0].grad_fn:
            _refresh(t)
        fn = t.grad_fn
        if fn is not None:
            edges.append((fn, t._output_nr))
        elif t._rg:
            acc = t._grad_acc
            edges.append(acc if acc is not None else _leaf_edge(t))
        else:
            edges.append(_NO_EDGE)
    if saved:
        for s in saved:
            if s is out:
                saved = tuple(_SavedOutput(s) if s is out else s for s in saved)
                break
    node = out.grad_fn = cls(tuple(edges), saved, ctx)
    if shapes is not None:
        if shapes:
            node._shapes = shapes
    elif cls._broadcasts:
        oshape = out._data.shape
        for t in inputs:
            if t is not None and t._data.shape != oshape:
                node._shapes = tuple(None if t is None else t._data.shape for t in inputs)
                break
    out._rg = True
    return out
