"""nn ops: activations, softmax, normalisation, dropout, embedding and losses."""

__all__ = []  # the names nn.functional re-exports
