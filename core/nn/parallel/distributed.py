"""``DistributedDataParallel``: one replica of the model per process, gradients averaged.

At construction the parameters and buffers of rank 0 are broadcast to every rank. During
``backward`` each parameter's gradient hook marks it ready; parameters are grouped in buckets of
about ``bucket_cap_mb`` (in reverse order of registration, roughly the order gradients arrive),
and as soon as a bucket is complete its flattened gradients are averaged with a non-blocking
``all_reduce``, while backward goes on. When the last expected gradient arrives, every bucket is
waited for and the averaged gradients are written to ``.grad``, so they are in place when
``backward`` returns and before the optimizer steps. Buckets are always started in the same order
on every rank, as the engines require.
"""

import contextlib

from .. import Module
from ... import distributed as dist


class _Bucket:
    __slots__ = ("params", "pending", "values", "work", "flat")

    def __init__(self, params):
        self.params = params
        self.reset()

    def reset(self):
        self.pending = len(self.params)
        self.values = [None] * len(self.params)
        self.work = self.flat = None


class DistributedDataParallel(Module):
    """Wrap `module` for data-parallel training over `process_group` (the world by default)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 init_sync=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, **kwargs):
        super().__init__()
        self.module = module
        self.process_group = process_group
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 2 ** 20)
        self._params = [p for p in module.parameters() if p.requires_grad]
        self._world = dist.get_world_size(process_group)
        if init_sync:
            self._sync_module_states()
        self._buckets = self._make_buckets()
        self._where = {}
        for b in self._buckets:
            for i, p in enumerate(b.params):
                self._where[id(p)] = (b, i)
        self._expected = len(self._params)
        self._ready = 0
        self._next = 0
        self._unused = []
        self._syncing = False
        self._handles = [p.register_hook(self._hook(p)) for p in self._params]

    # -- set-up ----------------------------------------------------------------------------
    def _sync_module_states(self):
        for t in list(self.module.parameters()) + list(self.module.buffers()):
            dist.broadcast(t.data if t.requires_grad else t,
                           src=dist.get_global_rank(self.process_group, 0)
                           if self.process_group is not None else 0,
                           group=self.process_group)

    def _make_buckets(self):
        buckets, current, size = [], [], 0
        cap = min(self.bucket_bytes_cap, 2 ** 20)  # a small first bucket, as PyTorch: sent early
        for p in reversed(self._params):
            current.append(p)
            size += p.numel() * p.element_size()
            if size >= cap:
                buckets.append(_Bucket(current))
                current, size, cap = [], 0, self.bucket_bytes_cap
        if current:
            buckets.append(_Bucket(current))
        return buckets

    # -- forward -----------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if self._syncing and self._ready > 0:  # a backward began but left gradients unsent
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new "
                "one. This error indicates that your module has parameters that were not used in "
                "producing loss. You can enable unused parameter detection by passing the keyword "
                "argument `find_unused_parameters=True` to "
                "`ember.nn.parallel.DistributedDataParallel`, and by making sure all `forward` "
                "function outputs participate in calculating loss.")
        if self.broadcast_buffers and self._world > 1:
            for b in self.module.buffers():
                dist.broadcast(b, src=0 if self.process_group is None else
                               dist.get_global_rank(self.process_group, 0),
                               group=self.process_group)
        out = self.module(*inputs, **kwargs)
        self._prepare(out)
        return out

    def _prepare(self, out):
        """Start an iteration: every bucket empty; with find_unused_parameters, the parameters
        the output does not depend on are ready at once (with zero gradients)."""
        from ... import is_grad_enabled

        for b in self._buckets:
            b.reset()
        self._ready, self._next = 0, 0
        self._syncing = is_grad_enabled() and self.require_backward_grad_sync
        self._unused = []
        if self._syncing and self.find_unused_parameters:
            used = _reachable_leaves(out)
            self._unused = [p for p in self._params if id(p) not in used]
            self._expected = len(self._params) - len(self._unused)
            for p in self._unused:
                self._mark(p, None)
            if self._expected == 0:
                self._finish()

    # -- backward ------------------------------------------------------------------------------
    def _hook(self, p):
        def hook(grad):
            if not self._syncing:
                return None
            value = grad if p.grad is None else p.grad + grad  # what .grad will hold (no_sync)
            self._mark(p, value.detach())
            self._ready += 1
            for b in self._buckets[:self._next]:
                if b.work is not None:
                    b.work.is_completed()  # let the engine make progress on sent buckets
            if self._ready == self._expected:
                self._finish()
                p.grad = None  # .grad becomes exactly the average returned
                return self._averaged(p)
            return None
        return hook

    def _mark(self, p, value):
        b, i = self._where[id(p)]
        b.values[i] = value
        b.pending -= 1
        while self._next < len(self._buckets) and self._buckets[self._next].pending == 0:
            self._launch(self._buckets[self._next])
            self._next += 1

    def _launch(self, b):
        from ... import cat, no_grad, zeros

        with no_grad():
            parts = [(v if v is not None else zeros(p.shape, dtype=p.dtype)).reshape(-1)
                     for p, v in zip(b.params, b.values)]
            b.flat = cat(parts) if len(parts) > 1 else parts[0].clone()
        b.work = dist.all_reduce(b.flat, op=dist.ReduceOp.AVG, group=self.process_group,
                                 async_op=True)

    def _finish(self):
        """Wait for every bucket and write the averaged gradients into ``.grad``."""
        for b in self._buckets:
            b.work.wait()
        self._syncing = False
        unused = {id(p) for p in self._unused}
        for b in self._buckets:
            offset = 0
            for p in b.params:
                n = p.numel()
                if id(p) not in unused or p.grad is not None:
                    p.grad = b.flat[offset:offset + n].reshape(p.shape)
                offset += n

    def _averaged(self, p):
        b, i = self._where[id(p)]
        offset = sum(q.numel() for q in b.params[:i])
        return b.flat[offset:offset + p.numel()].reshape(p.shape)

    # -- PyTorch's API -------------------------------------------------------------------------
    @contextlib.contextmanager
    def no_sync(self):
        """Inside the block, backward accumulates gradients locally without communicating; the
        first backward after it averages the accumulated gradients."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous


def _reachable_leaves(out):
    """ids of the leaf tensors the autograd graph of `out` (tensors, or nested tuples, lists and
    dicts of them) reaches."""
    from ...autograd.graph import AccumulateGrad
    from ...tensor import Tensor

    stack, seen, found = [out], set(), set()
    nodes = []
    while stack:
        x = stack.pop()
        if isinstance(x, Tensor):
            if x.grad_fn is not None:
                nodes.append(x.grad_fn)
            elif x.requires_grad:
                found.add(id(x))
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())
    while nodes:
        node = nodes.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if type(node) is AccumulateGrad:
            v = node.variable
            if v is not None:
                found.add(id(v))
            continue
        nodes.extend(child for child, _ in node.next_functions)
    return found
