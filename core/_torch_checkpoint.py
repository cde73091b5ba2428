"""PyTorch's checkpoint archives, read and written without PyTorch and without unpickling.

A ``torch.save`` file (PyTorch >= 1.6) is an uncompressed zip archive whose records sit under one
top-level folder: ``data.pkl`` (the object, pickled with protocol 2), ``data/<key>`` (the raw
little-endian bytes of each storage), ``byteorder``, ``version`` and a few more; each record's data
starts on a 64-byte boundary. The legacy format (``_use_new_zipfile_serialization=False``) is a
sequence of pickles (magic number, protocol version, system info, the object, the storage keys)
followed by each storage as an 8-byte element count and its bytes.

This module finds the pickles and the storages' bytes in either layout and writes the zip one;
the pickles themselves are interpreted (never unpickled) and written by ``ember._torch_pickle``.
"""

import io
import os
import struct
import zipfile

import numpy as np

from . import dtypes as _dt
from ._torch_pickle import (_BUDGET_FACTOR, _BUDGET_FLOOR, _Builder, _corrupt, _DryBuilder,
                            _Pickler, _refuse, _skip_pickle, _Storage, _storage_id, _unpickle)

__all__ = ["load", "prepare", "sniff"]

# how a storage's bytes are read (little-endian; bfloat16 as its raw bits)
_RAW = {
    _dt.float32: "<f4", _dt.float64: "<f8", _dt.float16: "<f2", _dt.bfloat16: "<u2",
    _dt.int64: "<i8", _dt.int32: "<i4", _dt.int16: "<i2", _dt.int8: "i1", _dt.uint8: "u1",
    _dt.bool: "?", _dt.complex64: "<c8", _dt.complex128: "<c16",
}
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001


def sniff(head):
    """'torch-zip' or 'torch-legacy' if the first bytes `head` are those of a torch.save file."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "torch-zip"
    if head.startswith(b"\x80\x02\x8a\x0a"):  # pickle protocol 2, then the magic number as LONG1
        return "torch-legacy"
    return None


# -- reading ---------------------------------------------------------------------------------------
def load(src, kind, make):
    """The object in the torch.save file `src` (a serialization._Source) of format `kind`."""
    builder = _Builder(make, _BUDGET_FACTOR * src.size + _BUDGET_FLOOR)
    try:
        if kind == "torch-zip":
            return _load_zip(src, builder)
        return _load_legacy(src, builder)
    except EOFError as exc:
        raise _corrupt(str(exc)) from None


class _SourceFile(io.RawIOBase):
    """A _Source as a seekable read-only file, for zipfile."""

    def __init__(self, src):
        self.src, self.pos = src, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        self.pos = {0: 0, 1: self.pos, 2: self.src.size}[whence] + offset
        return self.pos

    def tell(self):
        return self.pos

    def readinto(self, buf):
        n = max(0, min(len(buf), self.src.size - self.pos))
        if n:
            buf[:n] = self.src.read(self.pos, n, "the archive")
        self.pos += n
        return n


def _load_zip(src, builder):
    try:
        archive = zipfile.ZipFile(_SourceFile(src))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise _corrupt(f"the zip archive cannot be read ({exc}; truncated file?)") from None
    with archive:
        infos = {}
        for info in archive.infolist():
            infos[info.filename] = info
        pickles = [n for n in infos if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pickles) != 1:
            raise _corrupt(f"the archive holds {len(pickles)} top-level data.pkl records "
                           f"(expected 1; found {', '.join(list(infos)[:5]) or 'nothing'})")
        prefix = pickles[0][:-len("data.pkl")]

        def record(name, limit=None):
            info = infos.get(prefix + name)
            if info is None:
                return None
            if info.compress_type != zipfile.ZIP_STORED:
                raise _corrupt(f"record {info.filename!r} is compressed; PyTorch stores its "
                               f"records uncompressed")
            if info.header_offset + info.file_size > src.size:
                raise _corrupt(f"record {info.filename!r} of {info.file_size} bytes lies past the "
                               f"end of the {src.size}-byte file (truncated file?)")
            if limit is not None and info.file_size != limit:
                raise _corrupt(f"record {info.filename!r} holds {info.file_size} bytes; its "
                               f"storage needs {limit}")
            try:
                return archive.read(info)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise _corrupt(f"record {info.filename!r} cannot be read ({exc})") from None

        order = record("byteorder")
        if order not in (None, b"little", b"big"):
            raise _corrupt(f"the byteorder record says {order[:20]!r}")
        endian = ">" if order == b"big" else "<"
        storages = {}

        def persistent_load(pid):
            kind, key, numel, _ = _storage_id(pid)
            if key in storages:
                storage = storages[key]
                if storage.dtype is not kind.dtype:
                    raise _corrupt(f"storage {key!r} is read as {storage.dtype} and as "
                                   f"{kind.dtype}")
                return storage
            raw = np.dtype(_RAW[kind.dtype]).newbyteorder(endian if _RAW[kind.dtype][0] == "<"
                                                          else "|")
            data = record(f"data/{key}", numel * raw.itemsize)
            if data is None:
                raise _corrupt(f"the pickle names storage {key!r}, which the archive does not "
                               f"hold")
            storages[key] = _Storage(key, kind.dtype, np.frombuffer(data, raw))
            return storages[key]

        obj, _ = _unpickle(record("data.pkl"), 0, builder, persistent_load)
        return obj


def _load_legacy(src, builder):
    data = src.read(0, src.size, "the checkpoint")
    magic, pos = _unpickle(data, 0, builder)
    if magic != _LEGACY_MAGIC:
        raise _corrupt("invalid magic number; corrupt file?")
    version, pos = _unpickle(data, pos, builder)
    if version != _LEGACY_PROTOCOL:
        raise _corrupt(f"legacy protocol version {version!r} is not {_LEGACY_PROTOCOL}")
    info, pos = _unpickle(data, pos, builder)
    if not isinstance(info, dict) or info.get("little_endian", True) is not True:
        raise _corrupt("the checkpoint was written on a big-endian machine, or its system info "
                       "is malformed")
    # the object's pickle names storages whose bytes come after it: read them first
    body_at, pos = pos, _skip_pickle(data, pos)
    keys, pos = _unpickle(data, pos, builder)
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise _corrupt(f"the storage key list is {keys!r:.80}")
    wanted = {}

    def collect(pid):
        kind, key, numel, view = _storage_id(pid)
        wanted.setdefault(key, kind)
        return _Storage(key, kind.dtype, np.zeros(0))

    _unpickle(data, body_at, _DryBuilder(None), collect)  # learns each storage's dtype
    blobs = {}
    for key in keys:
        (count,) = struct.unpack("<q", bytes(_slice(data, pos, 8, "a storage's size")))
        kind = wanted.get(key)
        if kind is None or count < 0:
            raise _corrupt(f"storage {key!r} is listed but no tensor uses it")
        raw = np.dtype(_RAW[kind.dtype])
        nbytes = count * raw.itemsize
        blobs[key] = np.frombuffer(_slice(data, pos + 8, nbytes, f"storage {key!r}"), raw)
        pos += 8 + nbytes

    def persistent_load(pid):
        kind, key, numel, view = _storage_id(pid)
        if key not in blobs:
            raise _corrupt(f"the pickle names storage {key!r}, which the file does not hold")
        arr = blobs[key]
        if view is not None:  # (view key, element offset, element count) into the root storage
            if not (isinstance(view, tuple) and len(view) == 3
                    and all(type(v) is int and v >= 0 for v in view[1:])):
                raise _refuse(f"a storage view is {view!r:.60}")
            arr = arr[view[1]:view[1] + view[2]]
        if arr.dtype != np.dtype(_RAW[kind.dtype]):
            raise _corrupt(f"storage {key!r} is read as two dtypes")
        return _Storage(key, kind.dtype, arr)

    obj, _ = _unpickle(data, body_at, builder, persistent_load)
    return obj


def _slice(data, pos, n, what):
    if pos + n > len(data):
        raise _corrupt(f"{what} needs bytes {pos}..{pos + n} of a {len(data)}-byte file "
                       f"(truncated file?)")
    return data[pos:pos + n]


# -- writing ---------------------------------------------------------------------------------------
class _Archive:
    """An object ready to be written as a torch.save zip archive (see :func:`prepare`)."""

    ALIGN = 64

    def __init__(self, obj):
        p = _Pickler()
        self.pickle = p.pickle(obj)
        self.storages = p.storages

    def write(self, out):
        """Write the archive to the binary file `out`, each record's data on a 64-byte boundary."""
        start = out.tell()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
            def add(name, data):
                info = zipfile.ZipInfo(f"archive/{name}", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_STORED
                info.file_size = len(data)
                zip64 = len(data) * 1.05 > zipfile.ZIP64_LIMIT
                at = out.tell() - start + 30 + len(info.filename) + (20 if zip64 else 0)
                pad = -(at + 4) % self.ALIGN
                info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
                z.writestr(info, data)

            add("data.pkl", self.pickle)
            add(".format_version", b"1")
            add(".storage_alignment", str(self.ALIGN).encode())
            add("byteorder", b"little")
            for key, arr in enumerate(self.storages):
                raw = np.dtype(arr.dtype).newbyteorder("<") if arr.dtype.byteorder != "|" \
                    else arr.dtype
                data = np.ascontiguousarray(arr.astype(raw, copy=False)).reshape(-1)
                add(f"data/{key}", memoryview(data.view(np.uint8)))
            add("version", b"3\n")
            add(".data/serialization_id", str(int.from_bytes(os.urandom(16), "big")).zfill(40)
                .encode()[:40])


def prepare(obj):
    """`obj` checked and pickled, with its storages on the host, ready to ``write(file)``."""
    return _Archive(obj)
