"""Recurrent layers: RNN, LSTM, GRU and their single-step cells RNNCell, LSTMCell, GRUCell.

Written with ember ops, so autograd (and higher-order gradients) flow through every time step
on every backend. Parameter names, shapes, gate order and initialisation follow PyTorch, so a
state_dict moves between the two unchanged.
"""

import math
import numbers
import warnings

from ... import ops
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_E, _S = ops.elementwise, ops.shape

# gates per mode, in PyTorch's packing order: LSTM (i, f, g, o), GRU (r, z, n)
_NUM_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _step(mode, gi, state, w_hh, b_hh, w_hr=None):
    """One recurrence step of `mode`. `gi` is the input projection x W_ih^T + b_ih; `state` is
    h, or (h, c) for LSTM. Returns the new state in the same form."""
    h = state[0] if mode == "LSTM" else state
    gh = F.linear(h, w_hh, b_hh)
    if mode == "RNN_TANH":
        return _E.tanh(_E.add(gi, gh))
    if mode == "RNN_RELU":
        return _E.relu(_E.add(gi, gh))
    if mode == "LSTM":
        i, f, g, o = _S.chunk(_E.add(gi, gh), 4, -1)
        c = _E.add(_E.mul(_E.sigmoid(f), state[1]), _E.mul(_E.sigmoid(i), _E.tanh(g)))
        h = _E.mul(_E.sigmoid(o), _E.tanh(c))
        return (h if w_hr is None else F.linear(h, w_hr)), c
    ir, iz, in_ = _S.chunk(gi, 3, -1)
    hr, hz, hn = _S.chunk(gh, 3, -1)
    r = _E.sigmoid(_E.add(ir, hr))
    z = _E.sigmoid(_E.add(iz, hz))
    n = _E.tanh(_E.add(in_, _E.mul(r, hn)))
    return _E.add(n, _E.mul(z, _E.sub(h, n)))  # (1 - z) * n + z * h


def _uniform_init(module, hidden_size):
    """PyTorch's recurrent init: every parameter uniform in ±1/sqrt(hidden_size)."""
    stdv = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0
    for weight in module.parameters():
        init.uniform_(weight, -stdv, stdv)


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the stacked, optionally bidirectional parameters (named
    ``weight_ih_l{k}[_reverse]`` ...), the argument checks and the layer-by-layer forward."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Number) \
                or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        for value, kind, name in ((bias, bool, "bias"), (batch_first, bool, "batch_first"),
                                  (input_size, int, "input_size"),
                                  (hidden_size, int, "hidden_size")):
            if not isinstance(value, kind):
                raise TypeError(f"{name} should be of type {kind.__name__}, got: "
                                f"{type(value).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _NUM_GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size

        gate_size = _NUM_GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        num_directions = 2 if bidirectional else 1
        kw = {"dtype": dtype, "device": device}
        self._all_weight_names = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else real_hidden * num_directions
            for direction in range(num_directions):
                shapes = [("weight_ih", (gate_size, layer_input)),
                          ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                suffix = "_reverse" if direction == 1 else ""
                names = []
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(ops.creation.empty(*shape, **kw)))
                    names.append(name)
                self._all_weight_names.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        _uniform_init(self, self.hidden_size)

    @property
    def all_weights(self):
        """The parameters per layer and direction, as lists in PyTorch's order."""
        return [[getattr(self, name) for name in names] for names in self._all_weight_names]

    def _weights(self, layer, direction):
        """(w_ih, w_hh, b_ih, b_hh, w_hr) of one layer and direction; absent ones are None."""
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        p = self._parameters
        return tuple(p.get(kind + suffix) for kind in
                     ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"))

    def _check_input(self, input):
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({weight.dtype}). Convert input: input.to({weight.dtype}), or "
                             f"convert model: model.to({input.dtype})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")

    @staticmethod
    def _check_hidden(hx, expected, msg="Expected hidden size {}, got {}"):
        if tuple(hx.shape) != expected:
            raise RuntimeError(msg.format(expected, list(hx.shape)))

    def _expected_hidden(self, input, size):
        """The shape h0 (size=real hidden size) or c0 (size=hidden_size) must have."""
        batch = input.shape[0] if self.batch_first else input.shape[1]
        return (self.num_layers * (2 if self.bidirectional else 1), batch, size)

    def _prepare(self, input, hx):
        """Checks `input` and the initial states; returns the input as (T, B, I), the states
        as a list of (L * D, B, H) tensors (zeros where not given) and whether it was batched."""
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        if input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D "
                             f"{'tensor ' if name == 'RNN' else ''}instead")
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        lstm = self.mode == "LSTM"
        sizes = [self.proj_size or self.hidden_size] + ([self.hidden_size] if lstm else [])
        if hx is None:
            states = [input.new_zeros(self._expected_hidden(input, s)) for s in sizes]
        else:
            states = list(hx) if lstm else [hx]
            want = 3 if batched else 2
            if any(s.dim() != want for s in states):
                kind = "batched 3-D" if batched else "unbatched 2-D"
                if lstm:
                    got = ", ".join(f"{s.dim()}-D" for s in states)
                    raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D "
                                       f"but got ({got}) tensors")
                raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got "
                                   f"{states[0].dim()}-D tensor")
            if not batched:
                states = [s.unsqueeze(1) for s in states]
        self._check_input(input)
        for i, (state, size) in enumerate(zip(states, sizes)):
            msg = f"Expected hidden[{i}] size {{}}, got {{}}" if lstm else \
                "Expected hidden size {}, got {}"
            self._check_hidden(state, self._expected_hidden(input, size), msg)
        if self.batch_first:
            input = _S.transpose(input, 0, 1)
        return input, states, batched

    def _run_direction(self, x, state, weights, reverse):
        """Runs one direction of one layer over x (T, B, I); returns its outputs (T, B, H) and
        final state."""
        w_ih, w_hh, b_ih, b_hh, w_hr = weights
        # every time step's input projection in one matmul
        gi = _S.unbind(F.linear(x, w_ih, b_ih), 0)
        steps = len(gi)
        outputs = [None] * steps
        for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
            state = _step(self.mode, gi[t], state, w_hh, b_hh, w_hr)
            outputs[t] = state[0] if self.mode == "LSTM" else state
        return _S.stack(outputs, 0), state

    def forward(self, input, hx=None):
        x, states, batched = self._prepare(input, hx)
        lstm = self.mode == "LSTM"
        num_directions = 2 if self.bidirectional else 1
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                x = F.dropout(x, self.dropout, training=True)
            outputs = []
            for direction in range(num_directions):
                k = layer * num_directions + direction
                state = tuple(s[k] for s in states) if lstm else states[0][k]
                out, state = self._run_direction(x, state, self._weights(layer, direction),
                                                 reverse=direction == 1)
                outputs.append(out)
                for acc, s in zip(finals, state if lstm else (state,)):
                    acc.append(s)
            x = outputs[0] if num_directions == 1 else _S.cat(outputs, -1)
        if self.batch_first:
            x = _S.transpose(x, 0, 1)
        finals = [_S.stack(f, 0) for f in finals]
        if not batched:
            x = x.squeeze(0 if self.batch_first else 1)
            finals = [f.squeeze(1) for f in finals]
        return x, (tuple(finals) if lstm else finals[0])

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu), stacked
    `num_layers` deep, optionally bidirectional; returns (output, h_n)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' "
                             f"or 'relu'.")
        super().__init__("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", *args,
                         **kwargs)


class LSTM(RNNBase):
    """Long short-term memory, gates (i, f, g, o); optional projection of h (`proj_size`);
    returns (output, (h_n, c_n))."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit, gates (r, z, n); returns (output, h_n)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    """What the cells share: weight_ih (G*H, I), weight_hh (G*H, H), optional biases, PyTorch's
    init, the 1-D/2-D input handling and the size checks."""

    _mode = None

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        kw = {"dtype": dtype, "device": device}
        self.weight_ih = Parameter(ops.creation.empty(num_chunks * hidden_size, input_size, **kw))
        self.weight_hh = Parameter(ops.creation.empty(num_chunks * hidden_size, hidden_size,
                                                      **kw))
        if bias:
            self.bias_ih = Parameter(ops.creation.empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(ops.creation.empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        _uniform_init(self, self.hidden_size)

    def _cell(self, input, hx):
        """Checks the input and the state(s) `hx` (a list; None for zeros), runs one step and
        returns the new state(s) as a list, unbatched again if the input was."""
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             f"instead")
        lstm = self._mode == "LSTM"
        if hx is not None:
            for i, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    what = f"hx[{i}]" if lstm else "hidden"
                    raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got "
                                     f"{value.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = input.new_zeros((input.shape[0], self.hidden_size))
            hx = [zeros, zeros] if lstm else [zeros]
        elif not batched:
            hx = [h.unsqueeze(0) for h in hx]
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} "
                               f"expected {self.input_size}")
        for i, h in enumerate(hx):
            if h.shape[0] != input.shape[0]:
                raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{i} "
                                   f"batch size {h.shape[0]}")
            if h.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {h.shape[1]}, "
                                   f"expected {self.hidden_size}")
        gi = F.linear(input, self.weight_ih, self.bias_ih)
        state = _step(self._mode, gi, tuple(hx) if lstm else hx[0], self.weight_hh,
                      self.bias_hh)
        state = list(state) if lstm else [state]
        return state if batched else [s.squeeze(0) for s in state]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    @property
    def _mode(self):
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"

    def forward(self, input, hx=None):
        return self._cell(input, None if hx is None else [hx])[0]


class LSTMCell(RNNCellBase):
    """One LSTM step; returns (h', c')."""

    _mode = "LSTM"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        return tuple(self._cell(input, None if hx is None else list(hx)))


class GRUCell(RNNCellBase):
    """One GRU step; returns h'."""

    _mode = "GRU"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        return self._cell(input, None if hx is None else [hx])[0]
