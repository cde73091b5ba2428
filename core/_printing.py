"""Tensor printing, laid out exactly as PyTorch lays it out (module prefix aside).

Values are fetched to the host as NumPy once; everything after that is string work.
"""

import math

import numpy as np

from . import dtypes as _dt


class _PrintOptions:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


PRINT_OPTS = _PrintOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """Set how tensors print, as ``torch.set_printoptions``."""
    if profile == "default":
        PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, 1000
        PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
    elif profile == "short":
        PRINT_OPTS.precision, PRINT_OPTS.threshold = 2, 1000
        PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 2, 80
    elif profile == "full":
        PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, math.inf
        PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


class _Formatter:
    """Chooses one width and notation for all the values of a tensor, as PyTorch does."""

    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        p = PRINT_OPTS.precision
        if not floating:
            for v in values:
                self.max_width = max(self.max_width, len(_plain(v)))
            return
        finite = values[np.isfinite(values) & (values != 0)].astype(np.float64)
        if finite.size:
            absval = np.abs(finite)
            lo, hi = absval.min(), absval.max()
            self.int_mode = bool(np.all(finite == np.ceil(finite)))
            if self.int_mode:
                if hi / lo > 1000.0 or hi > 1.0e8:
                    self.sci_mode = True
                    self.max_width = max(len(f"{v:.{p}e}") for v in finite)
                else:
                    self.max_width = max(len(f"{v:.0f}") + 1 for v in finite)
            elif hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4:
                self.sci_mode = True
                self.max_width = max(len(f"{v:.{p}e}") for v in finite)
            else:
                self.max_width = max(len(f"{v:.{p}f}") for v in finite)
        if PRINT_OPTS.sci_mode is not None:
            self.sci_mode = PRINT_OPTS.sci_mode

    def width(self):
        return self.max_width

    def format(self, value):
        p = PRINT_OPTS.precision
        if self.floating:
            value = float(value)
            if self.sci_mode:
                s = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                s = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    s += "."
            else:
                s = f"{value:.{p}f}"
        else:
            s = _plain(value)
        return " " * (self.max_width - len(s)) + s


def _plain(v):
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    return str(int(v)) if isinstance(v, (np.integer, int)) else str(v)


class _ComplexFormatter:
    def __init__(self, values):
        self.real = _Formatter(values.real.reshape(-1), True)
        self.imag = _Formatter(values.imag.reshape(-1), True)

    def width(self):
        return self.real.width() + self.imag.width() + 2

    def format(self, value):
        re = self.real.format(value.real)
        im = self.imag.format(abs(value.imag)).lstrip()
        sign = "-" if (value.imag < 0 or math.copysign(1, value.imag) < 0) else "+"
        im = " " * (self.imag.width() - len(im)) + im
        return f"{re}{sign}{im.lstrip()}j".rjust(self.width())


def _summarized(arr, edge):
    """The edge items of every dim (what a summarised print shows)."""
    if arr.ndim == 0:
        return arr
    if arr.shape[0] > 2 * edge:
        arr = np.concatenate([arr[:edge], arr[-edge:]])
    return np.stack([_summarized(a, edge) for a in arr]) if arr.ndim > 1 and arr.shape[0] else arr


def _vector_str(arr, indent, summarize, fmt):
    element_length = fmt.width() + 2
    per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / element_length)))
    edge = PRINT_OPTS.edgeitems
    if summarize and not edge:
        data = ["..."]
    elif summarize and arr.shape[0] > 2 * edge:
        data = [fmt.format(v) for v in arr[:edge]] + [" ..."] + \
               [fmt.format(v) for v in arr[-edge:]]
    else:
        data = [fmt.format(v) for v in arr]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str(arr, indent, summarize, fmt):
    if arr.ndim == 0:
        return fmt.format(arr.item() if arr.dtype.kind != "c" else complex(arr))
    if arr.ndim == 1:
        return _vector_str(arr, indent, summarize, fmt)
    edge = PRINT_OPTS.edgeitems
    n = arr.shape[0]
    if summarize and n > 2 * edge:
        parts = [_tensor_str(arr[i], indent + 1, summarize, fmt) for i in range(edge)] + ["..."] + \
                [_tensor_str(arr[i], indent + 1, summarize, fmt) for i in range(n - edge, n)]
    else:
        parts = [_tensor_str(arr[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _add_suffixes(text, suffixes, indent):
    out = [text]
    last = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > PRINT_OPTS.linewidth:
            out.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            out.append(", " + s)
            last += len(s) + 2
    out.append(")")
    return "".join(out)


def _host(t):
    arr = np.asarray(t._backend.kernels["to_numpy"](t._data))
    if t._dtype is _dt.bfloat16 or arr.dtype.kind == "V":
        arr = arr.astype(np.float32)
    return arr


def tensor_repr(t):
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    dev = t.device
    if dev.type != "cpu":
        suffixes.append(f"device='{dev}'")
    d = t._dtype
    default = _dt.get_default_dtype()
    if t.numel() == 0:
        if t.dim() != 1:
            suffixes.append(f"size={tuple(t.shape)}")
        if d is not default:
            suffixes.append(f"dtype={d!r}")
        body = "[]"
    else:
        if d not in (default, _dt.default_complex_dtype(), _dt.int64, _dt.bool):
            suffixes.append(f"dtype={d!r}")
        arr = _host(t)
        summarize = arr.size > PRINT_OPTS.threshold
        shown = _summarized(arr, PRINT_OPTS.edgeitems) if summarize else arr
        if d.is_complex:
            fmt = _ComplexFormatter(shown)
        else:
            fmt = _Formatter(shown.reshape(-1), d.is_floating_point)
        body = _tensor_str(arr if not summarize else arr, indent, summarize, fmt)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._rg:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
