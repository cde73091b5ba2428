"""PyTorch checkpoints both ways: ember.load reads torch.save files (zip and legacy), ember.save
writes .pt/.pth files that torch.load(weights_only=True) reads, and hostile pickles are refused
without anything in them being run."""

import collections
import io
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest

import ember
from ember import backends

TORCH_DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8",
                "uint8", "bool", "complex64"]


def _supported():
    return backends.get_backend(ember.get_default_backend()).supported_dtypes


def _as_numpy(t):
    """A torch or ember tensor's values as NumPy (bfloat16 widened to float32)."""
    if type(t).__module__.startswith("torch"):
        return (t.float() if str(t.dtype) == "torch.bfloat16" else t).detach().numpy()
    return (t.float() if t.dtype is ember.bfloat16 else t).detach().numpy()


def _torch_state(torch):
    g = torch.Generator().manual_seed(0)
    sd = collections.OrderedDict()
    for name in TORCH_DTYPES:
        dt = getattr(torch, name)
        base = torch.randn(3, 4, generator=g) * 10
        sd[name] = base.to(dt) if name != "complex64" else torch.complex(base, -base)
    base = torch.arange(24.0).reshape(4, 6)
    sd["transposed"] = base.t()  # non-contiguous
    sd["stepped"] = base[1::2, ::3]  # a view with an offset and steps, sharing base's storage
    sd["base"] = base
    sd["expanded"] = torch.tensor([1.0, 2.0]).expand(3, 2)  # stride 0
    sd["empty"] = torch.zeros(0, 3)
    sd["scalar"] = torch.tensor(2.5)
    return sd


@pytest.fixture(params=["zip", "legacy"])
def torch_file(request, torch, tmp_path):
    sd = _torch_state(torch)
    obj = {"state": sd, "nested": [sd["base"], (1, 2.5, None, True, "s"), {"k": [sd["scalar"]]}],
           "param": torch.nn.Parameter(torch.ones(2)), "size": torch.Size([2, 3]),
           "dtype": torch.float16, "device": torch.device("cpu"), "bytes": b"\x00\xff",
           "set": {1, 2}, "big": -(2 ** 70), "inf": float("inf")}
    path = tmp_path / "torch.pt"
    torch.save(obj, path, _use_new_zipfile_serialization=request.param == "zip")
    return path, obj


def test_torch_files_load(backend, torch_file, recwarn):
    path, obj = torch_file
    loaded = ember.load(path)
    state = loaded["state"]
    assert isinstance(state, collections.OrderedDict) and list(state) == list(obj["state"])
    for key, want in obj["state"].items():
        got = state[key]
        expected = str(want.dtype).replace("torch.", "")
        if expected == "bfloat16" and ember.bfloat16 not in _supported():
            expected = "float32"  # upcast, with a warning
            assert any("bfloat16" in str(w.message) for w in recwarn)
        assert got.dtype.name == expected, key
        assert tuple(got.shape) == tuple(want.shape), key
        assert np.array_equal(_as_numpy(got), _as_numpy(want)), key
    assert np.array_equal(loaded["nested"][0].numpy(), obj["nested"][0].numpy())
    assert loaded["nested"][1] == (1, 2.5, None, True, "s")
    assert loaded["nested"][2]["k"][0].item() == 2.5
    assert isinstance(loaded["param"], ember.nn.Parameter) and loaded["param"].requires_grad
    assert loaded["size"] == ember.Size([2, 3]) and isinstance(loaded["size"], ember.Size)
    assert loaded["dtype"] is ember.float16 and loaded["device"] == ember.device("cpu")
    assert loaded["bytes"] == b"\x00\xff" and loaded["set"] == {1, 2}
    assert loaded["big"] == -(2 ** 70) and loaded["inf"] == float("inf")


def test_a_torch_module_state_dict_drives_an_ember_module(torch, tmp_path):
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    torch.save(tnet.state_dict(), tmp_path / "net.pth")
    enet = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.Tanh(), ember.nn.Linear(4, 2))
    enet.load_state_dict(ember.load(tmp_path / "net.pth"))
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    want = tnet(torch.from_numpy(x)).detach().numpy()
    assert np.allclose(enet(ember.tensor(x)).detach().numpy(), want, atol=1e-6)


def _ember_state():
    sd = collections.OrderedDict()
    for name in TORCH_DTYPES:
        dt = getattr(ember, name)
        if dt not in _supported():
            continue
        base = ember.arange(12, dtype=ember.float32).reshape(3, 4) * 1.5 - 7
        sd[name] = base.to(dt)
    base = ember.arange(24.0).reshape(4, 6)
    sd["transposed"] = base.t()
    sd["stepped"] = base[1::2, ::3]
    sd["empty"] = ember.zeros(0, 3)
    sd["scalar"] = ember.tensor(2.5)
    return sd


@pytest.mark.parametrize("suffix", [".pt", ".pth"])
def test_ember_files_load_in_torch(backend, torch, tmp_path, suffix):
    sd = _ember_state()
    param = ember.nn.Parameter(ember.ones(2))
    obj = {"state": sd, "nested": [sd["scalar"], (1, "s", None)], "param": param,
           "tied": [param, param], "size": ember.Size([2]), "dtype": ember.float64,
           "big": 2 ** 80}
    path = tmp_path / ("ember" + suffix)
    ember.save(obj, path)
    assert zipfile.is_zipfile(path)
    back = torch.load(path, weights_only=True)
    assert isinstance(back["state"], collections.OrderedDict) and list(back["state"]) == list(sd)
    for key, t in sd.items():
        assert str(back["state"][key].dtype) == f"torch.{t.dtype.name}", key
        assert np.array_equal(_as_numpy(back["state"][key]), _as_numpy(t)), key
    assert isinstance(back["param"], torch.nn.Parameter) and back["param"].requires_grad
    assert back["tied"][0].data_ptr() == back["tied"][1].data_ptr()  # one storage, as in PyTorch
    assert back["nested"][1] == (1, "s", None) and back["size"] == torch.Size([2])
    assert back["dtype"] is torch.float64 and back["big"] == 2 ** 80
    # the records are aligned as torch.save aligns them, so torch can memory-map the file
    mapped = torch.load(path, weights_only=True, mmap=True)
    assert torch.equal(mapped["state"]["float32"], back["state"]["float32"])
    # and the file round-trips through ember too
    again = ember.load(path)
    for key, t in sd.items():
        assert np.array_equal(_as_numpy(again["state"][key]), _as_numpy(t)), key


def test_an_ember_module_state_dict_drives_a_torch_module(torch, tmp_path):
    enet = ember.nn.Linear(3, 2)
    ember.save(enet.state_dict(), tmp_path / "lin.pt")
    tnet = torch.nn.Linear(3, 2)
    tnet.load_state_dict(torch.load(tmp_path / "lin.pt", weights_only=True))
    x = np.ones((1, 3), np.float32)
    assert np.allclose(tnet(torch.from_numpy(x)).detach().numpy(),
                       enet(ember.tensor(x)).detach().numpy(), atol=1e-6)


def test_files_without_torch_suffix_stay_safetensors(tmp_path):
    ember.save({"x": ember.ones(1)}, tmp_path / "x.bin")
    assert not zipfile.is_zipfile(tmp_path / "x.bin")
    with pytest.raises(TypeError, match="state_dict"):
        ember.save({"f": object()}, tmp_path / "y.pt")
    assert sorted(os.listdir(tmp_path)) == ["x.bin"]


# -- hostile files --------------------------------------------------------------------------------
def _archive(pkl, records=None):
    """A zip laid out as torch.save lays it out, around the pickle bytes `pkl`."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/byteorder", b"little")
        for name, data in (records or {}).items():
            z.writestr(f"archive/{name}", data)
        z.writestr("archive/version", b"3\n")
    return buf.getvalue()


def _legacy(pkl):
    """A legacy-format file (magic, protocol, system info, then `pkl`, then no storages)."""
    head = b"".join(pickle.dumps(v, protocol=2) for v in (
        0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True}))
    return head + pkl + pickle.dumps([], protocol=2)


class _Payload:
    """Unpickling this with pickle would run os.system and create `marker`."""

    def __init__(self, marker, call=os.system):
        self.marker, self.call = marker, call

    def __reduce__(self):
        return (self.call, (f"touch {self.marker}",))


def _tensor_pickle(size=(2,), stride=(1,), offset=0, numel=2, key="0"):
    """The pickle of one float32 tensor, written out opcode by opcode as torch.save does."""
    def s(text):
        data = text.encode()
        return b"X" + struct.pack("<I", len(data)) + data

    def ints(values):
        return b"(" + b"".join(b"J" + struct.pack("<i", v) for v in values) + b"t"

    return (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(" + b"(" + s("storage")
            + b"ctorch\nFloatStorage\n" + s(key) + s("cpu") + b"J" + struct.pack("<i", numel)
            + b"tQ" + b"J" + struct.pack("<i", offset) + ints(size) + ints(stride) + b"\x89"
            + b"ccollections\nOrderedDict\n)R" + b"tR.")


@pytest.mark.parametrize("make_pickle, match", [
    (lambda m: pickle.dumps(_Payload(m), protocol=2), "global posix.system"),
    (lambda m: pickle.dumps({"w": [_Payload(m)]}, protocol=4), "global posix.system"),
    (lambda m: pickle.dumps(_Payload(m, eval), protocol=2), "global (__builtin__|builtins).eval"),
    (lambda m: b"\x80\x02c__builtin__\ngetattr\n.", "global __builtin__.getattr"),
    (lambda m: b"\x80\x02cbuiltins\n__import__\n(X\x02\x00\x00\x00ostR.", "__import__"),
    (lambda m: pickle.dumps(collections.defaultdict(int), protocol=2), "collections.defaultdict"),
    (lambda m: b"\x80\x02ctorch\nfloat32\n)R.", "calls dtype"),  # an allowed name, not callable
    (lambda m: b"\x80\x02]Q.", "not a storage"),  # a persistent id that is not a storage
    (lambda m: b"\x80\x02]}X\x09\x00\x00\x00__class__ctorch\nSize\nsb.",
     "sets the state of a list"),
    (lambda m: b"(ios\nsystem\nX\x04\x00\x00\x00true.", "opcode b'i'"),  # protocol 0 INST
])
@pytest.mark.parametrize("layout", ["zip", "legacy"])
def test_hostile_pickles_are_refused_and_nothing_runs(tmp_path, make_pickle, match, layout):
    marker = tmp_path / "pwned"
    pkl = make_pickle(marker)
    path = tmp_path / "evil.pt"
    path.write_bytes(_archive(pkl) if layout == "zip" else _legacy(pkl))
    for weights_only in (True, False):  # ember never unpickles, whatever weights_only says
        with pytest.raises(pickle.UnpicklingError, match=match):
            ember.load(path, weights_only=weights_only)
    assert not marker.exists()


def _good_zip():
    return _archive(_tensor_pickle(), {"data/0": np.array([1.5, -2], "<f4").tobytes()})


def test_the_hand_written_archive_is_valid():
    assert ember.load(io.BytesIO(_good_zip())).tolist() == [1.5, -2.0]


@pytest.mark.parametrize("cut", [4, 30, 100, -22, -1])
def test_truncated_zips_are_refused(cut):
    with pytest.raises(RuntimeError, match="not a valid PyTorch checkpoint"):
        ember.load(io.BytesIO(_good_zip()[:cut]))


@pytest.mark.parametrize("pkl, records, match", [
    (_tensor_pickle(), {}, "does not hold"),  # the storage's record is missing
    (_tensor_pickle(), {"data/0": b"\0" * 4}, "holds 4 bytes; its storage needs 8"),
    (_tensor_pickle(size=(3,)), {"data/0": b"\0" * 8}, "reaches element 2 of storage '0'"),
    (_tensor_pickle(offset=5), {"data/0": b"\0" * 8}, "offset 5 reaches element 6"),
    (_tensor_pickle(size=(2 ** 20, 2 ** 20), stride=(0, 0)), {"data/0": b"\0" * 8},
     "past 4 times the file's size"),  # a tiny file expanding to 4 TiB
    # one 1 MiB storage made into 80 tensors: 80 MiB from a 1 MiB file
    (b"\x80\x02](" + _tensor_pickle((2 ** 18,), numel=2 ** 18)[2:-1] * 80 + b"e.",
     {"data/0": b"\0" * 2 ** 20}, "past 4 times the file's size"),
    (_tensor_pickle(key="../../etc/passwd"), {}, "storage's id"),
    (_tensor_pickle()[:-1], {"data/0": b"\0" * 8}, "ends without a STOP"),
    (b"\x80\x02h\x07.", {}, "memo entry 7"),
])
def test_malformed_archives_are_refused(pkl, records, match):
    with pytest.raises((RuntimeError, pickle.UnpicklingError), match=match):
        ember.load(io.BytesIO(_archive(pkl, records)))


def test_a_compressed_record_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", _tensor_pickle())
        z.writestr("archive/data/0", b"\0" * 8)
    with pytest.raises(RuntimeError, match="compressed"):
        ember.load(io.BytesIO(buf.getvalue()))


def test_a_legacy_file_with_the_wrong_magic_number_is_refused():
    data = _legacy(pickle.dumps(1, protocol=2))
    bad = data.replace(struct.pack("<Q", 0x1950A86A20F9469C)[:4], b"\x00\x00\x00\x00", 1)
    assert bad != data
    with pytest.raises(RuntimeError, match="invalid magic number"):
        ember.load(io.BytesIO(bad))


def test_load_takes_pytorchs_arguments_and_refuses_a_pickle_module(tmp_path):
    ember.save({"x": ember.ones(2)}, tmp_path / "a.pt")
    assert ember.load(tmp_path / "a.pt", "cpu", weights_only=True, mmap=True)["x"].tolist() == \
        [1.0, 1.0]
    with pytest.raises(RuntimeError, match="never unpickles with a pickle module.*'pickle'"):
        ember.load(tmp_path / "a.pt", pickle_module=pickle)
