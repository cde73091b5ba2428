"""``ember.save`` / ``ember.load``: safetensors by default, PyTorch's checkpoint format on request.

safetensors (the default, and the recommended format): an 8-byte little-endian header length, a
JSON header naming each tensor's dtype, shape and byte range, then the raw little-endian bytes.
Tensors are stored under flattened keys (``"state.0.exp_avg"``); what is not a tensor (the nesting
of dicts, lists and tuples, Python numbers, strings) is kept as JSON in the header's
``__metadata__["ember"]``, so a state dict written here is a plain safetensors file that other
tools read, and any safetensors file loads as a dict of tensors.

PyTorch's format (``ember.save(obj, "x.pt")`` or ``".pth"``; and any file ``torch.save`` wrote):
see ``ember._torch_checkpoint``. Its pickles are read by a restricted interpreter that builds
only tensors, containers and plain values, as ``torch.load(weights_only=True)`` does.

Loading reads a file piece by piece and never allocates more than the file holds; every way a
file can be malformed raises ``RuntimeError`` (``not a valid safetensors file`` / ``not a valid
PyTorch checkpoint``) or, for a pickle that asks for anything but data, ``pickle.UnpicklingError``.
Saving to a path is atomic, writes through a symlink to its target, gives a new file the mode
the umask allows (an existing file keeps its mode), and removes temporaries that killed saves of
the same path left behind.
"""

import io
import json
import math
import os
import stat
import struct
import warnings
import zlib

import numpy as np

from . import dtypes as _dt
from .tensor import Tensor, _wrap

__all__ = ["save", "load"]

_FORMAT_KEY = "ember"
# the largest header read, as the safetensors library's own limit: a file claiming more is refused
MAX_HEADER_BYTES = 100_000_000
# file suffixes saved in PyTorch's checkpoint format rather than safetensors
TORCH_SUFFIXES = (".pt", ".pth")
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


_PLAIN = (type(None), bool, int, float, str)


def _decode(enc, tensors):
    """The object that `enc` (the stored structure) describes; anything malformed is corrupt."""
    if not isinstance(enc, dict):
        if isinstance(enc, _PLAIN):
            return enc
        raise _corrupt(f"unexpected {type(enc).__name__} in the stored structure")
    if len(enc) != 1:
        raise _corrupt(f"unexpected entry {_short(enc)} in the stored structure")
    (kind, value), = enc.items()
    if kind == "tensor":
        if not isinstance(value, str) or value not in tensors:
            raise _corrupt(f"the structure names tensor {_short(value)}, which the file does not "
                           f"hold")
        return tensors[value]
    if kind in ("list", "tuple", "dict") and not isinstance(value, list):
        raise _corrupt(f"a stored {kind} holds a JSON {type(value).__name__}, not a list")
    if kind == "dict":
        out = {}
        for item in value:
            if not isinstance(item, list) or len(item) != 2:
                raise _corrupt(f"a stored dict item is {_short(item)}, not a [key, value] pair")
            key = _decode(item[0], tensors)
            if not isinstance(key, _PLAIN):
                raise _corrupt(f"a stored dict key is a {type(key).__name__}; keys are str, int, "
                               f"float, bool or None")
            out[key] = _decode(item[1], tensors)
        return out
    if kind == "list":
        return [_decode(v, tensors) for v in value]
    if kind == "tuple":
        return tuple(_decode(v, tensors) for v in value)
    if kind == "float":
        if value not in ("inf", "-inf", "nan"):
            raise _corrupt(f"a stored non-finite float is {_short(value)}; expected 'inf', "
                           f"'-inf' or 'nan'")
        return float(value)
    if kind == "dtype":
        if not isinstance(value, str) or value not in _dt._BY_NAME:
            raise _corrupt(f"a stored dtype is {_short(value)}, which is not a dtype name")
        return _dt.from_name(value)
    raise _corrupt(f"unknown entry kind {_short(kind)} in the stored structure")


def _short(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _corrupt(msg):
    return RuntimeError(f"ember.load: not a valid safetensors file: {msg}")


# -- bytes -----------------------------------------------------------------------------------------
def _host_array(t):
    """`t`'s data as a C-contiguous NumPy array (bfloat16 as its raw uint16 bits)."""
    arr = np.ascontiguousarray(t._backend.kernels["to_numpy"](t._data))
    if t._dtype is _dt.bfloat16:
        arr = arr.view(np.uint16)
    return arr


def _host_bytes(t):
    """`t`'s data as little-endian bytes and its safetensors dtype code."""
    if t._dtype not in _CODES:
        raise TypeError(f"ember.save: the safetensors format has no code for {t._dtype}; convert "
                        f"the tensor first (e.g. t.to(ember.complex64)), or save to a .pt file")
    code, raw = _CODES[t._dtype]
    return code, _host_array(t).astype(raw, copy=False).tobytes()


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


# -- writing a path safely -------------------------------------------------------------------------
_TMP_PREFIX = ".ember-save-"
# temporaries name the host (hashed) and the process that writes them, so a later save can tell a
# killed writer's leftover from a save in progress on this host
_HOST = format(zlib.crc32(os.uname().nodename.encode() if hasattr(os, "uname") else b""), "08x")


def _tmp_name(name, pid, token):
    return f"{_TMP_PREFIX}{_HOST}-{pid}-{token}-{name[:120]}"


def _pid_alive(pid):
    if pid == os.getpid():
        return True  # another thread's save in progress
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _remove_stale_temporaries(directory, name):
    """Delete temporaries of saves of `name` whose process (on this host) no longer runs."""
    if os.name != "posix":
        return
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    for entry in entries:
        if not entry.startswith(_TMP_PREFIX):
            continue
        parts = entry[len(_TMP_PREFIX):].split("-", 3)
        if len(parts) != 4 or parts[0] != _HOST or parts[3] != name[:120] \
                or not parts[1].isdigit():
            continue
        if not _pid_alive(int(parts[1])):
            try:
                os.unlink(os.path.join(directory, entry))
            except OSError:
                pass


def _atomic_write(f, write):
    """Write a file at path `f` through `write(binary_file)`, atomically.

    The bytes go to a temporary file beside the target, which then replaces it, so a crash
    mid-write leaves any previous file intact. A symlink is written through (its target gets the
    new bytes, the link stays); a new file gets the mode a plain ``open(f, "wb")`` would (0o666
    less the umask), an existing one keeps its mode.
    """
    target = os.path.realpath(os.fspath(f))
    directory, name = os.path.split(target)
    _remove_stale_temporaries(directory, name)
    tmp = os.path.join(directory, _tmp_name(name, os.getpid(), os.urandom(4).hex()))
    # the kernel applies the umask to 0o666, as for any newly created file
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        try:
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        except FileNotFoundError:
            pass
        with os.fdopen(fd, "wb") as out:
            fd = None
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        if fd is not None:
            os.close(fd)
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save(obj, f):
    """Write `obj` (a tensor, a state dict, an optimizer state dict, nested dicts/lists of tensors
    and numbers) to `f`, a path or a binary file.

    The format is safetensors, except for paths ending in ``.pt`` or ``.pth``, which get
    PyTorch's zip checkpoint format (``torch.load(f, weights_only=True)`` reads them). A path is
    written atomically (see :func:`_atomic_write`).
    """
    path = None if hasattr(f, "write") else os.fspath(f)
    if path is not None and path.lower().endswith(TORCH_SUFFIXES):
        from . import _torch_checkpoint

        data = _torch_checkpoint.prepare(obj)  # errors on bad objects before any file exists
        return _atomic_write(path, data.write)
    data = _serialize(obj)
    if path is None:
        f.write(data)
        return
    _atomic_write(path, lambda out: out.write(data))


# -- reading ---------------------------------------------------------------------------------------
class _Source:
    """Bounded random access to the bytes of a file (`size` of them, from where it started)."""

    def __init__(self, fh, size, base=0):
        self.fh, self.size, self.base = fh, size, base

    def read(self, offset, n, what):
        """Exactly `n` bytes at `offset`, or a corrupt-file error naming `what`."""
        if offset < 0 or n < 0 or offset + n > self.size:
            raise EOFError(f"{what} needs bytes {offset}..{offset + n} but the file has "
                           f"{self.size} bytes (truncated file?)")
        self.fh.seek(self.base + offset)
        buf = bytearray(n)
        got = self.fh.readinto(buf) if hasattr(self.fh, "readinto") else None
        if got is None:  # a file object without readinto
            data = self.fh.read(n)
            got, buf = len(data), bytearray(data)
        if got != n:
            raise EOFError(f"{what}: read {got} of {n} bytes (truncated file?)")
        return buf


def _open_source(f, stack):
    """A :class:`_Source` over a path or a binary file object (read whole if it cannot seek)."""
    if not hasattr(f, "read"):
        fh = open(os.fspath(f), "rb")  # noqa: SIM115 - closed by the caller's stack
        stack.append(fh)
        return _Source(fh, os.fstat(fh.fileno()).st_size)
    seekable = getattr(f, "seekable", lambda: False)()
    if not seekable:
        f = io.BytesIO(f.read())
    base = f.tell()
    size = f.seek(0, os.SEEK_END) - base
    f.seek(base)
    return _Source(f, size, base)


def _parse_header(src):
    """The header dict and where the data starts, after checking the length prefix and JSON."""
    if src.size < 8:
        raise _corrupt(f"the file has {src.size} bytes, fewer than the 8 of the header length")
    (n,) = struct.unpack("<Q", src.read(0, 8, "the header length"))
    if n > MAX_HEADER_BYTES:
        raise _corrupt(f"the header length is {n} bytes, more than the limit of "
                       f"{MAX_HEADER_BYTES} bytes")
    if n > src.size - 8:
        raise _corrupt(f"the header length is {n} bytes but only {src.size - 8} bytes follow "
                       f"(truncated file?)")
    try:
        header = json.loads(bytes(src.read(8, n, "the header")).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _corrupt(f"the header is not valid JSON ({exc})") from None
    except RecursionError:
        raise _corrupt("the header's JSON is nested too deeply") from None
    if not isinstance(header, dict):
        raise _corrupt(f"the header is a JSON {type(header).__name__}, not an object")
    return header, 8 + n


def _check_entry(key, entry, data_len):
    """(dtype, raw numpy dtype, shape, begin, end) of one header entry, all checked."""
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise _corrupt(f"entry {key!r} must hold exactly dtype, shape and data_offsets; got "
                       f"{_short(entry)}")
    code = entry["dtype"]
    if not isinstance(code, str) or code not in _BY_CODE:
        raise _corrupt(f"tensor {key!r} has dtype {_short(code)}, which ember does not read "
                       f"(known: {', '.join(_BY_CODE)})")
    dt, raw = _BY_CODE[code]
    shape, offsets = entry["shape"], entry["data_offsets"]
    if not isinstance(shape, list) or not all(type(s) is int and s >= 0 for s in shape):
        raise _corrupt(f"tensor {key!r} has shape {_short(shape)}; expected a list of sizes >= 0")
    if len(shape) > 64:
        raise _corrupt(f"tensor {key!r} has {len(shape)} dimensions; at most 64 are supported")
    if math.prod(s for s in shape if s) * raw.itemsize >= 2 ** 63:  # even when it has 0 elements
        raise _corrupt(f"tensor {key!r} has shape {_short(shape)}, too large for any array")
    if (not isinstance(offsets, list) or len(offsets) != 2
            or not all(type(o) is int for o in offsets)):
        raise _corrupt(f"tensor {key!r} has data_offsets {_short(offsets)}; expected "
                       f"[begin, end]")
    begin, end = offsets
    if not 0 <= begin <= end <= data_len:
        raise _corrupt(f"tensor {key!r} has data_offsets [{begin}, {end}] outside the "
                       f"{data_len} bytes of data (truncated file?)")
    numel = math.prod(shape)
    if end - begin != numel * raw.itemsize:
        raise _corrupt(f"tensor {key!r} of dtype {code} and shape {_short(shape)} needs "
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


class _TensorMaker:
    """Makes tensors on one backend from host arrays; a bfloat16 tensor on a backend without
    bfloat16 (NumPy) is loaded as float32, exactly, with one warning per load naming them."""

    def __init__(self, be):
        self.be, self.upcast = be, []

    def __call__(self, arr, dt, name):
        if dt is _dt.bfloat16:  # bfloat16 bits widen exactly to float32, then the backend narrows
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
            if dt not in self.be.supported_dtypes:
                self.upcast.append(name)
                dt = _dt.float32
        return _wrap(self.be.kernels["asarray"](arr, self.be.dtype_native(dt)), self.be, dt)

    def warn(self):
        if self.upcast:
            names = ", ".join(map(str, self.upcast[:5])) + (", ..." if len(self.upcast) > 5 else "")
            warnings.warn(f"ember.load: the {self.be.name} backend has no bfloat16, so "
                          f"{len(self.upcast)} bfloat16 tensor(s) ({names}) were loaded as "
                          f"float32 (exactly: every bfloat16 value is a float32 value)",
                          UserWarning, stacklevel=3)


def _load_safetensors(src, make):
    header, start = _parse_header(src)
    data_len = src.size - start
    meta = header.pop("__metadata__", None)
    if meta is not None and (not isinstance(meta, dict)
                             or not all(isinstance(v, str) for v in meta.values())):
        raise _corrupt(f"__metadata__ must map strings to strings, got {_short(meta)}")
    entries = sorted(((k,) + _check_entry(k, e, data_len) for k, e in header.items()),
                     key=lambda r: r[4])
    position = 0
    for key, _, _, _, begin, end in entries:
        if begin != position:
            raise _corrupt(f"tensor {key!r} starts at byte {begin} but the previous tensor ends at "
                           f"{position} (overlapping or missing data)")
        position = end
    if position != data_len:
        raise _corrupt(f"the tensors cover {position} bytes but the file holds {data_len} bytes "
                       f"of data")
    structure = None
    if meta is not None and _FORMAT_KEY in meta:  # checked before any tensor is read
        try:
            structure = json.loads(meta[_FORMAT_KEY])
        except ValueError as exc:
            raise _corrupt(f"the stored structure is not valid JSON ({exc})") from None
        except RecursionError:
            raise _corrupt("the stored structure is nested too deeply") from None
    tensors = {}
    for key, dt, raw, shape, begin, end in entries:  # one tensor at a time, straight from the file
        arr = np.frombuffer(src.read(start + begin, end - begin, f"tensor {key!r}"), dtype=raw)
        tensors[key] = make(arr.astype(raw.newbyteorder("="), copy=False).reshape(shape), dt, key)
    if structure is None:
        return tensors
    try:
        return _decode(structure, tensors)
    except RecursionError:
        raise _corrupt("the stored structure is nested too deeply") from None


def _format_of(src):
    """'torch-zip', 'torch-legacy' or 'safetensors', from the file's first bytes."""
    from . import _torch_checkpoint

    head = bytes(src.read(0, min(src.size, 16), "the file's first bytes"))
    return _torch_checkpoint.sniff(head) or "safetensors"


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None):
    """Read what :func:`save` wrote, any safetensors file (as a dict of tensors), or a checkpoint
    that ``torch.save`` wrote (zip or legacy format), from a path or a binary file `f`.

    Tensors are made on the backend for `map_location` (the default backend when None). Nothing
    in a file is ever executed: a PyTorch pickle may only build tensors, containers and plain
    values (what ``torch.load(weights_only=True)`` allows), so every file is loaded as safely as
    ``weights_only=True`` would, whatever `weights_only` says. Tensors are read one at a time
    from the file, so `mmap` (PyTorch's way to avoid reading it all) is accepted and not needed.
    """
    if pickle_module is not None:
        raise RuntimeError(f"ember.load never unpickles with a pickle module (got "
                           f"{getattr(pickle_module, '__name__', pickle_module)!r}): it reads "
                           f"only data, as torch.load(weights_only=True); leave pickle_module "
                           f"unset")
    be = _resolve_backend(map_location)
    make = _TensorMaker(be)
    opened = []
    try:
        src = _open_source(f, opened)
        try:
            kind = _format_of(src)
        except EOFError as exc:
            raise _corrupt(str(exc)) from None
        if kind == "safetensors":
            try:
                obj = _load_safetensors(src, make)
            except EOFError as exc:
                raise _corrupt(str(exc)) from None
        else:
            from . import _torch_checkpoint

            obj = _torch_checkpoint.load(src, kind, make)
    finally:
        for fh in opened:
            fh.close()
    make.warn()
    return obj
