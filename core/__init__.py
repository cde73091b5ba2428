"""ember: PyTorch's tensors, autograd and training loop on pluggable array backends.

``import ember as torch`` and write PyTorch. Arithmetic runs on a backend chosen with
``EMBER_BACKEND`` (numpy by default; jax, cupy and third-party plugins are found through the
``ember.backends`` entry-point group).
"""

__version__ = "0.1.0"

from . import dtypes as _dtypes
from .dtypes import (bfloat16, bool, can_cast, complex64, complex128, dtype, finfo,  # noqa: F401,A004
                     float16, float32, float64, get_default_dtype, iinfo, int8, int16, int32,
                     int64, promote_types, set_default_dtype, uint8)
from .tensor import Size, Tensor, device  # noqa: F401
from . import backends  # noqa: F401
from .backends import default_backend, get_default_backend, set_default_backend  # noqa: F401
from .hookspecs import hookimpl  # noqa: F401
from . import autograd  # noqa: F401
from .autograd import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                       is_inference_mode_enabled, no_grad, set_grad_enabled)
from . import ops as _ops
from .ops.creation import (BoolTensor, DoubleTensor, FloatTensor, IntTensor, LongTensor,  # noqa: F401
                           as_tensor, empty_like, full_like, ones_like, zeros_like)
from .ops.random import (Generator, default_generator, get_rng_state, initial_seed,  # noqa: F401
                         manual_seed, rand_like, randint_like, randn_like, seed, set_rng_state)
from .ops._common import result_type  # noqa: F401
from .ops.reduction import return_types  # noqa: F401
from .ops.shape import concat  # noqa: F401

# dtype aliases, as PyTorch
float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16
cfloat = complex64
cdouble = complex128


class layout:
    """A tensor's memory layout; ember has only ``ember.strided``."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"{_dtypes._repr_prefix}.{self.name}"


strided = layout("strided")
from ._layout import (channels_last, channels_last_3d, contiguous_format,  # noqa: E402
                      memory_format, preserve_format)

_ops.bind(globals(), Tensor)
from . import cuda, fft, linalg, nn, optim, special, utils  # noqa: E402,F401
from .serialization import *  # noqa: E402,F401,F403
from ._as_torch import as_torch  # noqa: E402,F401
from ._compile import compile  # noqa: E402,F401,A004
from ._tensor_methods import install as _install  # noqa: E402

_install(Tensor)
del _install
