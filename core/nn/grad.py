"""``nn.grad``: the gradients of a 2-D convolution with respect to its input and its weight, as
functions (PyTorch's ``torch.nn.grad.conv2d_input`` and ``conv2d_weight``)."""

from ..ops.conv import _input_grad, _ints, conv2d_weight

__all__ = ["conv2d_input", "conv2d_weight"]


def conv2d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of ``conv2d(input, weight, ...)`` with respect to an input of `input_size`,
    given the gradient of its output (conv2d's own backward)."""
    spec = tuple(_ints(v, 2, name, "conv2d_input") for v, name in
                 ((stride, "stride"), (padding, "padding"), (dilation, "dilation"))) + (groups,)
    return _input_grad(grad_output, weight, tuple(input_size), spec)
