"""Adam and AdamW."""

import math

from ..ops.creation import zeros_like
from ..ops.elementwise import maximum
from ..tensor import Tensor
from .optimizer import Optimizer, add_scaled_, advance_step, check_hyper, new_step


class Adam(Optimizer):
    """PyTorch's Adam update rule (bias-corrected moments; L2 weight decay added to the grad)."""

    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False):
        check_hyper("learning rate", lr, lr >= 0.0)
        check_hyper("epsilon value", eps, eps >= 0.0)
        for i, b in enumerate(betas):
            check_hyper(f"beta parameter at index {i}", b, 0.0 <= b < 1.0)
        check_hyper("weight_decay value", weight_decay, weight_decay >= 0.0)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))

    def _update(self, p, grad, group, state):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        if self._decoupled:
            if group["maximize"]:
                grad = -grad
            if group["weight_decay"]:
                p.mul_(1 - lr * group["weight_decay"])
        else:
            grad = self._grad(p, grad, group)
        if not state:
            state["step"] = new_step(p)
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_like(p)
        step = advance_step(state)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
        exp_avg_sq.mul_(beta2).add_(grad * grad, alpha=1 - beta2)
        second = exp_avg_sq
        if group["amsgrad"]:
            second = state["max_exp_avg_sq"].copy_(maximum(state["max_exp_avg_sq"], exp_avg_sq))
        bias2 = 1 - beta2 ** step  # a 0-d Tensor when ember.compile traces the step
        denom = (second.sqrt() / (bias2.sqrt() if isinstance(bias2, Tensor)
                                  else math.sqrt(bias2))).add_(eps)
        add_scaled_(p, exp_avg / denom, -(lr / (1 - beta1 ** step)))


class AdamW(Adam):
    """Adam with decoupled weight decay (default 1e-2), as PyTorch's AdamW."""

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
