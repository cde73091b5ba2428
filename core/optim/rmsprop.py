"""RMSprop: scale the step by a running root mean square of the gradients."""

from ..ops.creation import zeros_like
from .optimizer import Optimizer, add_scaled_, advance_step, check_hyper, new_step


class RMSprop(Optimizer):
    """PyTorch's RMSprop (optionally centered, with momentum), step for step."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False):
        check_hyper("learning rate", lr, lr >= 0.0)
        check_hyper("epsilon value", eps, eps >= 0.0)
        check_hyper("momentum value", momentum, momentum >= 0.0)
        check_hyper("weight_decay value", weight_decay, weight_decay >= 0.0)
        check_hyper("alpha value", alpha, alpha >= 0.0)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _update(self, p, grad, group, state):
        grad = self._grad(p, grad, group)
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state["step"] = new_step(p)
            state["square_avg"] = zeros_like(p)
            if momentum > 0:
                state["momentum_buffer"] = zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = zeros_like(p)
        advance_step(state, value=False)
        square_avg = state["square_avg"].mul_(alpha).add_(grad * grad, alpha=1 - alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"].mul_(alpha).add_(grad, alpha=1 - alpha)
            avg = (square_avg - grad_avg * grad_avg).sqrt_()
        else:
            avg = square_avg.sqrt()
        avg.add_(group["eps"])
        if momentum > 0:
            buf = state["momentum_buffer"].mul_(momentum).add_(grad / avg)
            add_scaled_(p, buf, -group["lr"])
        else:
            add_scaled_(p, grad / avg, -group["lr"])
