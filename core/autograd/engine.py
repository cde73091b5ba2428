"""The backward engine: runs the graph in topological order and accumulates leaf gradients."""

from .graph import AccumulateGrad, grad_mode


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


def run_backward(tensors, grad_tensors, retain_graph=False, create_graph=False, inputs=None):
    """Backpropagate `grad_tensors` from `tensors`.

    With `inputs` None, gradients are accumulated into the ``.grad`` of every leaf reached.
    Otherwise returns the gradients reaching each tensor of `inputs` (``autograd.grad``) and
    leaves ``.grad`` alone.
    """
    buffers = {}
    roots = []
    for t, g in zip(tensors, grad_tensors):
        node = t.grad_fn
        if node is None:
            if not t._rg:
                raise RuntimeError("element 0 of tensors does not require grad and does not have "
                                   "a grad_fn")
            from .graph import edge

            node = edge(t)[0]
        if node in buffers:
            buffers[node] = buffers[node] + g
        else:
            buffers[node] = g
            roots.append(node)

    capture = None
    if inputs is not None:
        from .graph import edge

        capture = {}
        for i, t in enumerate(inputs):
            n = t.grad_fn if t.grad_fn is not None else edge(t)[0]
            capture.setdefault(n, []).append(i)

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
            if node._hooks and grad is not None:
                for hook in node._hooks:
                    out = hook(grad)
                    if out is not None:
                        grad = out
            if capture is not None and node in capture and grad is not None:
                for i in capture[node]:
                    results[i] = grad
            if isinstance(node, AccumulateGrad):
                if capture is None and grad is not None:
                    _accumulate(node.variable, grad, create_graph)
                continue
            if grad is not None and (useful is None or node in useful):
                grads = node.apply(grad)
                if not retain_graph:
                    node.release()
                for (child, _), g in zip(node.next_functions, grads):
                    if child is None or g is None:
                        continue
                    prev = buffers.get(child)
                    buffers[child] = g if prev is None else prev + g
            for child, _ in node.next_functions:
                if child is None:
                    continue
                deps[child] -= 1
                if deps[child] == 0:
                    ready.append(child)
    finally:
        grad_mode.enabled = previous
    return results


def _useful_nodes(roots, capture):
    """The nodes from which some captured node can be reached (autograd.grad skips the rest)."""
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
    if not create_graph:
        grad = grad.detach()
    if var.grad is None:
        if grad.dtype is not var.dtype:
            grad = grad.to(var.dtype)
        # a clone, so that an in-place change of one .grad never reaches another
        var.grad = grad if create_graph else grad.clone()
    else:
        var.grad = var.grad + grad
