"""Downloading a dataset's files, as ``torchvision.datasets.utils`` does it.

``download_url`` fetches a file (trying ``http:`` when ``https:`` fails, as torchvision
does) with :func:`minitorch.hub.download_url_to_file`, and keeps it only when its MD5 is
right: an interrupted, refused or corrupted download leaves no file behind. Unlike
torchvision, every network wait is bounded (``minitorch.hub.DOWNLOAD_TIMEOUT`` seconds
without data), so that an offline machine fails with a ``urllib.error.URLError`` naming the
URL instead of hanging.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import urllib.error
from pathlib import Path

from minitorch.hub import download_url_to_file

__all__ = [
    "calculate_md5",
    "check_integrity",
    "download_and_extract_archive",
    "download_url",
    "extract_archive",
]


def calculate_md5(path: str | Path, chunk_size: int = 1024 * 1024) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def check_integrity(path: str | Path, md5: str | None = None) -> bool:
    """``path`` is a file and, when ``md5`` is given, has that MD5."""
    if not os.path.isfile(path):
        return False
    return md5 is None or calculate_md5(path) == md5


def download_url(
    url: str, root: str | Path, filename: str | None = None, md5: str | None = None
) -> None:
    """Download ``url`` into ``root/filename`` unless a file with that MD5 is already there.

    Raises:
        urllib.error.URLError: the file cannot be fetched (no network, refused, timed out);
            the message names the URL.
        RuntimeError: the downloaded file's MD5 is not ``md5`` ("File not found or
            corrupted.", torchvision's words); the file is not kept.
    """
    root = os.path.expanduser(root)
    path = os.path.join(root, filename or os.path.basename(url))
    os.makedirs(root, exist_ok=True)
    if check_integrity(path, md5):
        return
    try:
        download_url_to_file(url, path)
    except urllib.error.URLError:
        if not url.startswith("https:"):
            raise
        download_url_to_file("http:" + url.removeprefix("https:"), path)
    if not check_integrity(path, md5):
        os.remove(path)
        raise RuntimeError("File not found or corrupted.")


def extract_archive(from_path: str | Path, to_path: str | Path | None = None) -> str:
    """Extract a tar archive (``.tar``, ``.tar.gz``, ``.tgz``...) into ``to_path``; members that
    would land outside it, links included, are refused (tarfile's ``data`` filter)."""
    to_path = os.fspath(to_path if to_path is not None else os.path.dirname(from_path))
    with tarfile.open(from_path, "r:*") as tar:
        tar.extractall(to_path, filter="data")
    return to_path


def download_and_extract_archive(
    url: str,
    download_root: str | Path,
    extract_root: str | Path | None = None,
    filename: str | None = None,
    md5: str | None = None,
    remove_finished: bool = False,
) -> None:
    download_root = os.path.expanduser(download_root)
    filename = filename or os.path.basename(url)
    download_url(url, download_root, filename, md5)
    archive = os.path.join(download_root, filename)
    extract_archive(archive, extract_root if extract_root is not None else download_root)
    if remove_finished:
        os.remove(archive)
