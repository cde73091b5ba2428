"""Normalisation layers."""

__all__ = []
