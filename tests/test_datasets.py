"""minitorch.vision.datasets against torchvision.datasets on files built here (no downloads)."""

import gzip
import hashlib
import io
import os
import pickle
import re
import socket
import tarfile
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import torchvision
from _support import write_fake_cifar
from PIL import Image

import minitorch
from minitorch import hub
from minitorch.models import CIFAR10_CLASSES
from minitorch.utils.data import DataLoader
from minitorch.vision import datasets, transforms
from minitorch.vision.datasets import digits as digits_module
from minitorch.vision.datasets import utils as dataset_utils


@pytest.fixture
def torchvision_reads_test_files(monkeypatch):
    # torchvision checks the official MD5 of each file; the files built here differ.
    cifar = torchvision.datasets.CIFAR10
    monkeypatch.setattr(cifar, "_check_integrity", lambda self: True)
    monkeypatch.setattr(cifar, "meta", {**cifar.meta, "md5": None})


@pytest.mark.parametrize("protocol", [2, 5])
@pytest.mark.parametrize("train", [True, False])
def test_cifar10_matches_torchvision(tmp_path, torchvision_reads_test_files, protocol, train):
    written = write_fake_cifar(tmp_path, protocol=protocol)
    mine = datasets.CIFAR10(str(tmp_path), train=train)
    theirs = torchvision.datasets.CIFAR10(str(tmp_path), train=train)
    assert len(mine) == len(theirs) == (15 if train else 3)
    assert mine.data.dtype == np.uint8 and mine.data.shape == theirs.data.shape
    np.testing.assert_array_equal(mine.data, theirs.data)
    assert mine.targets == theirs.targets
    np.testing.assert_array_equal(mine.data, written.train_images if train else written.test_images)
    assert mine.targets == (written.train_labels if train else written.test_labels)
    assert (
        mine.classes == theirs.classes == list(CIFAR10_CLASSES)
        and mine.class_to_idx == theirs.class_to_idx
    )
    for index in range(len(mine)):
        (image, target), (their_image, their_target) = mine[index], theirs[index]
        assert isinstance(image, Image.Image) and image.mode == "RGB" and image.size == (32, 32)
        np.testing.assert_array_equal(np.asarray(image), np.asarray(their_image))
        assert target == their_target and type(target) is int


def test_cifar10_transforms_and_loader(tmp_path, torchvision_reads_test_files):
    write_fake_cifar(tmp_path)
    mine = datasets.CIFAR10(
        tmp_path, transform=transforms.ToTensor(), target_transform=lambda y: y + 100
    )
    theirs = torchvision.datasets.CIFAR10(
        tmp_path, transform=torchvision.transforms.ToTensor(), target_transform=lambda y: y + 100
    )
    image, target = mine[4]
    np.testing.assert_array_equal(image.numpy(), theirs[4][0].numpy())
    assert target == theirs[4][1]
    images, targets = next(iter(DataLoader(mine, batch_size=8)))
    assert images.shape == (8, 3, 32, 32) and images.dtype == minitorch.float32
    assert targets.dtype == minitorch.int64 and targets.tolist() == [
        t + 100 for t in mine.targets[:8]
    ]
    assert repr(mine).splitlines()[:3] == [
        "Dataset CIFAR10",
        "    Number of datapoints: 15",
        f"    Root location: {tmp_path}",
    ]


def test_cifar10_missing_files_say_where_to_put_them(tmp_path):
    with pytest.raises(RuntimeError, match="download=True") as error:
        datasets.CIFAR10(str(tmp_path / "data"))
    assert str(tmp_path / "data" / "cifar-10-batches-py") in str(error.value)
    folder = write_fake_cifar(tmp_path / "partial").folder
    (folder / "test_batch").unlink()
    with pytest.raises(RuntimeError, match="missing: test_batch"):
        datasets.CIFAR10(str(tmp_path / "partial"), train=False)


def test_cifar10_rejects_malformed_batches(tmp_path):
    folder = write_fake_cifar(tmp_path).folder
    (folder / "data_batch_2").write_bytes(
        pickle.dumps({"data": np.zeros((2, 100), np.uint8), "labels": [0, 1]})
    )
    with pytest.raises(RuntimeError, match="data_batch_2 is not a CIFAR-10 batch"):
        datasets.CIFAR10(str(tmp_path))


class Exploit:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return open, (self.path, "w")


def test_cifar10_batches_cannot_run_code(tmp_path):
    folder = write_fake_cifar(tmp_path).folder
    marker = tmp_path / "pwned"
    (folder / "test_batch").write_bytes(
        pickle.dumps({"data": Exploit(str(marker)), "labels": []}, protocol=2)
    )
    with pytest.raises(RuntimeError, match="only numpy arrays"):
        datasets.CIFAR10(str(tmp_path), train=False)
    assert not marker.exists()


@pytest.fixture
def cifar_archive(tmp_path, monkeypatch):
    """A CIFAR-10 archive of generated batches served from a file: URL (no network)."""
    source = write_fake_cifar(tmp_path / "source").folder
    archive = tmp_path / "served" / "cifar-10-python.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source, arcname="cifar-10-batches-py")
    monkeypatch.setattr(datasets.CIFAR10, "url", archive.as_uri())
    monkeypatch.setattr(datasets.CIFAR10, "tgz_md5", hashlib.md5(archive.read_bytes()).hexdigest())
    return archive


def test_cifar10_download_checks_and_extracts_the_archive(tmp_path, cifar_archive, capfd):
    root = tmp_path / "root"
    downloaded = datasets.CIFAR10(str(root), download=True)
    assert len(downloaded) == 15 and (root / "cifar-10-batches-py" / "batches.meta").is_file()
    assert (root / "cifar-10-python.tar.gz").read_bytes() == cifar_archive.read_bytes()
    capfd.readouterr()
    datasets.CIFAR10(str(root), download=True)  # present: torchvision 0.29 prints nothing
    assert capfd.readouterr() == ("", "")


def test_cifar10_download_with_a_wrong_md5_keeps_nothing(tmp_path, cifar_archive, monkeypatch):
    monkeypatch.setattr(datasets.CIFAR10, "tgz_md5", "0" * 32)
    with pytest.raises(RuntimeError, match="File not found or corrupted"):
        datasets.CIFAR10(str(tmp_path / "other"), download=True)
    assert os.listdir(tmp_path / "other") == []


def unreachable_url() -> str:
    """http://127.0.0.1:<a port nobody listens on>/...: refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/cifar-10-python.tar.gz"


def test_cifar10_download_offline_fails_naming_the_url(tmp_path, monkeypatch):
    url = unreachable_url()
    monkeypatch.setattr(datasets.CIFAR10, "url", url)
    with pytest.raises(urllib.error.URLError, match=re.escape(url)):
        datasets.CIFAR10(str(tmp_path / "root"), download=True)
    assert os.listdir(tmp_path / "root") == []


def test_a_download_from_a_silent_server_is_bounded(tmp_path, monkeypatch):
    # a server that accepts the connection and never answers: torchvision would wait forever
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        url = f"http://127.0.0.1:{server.getsockname()[1]}/cifar-10-python.tar.gz"
        monkeypatch.setattr(hub, "DOWNLOAD_TIMEOUT", 0.2)
        with pytest.raises(urllib.error.URLError, match=re.escape(url)):
            dataset_utils.download_url(url, tmp_path / "root")
    assert os.listdir(tmp_path / "root") == []


def test_cifar10_without_its_files_suggests_download(tmp_path):
    with pytest.raises(RuntimeError, match="You can use download=True to download it"):
        datasets.CIFAR10(str(tmp_path))


def test_an_archive_member_escaping_the_root_is_refused(tmp_path):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        member = tarfile.TarInfo("../escaped.txt")
        member.size = 1
        tar.addfile(member, io.BytesIO(b"x"))
    (tmp_path / "root").mkdir()
    with pytest.raises(tarfile.FilterError):
        dataset_utils.extract_archive(archive, tmp_path / "root")
    assert not (tmp_path / "escaped.txt").exists()


# ------------------------------------------------------------------ digits
def digits_csv_rows() -> np.ndarray:
    with gzip.open(digits_module._digits_csv(), "rt") as f:
        return np.loadtxt(f, delimiter=",")


def test_digits_splits_are_fixed_disjoint_and_cover_scikit_learns_file():
    train, test = datasets.Digits(train=True), datasets.Digits(train=False)
    assert (len(train), len(test)) == (1437, 360)
    assert train.classes == [str(d) for d in range(10)] and train.class_to_idx["7"] == 7
    rows = digits_csv_rows()
    expected = sorted(
        (np.round(row[:64] * 255 / 16).astype(np.uint8).tobytes(), int(row[64])) for row in rows
    )
    ours = sorted(
        [(image.tobytes(), label) for image, label in zip(train.data, train.targets, strict=True)]
        + [(image.tobytes(), label) for image, label in zip(test.data, test.targets, strict=True)]
    )
    assert ours == expected
    again = datasets.Digits(train=False)
    np.testing.assert_array_equal(again.data, test.data)
    assert set(train.targets) == set(test.targets) == set(range(10))


def test_digits_items_are_grayscale_images_that_to_tensor_scales_to_unit_range():
    dataset = datasets.Digits(transform=transforms.ToTensor(), target_transform=str)
    image, label = datasets.Digits()[5]
    assert isinstance(image, Image.Image) and image.mode == "L" and image.size == (8, 8)
    tensor, text = dataset[5]
    assert tensor.shape == (1, 8, 8) and tensor.dtype == minitorch.float32
    assert float(tensor.numpy().min()) >= 0.0 and float(tensor.numpy().max()) <= 1.0
    assert text == str(label)
    batch, labels = next(
        iter(DataLoader(datasets.Digits(transform=transforms.ToTensor()), batch_size=64))
    )
    assert batch.shape == (64, 1, 8, 8) and labels.dtype == minitorch.int64


def test_digits_without_scikit_learn_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(digits_module.importlib.util, "find_spec", lambda name: None)
    digits_module._load_digits.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="pip install scikit-learn"):
            datasets.Digits()
    finally:
        monkeypatch.undo()
        digits_module._load_digits.cache_clear()


# ------------------------------------------------------------------ image folders
def write_image_folder(root: Path) -> None:
    rng = np.random.default_rng(0)

    def image(path: Path, mode: str, size=(5, 4)):
        path.parent.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
        Image.fromarray(pixels).convert(mode).save(path)

    image(root / "dog" / "b.png", "RGB")
    image(root / "dog" / "a.bmp", "L")
    image(root / "dog" / "nested" / "c.PNG", "RGBA")
    image(root / "cat" / "z.png", "P")
    image(root / "cat" / "y.ppm", "RGB")
    (root / "cat" / "notes.txt").write_text("not an image")
    (root / "bird").mkdir()
    (root / "bird" / "readme.md").write_text("no images here")
    (root / "stray.png").write_bytes(b"")  # files at the top level are not classes


def test_image_folder_matches_torchvision(tmp_path):
    write_image_folder(tmp_path)
    kwargs = {"allow_empty": True}
    mine = datasets.ImageFolder(str(tmp_path), **kwargs)
    theirs = torchvision.datasets.ImageFolder(str(tmp_path), **kwargs)
    assert mine.classes == theirs.classes == ["bird", "cat", "dog"]
    assert mine.class_to_idx == theirs.class_to_idx
    assert (
        mine.samples == theirs.samples
        and mine.imgs == theirs.imgs
        and mine.targets == theirs.targets
    )
    assert len(mine) == len(theirs) == 5
    for index in range(len(mine)):
        (image, target), (their_image, their_target) = mine[index], theirs[index]
        assert image.mode == "RGB" and target == their_target
        np.testing.assert_array_equal(np.asarray(image), np.asarray(their_image))


def test_image_folder_errors_and_options_match_torchvision(tmp_path):
    write_image_folder(tmp_path)
    for library in (torchvision.datasets, datasets):
        with pytest.raises(FileNotFoundError, match="Found no valid file for the classes bird"):
            library.ImageFolder(str(tmp_path))
        with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
            library.ImageFolder(str(tmp_path / "dog" / "nested"))
    only_png = {"is_valid_file": lambda path: path.endswith(".png"), "allow_empty": True}
    mine = datasets.ImageFolder(str(tmp_path), transform=transforms.ToTensor(), **only_png)
    theirs = torchvision.datasets.ImageFolder(
        str(tmp_path), transform=torchvision.transforms.ToTensor(), **only_png
    )
    assert mine.samples == theirs.samples
    np.testing.assert_array_equal(mine[0][0].numpy(), theirs[0][0].numpy())


def test_dataset_folder_with_own_loader(tmp_path):
    for name, text in (("a/1.txt", "one"), ("b/2.txt", "two"), ("b/3.csv", "ignored")):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    mine = datasets.DatasetFolder(
        tmp_path, loader=lambda path: Path(path).read_text(), extensions=(".txt",)
    )
    assert [mine[i] for i in range(len(mine))] == [("one", 0), ("two", 1)]
    with pytest.raises(ValueError, match="Both extensions and is_valid_file"):
        datasets.DatasetFolder(tmp_path, loader=print)


def test_vision_dataset_transform_arguments_conflict_like_torchvision():
    for library in (torchvision.datasets, datasets):
        with pytest.raises(ValueError, match="Only transforms or transform/target_transform"):
            library.VisionDataset("root", transforms=print, transform=print)


def test_datasets_are_minitorch_datasets():
    dataset = datasets.Digits(train=False)
    assert isinstance(dataset, minitorch.utils.data.Dataset)
    combined = dataset + dataset
    assert len(combined) == 720 and combined[360][1] == dataset[0][1]


def test_root_is_expanded_like_torchvision():
    assert datasets.VisionDataset("~/data").root == os.path.expanduser("~/data")
