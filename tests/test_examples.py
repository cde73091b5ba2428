"""The example programs run and learn, on every backend."""

import gzip
import importlib.util
import pathlib
import struct

import numpy as np
import pytest

import ember

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fit_reduces_the_loss(backend, capsys):
    final = _load("fit").main(["--steps", "300"])
    out = capsys.readouterr().out
    assert f"on the {backend} backend" in out
    assert final < 3000  # starts near 3e5 from ember.manual_seed(0)


# -- the main job: a CNN on the digits that ship with scikit-learn -----------------------------------
def test_digits_main_job_reaches_97_percent(tmp_path, capsys):
    """README's first command, as it runs there (default backend, default settings)."""
    pytest.importorskip("sklearn", reason="the digits data ship with scikit-learn (the examples extra)")
    pytest.importorskip("tqdm", reason="the examples extra installs tqdm")
    pytest.importorskip("matplotlib", reason="the examples extra installs matplotlib")
    accuracy = _load("digits").main(["--out-dir", str(tmp_path), "--no-progress"])
    assert accuracy >= 0.97
    assert (tmp_path / "training.png").stat().st_size > 10_000
    restored = ember.load(tmp_path / "checkpoint.safetensors")
    assert restored["epoch"] == 30
    assert set(restored["model"]) == {f"{layer}.{p}" for layer in ("conv1", "conv2", "fc1", "fc2")
                                      for p in ("weight", "bias")}
    assert "test accuracy" in capsys.readouterr().out


def test_digits_learns_on_every_backend(backend, tmp_path, capsys):
    pytest.importorskip("sklearn", reason="the digits data ship with scikit-learn (the examples extra)")
    pytest.importorskip("tqdm", reason="the examples extra installs tqdm")
    pytest.importorskip("matplotlib", reason="the examples extra installs matplotlib")
    accuracy = _load("digits").main(["--epochs", "2", "--out-dir", str(tmp_path), "--no-progress",
                                     "--backend", backend])
    assert f"on the {backend} backend" in capsys.readouterr().out
    assert accuracy > 0.6  # ten classes: chance is 0.1


# -- MNIST's IDX files, as --data-dir reads them ----------------------------------------------------
def _write_idx(path, array, type_code=0x08):
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    if path.suffix == ".gz":
        data = gzip.compress(data)
    path.write_bytes(data)


def _fake_mnist(root, n_train=96, n_test=32, gz=False):
    """Four IDX files in MNIST's layout: digit k drawn as a bright k-th row band."""
    root.mkdir()
    rng = np.random.default_rng(0)
    suffix = ".gz" if gz else ""
    for split, n in (("train", n_train), ("t10k", n_test)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
        for i, k in enumerate(labels):
            images[i, 2 + 2 * k:4 + 2 * k, 4:24] = 255
        _write_idx(root / f"{split}-images-idx3-ubyte{suffix}", images)
        _write_idx(root / f"{split}-labels-idx1-ubyte{suffix}", labels)
    return root


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_read_idx_gives_back_the_array(tmp_path, gz):
    digits = _load("digits")
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / ("x.idx" + (".gz" if gz else ""))
    _write_idx(path, images)
    out = digits.read_idx(path)
    assert out.dtype == np.uint8 and out.shape == (2, 3, 4)
    assert np.array_equal(out, images)


def test_read_idx_reads_big_endian_int32(tmp_path):
    values = np.array([[1, -2], [70000, 3]], dtype=np.int32)
    _write_idx(tmp_path / "x.idx", values, type_code=0x0C)
    out = _load("digits").read_idx(tmp_path / "x.idx")
    assert out.tolist() == values.tolist()


def test_read_idx_rejects_a_file_that_is_not_idx(tmp_path):
    (tmp_path / "x.idx").write_bytes(b"PK\x03\x04 not an idx file")
    with pytest.raises(ValueError, match="not an IDX file"):
        _load("digits").read_idx(tmp_path / "x.idx")


def test_read_idx_rejects_a_truncated_file(tmp_path):
    _write_idx(tmp_path / "x.idx", np.zeros((4, 5), np.uint8))
    data = (tmp_path / "x.idx").read_bytes()
    (tmp_path / "x.idx").write_bytes(data[:-3])
    with pytest.raises(ValueError, match="17 data bytes where shape \\[4, 5\\] of uint8 needs 20"):
        _load("digits").read_idx(tmp_path / "x.idx")


def test_digits_trains_on_mnist_idx_files(tmp_path, capsys):
    pytest.importorskip("tqdm", reason="the examples extra installs tqdm")
    pytest.importorskip("matplotlib", reason="the examples extra installs matplotlib")
    data = _fake_mnist(tmp_path / "mnist", gz=True)
    accuracy = _load("digits").main(["--data-dir", str(data), "--epochs", "3", "--no-progress",
                                     "--out-dir", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert "MNIST (96 train / 32 test images, 28×28)" in out
    assert accuracy > 0.5
