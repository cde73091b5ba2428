"""``ember.linalg``: norms, inverses, solves and determinants."""

__all__ = []
