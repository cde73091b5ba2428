"""``optim.lr_scheduler``: learning-rate schedules with PyTorch's formulas."""

__all__ = []
