"""``optim.Optimizer``: parameter groups, per-parameter state, zero_grad and state dicts."""

import copy

from ..autograd.mode import no_grad
from ..tensor import Tensor


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


def add_scaled_(p, x, alpha):
    """``p.add_(x, alpha=alpha)``, where `alpha` may also be a 0-d Tensor: a tensor learning
    rate, or a number ``ember.compile`` lifts to a tensor while it traces a step."""
    if isinstance(alpha, Tensor):
        return p.add_(x * alpha)
    return p.add_(x, alpha=alpha)


def new_step(p):
    """A parameter's step count as PyTorch keeps it: a 0-d float32 tensor, on `p`'s backend."""
    from ..dtypes import float32
    from ..ops.creation import tensor

    return tensor(0.0, dtype=float32, _backend=p._backend)


def advance_step(state, value=True):
    """Count one more step in ``state["step"]`` and, with `value`, return the count: a Python
    number eagerly (read once, as PyTorch's ``.item()``) or, while ``ember.compile`` traces the
    step, a 0-d float64 tensor of it, so that a compiled step keeps its count on the device (no
    host sync). A number there (state saved when counts were numbers) goes on as a number."""
    from .._compile import is_compiling

    step = state["step"]
    if not isinstance(step, Tensor):
        state["step"] = step = step + 1
        return step
    step.add_(1)
    if not value:
        return step
    # traced: the count in float64, as the number eager steps compute with
    return step.double() if is_compiling() else step.item()


def check_hyper(label, value, ok):
    """PyTorch's ``ValueError("Invalid <label>: <value>")`` unless `ok`."""
    if not ok:
        raise ValueError(f"Invalid {label}: {value}")


class Optimizer:
    """Base class: holds ``param_groups`` (dicts of params and hyper-parameters) and ``state``."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = {}
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, group):
        """Add a dict of params (and hyper-parameters overriding the defaults) to optimize."""
        if not isinstance(group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(group).__name__}")
        params = group["params"]
        if isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but "
                            "the ordering of tensors in sets will change between runs. Please use "
                            "a list instead.")
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization "
                                 f"parameter {name}")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
            if id(p) in seen:
                raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Drop every param's grad (``set_to_none``) or zero it in place, keeping the object."""
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.detach_()
                        p.grad.zero_()

    def step(self, closure=None):
        """Update every param that has a grad; `closure` re-evaluates and returns the loss.

        On a backend with a compiler (JAX), ember's own optimizers update all params as one
        compiled program (``ember.compile`` of the same updates, as PyTorch's ``fused=True``):
        eagerly, each op of each param's update would be a program of its own, compiled per
        shape. The values are the eager updates' (up to the compiler's rounding); a closure, or
        an update that cannot be traced, runs op by op."""
        loss = None
        if closure is not None:
            from ..autograd.mode import enable_grad

            with enable_grad():
                loss = closure()
        fused = self._fused_step()
        if fused is not None:
            fused()
        else:
            self._update_all()
        return loss

    def _update_all(self):
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self._update(p, p.grad, group, self.state.setdefault(p, {}))

    def _fused_step(self):
        """The compiled `_update_all` where the params' backend has a compiler, else None (and
        for subclasses outside ember, whose updates may read state ember.compile cannot see)."""
        first = self.param_groups[0]["params"]
        if not first or first[0]._backend.compiler is None \
                or not type(self).__module__.startswith("ember.optim."):
            return None
        fused = self.__dict__.get("_fused")
        if fused is None:
            from .._compile import CompiledFunction

            fused = self._fused = CompiledFunction(self._update_all, False, True, None, False,
                                                   quiet=True)
        return fused

    def __getstate__(self):  # (the compiled step is not part of an optimizer's state)
        state = dict(self.__dict__)
        state.pop("_fused", None)
        return state

    def _update(self, p, grad, group, state):
        """Update `p` in place from `grad`, the group's hyper-parameters and its `state` dict."""
        raise NotImplementedError(f"{type(self).__name__} does not define _update")

    @staticmethod
    def _grad(p, grad, group):
        """The gradient an update uses: negated for ``maximize``, plus L2 weight decay."""
        if group.get("maximize"):
            grad = -grad
        wd = group.get("weight_decay", 0)
        if wd:
            grad = grad.add(p, alpha=wd)
        return grad

    def state_dict(self):
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``."""
        index = {}
        groups = []
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != "params"}
            packed["params"] = []
            for p in g["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a :meth:`state_dict`: per-param state (cast to each param's dtype and backend, as
        PyTorch does for floating state) and the groups' hyper-parameters."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for mine, theirs in zip(self.param_groups, groups):
            if len(mine["params"]) != len(theirs["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match "
                                 "the size of optimizer's group")
        self.state = {}
        for mine, theirs in zip(self.param_groups, groups):
            for p, i in zip(mine["params"], theirs["params"]):
                if i in state_dict["state"]:
                    self.state[p] = {k: _cast_state(k, v, p)
                                     for k, v in state_dict["state"][i].items()}
            mine.update({k: copy.deepcopy(v) for k, v in theirs.items() if k != "params"})

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(k for k in g if k != "params"):
                lines.append(f"    {k}: {g[k]}")
        lines.append(")")
        return "\n".join(lines)


def _cast_state(key, value, p):
    """A copy of one loaded state value, on `p`'s backend and, if floating, in `p`'s dtype."""
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    if value.backend != p.backend:
        value = value.to(backend=p.backend)
    if key != "step" and value.is_floating_point():
        value = value.to(p.dtype)
    return value.clone()
