"""``minitorch.hub``: downloading checkpoints into the torch hub cache, as ``torch.hub`` does.

A checkpoint is read from ``get_dir()/checkpoints/<the URL's file name>`` (``get_dir()`` is
``$TORCH_HOME/hub``; ``TORCH_HOME`` defaults to ``$XDG_CACHE_HOME/torch``, that to
``~/.cache/torch``: the same files PyTorch uses) and downloaded there first when it is
missing. Unlike PyTorch's, a download gives up after :data:`DOWNLOAD_TIMEOUT` seconds
without data, raising ``urllib.error.URLError`` (PyTorch's class offline) naming the URL;
nothing is left behind: the bytes go to a temporary ``.partial`` file, moved into place only
once complete (and checked against the SHA-256 prefix in the file's name when asked).
``load_state_dict_from_url`` loads with ``weights_only=True`` unless told otherwise
(PyTorch's hub defaults to False): a downloaded file runs no code by default.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import uuid
from typing import Any
from urllib.error import URLError
from urllib.parse import urlparse
from urllib.request import Request, urlopen

from minitorch.serialization import load

try:
    from tqdm import tqdm
except ImportError:  # an optional dependency: without it a download shows no progress bar
    tqdm = None

__all__ = ["download_url_to_file", "get_dir", "load_state_dict_from_url", "set_dir"]

# seconds a download may wait for the server (to connect, or for the next bytes)
DOWNLOAD_TIMEOUT = 30.0
# torch.hub's: a checkpoint named "vgg16-397923af.pth" starts its SHA-256 with 397923af
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
_CHUNK = 128 * 1024
_hub_dir: str | None = None


def set_dir(d: str | os.PathLike) -> None:
    """Use ``d`` instead of ``$TORCH_HOME/hub`` for this process."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def get_dir() -> str:
    """The hub folder: what :func:`set_dir` set, else ``$TORCH_HOME/hub``."""
    return _hub_dir if _hub_dir is not None else os.path.join(torch_home(), "hub")


def torch_home() -> str:
    """``$TORCH_HOME``, else ``$XDG_CACHE_HOME/torch``, else ``~/.cache/torch``."""
    default = os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch")
    return os.path.expanduser(os.getenv("TORCH_HOME", default))


def load_state_dict_from_url(
    url: str,
    model_dir: str | None = None,
    map_location: Any = None,
    progress: bool = True,
    check_hash: bool = False,
    file_name: str | None = None,
    weights_only: bool = True,
) -> dict[str, Any]:
    """The object saved at ``url``, read from ``model_dir`` (the hub cache's ``checkpoints``)
    where a file of its name is, else downloaded there first (``torch.hub``'s behaviour).

    With ``check_hash``, the download must match the SHA-256 prefix in its file name.
    """
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
        match = HASH_REGEX.search(filename) if check_hash else None
        download_url_to_file(url, cached_file, match.group(1) if match else None, progress)
    return load(cached_file, map_location=map_location, weights_only=weights_only)


def download_url_to_file(
    url: str, dst: str, hash_prefix: str | None = None, progress: bool = True
) -> None:
    """Download ``url`` to ``dst`` whole or not at all.

    Raises ``urllib.error.URLError`` naming the URL when the server cannot be reached or
    stops sending for :data:`DOWNLOAD_TIMEOUT` seconds, and RuntimeError when the bytes do
    not match ``hash_prefix``; either way no file is left.
    """
    dst = os.path.expanduser(dst)
    partial_file = f"{dst}.{uuid.uuid4().hex}.partial"
    sha256 = hashlib.sha256()
    try:
        with open(partial_file, "wb") as out:
            try:
                request = Request(url, headers={"User-Agent": "torch.hub"})
                with urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response:
                    size = response.headers.get("Content-Length")
                    bar = _progress_bar(int(size) if size else None, progress)
                    while chunk := response.read(_CHUNK):
                        out.write(chunk)
                        sha256.update(chunk)
                        if bar is not None:
                            bar.update(len(chunk))
                    if bar is not None:
                        bar.close()
            except OSError as error:  # URLError, or a timeout or reset while reading
                reason = error.reason if isinstance(error, URLError) else error
                raise URLError(f"{reason} (downloading {url})") from error
        digest = sha256.hexdigest()
        if hash_prefix is not None and not digest.startswith(hash_prefix):
            raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')
        shutil.move(partial_file, dst)
    finally:
        if os.path.exists(partial_file):
            os.remove(partial_file)


def _progress_bar(total: int | None, progress: bool) -> Any:
    """A tqdm bar on stderr for a download of ``total`` bytes, where asked for and installed
    (quiet when stderr is not a terminal, as the project's other bars are)."""
    if not progress or tqdm is None:
        return None
    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, disable=None)
