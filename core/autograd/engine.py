"""The backward engine: runs the graph in topological order and accumulates leaf gradients.

Gradients wait in a buffer per node until every consumer has sent its part (a node with several
outputs, such as an ``autograd.Function`` returning a tuple, buffers one gradient per output).
Before a node runs, the hooks registered on the tensors it produced see (and may replace) their
gradient, and tensors that ``retain_grad()`` store it; after it runs, unless ``retain_graph``,
it drops what it saved for backward.

``.grad`` ownership is explicit: beside each buffered gradient the engine keeps a flag saying
whether it owns the gradient's storage (nothing outside this backward call can reach it), and a
leaf takes an owned gradient as its ``.grad`` without a copy; any other is copied, as PyTorch
does. See ``_owned_outputs`` for when a gradient is owned.
"""

import itertools
import threading

from .graph import AccumulateGrad, Node, _SavedOutput, edge, grad_mode

# Accumulation into ``.grad`` is a read-modify-write; this lock makes it atomic when several
# threads run backward into the same leaves (PyTorch's result is exact there too).
_accumulate_lock = threading.Lock()


def _topological_counts(roots):
    """How many edges reach each node from the roots (its number of consumers); one dict, which
    is also the set of nodes seen (the roots start at 0)."""
    deps = dict.fromkeys(roots, 0)
    stack = list(roots)
    get = deps.get
    while stack:
        for child, _ in stack.pop().next_functions:
            if child is None:
                continue
            n = get(child)
            if n is None:
                deps[child] = 1
                stack.append(child)
            else:
                deps[child] = n + 1
    return deps


def _add(buffers, shared, node, nr, g, owned):
    """Add gradient `g` for output `nr` of `node` into its buffer. `owned` says whether the
    engine owns `g`'s storage; the exceptions are kept in `shared` (node -> True, or a list of
    flags per output), since most gradients are owned. A sum the engine makes is its own."""
    n = node._n_outputs
    if n == 1:
        prev = buffers.get(node)
        if prev is None:
            buffers[node] = g
            if not owned:
                shared[node] = True
        else:
            buffers[node] = prev + g
            if shared:
                shared.pop(node, None)
        return
    grads = buffers.get(node)
    if grads is None:
        grads = buffers[node] = [None] * n
    flags = shared.get(node)
    if flags is None:
        flags = shared[node] = [False] * n
    if grads[nr] is None:
        grads[nr], flags[nr] = g, not owned
    else:
        grads[nr], flags[nr] = grads[nr] + g, False


def _owned(shared, node):
    """Whether the engine owns the buffered gradient of `node` (for a node with several outputs:
    True for all, or a list of one flag per output), taking its entry out of `shared`."""
    flags = shared.pop(node, None)
    if flags is None or flags is True:
        return flags is None
    return [not f for f in flags]


def _output_grads(node, grad):
    """The buffered gradient of `node` as a list with one entry per output."""
    return [grad] if node._n_outputs == 1 else grad


def _run_pre_hooks(node, grad):
    """Tensor hooks of the node's outputs (each may return a replacement), then node pre-hooks."""
    grads = _output_grads(node, grad)
    for nr, fn in list(node._hooks.values()):
        if nr is None:
            out = fn(tuple(grads))
            if out is not None:
                grads = list(out)
        elif grads[nr] is not None:
            out = fn(grads[nr])
            if out is not None:
                grads[nr] = out
    return grads[0] if node._n_outputs == 1 else grads


def _run_leaf_hooks(var, grad):
    for fn in list(var._hooks.values()):
        out = fn(grad)
        if out is not None:
            grad = out
    return grad


def _retain_grads(node, grad, create_graph):
    """Store the gradient in ``.grad`` of the node's outputs that called ``retain_grad()``."""
    grads = _output_grads(node, grad)
    for nr, ref in list(node._retained.items()):
        t = ref()
        if t is not None and grads[nr] is not None:
            _accumulate(t, grads[nr], create_graph, False)  # the graph still uses it: copied


def _before_node(node, grad, create_graph):
    """The hooks on the node's outputs, then ``retain_grad()``: returns (gradient, owned flags);
    a hook or a retaining tensor may keep the gradient, so the engine no longer owns it."""
    owned = False if node._n_outputs == 1 else [False] * node._n_outputs
    if node._hooks:  # a hook sees the gradient: it may keep it, or replace it
        grad = _run_pre_hooks(node, grad)
    if node._retained:  # stored in a tensor's .grad, and used on
        _retain_grads(node, grad, create_graph)
    return grad, owned


def _deliver(node, grad, owned, leaf, capture, inputs, results, accumulate, create_graph):
    """At a leaf, or with captured `inputs`: accumulate the gradient into ``.grad`` (leaf hooks
    first), or hand it to `results` (``autograd.grad``)."""
    if leaf:
        variable = node.variable
        if variable is None:  # the leaf is gone: nothing to accumulate into
            grad = None
        elif grad is not None and variable._hooks:
            grad = _run_leaf_hooks(variable, grad)
            owned = False
    if capture is not None and grad is not None and node in capture:
        grads = _output_grads(node, grad)
        for nr, i in capture[node]:
            if grads[nr] is None:
                continue
            if accumulate:
                _accumulate(inputs[i], grads[nr], create_graph, leaf and owned)
            else:
                results[i] = grads[nr]
    if leaf and capture is None and grad is not None:
        _accumulate(variable, grad, create_graph, owned)


# the engine's loop: one pass over the ready nodes; what is rare (hooks, leaves, captured
# inputs) is in the helpers above, so the common step stays short
def run_backward(tensors, grad_tensors, retain_graph=False, create_graph=False, inputs=None,
                 accumulate=True):
    """Backpropagate `grad_tensors` from `tensors`.

    With `inputs` None, gradients are accumulated into the ``.grad`` of every leaf reached. With
    `inputs` and `accumulate` (``backward(inputs=...)``) only those tensors accumulate. With
    `inputs` and not `accumulate` (``autograd.grad``) the gradients reaching each of `inputs`
    are returned and ``.grad`` is left alone.
    """
    buffers = {}
    shared = {}  # the buffered gradients the engine does not own: see _add and _owned_outputs
    roots = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        node, nr = edge(t)
        if node is None:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               f"a grad_fn")
        if node not in buffers:
            roots.append(node)
        _add(buffers, shared, node, nr, g, False)  # the caller's gradient (or ones it made)

    capture = None
    if inputs is not None:
        capture = {}
        for i, t in enumerate(inputs):
            n, nr = edge(t)
            capture.setdefault(n, []).append((nr, i))

    deps = _topological_counts(roots)
    ready = [n for n in roots if deps[n] == 0]
    results = [None] * len(inputs) if inputs is not None else None
    useful = _useful_nodes(roots, capture) if capture is not None else None

    previous = grad_mode.enabled
    grad_mode.enabled = create_graph
    try:
        while ready:
            node = ready.pop()
            grad = buffers.pop(node, None)
            owned = _owned(shared, node) if shared else True
            if grad is not None and (node._hooks or node._retained):
                grad, owned = _before_node(node, grad, create_graph)
            leaf = type(node) is AccumulateGrad
            if leaf or capture is not None:
                _deliver(node, grad, owned, leaf, capture, inputs, results, accumulate,
                         create_graph)
                if leaf:
                    continue
            edges = node.next_functions
            if grad is not None and (useful is None or node in useful):
                grads = node.apply(grad)
                if node._post_hooks:
                    grads = _run_post_hooks(node, grads, grad)
                    flags = [False] * len(grads)
                else:
                    flags = _owned_outputs(node, grad, owned, grads)
                if not retain_graph and node._saved:
                    node.release()
                if len(grads) < len(edges):  # no gradient for the last inputs
                    grads = tuple(grads) + (None,) * (len(edges) - len(grads))
            else:
                grads, flags = _NONE, _NEVER
            for (child, nr), g, o in zip(edges, grads, flags):  # one pass over the edges
                if child is None:
                    continue
                if g is not None:
                    if o is True and child._n_outputs == 1 and child not in buffers:
                        buffers[child] = g  # _add's commonest case, inline
                    else:
                        _add(buffers, shared, child, nr, g, o)
                n = deps[child] - 1
                if n:
                    deps[child] = n
                else:
                    ready.append(child)  # its last consumer has sent its gradient
    finally:
        grad_mode.enabled = previous
    return results


def _run_post_hooks(node, grads, grad):
    grads = tuple(grads)
    outputs = tuple(_output_grads(node, grad))
    for fn in list(node._post_hooks.values()):
        out = fn(grads, outputs)
        if out is not None:
            grads = tuple(out)
    return grads


def _useful_nodes(roots, capture):
    """The nodes from which some captured node can be reached (the rest need not run)."""
    useful = set()
    order, stack, seen = [], list(roots), set(roots)
    while stack:
        n = stack.pop()
        order.append(n)
        for child, _ in n.next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                stack.append(child)
    changed = True
    while changed:  # the graph is a DAG; a few sweeps in reverse discovery order settle it
        changed = False
        for n in reversed(order):
            if n in useful:
                continue
            if n in capture or any(c in useful for c, _ in n.next_functions if c is not None):
                useful.add(n)
                changed = True
    return useful


def _accumulate(var, grad, create_graph, owned):
    """Add `grad` into ``var.grad`` (atomically: threads may accumulate into the same leaf). The
    first time, ``.grad`` must own its data: `grad` is taken as it is when the engine `owned` it
    (or the backend's arrays are immutable, so sharing them is always safe), else copied."""
    with _accumulate_lock:
        current = var._grad
        if current is None:
            if grad._dtype is not var._dtype:
                grad, owned = grad.to(var._dtype), True
            if create_graph:
                var._grad = grad
            elif owned and grad.grad_fn is None and not grad._rg and grad._view is None:
                var._grad = grad  # nothing else refers to it, and it has no history: as it is
            elif owned or not grad._backend.mutable:
                var._grad = grad.detach()
            else:
                var._grad = grad.detach().clone()
        else:  # without create_graph grad mode is off here: the sum records nothing
            var._grad = current + grad


# view kernels whose result covers every element of the array it views exactly once: a gradient
# that is such a view of a buffer the engine owns may itself be owned
_WHOLE_VIEWS = frozenset({"reshape", "view", "flatten", "permute", "transpose", "squeeze",
                          "unsqueeze"})


def _storage(raw):
    """The array that holds `raw`'s memory (`raw` itself unless it views another one)."""
    base = getattr(raw, "base", None)
    return raw if base is None else base


_NEVER = itertools.repeat(False)
_NONE = itertools.repeat(None)
_ALWAYS = itertools.repeat(True)
_node_apply = Node.apply


def _owned_outputs(node, grad, owned, grads):
    """Whether the engine owns each gradient ``node.apply(grad)`` returned, given whether it
    owned the node's incoming gradient(s) (`owned`).

    Only core's own derivative formulas are trusted (a Function's ``backward`` may return
    tensors its caller keeps). A formula computes from the incoming gradient, the saved tensors
    and small facts, so a returned gradient's storage is new (owned) or the incoming gradient's
    (owned if that was); a formula never returns a saved tensor's storage (that would be a
    gradient independent of the incoming one), which is checked on the edges into leaves, where
    ``.grad`` would keep it. A gradient must also be the whole of its storage and writable (not a
    broadcast view, not a slice), and go to one input only. Immutable arrays are never written,
    so there every gradient may be shared. This runs for every node: it is written for speed."""
    if type(node).apply is not _node_apply:
        return _NEVER
    if node._n_outputs == 1:
        if not grad._backend.mutable:
            return _ALWAYS
        raw = grad._data
        base = getattr(raw, "base", None)
        incoming = raw if base is None else base
        n = len(grads)
        if n == 1 or (n == 2 and grads[1] is None):  # the common case first: one gradient
            g = grads[0]
            if g is None:
                return _NEVER
            if type(node.next_functions[0][0]) is not AccumulateGrad:
                raw = g._data
                if getattr(raw, "base", None) is None:  # a whole array: new, or passed on
                    return _ALWAYS if raw is not incoming else (owned,)
        incoming, in_owned = (incoming,), (owned,)
    else:
        incoming = tuple(None if g is None else _storage(g._data) for g in grad)
        in_owned = (True,) * len(incoming) if owned is True else owned
    saved = None
    flags = []
    stores = []
    for g, (child, _) in zip(grads, node.next_functions):
        if g is None:
            flags.append(False)
            stores.append(None)
            continue
        raw = g._data
        base = getattr(raw, "base", None)
        store = raw if base is None else base
        flag = True
        if stores:
            for i, other in enumerate(stores):
                if other is store:  # two inputs get the same storage: neither owns it
                    flags[i] = flag = False
        stores.append(store)
        if flag:
            for i, s in enumerate(incoming):
                if s is store:
                    flag = in_owned[i]
                    break
            else:
                if type(child) is AccumulateGrad:
                    if saved is None:
                        saved = [_storage(t._data)  # a tensor, or a _SavedOutput
                                 for t in node._saved if t is not None]
                    for s in saved:  # by identity: == on arrays is elementwise
                        if s is store:
                            flag = False
                            break
        if flag and base is not None:  # a view: owned only if the whole of a writable buffer
            view = g._view
            flag = (view is not None and all(k in _WHOLE_VIEWS for k, _ in view[1])
                    and getattr(store, "size", None) == getattr(raw, "size", -1)
                    and getattr(getattr(raw, "flags", None), "writeable", True))
        flags.append(flag)
    return flags
