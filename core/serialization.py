"""``ember.save`` / ``ember.load`` in the safetensors format: nothing is unpickled from a file.

A file is an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape
and byte range, then the raw little-endian bytes. Tensors are stored under flattened keys
(``"state.0.exp_avg"``); what is not a tensor (the nesting of dicts, lists and tuples, Python
numbers, strings) is kept as JSON in the header's ``__metadata__["ember"]``, so a state dict
written here is a plain safetensors file that other tools read, and any safetensors file loads
as a dict of tensors.
"""

import json
import math
import os
import struct
import tempfile

import numpy as np

from . import dtypes as _dt
from .tensor import Tensor, _wrap

__all__ = ["save", "load"]

_FORMAT_KEY = "ember"
# safetensors dtype codes; the NumPy dtype the bytes are read as (bfloat16 as its raw bits)
_CODES = {
    _dt.bool: ("BOOL", np.dtype(np.bool_)), _dt.uint8: ("U8", np.dtype("u1")),
    _dt.int8: ("I8", np.dtype("i1")), _dt.int16: ("I16", np.dtype("<i2")),
    _dt.int32: ("I32", np.dtype("<i4")), _dt.int64: ("I64", np.dtype("<i8")),
    _dt.float16: ("F16", np.dtype("<f2")), _dt.bfloat16: ("BF16", np.dtype("<u2")),
    _dt.float32: ("F32", np.dtype("<f4")), _dt.float64: ("F64", np.dtype("<f8")),
    _dt.complex64: ("C64", np.dtype("<c8")),
}
_BY_CODE = {code: (dt, raw) for dt, (code, raw) in _CODES.items()}


# -- encoding the object ---------------------------------------------------------------------------
def _encode(obj, path, tensors):
    """`obj` as JSON-able structure; its tensors are moved into `tensors` under flattened keys."""
    if isinstance(obj, Tensor):
        key = ".".join(path) if path else "tensor"
        base, n = key, 1
        while key in tensors:  # {"a.b": t, "a": {"b": u}} flatten to the same key
            key, n = f"{base}.{n}", n + 1
        tensors[key] = obj
        return {"tensor": key}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int, float, bool)) and k is not None:
                raise TypeError(f"ember.save: dict keys must be str, int, float, bool or None, "
                                f"got {type(k).__name__} ({k!r})")
            items.append([_encode(k, (), None), _encode(v, path + (str(k),), tensors)])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, path + (str(i),), tensors) for i, v in enumerate(obj)]}
    if isinstance(obj, float) and not math.isfinite(obj):
        return {"float": repr(obj)}
    if isinstance(obj, _dt.dtype):
        return {"dtype": obj.name}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"ember.save can store tensors, dicts, lists, tuples, numbers, strings and "
                    f"None; got {type(obj).__name__}. Save a state_dict() rather than an object.")


def _decode(enc, tensors):
    if not isinstance(enc, dict):
        if enc is None or isinstance(enc, (bool, int, float, str)):
            return enc
        raise _corrupt(f"unexpected {type(enc).__name__} in the stored structure")
    if len(enc) != 1:
        raise _corrupt(f"unexpected entry {enc!r} in the stored structure")
    (kind, value), = enc.items()
    if kind == "tensor":
        if value not in tensors:
            raise _corrupt(f"the structure names tensor {value!r}, which the file does not hold")
        return tensors[value]
    if kind == "dict":
        return {_decode(k, tensors): _decode(v, tensors) for k, v in value}
    if kind == "list":
        return [_decode(v, tensors) for v in value]
    if kind == "tuple":
        return tuple(_decode(v, tensors) for v in value)
    if kind == "float":
        return float(value)
    if kind == "dtype":
        return _dt.from_name(value)
    raise _corrupt(f"unknown entry kind {kind!r} in the stored structure")


def _corrupt(msg):
    return RuntimeError(f"ember.load: not a valid safetensors file: {msg}")


# -- bytes -----------------------------------------------------------------------------------------
def _host_bytes(t):
    """`t`'s data as little-endian bytes and its safetensors dtype code."""
    if t._dtype not in _CODES:
        raise TypeError(f"ember.save: the safetensors format has no code for {t._dtype}; convert "
                        f"the tensor first (e.g. t.to(ember.complex64))")
    code, raw = _CODES[t._dtype]
    arr = np.ascontiguousarray(t._backend.kernels["to_numpy"](t._data))
    if t._dtype is _dt.bfloat16:
        arr = arr.view(np.uint16)
    return code, arr.astype(raw, copy=False).tobytes()


def _serialize(obj):
    tensors = {}
    structure = _encode(obj, (), tensors)
    # the structure also keeps a state dict's key order, which the byte layout does not
    header = {"__metadata__": {_FORMAT_KEY: json.dumps(structure, separators=(",", ":"))}}
    blobs, offset = [], 0
    # as safetensors orders them: larger elements first (keeps every tensor aligned), then by name
    for key in sorted(tensors, key=lambda k: (-tensors[k]._dtype.itemsize, k)):
        code, data = _host_bytes(tensors[key])
        header[key] = {"dtype": code, "shape": list(tensors[key].shape),
                       "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    return b"".join([struct.pack("<Q", len(head)), head] + blobs)


def save(obj, f):
    """Write `obj` (a tensor, a state dict, an optimizer state dict, nested dicts/lists of tensors
    and numbers) to `f` (a path or a binary file) in the safetensors format.

    A path is written atomically: the bytes go to a temporary file in the same directory, which
    then replaces `f`, so a crash mid-write leaves any previous file intact.
    """
    data = _serialize(obj)
    if hasattr(f, "write"):
        f.write(data)
        return
    path = os.fspath(f)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".ember-save-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _read_all(f):
    if hasattr(f, "read"):
        return f.read()
    with open(os.fspath(f), "rb") as fh:
        return fh.read()


def _parse_header(buf):
    """The header dict and where the data starts, after checking the length prefix and JSON."""
    if len(buf) < 8:
        raise _corrupt(f"the file has {len(buf)} bytes, fewer than the 8 of the header length")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > len(buf) - 8:
        raise _corrupt(f"the header length is {n} bytes but only {len(buf) - 8} bytes follow "
                       f"(truncated file?)")
    try:
        header = json.loads(buf[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _corrupt(f"the header is not valid JSON ({exc})") from None
    if not isinstance(header, dict):
        raise _corrupt(f"the header is a JSON {type(header).__name__}, not an object")
    return header, 8 + n


def _check_entry(key, entry, data_len):
    """(dtype, raw numpy dtype, shape, begin, end) of one header entry, all checked."""
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise _corrupt(f"entry {key!r} must hold exactly dtype, shape and data_offsets; got "
                       f"{entry!r}")
    if entry["dtype"] not in _BY_CODE:
        raise _corrupt(f"tensor {key!r} has dtype {entry['dtype']!r}, which ember does not read "
                       f"(known: {', '.join(_BY_CODE)})")
    dt, raw = _BY_CODE[entry["dtype"]]
    shape, offsets = entry["shape"], entry["data_offsets"]
    if not isinstance(shape, list) or not all(type(s) is int and s >= 0 for s in shape):
        raise _corrupt(f"tensor {key!r} has shape {shape!r}; expected a list of sizes >= 0")
    if (not isinstance(offsets, list) or len(offsets) != 2
            or not all(type(o) is int for o in offsets)):
        raise _corrupt(f"tensor {key!r} has data_offsets {offsets!r}; expected [begin, end]")
    begin, end = offsets
    if not 0 <= begin <= end <= data_len:
        raise _corrupt(f"tensor {key!r} has data_offsets [{begin}, {end}] outside the "
                       f"{data_len} bytes of data (truncated file?)")
    numel = math.prod(shape)
    if end - begin != numel * raw.itemsize:
        raise _corrupt(f"tensor {key!r} of dtype {entry['dtype']} and shape {shape} needs "
                       f"{numel * raw.itemsize} bytes but data_offsets [{begin}, {end}] give "
                       f"{end - begin}")
    return dt, raw, tuple(shape), begin, end


def _resolve_backend(map_location):
    """The default backend, or (for a device) the first backend providing it, default first."""
    from .backends import _default_backend
    from .ops.conversion import _backend_for_device
    from .tensor import device

    if map_location is None:
        return _default_backend()
    if isinstance(map_location, (str, device)):
        return _backend_for_device(_default_backend(), map_location)
    raise TypeError(f"ember.load: map_location must be None, a device or a device string, got "
                    f"{type(map_location).__name__}")


def _make_tensor(arr, dt, be):
    if dt is _dt.bfloat16:  # bfloat16 bits widen exactly to float32, then the backend narrows
        arr = (arr.astype(np.uint32) << 16).view(np.float32)
    return _wrap(be.kernels["asarray"](arr, be.dtype_native(dt)), be, dt)


def load(f, map_location=None, weights_only=True):
    """Read what :func:`save` wrote (or any safetensors file, as a dict of tensors) from `f`.

    Tensors are made on the backend for `map_location` (the default backend when None). The file
    is only parsed, never executed, so `weights_only` is accepted for PyTorch compatibility and
    every file is loaded as safely as ``weights_only=True`` would.
    """
    be = _resolve_backend(map_location)
    buf = _read_all(f)
    header, start = _parse_header(buf)
    data = memoryview(buf)[start:]
    meta = header.pop("__metadata__", None)
    if meta is not None and (not isinstance(meta, dict)
                             or not all(isinstance(v, str) for v in meta.values())):
        raise _corrupt(f"__metadata__ must map strings to strings, got {meta!r}")
    entries = sorted(((k,) + _check_entry(k, e, len(data)) for k, e in header.items()),
                     key=lambda r: r[4])
    position = 0
    for key, _, _, _, begin, end in entries:
        if begin != position:
            raise _corrupt(f"tensor {key!r} starts at byte {begin} but the previous tensor ends at "
                           f"{position} (overlapping or missing data)")
        position = end
    if position != len(data):
        raise _corrupt(f"the tensors cover {position} bytes but the file holds {len(data)} bytes "
                       f"of data")
    tensors = {}
    for key, dt, raw, shape, begin, end in entries:
        arr = np.frombuffer(data[begin:end], dtype=raw).reshape(shape)
        tensors[key] = _make_tensor(arr.astype(raw.newbyteorder("="), copy=True), dt, be)
    if meta is None or _FORMAT_KEY not in meta:
        return tensors
    try:
        structure = json.loads(meta[_FORMAT_KEY])
    except ValueError as exc:
        raise _corrupt(f"the stored structure is not valid JSON ({exc})") from None
    return _decode(structure, tensors)
