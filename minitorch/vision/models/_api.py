"""Pretrained weights as torchvision describes them, and how a model builder gets them.

``Weights`` records where a checkpoint lives and what it is; each model has an enum of
them (``VGG16_Weights.IMAGENET1K_V1``, ``VGG16_Weights.DEFAULT``). Getting a state_dict
follows ``torch.hub.load_state_dict_from_url``: the file is read from the torch hub cache,
``$TORCH_HOME/hub/checkpoints/<the URL's file name>`` (``TORCH_HOME`` defaults to
``$XDG_CACHE_HOME/torch``, that to ``~/.cache/torch``), and downloaded there first when it
is missing. Unlike PyTorch's, the download gives up after :data:`DOWNLOAD_TIMEOUT`
seconds without data, raising ``urllib.error.URLError`` (PyTorch's class offline) naming
the URL; nothing is left behind: the bytes go to a temporary ``.partial`` file, moved into
place only once complete and checked against the SHA-256 prefix in the file's name.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import partial
from typing import Any
from urllib.error import URLError
from urllib.parse import urlparse
from urllib.request import Request, urlopen

from minitorch.serialization import load

try:
    from tqdm import tqdm
except ImportError:  # an optional dependency: without it a download shows no progress bar
    tqdm = None

__all__ = ["Weights", "WeightsEnum"]

# seconds a download may wait for the server (to connect, or for the next bytes)
DOWNLOAD_TIMEOUT = 30.0
# torch.hub's: a checkpoint named "vgg16-397923af.pth" starts its SHA-256 with 397923af
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
_CHUNK = 128 * 1024


@dataclass
class Weights:
    """One pretrained checkpoint: its ``url``, the ``transforms`` its inputs need, ``meta``
    (categories, parameter count, accuracy, ...)."""

    url: str
    transforms: Callable
    meta: dict[str, Any]

    def __eq__(self, other: Any) -> bool:
        # As torchvision's: a copied enum member must equal the original, and
        # functools.partial objects compare by identity unless taken apart.
        if not isinstance(other, Weights):
            return NotImplemented
        if self.url != other.url or self.meta != other.meta:
            return False
        if isinstance(self.transforms, partial) and isinstance(other.transforms, partial):
            return (
                self.transforms.func == other.transforms.func
                and self.transforms.args == other.transforms.args
                and self.transforms.keywords == other.transforms.keywords
            )
        return self.transforms == other.transforms


class WeightsEnum(Enum):
    """The base of each model's weights enum; its members' values are :class:`Weights`."""

    @classmethod
    def verify(cls, obj: Any) -> Any:
        """``obj`` as a member: None stays None, a name (``"DEFAULT"`` or
        ``"VGG16_Weights.DEFAULT"``) is looked up, a member of another enum is refused."""
        if obj is not None:
            if type(obj) is str:
                obj = cls[obj.replace(cls.__name__ + ".", "")]
            elif not isinstance(obj, cls):
                raise TypeError(
                    f"Invalid Weight class provided; expected {cls.__name__} but received "
                    f"{obj.__class__.__name__}."
                )
        return obj

    def get_state_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The checkpoint's state_dict, from the hub cache or downloaded into it."""
        return load_state_dict_from_url(self.url, *args, **kwargs)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self) -> str:
        return self.value.url

    @property
    def transforms(self) -> Callable:
        return self.value.transforms

    @property
    def meta(self) -> dict[str, Any]:
        return self.value.meta


def image_classification_preset(*args: Any, **kwargs: Any) -> Any:
    """torchvision's ``ImageClassification`` preset, which minitorch does not implement."""
    raise NotImplementedError(
        "the weights' preset transforms (torchvision's ImageClassification) are not "
        "implemented in minitorch; compose them from minitorch.vision.transforms: "
        "Resize(256), CenterCrop(224), ToTensor(), "
        "Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])"
    )


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
        model_dir = os.path.join(torch_home(), "hub", "checkpoints")
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
