"""PyTorch's pickles, read without :mod:`pickle` and written without PyTorch.

In a ``torch.save`` file the object is a pickle (protocol 2): a tensor is a call of
``torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks)``
and a storage a persistent id ``("storage", torch.FloatStorage, key, location, numel)``, whose
bytes the archive around the pickle holds (``ember._torch_checkpoint`` reads and writes that).

The pickle is not given to :mod:`pickle`: :class:`_Unpickler` interprets its opcodes itself and
builds only what a checkpoint holds (tensors, parameters, dicts, ``OrderedDict``, lists, tuples,
sets, numbers, strings, bytes, ``torch.Size``, dtypes, devices) from an allowlist of names, as
``torch.load(weights_only=True)`` does. Any other global, opcode or call is refused with
``pickle.UnpicklingError`` before anything is built from it: nothing in a file is executed.
:class:`_Pickler` writes the same opcodes torch.save would for what ``ember.save`` stores.
"""

import collections
import io
import math
import pickle
import struct

import numpy as np

from . import dtypes as _dt
from .nn.parameter import Parameter
from .tensor import Size, Tensor, device

# PyTorch's storage classes and the dtype each holds
_STORAGES = {
    "FloatStorage": _dt.float32, "DoubleStorage": _dt.float64, "HalfStorage": _dt.float16,
    "BFloat16Storage": _dt.bfloat16, "LongStorage": _dt.int64, "IntStorage": _dt.int32,
    "ShortStorage": _dt.int16, "CharStorage": _dt.int8, "ByteStorage": _dt.uint8,
    "BoolStorage": _dt.bool, "ComplexFloatStorage": _dt.complex64,
    "ComplexDoubleStorage": _dt.complex128,
}
_STORAGE_OF = {dt: name for name, dt in _STORAGES.items()}
# PyTorch's names for its dtypes, as they appear in a pickle ("torch float32")
_TORCH_DTYPES = {d.name: d for d in _dt.ALL_DTYPES}
_TORCH_DTYPES.update({"float": _dt.float32, "double": _dt.float64, "half": _dt.float16,
                      "long": _dt.int64, "int": _dt.int32, "short": _dt.int16,
                      "cfloat": _dt.complex64, "cdouble": _dt.complex128})
# the bytes of tensors a load may make, as a multiple of the file's size plus a floor: views of
# one storage each become a tensor of their own, and a hostile file could name one storage
# (or expand one element) a million times
_BUDGET_FACTOR, _BUDGET_FLOOR = 4, 1 << 26


def _refuse(msg):
    return pickle.UnpicklingError(
        f"ember.load: {msg}. Only tensors, storages, containers and plain values are loaded (what "
        f"torch.load(weights_only=True) accepts); nothing in a file is executed. If the file holds "
        f"a whole model, save its state_dict() instead")


def _corrupt(msg):
    return RuntimeError(f"ember.load: not a valid PyTorch checkpoint: {msg}")


# -- what a pickle may build -----------------------------------------------------------------------
class _Global:
    """A callable that a pickle named and the allowlist maps to a safe constructor."""

    __slots__ = ("name", "fn")

    def __init__(self, name, fn):
        self.name, self.fn = name, fn

    def __repr__(self):
        return self.name


class _StorageType:
    """``torch.FloatStorage`` and friends: only ever an argument of a storage's persistent id."""

    __slots__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = dtype


class _Storage:
    """A storage's elements as a 1-D host array, read from the file when first named."""

    __slots__ = ("key", "dtype", "array")

    def __init__(self, key, dtype, array):
        self.key, self.dtype, self.array = key, dtype, array


def _ints(value, what):
    if not isinstance(value, (tuple, list)) or not all(type(v) is int and v >= 0 for v in value):
        raise _refuse(f"a tensor's {what} is {value!r}, not a tuple of non-negative ints")
    return tuple(value)


class _Builder:
    """The safe constructors the allowlist maps names to; tensors are made by `make`."""

    def __init__(self, make, budget=0):
        self.make, self.budget = make, budget

    def rebuild_tensor(self, storage, offset, size, stride, requires_grad=False, hooks=None,
                       metadata=None):
        if not isinstance(storage, _Storage):
            raise _refuse(f"_rebuild_tensor_v2 got a {type(storage).__name__} where a storage "
                          f"belongs")
        if type(offset) is not int or offset < 0:
            raise _refuse(f"a tensor's storage offset is {offset!r}")
        size, stride = _ints(size, "size"), _ints(stride, "stride")
        if len(size) != len(stride) or len(size) > 64:
            raise _corrupt(f"a tensor has size {size} and stride {stride}")
        if not isinstance(requires_grad, bool):
            raise _refuse(f"a tensor's requires_grad is {requires_grad!r}")
        numel = math.prod(size)
        available = storage.array.shape[0]
        if numel:
            last = offset + sum((n - 1) * s for n, s in zip(size, stride))
            if last >= available:
                raise _corrupt(f"a tensor of size {list(size)}, stride {list(stride)} and offset "
                               f"{offset} reaches element {last} of storage {storage.key!r}, "
                               f"which holds {available}")
            item = storage.array.itemsize
            self.budget -= numel * item
            if self.budget < 0:
                raise _corrupt(f"a tensor of size {list(size)} on storage {storage.key!r} takes "
                               f"the tensors past {_BUDGET_FACTOR} times the file's size (plus "
                               f"{_BUDGET_FLOOR >> 20} MiB); a checkpoint's tensors are views "
                               f"of the storages it holds, not many times more")
            arr = np.lib.stride_tricks.as_strided(storage.array[offset:], shape=size,
                                                  strides=[s * item for s in stride],
                                                  writeable=False)
        else:
            arr = np.empty(size, storage.array.dtype)
        t = self.make(np.array(arr, dtype=arr.dtype.newbyteorder("="), order="C"),
                      storage.dtype, f"storage {storage.key}")
        if requires_grad:
            t.requires_grad_(True)
        return t

    def rebuild_tensor_legacy(self, storage, offset, size, stride):
        return self.rebuild_tensor(storage, offset, size, stride)

    def rebuild_parameter(self, data, requires_grad=True, hooks=None, state=None):
        if not isinstance(data, Tensor):
            raise _refuse(f"_rebuild_parameter got a {type(data).__name__}, not a tensor")
        if not isinstance(requires_grad, bool):
            raise _refuse(f"a parameter's requires_grad is {requires_grad!r}")
        if state:
            raise _refuse("a parameter carries extra Python state, which ember does not load")
        return Parameter(data, requires_grad=requires_grad)

    def rebuild_from_type(self, func, cls, args, state):
        if not isinstance(func, _Global) or func.fn not in (self.rebuild_tensor,
                                                            self.rebuild_parameter):
            raise _refuse(f"_rebuild_from_type_v2 with {func!r}")
        if cls not in ("Tensor", "Parameter") or not isinstance(args, tuple):
            raise _refuse(f"_rebuild_from_type_v2 of type {cls!r}")
        if state:
            raise _refuse("a tensor carries extra Python state, which ember does not load")
        t = func.fn(*args)
        return self.rebuild_parameter(t, t.requires_grad) if cls == "Parameter" and t is not None \
            and not isinstance(t, Parameter) else t

    @staticmethod
    def size(dims=()):
        if not isinstance(dims, (tuple, list)) or not all(type(d) is int for d in dims):
            raise _refuse(f"torch.Size({dims!r})")
        return Size(dims)

    @staticmethod
    def device(kind, index=None):
        if not isinstance(kind, str) or not (index is None or type(index) is int):
            raise _refuse(f"torch.device({kind!r}, {index!r})")
        try:
            return device(kind, index)
        except RuntimeError as exc:
            raise _refuse(f"torch.device({kind!r}, {index!r}): {exc}") from None

    @staticmethod
    def ordered_dict(items=()):
        if items != ():
            raise _refuse("OrderedDict with arguments")  # its items come by SETITEMS
        return collections.OrderedDict()

    @staticmethod
    def encode(text, encoding="latin1"):  # protocol 2 writes bytes as _codecs.encode(str, 'latin1')
        if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
            raise _refuse(f"_codecs.encode({text!r:.40}, {encoding!r})")
        return text.encode("latin1")

    @staticmethod
    def plain(kind):
        def build(*args):
            if kind is complex:
                if not all(isinstance(a, (int, float)) for a in args):
                    raise _refuse(f"complex{args!r}")
            elif kind is slice:
                if not all(a is None or type(a) is int for a in args):
                    raise _refuse(f"slice{args!r}")
            elif len(args) > 1 or (args and not isinstance(args[0], (list, tuple, set,
                                                                     frozenset, bytes))):
                raise _refuse(f"{kind.__name__} of a {type(args[0]).__name__}")
            return kind(*args)
        return build

    def globals(self):
        """(module, name) -> what GLOBAL pushes: a _Global, a dtype or a storage type."""
        table = {
            ("torch._utils", "_rebuild_tensor_v2"): self.rebuild_tensor,
            ("torch._utils", "_rebuild_tensor"): self.rebuild_tensor_legacy,
            ("torch._utils", "_rebuild_parameter"): self.rebuild_parameter,
            ("torch._utils", "_rebuild_parameter_with_state"): self.rebuild_parameter,
            ("torch._tensor", "_rebuild_from_type_v2"): self.rebuild_from_type,
            ("torch", "Size"): self.size,
            ("torch", "device"): self.device,
            ("collections", "OrderedDict"): self.ordered_dict,
            ("_codecs", "encode"): self.encode,
        }
        out = {key: _Global(".".join(key), fn) for key, fn in table.items()}
        for mod in ("builtins", "__builtin__"):
            for kind in (set, frozenset, complex, slice, bytearray):
                out[(mod, kind.__name__)] = _Global(f"builtins.{kind.__name__}", self.plain(kind))
        for name, dt in _STORAGES.items():
            out[("torch", name)] = out[("torch.cuda", name)] = _StorageType(dt)
        for name, dt in _TORCH_DTYPES.items():
            out[("torch", name)] = dt
        out[("torch", "Tensor")] = "Tensor"  # only as _rebuild_from_type_v2's type argument
        out[("torch.nn.parameter", "Parameter")] = "Parameter"
        return out


class _DryBuilder(_Builder):
    """Builds no tensors: a first pass over a legacy pickle, to learn its storages' dtypes."""

    def rebuild_tensor(self, storage, *args, **kwargs):
        return None

    def rebuild_parameter(self, data, *args, **kwargs):
        return None


# -- the restricted pickle interpreter -------------------------------------------------------------
_MARK = object()
_MAX_KEY_DEPTH = 100


def _check_key(key):
    """Refuse a dict key or set element nested so deep that hashing it could overflow the stack."""
    level, depth = [key], 0
    while level:
        depth += 1
        if depth > _MAX_KEY_DEPTH:
            raise _refuse(f"the pickle uses a key nested more than {_MAX_KEY_DEPTH} levels deep")
        level = [v for k in level if isinstance(k, (tuple, frozenset)) for v in k]


class _Unpickler:
    """Interprets a pickle's opcodes, building only allowlisted objects (see the module doc)."""

    def __init__(self, data, pos, builder_globals, persistent_load):
        self.data, self.pos = data, pos
        self.globals, self.persistent_load = builder_globals, persistent_load
        self.stack, self.marks, self.memo = [], [], {}

    # reading the stream
    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise _corrupt(f"the pickle ends early (needs {n} bytes at {self.pos}, has "
                           f"{len(self.data)})")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return bytes(out)

    def unpack(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def line(self):
        end = self.data.find(b"\n", self.pos, self.pos + 256)
        if end < 0:
            raise _corrupt("a GLOBAL's name is not terminated")
        out = bytes(self.data[self.pos:end]).decode("ascii", "replace")
        self.pos = end + 1
        return out

    def pop(self):
        if not self.stack:
            raise _corrupt("the pickle pops from an empty stack")
        value = self.stack.pop()
        if value is _MARK:
            raise _corrupt("the pickle pops a MARK")
        return value

    def pop_mark(self):
        if not self.marks:
            raise _corrupt("the pickle has no MARK to pop to")
        at = self.marks.pop()  # the MARK stays on top, for the caller to replace or drop
        items, self.stack = self.stack[at + 1:], self.stack[:at + 1]
        return items

    def top(self, kinds, op):
        if not self.stack or not isinstance(self.stack[-1], kinds):
            got = type(self.stack[-1]).__name__ if self.stack else "nothing"
            raise _refuse(f"the pickle applies {op} to a {got}")
        return self.stack[-1]

    def lookup(self, module, name):
        try:
            value = self.globals[(module, name)]
        except KeyError:
            raise _refuse(f"the pickle asks for the global {module}.{name}, which is not "
                          f"allowed") from None
        return value

    def call(self, fn, args, op):
        if not isinstance(fn, _Global):
            raise _refuse(f"the pickle calls {type(fn).__name__} {fn!r:.60} with {op}")
        if not isinstance(args, tuple):
            raise _refuse(f"the pickle calls {fn.name} with a {type(args).__name__} of arguments")
        try:
            return fn.fn(*args)
        except (TypeError, ValueError, OverflowError) as exc:
            raise _refuse(f"the pickle calls {fn.name} with bad arguments ({exc})") from None

    def load(self):
        """The object the pickle at `pos` describes; `pos` is left just after its STOP."""
        ops = self.OPS
        while True:
            if self.pos >= len(self.data):
                raise _corrupt("the pickle ends without a STOP opcode")
            code = self.data[self.pos]
            self.pos += 1
            handler = ops.get(code)
            if handler is None:
                raise _refuse(f"the pickle uses opcode {bytes([code])!r} at byte {self.pos - 1}, "
                              f"which ember does not interpret")
            if handler is _Unpickler.op_stop:
                value = self.pop()
                if self.stack or self.marks:
                    raise _corrupt("the pickle leaves values on its stack")
                return value
            handler(self)

    # opcodes
    def op_stop(self):
        pass  # handled in load

    def op_proto(self):
        if self.take(1)[0] > 5:
            raise _corrupt("the pickle's protocol is newer than 5")

    def op_frame(self):
        self.take(8)

    def op_mark(self):
        self.marks.append(len(self.stack))
        self.stack.append(_MARK)

    def op_pop(self):
        if self.stack and self.stack[-1] is _MARK:
            self.stack.pop()
            self.marks.pop()
        else:
            self.pop()

    def op_pop_mark(self):
        self.pop_mark()
        self.stack.pop()

    def op_dup(self):
        value = self.pop()
        self.stack += [value, value]

    def push(self, value):
        self.stack.append(value)

    def op_tuple(self):
        items = self.pop_mark()
        self.stack[-1] = tuple(items)  # replaces the MARK

    def tuple_n(self, n):
        items = [self.pop() for _ in range(n)][::-1]
        self.push(tuple(items))

    def op_list(self):
        items = self.pop_mark()
        self.stack[-1] = items

    def op_dict(self):
        items = self.pop_mark()
        self.stack[-1] = self.pairs({}, items)

    def pairs(self, target, items):
        if len(items) % 2:
            raise _corrupt("the pickle sets a dict item without a value")
        for k, v in zip(items[::2], items[1::2]):
            _check_key(k)
            try:
                target[k] = v
            except TypeError:
                raise _refuse(f"the pickle uses an unhashable {type(k).__name__} as a dict "
                              f"key") from None
        return target

    def op_append(self):
        value = self.pop()
        self.top(list, "APPEND").append(value)

    def op_appends(self):
        items = self.pop_mark()
        self.stack.pop()
        self.top(list, "APPENDS").extend(items)

    def op_setitem(self):
        v, k = self.pop(), self.pop()
        self.pairs(self.top(dict, "SETITEM"), [k, v])

    def op_setitems(self):
        items = self.pop_mark()
        self.stack.pop()
        self.pairs(self.top(dict, "SETITEMS"), items)

    def op_additems(self):
        items = self.pop_mark()
        self.stack.pop()
        target = self.top(set, "ADDITEMS")
        for k in items:
            _check_key(k)
        try:
            target.update(items)
        except TypeError:
            raise _refuse("the pickle adds an unhashable value to a set") from None

    def op_frozenset(self):
        items = self.pop_mark()
        for k in items:
            _check_key(k)
        try:
            self.stack[-1] = frozenset(items)
        except TypeError:
            raise _refuse("the pickle puts an unhashable value in a frozenset") from None

    def op_long1(self):
        self.push(int.from_bytes(self.take(self.take(1)[0]), "little", signed=True))

    def op_long4(self):
        n = self.unpack("<i")
        if n < 0:
            raise _corrupt("a LONG4 has a negative length")
        self.push(int.from_bytes(self.take(n), "little", signed=True))

    def text(self, n):
        try:
            return self.take(n).decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            raise _corrupt("a string in the pickle is not UTF-8") from None

    def op_global(self):
        module, name = self.line(), self.line()
        self.push(self.lookup(module, name))

    def op_stack_global(self):
        name, module = self.pop(), self.pop()
        if not isinstance(module, str) or not isinstance(name, str):
            raise _refuse("STACK_GLOBAL with names that are not strings")
        self.push(self.lookup(module, name))

    def op_reduce(self):
        args, fn = self.pop(), self.pop()
        self.push(self.call(fn, args, "REDUCE"))

    def op_newobj(self):
        args, cls = self.pop(), self.pop()
        self.push(self.call(cls, args, "NEWOBJ"))

    def op_build(self):
        state = self.pop()
        inst = self.top(object, "BUILD")
        if isinstance(inst, collections.OrderedDict) and isinstance(state, dict) \
                and all(isinstance(k, str) and not k.startswith("__") for k in state):
            inst.__dict__.update(state)  # a state dict's _metadata
        elif isinstance(inst, Tensor) and not state:
            pass
        else:
            raise _refuse(f"the pickle sets the state of a {type(inst).__name__}")

    def op_binpersid(self):
        self.push(self.persistent_load(self.pop()))

    def op_put(self, index):
        if not self.stack or self.stack[-1] is _MARK:
            raise _corrupt("the pickle memoizes nothing")
        self.memo[index] = self.stack[-1]

    def op_get(self, index):
        if index not in self.memo:
            raise _corrupt(f"the pickle reads memo entry {index}, which it never wrote")
        self.push(self.memo[index])

    OPS = {}


def _install_ops():
    U, ops = _Unpickler, _Unpickler.OPS
    simple = {
        b".": U.op_stop, b"\x80": U.op_proto, b"\x95": U.op_frame, b"(": U.op_mark,
        b"0": U.op_pop, b"1": U.op_pop_mark, b"2": U.op_dup, b"t": U.op_tuple, b"l": U.op_list,
        b"d": U.op_dict, b"a": U.op_append, b"e": U.op_appends, b"s": U.op_setitem,
        b"u": U.op_setitems, b"\x90": U.op_additems, b"\x91": U.op_frozenset,
        b"\x8a": U.op_long1, b"\x8b": U.op_long4, b"c": U.op_global, b"\x93": U.op_stack_global,
        b"R": U.op_reduce, b"\x81": U.op_newobj, b"b": U.op_build, b"Q": U.op_binpersid,
        b"}": lambda u: u.push({}), b"]": lambda u: u.push([]), b")": lambda u: u.push(()),
        b"\x8f": lambda u: u.push(set()), b"N": lambda u: u.push(None),
        b"\x88": lambda u: u.push(True), b"\x89": lambda u: u.push(False),
        b"\x85": lambda u: u.tuple_n(1), b"\x86": lambda u: u.tuple_n(2),
        b"\x87": lambda u: u.tuple_n(3),
        b"J": lambda u: u.push(u.unpack("<i")), b"K": lambda u: u.push(u.take(1)[0]),
        b"M": lambda u: u.push(u.unpack("<H")), b"G": lambda u: u.push(u.unpack(">d")),
        b"X": lambda u: u.push(u.text(u.unpack("<I"))),
        b"\x8c": lambda u: u.push(u.text(u.take(1)[0])),
        b"\x8d": lambda u: u.push(u.text(u.unpack("<Q"))),
        # Python 2's str (legacy files): bytes taken as Latin-1 text, as torch.load's default
        b"U": lambda u: u.push(u.take(u.take(1)[0]).decode("latin1")),
        b"T": lambda u: u.push(u.take(u.unpack("<i")).decode("latin1")),
        b"B": lambda u: u.push(u.take(u.unpack("<I"))),
        b"C": lambda u: u.push(u.take(u.take(1)[0])),
        b"\x8e": lambda u: u.push(u.take(u.unpack("<Q"))),
        b"\x96": lambda u: u.push(bytearray(u.take(u.unpack("<Q")))),
        b"q": lambda u: u.op_put(u.take(1)[0]), b"r": lambda u: u.op_put(u.unpack("<I")),
        b"\x94": lambda u: u.op_put(len(u.memo)),
        b"h": lambda u: u.op_get(u.take(1)[0]), b"j": lambda u: u.op_get(u.unpack("<I")),
    }
    ops.update({code[0]: fn for code, fn in simple.items()})


_install_ops()


def _unpickle(data, pos, builder, persistent_load=None):
    """(object, end position) of the pickle in `data` at `pos`."""
    def no_persistent(pid):
        raise _refuse(f"the pickle refers to an outside object {pid!r:.60}")

    u = _Unpickler(data, pos, builder.globals(), persistent_load or no_persistent)
    return u.load(), u.pos


def _storage_id(pid):
    """(storage type, key, numel, view) of a persistent id; refuses anything but a storage."""
    if not isinstance(pid, tuple) or len(pid) not in (5, 6) or pid[0] != "storage":
        raise _refuse(f"the pickle refers to {pid!r:.80}, which is not a storage")
    _, kind, key, location, numel = pid[:5]
    if not isinstance(kind, _StorageType):
        raise _refuse(f"a storage's type is {kind!r:.60}")
    if not isinstance(key, str) or not key or not all(c.isalnum() or c in "_-." for c in key) \
            or type(numel) is not int or numel < 0 or not isinstance(location, str):
        raise _refuse(f"a storage's id is {pid!r:.80}")
    return kind, key, numel, (pid[5] if len(pid) == 6 else None)


def _skip_pickle(data, pos):
    """Where the pickle at `pos` ends, found by walking its opcodes without building anything."""
    try:
        for op, _, at in _pickle_ops(data, pos):
            if op == ".":
                return at + 1
    except ValueError as exc:
        raise _corrupt(f"the object's pickle is malformed ({exc})") from None
    raise _corrupt("the object's pickle has no STOP")


def _pickle_ops(data, pos):
    """(opcode name's code, argument, position) of each opcode, via pickletools (parses only)."""
    import pickletools

    stream = io.BytesIO(bytes(data))
    stream.seek(pos)
    for op, arg, at in pickletools.genops(stream):
        yield op.code, arg, at
        if op.code == ".":
            return


# -- the pickler -----------------------------------------------------------------------------------
class _Pickler:
    """Writes protocol 2 opcodes for the values ember.save stores, as torch.save would."""

    def __init__(self):
        self.out = io.BytesIO()
        self.storages = []  # host arrays, by key (their index)
        self.by_tensor = {}  # id(tensor) -> key: a tensor stored twice shares one storage

    def emit(self, *chunks):
        for c in chunks:
            self.out.write(c)

    def global_(self, module, name):
        self.emit(b"c", f"{module}\n{name}\n".encode())

    def tuple_(self, items):
        if not items:
            return self.emit(b")")
        if len(items) > 3:
            self.emit(b"(")
        for v in items:
            self.dump(v)
        self.emit(b"t" if len(items) > 3 else b"\x85\x86\x87"[len(items) - 1:len(items)])

    def dump(self, obj):
        if obj is None:
            self.emit(b"N")
        elif obj is True or obj is False:
            self.emit(b"\x88" if obj else b"\x89")
        elif isinstance(obj, int):
            self.int_(obj)
        elif isinstance(obj, float):
            self.emit(b"G", struct.pack(">d", obj))
        elif isinstance(obj, str):
            data = obj.encode("utf-8", "surrogatepass")
            self.emit(b"X", struct.pack("<I", len(data)), data)
        elif isinstance(obj, Tensor):
            self.tensor(obj)
        elif isinstance(obj, _dt.dtype):
            self.global_("torch", obj.name)
        elif isinstance(obj, Size):
            self.global_("torch", "Size")
            self.tuple_((tuple(obj),))
            self.emit(b"R")
        elif isinstance(obj, device):
            self.global_("torch", "device")
            self.tuple_((str(obj),))
            self.emit(b"R")
        elif isinstance(obj, dict):
            if isinstance(obj, collections.OrderedDict):
                self.global_("collections", "OrderedDict")
                self.emit(b")R")
            else:
                self.emit(b"}")
            items = list(obj.items())
            for i in range(0, len(items), 1000):
                self.emit(b"(")
                for k, v in items[i:i + 1000]:
                    if not isinstance(k, (str, int, float, bool)) and k is not None:
                        raise TypeError(f"ember.save: dict keys must be str, int, float, bool or "
                                        f"None, got {type(k).__name__} ({k!r})")
                    self.dump(k)
                    self.dump(v)
                self.emit(b"u")
        elif isinstance(obj, list):
            self.emit(b"]")
            for i in range(0, len(obj), 1000):
                self.emit(b"(")
                for v in obj[i:i + 1000]:
                    self.dump(v)
                self.emit(b"e")
        elif isinstance(obj, tuple):
            self.tuple_(obj)
        else:
            raise TypeError(f"ember.save can store tensors, dicts, lists, tuples, numbers, "
                            f"strings and None; got {type(obj).__name__}. Save a state_dict() "
                            f"rather than an object.")

    def int_(self, n):
        if 0 <= n < 256:
            self.emit(b"K", bytes([n]))
        elif 0 <= n < 65536:
            self.emit(b"M", struct.pack("<H", n))
        elif -(1 << 31) <= n < (1 << 31):
            self.emit(b"J", struct.pack("<i", n))
        else:
            data = n.to_bytes((n.bit_length() >> 3) + 1, "little", signed=True)
            if n < 0 and len(data) > 1 and data[-1] == 0xFF and data[-2] & 0x80:
                data = data[:-1]
            self.emit(b"\x8a", bytes([len(data)]), data) if len(data) < 256 else \
                self.emit(b"\x8b", struct.pack("<i", len(data)), data)

    def tensor(self, t):
        if t._dtype not in _STORAGE_OF:
            raise TypeError(f"ember.save: PyTorch's format has no storage for {t._dtype}")
        if isinstance(t, Parameter):
            self.global_("torch._utils", "_rebuild_parameter")
            self.emit(b"(")
            self.plain_tensor(t)
            self.dump(bool(t.requires_grad))
            self.global_("collections", "OrderedDict")
            self.emit(b")Rt" b"R")
        else:
            self.plain_tensor(t)

    def plain_tensor(self, t):
        from .serialization import _host_array

        key = self.by_tensor.get(id(t))
        if key is None:
            key = self.by_tensor[id(t)] = str(len(self.storages))
            self.storages.append(_host_array(t))
        shape = tuple(t.shape)
        strides, step = [], 1
        for n in reversed(shape):
            strides.append(step)
            step *= n
        self.global_("torch._utils", "_rebuild_tensor_v2")
        self.emit(b"(")
        self.emit(b"(")  # the storage's persistent id
        self.dump("storage")
        self.global_("torch", _STORAGE_OF[t._dtype])
        self.dump(key)
        self.dump("cpu")
        self.dump(math.prod(shape))
        self.emit(b"tQ")
        self.dump(0)
        self.tuple_(shape)
        self.tuple_(tuple(reversed(strides)))
        self.dump(bool(t.requires_grad) and t.is_leaf)
        self.global_("collections", "OrderedDict")
        self.emit(b")R")
        self.emit(b"tR")

    def pickle(self, obj):
        self.emit(b"\x80\x02")
        self.dump(obj)
        self.emit(b".")
        return self.out.getvalue()
