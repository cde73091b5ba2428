"""nn ops built on sliding windows: convolutions and pooling."""

__all__ = []  # the names nn.functional re-exports
