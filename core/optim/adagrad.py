"""Adagrad: per-element steps scaled by the root of the summed squared gradients."""

from ..ops.creation import full_like
from .optimizer import Optimizer, add_scaled_, advance_step, check_hyper, new_step


class Adagrad(Optimizer):
    """PyTorch's Adagrad (with learning-rate decay), step for step."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, *, maximize=False):
        check_hyper("learning rate", lr, lr >= 0.0)
        check_hyper("lr_decay value", lr_decay, lr_decay >= 0.0)
        check_hyper("weight_decay value", weight_decay, weight_decay >= 0.0)
        check_hyper("initial_accumulator_value value", initial_accumulator_value,
                    initial_accumulator_value >= 0.0)
        check_hyper("epsilon value", eps, eps >= 0.0)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      maximize=maximize))
        # as PyTorch, the accumulators exist from the start (they are in the first state_dict)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group, self.state.setdefault(p, {}))

    @staticmethod
    def _init_state(p, group, state):
        if not state:
            state["step"] = new_step(p)
            state["sum"] = full_like(p, group["initial_accumulator_value"])

    def _update(self, p, grad, group, state):
        self._init_state(p, group, state)
        step = advance_step(state)
        grad = self._grad(p, grad, group)
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        std = state["sum"].add_(grad * grad).sqrt().add_(group["eps"])
        add_scaled_(p, grad / std, -clr)
