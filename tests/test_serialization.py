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
        with pytest.raises(TypeError, match="bfloat16"):
            ember.load(tmp_path / "t.safetensors")
        return
    loaded = ember.load(tmp_path / "t.safetensors")
    for k, v in tensors.items():
        assert np.array_equal(loaded[k].float().numpy(), v.float().numpy())
    assert loaded["bf"].dtype is ember.bfloat16
    ember.save(loaded, tmp_path / "back.safetensors")
    again = stt.load_file(str(tmp_path / "back.safetensors"))
    assert all(torch.equal(again[k], v) for k, v in tensors.items())
