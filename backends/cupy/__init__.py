"""ember's CuPy backend (CUDA GPUs).

Registered through the ``ember.backends`` entry point ``cupy``.
"""
