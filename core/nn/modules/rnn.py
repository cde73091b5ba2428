"""Recurrent layers: RNN, LSTM, GRU."""

__all__ = []
