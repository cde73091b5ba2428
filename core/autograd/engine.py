"""The backward engine: runs the graph in topological order and accumulates leaf gradients.

Gradients wait in a buffer per node until every consumer has sent its part (a node with several
outputs, such as an ``autograd.Function`` returning a tuple, buffers one gradient per output).
Before a node runs, the hooks registered on the tensors it produced see (and may replace) their
gradient, and tensors that ``retain_grad()`` store it; after it runs, unless ``retain_graph``,
it drops what it saved for backward.
"""

import sys
from .graph import AccumulateGrad, edge, grad_mode


def _topological_counts(roots):
    """How many edges reach each node from the roots (its number of consumers)."""
    deps = {}
    stack = list(roots)
    seen = set(roots)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            deps[child] = deps.get(child, 0) + 1
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return deps


def _add(buffers, node, nr, g):
    """Add gradient `g` for output `nr` of `node` into its buffer."""
    n = node._n_outputs
    if n == 1:
        prev = buffers.get(node)
        buffers[node] = g if prev is None else prev + g
        return
    grads = buffers.get(node)
    if grads is None:
        grads = buffers[node] = [None] * n
    grads[nr] = g if grads[nr] is None else grads[nr] + g


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
            _accumulate(t, grads[nr], create_graph)


def run_backward(tensors, grad_tensors, retain_graph=False, create_graph=False, inputs=None,
                 accumulate=True):
    """Backpropagate `grad_tensors` from `tensors`.

    With `inputs` None, gradients are accumulated into the ``.grad`` of every leaf reached. With
    `inputs` and `accumulate` (``backward(inputs=...)``) only those tensors accumulate. With
    `inputs` and not `accumulate` (``autograd.grad``) the gradients reaching each of `inputs`
    are returned and ``.grad`` is left alone.
    """
    buffers = {}
    roots = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        node, nr = edge(t)
        if node is None:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               f"a grad_fn")
        if node not in buffers:
            roots.append(node)
        _add(buffers, node, nr, g)

    capture = None
    if inputs is not None:
        capture = {}
        for i, t in enumerate(inputs):
            n, nr = edge(t)
            capture.setdefault(n, []).append((nr, i))

    deps = _topological_counts(roots)
    ready = [n for n in roots if deps.get(n, 0) == 0]
    results = [None] * len(inputs) if inputs is not None else None
    useful = _useful_nodes(roots, capture) if capture is not None else None

    previous = grad_mode.enabled
    grad_mode.enabled = create_graph
    try:
        while ready:
            node = ready.pop()
            grad = buffers.pop(node, None)
            if grad is not None:
                if node._hooks:
                    grad = _run_pre_hooks(node, grad)
                if node._retained:
                    _retain_grads(node, grad, create_graph)
            leaf = type(node) is AccumulateGrad
            if leaf:
                variable = node.variable
                if variable is None:  # the leaf is gone: nothing to accumulate into
                    grad = None
                elif grad is not None and variable._hooks:
                    grad = _run_leaf_hooks(variable, grad)
            if capture is not None and grad is not None and node in capture:
                grads = _output_grads(node, grad)
                for nr, i in capture[node]:
                    if grads[nr] is None:
                        continue
                    if accumulate:
                        _accumulate(inputs[i], grads[nr], create_graph)
                    else:
                        results[i] = grads[nr]
            if leaf:
                if capture is None and grad is not None:
                    _accumulate(variable, grad, create_graph)
                continue
            if grad is not None and (useful is None or node in useful):
                grads = node.apply(grad)
                if node._post_hooks:
                    grads = _run_post_hooks(node, grads, grad)
                if not retain_graph:
                    node.release()
                for (child, nr), g in zip(node.next_functions, grads):
                    if child is not None and g is not None:
                        _add(buffers, child, nr, g)
            for child, _ in node.next_functions:
                if child is None:
                    continue
                deps[child] -= 1
                if deps[child] == 0:
                    ready.append(child)
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


def _accumulate(var, grad, create_graph):
    """Add `grad` into ``var.grad``. The first time, ``.grad`` must own its data: `grad` is taken
    as it is when nothing else can reach its storage (the common case: a fresh result of the
    backward), else copied."""
    current = var._grad
    if current is None:
        if grad.dtype is not var.dtype:
            grad = grad.to(var.dtype)
        if create_graph:
            var._grad = grad
        elif _exclusive(grad):
            var._grad = grad.detach()
        else:
            var._grad = grad.detach().clone()
    else:
        var._grad = current + (grad if create_graph else grad.detach())


# references to a gradient tensor that the engine itself holds when it reaches _accumulate (its
# loop variable and buffer, the tuple of the last node's outputs, the call's argument, its
# parameter, getrefcount's own); measured, and pinned by tests/test_autograd_memory.py
_ENGINE_REFS = 6


def _exclusive(grad):
    """Whether `grad`'s storage is reachable only through `grad` (so ``.grad`` may keep it).

    On an immutable backend storage is never written, so sharing it is always safe. On a mutable
    one, the tensor and its raw array (and the array it views, if any) must have no holders but
    the engine: a gradient passed to two leaves, held by the caller or saved in a retained graph
    is copied, as PyTorch copies it."""
    if not grad._backend.mutable:
        return True
    if grad.grad_fn is not None or sys.getrefcount(grad) > _ENGINE_REFS:
        return False
    raw = grad._data
    if sys.getrefcount(raw) > 3:  # grad._data, `raw` and getrefcount's argument
        return False
    base = getattr(raw, "base", None)  # the array `raw` views, if any
    if base is None:
        return True
    holders = 3  # raw.base, `base` and getrefcount's argument
    if grad._view is not None:  # a view of a tensor (a transposed product): that tensor holds
        owner = grad._view[0]   # the array too, and must itself be reachable only from here
        if owner._data is not base or sys.getrefcount(owner) > 3:  # the tuple, `owner`, arg
            return False
        holders += 1
    return getattr(base, "base", None) is None and sys.getrefcount(base) <= holders
