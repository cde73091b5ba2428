"""``ember.save`` / ``ember.load`` in the safetensors format: nothing is unpickled from a file."""

__all__ = []
