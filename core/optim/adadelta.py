"""Adadelta: steps scaled by running averages of squared gradients and squared updates."""

from ..ops.creation import zeros_like
from .optimizer import Optimizer, add_scaled_, advance_step, check_hyper, new_step


class Adadelta(Optimizer):
    """PyTorch's Adadelta, step for step."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        check_hyper("learning rate", lr, lr >= 0.0)
        check_hyper("rho value", rho, 0.0 <= rho <= 1.0)
        check_hyper("epsilon value", eps, eps >= 0.0)
        check_hyper("weight_decay value", weight_decay, weight_decay >= 0.0)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update(self, p, grad, group, state):
        grad = self._grad(p, grad, group)
        rho, eps = group["rho"], group["eps"]
        if not state:
            state["step"] = new_step(p)
            state["square_avg"] = zeros_like(p)
            state["acc_delta"] = zeros_like(p)
        advance_step(state, value=False)
        square_avg = state["square_avg"].mul_(rho).add_(grad * grad, alpha=1 - rho)
        std = square_avg.add(eps).sqrt_()
        delta = state["acc_delta"].add(eps).sqrt_().div_(std).mul_(grad)
        state["acc_delta"].mul_(rho).add_(delta * delta, alpha=1 - rho)
        add_scaled_(p, delta, -group["lr"])
