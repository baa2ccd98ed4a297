"""Downloading a dataset's files, as ``torchvision.datasets.utils`` does it.

``download_url`` fetches a file (trying ``http:`` when ``https:`` fails, as torchvision
does), checks its MD5 and only then moves it into place: an interrupted or refused download
leaves no partial file behind. Unlike torchvision, every network wait is bounded
(``DOWNLOAD_TIMEOUT_S`` seconds without data), so that an offline machine fails with a
``urllib.error.URLError`` naming the URL instead of hanging.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

__all__ = [
    "DOWNLOAD_TIMEOUT_S",
    "calculate_md5",
    "check_integrity",
    "download_and_extract_archive",
    "download_url",
    "extract_archive",
]

DOWNLOAD_TIMEOUT_S = 60.0
USER_AGENT = "minitorch"  # torchvision sends its own name too; some servers refuse none
_CHUNK = 1024 * 32


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


def _fetch(url: str, destination: str) -> None:
    from tqdm import tqdm  # the train extra's, like Pillow; imported only to download

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response:
        total = getattr(response, "length", None)  # a file: URL has none
        bar = tqdm(total=total, unit="B", unit_scale=True, disable=None)
        with open(destination, "wb") as out, bar:
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                bar.update(len(chunk))


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
    handle, partial = tempfile.mkstemp(prefix=".download-", dir=root)
    os.close(handle)
    try:
        try:
            _fetch(url, partial)
        except (urllib.error.URLError, OSError) as error:
            if not url.startswith("https:"):
                raise _download_error(url, error) from error
            fallback = "http:" + url.removeprefix("https:")
            try:
                _fetch(fallback, partial)
            except (urllib.error.URLError, OSError) as second:
                raise _download_error(url, second) from second
        if not check_integrity(partial, md5):
            raise RuntimeError("File not found or corrupted.")
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def _download_error(url: str, error: Exception) -> urllib.error.URLError:
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    return urllib.error.URLError(f"cannot download {url}: {reason}")


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
