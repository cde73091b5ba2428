"""ember's NumPy backend (CPU). Registered through the ``ember.backends`` entry point ``numpy``."""
