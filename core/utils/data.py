"""``ember.utils.data``: datasets, samplers and the DataLoader, as in PyTorch."""

__all__ = []
