"""The backend plugin contract.

A backend is a Python module named by an entry point in the group ``ember.backends``; the entry
point's name is the backend's name. The module implements some of the hooks below, each marked
with ``ember.hookimpl``. ember imports the module only when the backend is first used, and calls
each hook once, when it loads the backend.

Only ``ember_backend_kernels`` and ``ember_backend_dtypes`` are required. A hook may be
given new keyword arguments in a later version of ember; pluggy passes an implementation only the
arguments it names, so a backend written today keeps working.

Raw arrays: a kernel takes and returns the backend's own arrays. Every raw array must expose
``.shape`` (a tuple of ints). Kernels never see ember Tensors, autograd or dtype promotion:
ember casts inputs to the computation dtype first and expects the result in the documented
dtype. Where a kernel documents a Python scalar argument, it receives a plain ``int``, ``float``,
``bool`` or ``complex`` and must treat it as weak (it never changes the result dtype).

The kernel names and signatures are listed, with one line each, by ``ember.ops.kernel_signatures()``
and checked by the conformance suite.
"""

import pluggy

hookspec = pluggy.HookspecMarker("ember")
hookimpl = pluggy.HookimplMarker("ember")


@hookspec(firstresult=True)
def ember_backend_kernels():
    """Return a dict mapping kernel names to plain functions on raw arrays.

    Every *primitive* op of the registry must have a kernel. A backend may also give a kernel for a
    *composite* op, which then replaces core's decomposition (and core still differentiates it
    with the op's own derivative). Unknown names are an error: they would never be called.
    """


@hookspec(firstresult=True)
def ember_backend_dtypes():
    """Return a dict mapping ember dtype names ('float32', 'int64', ...) to native dtypes.

    A dtype left out is not supported by the backend; creating a tensor of it raises TypeError.
    """


@hookspec(firstresult=True)
def ember_backend_info():
    """Return a dict describing the backend (all keys optional):

    - ``library``: the array library's name (e.g. ``"numpy"``);
    - ``version``: its version string;
    - ``extra``: the pip extra that installs it (``pip install ember[extra]``);
    - ``mutable``: True if kernels may write into arrays in place (NumPy, CuPy). False for
      immutable arrays (JAX): ember then emulates in-place ops by rebinding a tensor's array;
    - ``shares_numpy_memory``: True if ``from_numpy`` / ``to_numpy`` share memory with NumPy;
    - ``dlpack``: True if raw arrays support ``__dlpack__``;
    - ``out_kernels``: names of elementwise kernels that also accept ``out=``, an array of the
      result's shape and dtype to write into (NumPy's and CuPy's ufuncs do). A mutable backend
      listing them lets in-place ops outside autograd (``p.add_(g, alpha=-lr)`` in an
      optimizer step) write into the tensor's array instead of making a new one and copying;
    - ``start_method``: the ``multiprocessing`` start method (``"fork"``, ``"spawn"`` or
      ``"forkserver"``) under which worker processes, such as a ``DataLoader``'s, can use the
      backend. A library that starts threads or a device runtime (JAX, CUDA) does not survive
      ``fork``: such a backend declares ``"spawn"``, ember starts workers that way unless the
      user chose a start method, and refuses ``"fork"`` with an error instead of hanging. Left
      out, the platform's default is used;
    - ``compiles_per_shape``: True if each new shape or dtype of an eager op costs a
      compilation (JAX lowers and compiles each primitive per shape). The conformance suite's
      default run then checks fewer distinct samples per dtype (``--ember-full`` checks them
      all), so that certifying such a backend stays minutes, not tens of minutes.
    """


@hookspec(firstresult=True)
def ember_backend_available():
    """Return None if the backend can run here, or a string saying why not ("no CUDA device").

    Called once, when the backend is first used or listed. It must not raise: an exception here
    marks the backend as broken.
    """


@hookspec(firstresult=True)
def ember_backend_devices():
    """Return the device names this backend can place arrays on, e.g. ``["cpu"]`` or
    ``["cuda:0", "cuda:1"]``. The first is the default device."""


@hookspec(firstresult=True)
def ember_backend_expected_failures():
    """Return a dict ``{"op_name" or "op_name[check]": "reason"}`` of conformance checks this
    backend is known to fail. The suite reports them as expected failures, and reports an entry
    that passes as stale."""


@hookspec(firstresult=True)
def ember_backend_synchronize(device):
    """Optional: wait until all work queued on `device` (one of ``ember_backend_devices()``) has
    finished; ``ember.cuda.synchronize()`` calls it. Backends that compute synchronously need
    not implement it."""


@hookspec(firstresult=True)
def ember_backend_compiler():
    """Optional: a compiler for ``ember.compile``, an object with:

    - ``compile(fn, donate)`` -> a callable. `fn(state, inputs)` is a pure function of two tuples
      of raw arrays that returns a pair of tuples of raw arrays. The first call of the result
      traces `fn` once with the backend's own tracer arrays (ember runs the user's Python, its
      autograd included, on them) and compiles it; later calls with arrays of the same shapes
      and dtypes should run the compiled program without running `fn` again (calling `fn`
      each time is correct too, only slower). With `donate`, the
      program may reuse the buffers of `state` for its results (ember drops the old arrays);
      the results begin with the state's new arrays in the order of `state`, so pairing donated
      buffers with results of the same shape and dtype in order (as ``jax.jit`` does) writes
      each array's new value over its own buffer.
      Optionally the callable has a ``lean`` attribute, set after its first call, through which
      ember's repeat calls skip what the program leaves alone: ``(call, donate_at, input_at,
      out_src)``, where, with ``full = state + inputs``, ``call(tuple(full[j] for j in
      donate_at), tuple(full[j] for j in input_at))`` returns the computed outputs and output
      `k` of `fn` is ``computed[m]`` where ``out_src[k] == (0, m)`` or ``full[j]`` (returned
      unchanged) where it is ``(1, j)`` (the JAX backend's compiler has one).
    - ``graph_breaks``: a tuple of exception types the backend raises when traced code needs a
      concrete value (a host copy, a value-dependent shape): ember then runs the step eagerly.
    - ``random_state(state)`` / ``set_random_state(state, raw)``: read and replace, as one raw
      array, a random state made by the ``generator`` kernel, so that draws inside a compiled
      function advance the same generator as eager ones.

    A backend without this hook runs ``ember.compile``'d functions eagerly.
    """


@hookspec(firstresult=True)
def ember_backend_collectives():
    """Optional: the backend's own collectives engines for ``ember.distributed``, as a dict
    ``{engine name: factory}``. ``factory(store_factory, env)`` is called by every rank in
    ``init_process_group`` with ``env`` holding ``rank``, ``world_size``, ``timeout`` (seconds)
    and ``device_id``, and ``store_factory()`` returning the job's rendezvous store (``set`` and
    a blocking ``get`` of bytes); it returns an object implementing the communicator interface of
    ``ember.distributed._engine.Engine``. ``init_process_group(backend=None)`` uses the default
    tensor backend's first engine; ``init_process_group("name")`` finds it by name."""
