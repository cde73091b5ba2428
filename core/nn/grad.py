"""``nn.grad``: the gradients of a 2-D convolution with respect to its input and its weight, as
functions (PyTorch's ``torch.nn.grad.conv2d_input`` and ``conv2d_weight``)."""

from ..ops.conv import _ints, conv2d_weight, conv_transpose2d

__all__ = ["conv2d_input", "conv2d_weight"]


def conv2d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of ``conv2d(input, weight, ...)`` with respect to an input of `input_size`,
    given the gradient of its output."""
    stride, padding, dilation = (_ints(v, 2, name, "conv2d_input") for v, name in
                                 ((stride, "stride"), (padding, "padding"),
                                  (dilation, "dilation")))
    size = tuple(input_size)[-2:]
    extra = tuple(size[i] - ((grad_output.shape[-2 + i] - 1) * stride[i] - 2 * padding[i]
                             + dilation[i] * (weight.shape[2 + i] - 1) + 1) for i in range(2))
    if any(e < 0 or e >= max(stride[i], dilation[i]) for i, e in enumerate(extra)):
        raise ValueError(f"conv2d_input: input_size {tuple(input_size)} cannot come from a "
                         f"grad_output of shape {tuple(grad_output.shape)} with this weight, "
                         f"stride, padding and dilation")
    return conv_transpose2d(grad_output, weight, None, stride, padding, extra, groups, dilation)
