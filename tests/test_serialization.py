"""ember.save / ember.load: safetensors files, round trips, interoperability and corrupt files."""

import io
import json
import os
import struct

import numpy as np
import pytest

import ember
from ember import backends


def _backend_dtypes():
    return backends.get_backend(ember.empty(0).backend).supported_dtypes


def _round_trip(obj, tmp_path):
    path = tmp_path / "obj.safetensors"
    ember.save(obj, path)
    return ember.load(path)


def _same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a.float().numpy() if a.dtype is ember.bfloat16 else a.numpy(),
                          b.float().numpy() if b.dtype is ember.bfloat16 else b.numpy())


def test_tensor_round_trips(backend, tmp_path):
    t = ember.randn(3, 4)
    _same(_round_trip(t, tmp_path), t)


def test_views_and_scalars_round_trip(backend, tmp_path):
    base = ember.arange(12, dtype=ember.float32).reshape(3, 4)
    obj = {"t": base.transpose(0, 1), "row": base[1], "scalar": ember.tensor(2.5)}
    loaded = _round_trip(obj, tmp_path)
    for k in obj:
        _same(loaded[k], obj[k])


def test_map_location_picks_the_device(backend, tmp_path):
    ember.save({"x": ember.ones(2)}, tmp_path / "f")
    assert ember.load(tmp_path / "f", map_location="cpu")["x"].device == ember.device("cpu")
    with pytest.raises(TypeError, match="map_location must be"):
        ember.load(tmp_path / "f", map_location=3)


def test_every_supported_dtype_round_trips(backend, tmp_path):
    data = [[0, 1, 2], [3, 4, 5]]
    sd = {d.name: ember.tensor(data, dtype=d) for d in _backend_dtypes()
          if d not in (ember.complex128, ember.bfloat16)}
    loaded = _round_trip(sd, tmp_path)
    assert list(loaded) == list(sd)
    for k in sd:
        _same(loaded[k], sd[k])


def test_bfloat16_round_trips(backend, tmp_path):
    if ember.bfloat16 not in _backend_dtypes():
        pytest.skip(f"backend {backend} has no bfloat16")
    t = ember.tensor([1.0, -2.5, 3.140625, 1e30], dtype=ember.bfloat16)
    loaded = _round_trip({"x": t}, tmp_path)["x"]
    _same(loaded, t)


def test_state_dict_keeps_key_order_and_module_loads_it(backend, tmp_path):
    net = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.Tanh(), ember.nn.Linear(4, 2))
    sd = net.state_dict()
    loaded = _round_trip(sd, tmp_path)
    assert list(loaded) == list(sd)
    other = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.Tanh(), ember.nn.Linear(4, 2))
    other.load_state_dict(loaded)
    x = ember.randn(5, 3)
    assert np.array_equal(other(x).detach().numpy(), net(x).detach().numpy())


def test_optimizer_state_dict_round_trips(backend, tmp_path):
    w = ember.ones(3, requires_grad=True)
    opt = ember.optim.Adam([w], lr=0.1, betas=(0.8, 0.9), amsgrad=True)
    (w * w).sum().backward()
    opt.step()
    sd = opt.state_dict()
    loaded = _round_trip(sd, tmp_path)
    assert loaded["param_groups"] == sd["param_groups"]
    assert set(loaded["state"]) == {0}
    for k, v in sd["state"][0].items():
        if isinstance(v, ember.Tensor):
            _same(loaded["state"][0][k], v)
        else:
            assert loaded["state"][0][k] == v and type(loaded["state"][0][k]) is type(v)
    fresh = ember.optim.Adam([w], lr=0.5)
    fresh.load_state_dict(loaded)
    assert fresh.param_groups[0]["betas"] == (0.8, 0.9)


def test_nested_structures_and_python_values_round_trip(backend, tmp_path):
    obj = {"a": {"b": [ember.zeros(2), (1, 2.5, "s", None, True)]}, "a.b": ember.ones(1),
           3: float("inf"), "nan": float("nan"), "dtype": ember.float64}
    loaded = _round_trip(obj, tmp_path)
    _same(loaded["a"]["b"][0], obj["a"]["b"][0])
    assert loaded["a"]["b"][1] == (1, 2.5, "s", None, True)
    _same(loaded["a.b"], obj["a.b"])
    assert loaded[3] == float("inf") and np.isnan(loaded["nan"])
    assert loaded["dtype"] is ember.float64


def test_file_objects_work(backend):
    buf = io.BytesIO()
    ember.save({"x": ember.arange(4)}, buf)
    buf.seek(0)
    _same(ember.load(buf)["x"], ember.arange(4))


def test_objects_that_are_not_data_are_refused(tmp_path):
    with pytest.raises(TypeError, match="state_dict"):
        ember.save({"f": object()}, tmp_path / "x")
    assert not os.listdir(tmp_path)


def test_complex128_is_refused_with_the_dtype_named(tmp_path):
    with pytest.raises(TypeError, match="complex128"):
        ember.save(ember.zeros(2, dtype=ember.complex128), tmp_path / "x")


def test_a_crash_mid_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    ember.save({"x": ember.ones(2)}, path)
    before = path.read_bytes()

    def crash(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        ember.save({"x": ember.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]


# -- corrupt files ----------------------------------------------------------------------------
def _file(header, data=b"", raw_header=None):
    head = raw_header if raw_header is not None else json.dumps(header).encode()
    return io.BytesIO(struct.pack("<Q", len(head)) + head + data)


def _good():
    buf = io.BytesIO()
    ember.save({"x": ember.arange(6, dtype=ember.float32)}, buf)
    return buf.getvalue()


@pytest.mark.parametrize("cut", [0, 5, 8, 20, -1, -4])
def test_truncated_files_raise(cut):
    data = _good()[:cut]
    with pytest.raises(RuntimeError, match="not a valid safetensors file"):
        ember.load(io.BytesIO(data))


@pytest.mark.parametrize("header, data, match", [
    (None, b"", "not valid JSON"),
    ([1, 2], b"", "JSON list"),
    ({"x": {"dtype": "Q8", "shape": [1], "data_offsets": [0, 1]}}, b"\0", "dtype 'Q8'"),
    ({"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4, "shape"),
    ({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4, "needs 8 bytes"),
    ({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 8]}}, b"\0" * 4, "outside"),
    ({"x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8, "starts at byte 4"),
    ({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 8, "cover 4 bytes"),
    ({"x": {"dtype": "F32", "shape": [1]}}, b"\0" * 4, "exactly dtype"),
    ({"__metadata__": {"ember": '{"tensor": "y"}'},
      "x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4, "tensor 'y'"),
    ({"__metadata__": {"ember": '{"pickle": "os.system"}'}}, b"", "unknown entry kind"),
])
def test_corrupt_headers_raise_with_the_values(header, data, match):
    raw = b"{not json" if header is None else None
    with pytest.raises(RuntimeError, match=match):
        ember.load(_file(header, data, raw))


# -- interoperability with the safetensors package --------------------------------------------
def test_file_from_safetensors_numpy_loads(backend, tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    arrays = {"a": np.arange(12, dtype=np.float32).reshape(3, 4), "b": np.array([1, -2], np.int64),
              "c": np.array([True, False]), "d": np.ones((2, 0), np.float64)}
    st.save_file(arrays, str(tmp_path / "f.safetensors"))
    loaded = ember.load(tmp_path / "f.safetensors")
    assert set(loaded) == set(arrays)
    for k, v in arrays.items():
        assert loaded[k].numpy().dtype == v.dtype and np.array_equal(loaded[k].numpy(), v)


def test_ember_file_loads_in_safetensors_numpy(backend, tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    sd = {"w": ember.randn(4, 3), "i": ember.arange(5), "h": ember.ones(2, dtype=ember.float16)}
    ember.save(sd, tmp_path / "f.safetensors")
    loaded = st.load_file(str(tmp_path / "f.safetensors"))
    assert set(loaded) == set(sd)
    for k, v in sd.items():
        assert np.array_equal(loaded[k], v.numpy())


def test_file_from_safetensors_torch_loads(backend, torch, tmp_path):
    stt = pytest.importorskip("safetensors.torch")
    tensors = {"f": torch.randn(3, 2), "l": torch.arange(4), "bf": torch.randn(5).bfloat16()}
    stt.save_file(tensors, str(tmp_path / "t.safetensors"))
    if ember.bfloat16 not in _backend_dtypes():
        with pytest.warns(UserWarning, match="no bfloat16.*loaded as float32"):
            loaded = ember.load(tmp_path / "t.safetensors")
        assert loaded["bf"].dtype is ember.float32
        assert np.array_equal(loaded["bf"].numpy(), tensors["bf"].float().numpy())
        return
    loaded = ember.load(tmp_path / "t.safetensors")
    for k, v in tensors.items():
        assert np.array_equal(loaded[k].float().numpy(), v.float().numpy())
    assert loaded["bf"].dtype is ember.bfloat16
    ember.save(loaded, tmp_path / "back.safetensors")
    again = stt.load_file(str(tmp_path / "back.safetensors"))
    assert all(torch.equal(again[k], v) for k, v in tensors.items())


# -- hostile files: every malformed file raises the documented error ---------------------------
_F32 = {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}


def _meta(structure):
    return {"__metadata__": {"ember": structure}, "x": _F32}


@pytest.mark.parametrize("header, match", [
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ({"x": {**_F32, "dtype": ["F32"]}}, "dtype \\['F32'\\]"),
    ({"x": {**_F32, "dtype": {"F": 32}}}, "dtype \\{'F': 32\\}"),
    ({"x": {**_F32, "shape": [1] * 65}}, "65 dimensions"),
    ({"x": {"dtype": "F32", "shape": [0, 2 ** 70], "data_offsets": [0, 0]}},
     "too large for any array"),
    (_meta('{"dict": 5}'), "holds a JSON int"),
    (_meta('{"dict": [[1]]}'), "not a \\[key, value\\] pair"),
    (_meta('{"list": 5}'), "holds a JSON int"),
    (_meta('{"tuple": null}'), "holds a JSON NoneType"),
    (_meta('{"float": "abc"}'), "non-finite float"),
    (_meta('{"dtype": "nope"}'), "not a dtype name"),
    (_meta('{"dtype": ["x"]}'), "not a dtype name"),
    (_meta('{"tensor": ["x"]}'), "names tensor \\['x'\\]"),
    (_meta('{"dict": [[{"list": []}, 1]]}'), "key is a list"),
    (_meta('{"list": [' * 50_000 + ']}' * 50_000), "nested too deeply"),
])
def test_malformed_files_raise_the_documented_error(header, match):
    """Each once raised RecursionError, TypeError or ValueError instead."""
    if isinstance(header, bytes):
        f = _file(None, b"", header)
    else:
        f = _file(header, b"\0" * header.get("x", {}).get("data_offsets", [0, 0])[1])
    with pytest.raises(RuntimeError, match="not a valid safetensors file") as info:
        ember.load(f)
    assert info.match(match)


def test_a_huge_header_is_refused_without_reading_it(tmp_path):
    import tracemalloc

    path = tmp_path / "huge.safetensors"
    with open(path, "wb") as fh:  # claims a 150 MB header; sparse, so it costs no disk
        fh.write(struct.pack("<Q", 150_000_000) + b"{")
        fh.truncate(160_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(RuntimeError, match="more than the limit of 100000000 bytes"):
            ember.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_tensors_are_read_one_at_a_time(tmp_path):
    import tracemalloc

    sd = {f"w{i}": ember.zeros(250_000) for i in range(8)}  # 8 MB of data in 1 MB tensors
    ember.save(sd, tmp_path / "f.safetensors")
    tracemalloc.start()
    try:
        loaded = ember.load(tmp_path / "f.safetensors", map_location="cpu")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(loaded) == 8
    assert peak < 8_000_000 * 1.5  # the result plus about one tensor, never the whole file again


def test_bfloat16_loads_on_a_backend_without_it(backend, torch_free_bf16_file):
    if ember.bfloat16 in _backend_dtypes():
        t = ember.load(torch_free_bf16_file)["x"]
        assert t.dtype is ember.bfloat16
    else:
        with pytest.warns(UserWarning, match="1 bfloat16 tensor\\(s\\) \\(x\\) were loaded as "
                                             "float32"):
            t = ember.load(torch_free_bf16_file)["x"]
        assert t.dtype is ember.float32
    assert t.float().tolist() == [1.0, -2.5, 3.140625, 2.0 ** 100]


@pytest.fixture
def torch_free_bf16_file(tmp_path):
    """A safetensors file with one bfloat16 tensor, written byte by byte."""
    values = np.array([1.0, -2.5, 3.140625, 2.0 ** 100], np.float32)  # exact in bfloat16
    bits = (values.view(np.uint32) >> 16).astype("<u2").tobytes()
    head = json.dumps({"x": {"dtype": "BF16", "shape": [4], "data_offsets": [0, 8]}}).encode()
    path = tmp_path / "bf16.safetensors"
    path.write_bytes(struct.pack("<Q", len(head)) + head + bits)
    return path


# -- how files are written ----------------------------------------------------------------------
def _umask():
    old = os.umask(0)
    os.umask(old)
    return old


def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path):
    old = os.umask(0o022)
    try:
        ember.save({"x": ember.ones(1)}, tmp_path / "a.safetensors")
        os.umask(0o027)
        ember.save({"x": ember.ones(1)}, tmp_path / "b.pt")
    finally:
        os.umask(old)
    assert (tmp_path / "a.safetensors").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "b.pt").stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("name", ["c.safetensors", "c.pth"])
def test_an_existing_file_keeps_its_mode(tmp_path, name):
    path = tmp_path / name
    ember.save({"x": ember.ones(1)}, path)
    os.chmod(path, 0o604)
    ember.save({"x": ember.zeros(1)}, path)
    assert path.stat().st_mode & 0o777 == 0o604
    assert ember.load(path)["x"].tolist() == [0.0]


@pytest.mark.parametrize("name", ["w.safetensors", "w.pt"])
def test_saving_through_a_symlink_writes_its_target(tmp_path, name):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / name
    ember.save({"x": ember.ones(2)}, target)
    link = tmp_path / ("link-" + name)
    link.symlink_to(target)
    ember.save({"x": ember.full((2,), 7.0)}, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert ember.load(target)["x"].tolist() == [7.0, 7.0]
    assert sorted(os.listdir(tmp_path / "real")) == [name]


def _dead_pid():
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporaries_of_the_same_path_are_removed(tmp_path):
    from ember import serialization

    path = tmp_path / "ckpt.safetensors"
    dead, alive = _dead_pid(), os.getppid()
    stale = tmp_path / serialization._tmp_name("ckpt.safetensors", dead, "0badf00d")
    live = tmp_path / serialization._tmp_name("ckpt.safetensors", alive, "0badf00d")
    other = tmp_path / serialization._tmp_name("other.safetensors", dead, "0badf00d")
    for p in (stale, live, other):
        p.write_bytes(b"partial")
    ember.save({"x": ember.ones(1)}, path)
    assert not stale.exists()  # its writer was killed
    assert live.exists() and other.exists()  # a save in progress, another file's leftover


def test_a_killed_save_leaves_a_temporary_that_the_next_save_removes(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "ckpt.safetensors"
    code = ("import os, ember\n"
            "os.fsync = lambda fd: os._exit(9)  # dies mid-save, after writing, before replacing\n"
            f"ember.save({{'x': ember.ones(3)}}, {str(path)!r})\n")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 9
    assert [p for p in os.listdir(tmp_path) if p.startswith(".ember-save-")]
    ember.save({"x": ember.ones(1)}, path)
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]
