"""``ember.utils``: ``ember.utils.data``."""

from . import data  # noqa: F401
