from .activation import ReLU, Sigmoid, Tanh  # noqa: F401
from .container import ModuleDict, ModuleList, ParameterList, Sequential  # noqa: F401
from .linear import Flatten, Identity, Linear  # noqa: F401
from .loss import L1Loss, MSELoss  # noqa: F401
from .module import Module  # noqa: F401
