"""Image transforms, as in ``torchvision.transforms``: PIL images in, tensors out.

A transform is a callable object: ``Compose([Resize((32, 32)), ToTensor()])(image)``.
Geometric transforms on PIL images use Pillow itself, exactly as torchvision
does, so the pixels agree with torchvision's to the bit. ``ToTensor`` turns an
``H x W x C`` picture of bytes into a ``C x H x W`` float tensor in [0, 1];
``Normalize`` then standardises each channel. Random transforms draw from
minitorch's generator, so ``minitorch.manual_seed`` makes them repeatable.
"""

from __future__ import annotations

import numbers
import sys
import warnings
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from minitorch import _dtype
from minitorch._creation import as_tensor, from_numpy, rand, randint
from minitorch._tensor import Tensor

__all__ = [
    "CenterCrop",
    "Compose",
    "Grayscale",
    "InterpolationMode",
    "Lambda",
    "Normalize",
    "PILToTensor",
    "RandomCrop",
    "RandomHorizontalFlip",
    "Resize",
    "ToPILImage",
    "ToTensor",
]

ImageLike = Image.Image | Tensor


class InterpolationMode(Enum):
    """How ``Resize`` computes new pixels (torchvision's names)."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PIL_FILTERS = {
    InterpolationMode.NEAREST: Image.Resampling.NEAREST,
    InterpolationMode.NEAREST_EXACT: Image.Resampling.NEAREST,
    InterpolationMode.BILINEAR: Image.Resampling.BILINEAR,
    InterpolationMode.BICUBIC: Image.Resampling.BICUBIC,
    InterpolationMode.BOX: Image.Resampling.BOX,
    InterpolationMode.HAMMING: Image.Resampling.HAMMING,
    InterpolationMode.LANCZOS: Image.Resampling.LANCZOS,
}
_MODES_OF_PIL_INTEGERS = {
    0: InterpolationMode.NEAREST,
    2: InterpolationMode.BILINEAR,
    3: InterpolationMode.BICUBIC,
    4: InterpolationMode.BOX,
    5: InterpolationMode.HAMMING,
    1: InterpolationMode.LANCZOS,
}


# ------------------------------------------------------------------ helpers
def _is_pil(img: object) -> bool:
    return isinstance(img, Image.Image)


def _dimensions(img: ImageLike) -> tuple[int, int, int]:
    """(channels, height, width) of a PIL image or a ``(..., C, H, W)`` tensor."""
    if _is_pil(img):
        return len(img.getbands()), img.height, img.width
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise TypeError(
                f"Tensor is not a torch image: expected at least 2 dimensions, got {img.ndim}"
            )
        channels = 1 if img.ndim == 2 else img.shape[-3]
        return channels, img.shape[-2], img.shape[-1]
    raise TypeError(f"Unexpected type {type(img)}")


def _size_pair(size: int | Sequence[int], error_message: str) -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(error_message)
    return tuple(size)


def _crop(img: ImageLike, top: int, left: int, height: int, width: int) -> ImageLike:
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
    _, image_height, image_width = _dimensions(img)
    if top < 0 or left < 0 or top + height > image_height or left + width > image_width:
        raise NotImplementedError(
            "cropping a tensor beyond its borders (which pads it) is not implemented in minitorch; "
            "crop the PIL image before ToTensor"
        )
    return img[..., top : top + height, left : left + width]


def _padding_ltrb(padding: int | Sequence[int]) -> tuple[int, int, int, int]:
    if isinstance(padding, int):
        return padding, padding, padding, padding
    if len(padding) == 1:
        return padding[0], padding[0], padding[0], padding[0]
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    return tuple(padding)


def _pad(
    img: ImageLike, padding: int | Sequence[int], fill: Any = 0, padding_mode: str = "constant"
) -> Image.Image:
    """Pad a PIL image as torchvision does (Pillow for ``constant``, numpy for the other modes)."""
    if not _is_pil(img):
        raise NotImplementedError(
            "padding a tensor image is not implemented in minitorch; pad the PIL image before "
            "ToTensor"
        )
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError(
            "Padding must be an int or a 1, 2, or 4 element tuple, not a "
            f"{len(padding)} element tuple"
        )
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if padding_mode == "constant":
        border = padding[0] if isinstance(padding, (tuple, list)) and len(padding) == 1 else padding
        border = tuple(border) if isinstance(border, list) else border
        padded = ImageOps.expand(img, border=border, fill=_pil_fill(fill, img))
        if img.mode == "P":
            padded.putpalette(img.getpalette())
        return padded
    left, top, right, bottom = _padding_ltrb(padding)
    crop_left, crop_top, crop_right, crop_bottom = (max(-p, 0) for p in (left, top, right, bottom))
    if crop_left or crop_top or crop_right or crop_bottom:  # negative padding crops
        img = img.crop((crop_left, crop_top, img.width - crop_right, img.height - crop_bottom))
    left, top, right, bottom = (max(p, 0) for p in (left, top, right, bottom))
    palette = img.getpalette() if img.mode == "P" else None
    array = np.asarray(img)
    widths = ((top, bottom), (left, right)) + (((0, 0),) if array.ndim == 3 else ())
    padded = Image.fromarray(np.pad(array, widths, mode=padding_mode))
    if palette is not None:
        padded.putpalette(palette)
    return padded


def _pil_fill(fill: Any, img: Image.Image) -> Any:
    """torchvision's fill value for Pillow: one number per channel, ints unless mode ``F``."""
    channels = len(img.getbands())
    fill = 0 if fill is None else fill
    if isinstance(fill, (int, float)) and channels > 1:
        fill = tuple([fill] * channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = tuple(fill) * channels
        elif len(fill) != channels:
            raise ValueError(
                "The number of elements in 'fill' does not match the number of channels of the "
                f"image ({len(fill)} != {channels})"
            )
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return fill


def _to_float_tensor(array: np.ndarray) -> Tensor:
    """Bytes become the default float dtype in [0, 1]; other dtypes are kept."""
    if array.dtype == np.uint8:
        default = _dtype.get_default_dtype().numpy_dtype
        return from_numpy(array.astype(default) / default.type(255))
    return from_numpy(array)


# ------------------------------------------------------------------ transforms
class Compose:
    """Apply several transforms one after the other.

    Example::

        >>> transform = Compose([Resize((32, 32)), ToTensor()])
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = transforms

    def __call__(self, img: Any) -> Any:
        for transform in self.transforms:
            img = transform(img)
        return img

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}("] + [f"    {t}" for t in self.transforms]
        return "\n".join(lines) + "\n)"


class ToTensor:
    """A PIL image or ``H x W x C`` array becomes a ``C x H x W`` tensor.

    Bytes (modes ``L``, ``RGB``, ``RGBA``, ``P``, ``1``... or a uint8 array)
    become floats in [0, 1]; mode ``I`` gives int32, ``I;16`` int16 and ``F``
    float32 without scaling; an array of another dtype keeps it.
    """

    def __call__(self, pic: Image.Image | np.ndarray) -> Tensor:
        if isinstance(pic, np.ndarray):
            if pic.ndim not in (2, 3):
                raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
            array = pic[:, :, None] if pic.ndim == 2 else pic
            return _to_float_tensor(np.ascontiguousarray(array.transpose(2, 0, 1)))
        if not _is_pil(pic):
            raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
        numpy_types = {
            "I": np.int32,
            "I;16" if sys.byteorder == "little" else "I;16B": np.int16,
            "F": np.float32,
        }
        array = np.array(pic, numpy_types.get(pic.mode, np.uint8), copy=True)
        if pic.mode == "1":
            array = array * np.uint8(255)
        array = array.reshape(pic.height, pic.width, len(pic.getbands()))
        return _to_float_tensor(np.ascontiguousarray(array.transpose(2, 0, 1)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class PILToTensor:
    """A PIL image becomes a ``C x H x W`` tensor of its own dtype (uint8 stays uint8, unscaled)."""

    def __call__(self, pic: Image.Image) -> Tensor:
        if not _is_pil(pic):
            raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
        array = np.array(pic, copy=True).reshape(pic.height, pic.width, len(pic.getbands()))
        return from_numpy(array.transpose(2, 0, 1))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ToPILImage:
    """A ``C x H x W`` tensor or ``H x W x C`` array becomes a PIL image.

    Floats are scaled by 255 and truncated to bytes (as torchvision does);
    1 channel gives mode ``L`` (or ``I;16``, ``I``, ``F`` for int16, int32,
    float32 data with ``mode='F'``), 2 ``LA``, 3 ``RGB``, 4 ``RGBA``.
    """

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode

    def __call__(self, pic: Tensor | np.ndarray) -> Image.Image:
        if isinstance(pic, Tensor):
            array = pic.detach().numpy()
            if array.ndim == 3:
                array = array.transpose(1, 2, 0)
        elif isinstance(pic, np.ndarray):
            array = pic
        else:
            raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
        if array.ndim == 2:
            array = array[:, :, None]
        if array.ndim != 3:
            raise ValueError(f"pic should be 2/3 dimensional. Got {array.ndim} dimensions.")
        if array.shape[-1] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {array.shape[-1]} channels.")
        if np.issubdtype(array.dtype, np.floating) and self.mode != "F":
            array = (array * 255).astype(np.uint8)
        channels = array.shape[2]
        if channels == 1:
            array = array[:, :, 0]
            natural = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.int32): "I"}
            natural[np.dtype(np.float32)] = "F"
            expected = natural.get(array.dtype)
            if self.mode is not None and self.mode != expected:
                raise ValueError(
                    f"Incorrect mode ({self.mode}) supplied for input type {array.dtype}. "
                    f"Should be {expected}"
                )
        else:
            expected = {2: "LA", 3: "RGB", 4: "RGBA"}[channels] if array.dtype == np.uint8 else None
            if self.mode is not None and self.mode != expected:
                raise NotImplementedError(
                    f"ToPILImage(mode={self.mode!r}) for {channels}-channel {array.dtype} data "
                    "is not implemented in minitorch"
                )
        if expected is None:
            raise TypeError(f"Input type {array.dtype} is not supported")
        if expected == "I;16":
            return _int16_image(array)
        return Image.fromarray(np.ascontiguousarray(array))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}()"
            if self.mode is None
            else f"{type(self).__name__}(mode={self.mode})"
        )


def _int16_image(array: np.ndarray) -> Image.Image:
    data = np.ascontiguousarray(array.astype("<i2")).tobytes()
    return Image.frombuffer("I;16", (array.shape[1], array.shape[0]), data, "raw", "I;16", 0, 1)


class Normalize:
    """``(input - mean) / std`` per channel, on a float ``(..., C, H, W)`` tensor (differentiable).

    Args:
        mean: one mean per channel.
        std: one standard deviation per channel.
        inplace: change the input tensor itself.

    Example::

        >>> normalize = Normalize(mean=[0.5, 0.5, 0.5], std=[0.5, 0.5, 0.5])  # [0, 1] -> [-1, 1]
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def forward(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
        if not tensor.is_floating_point():
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if tensor.ndim < 3:
            raise ValueError(
                "Expected tensor to be a tensor image of size (..., C, H, W). Got "
                f"tensor.size() = {tensor.size()}"
            )
        mean = as_tensor(self.mean, dtype=tensor.dtype)
        std = as_tensor(self.std, dtype=tensor.dtype)
        if (std == 0).any():
            raise ValueError(
                f"std evaluated to zero after conversion to {tensor.dtype}, leading to "
                "division by zero."
            )
        if mean.ndim == 1:
            mean = mean.view(-1, 1, 1)
        if std.ndim == 1:
            std = std.view(-1, 1, 1)
        if self.inplace:
            return tensor.sub_(mean).div_(std)
        return (tensor - mean) / std

    __call__ = forward

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Resize:
    """Resize an image: ``size=(h, w)``, or an int for the smaller edge (keeping the aspect ratio).

    PIL images are resized by Pillow, as torchvision does (which always
    antialiases). Resizing a tensor to another size is not implemented in
    minitorch: resize the PIL image before ``ToTensor``.

    Example::

        >>> Resize((32, 32))(image)   # the course's test images
        >>> Resize(256)(image)        # smaller edge 256
    """

    def __init__(
        self,
        size: int | Sequence[int],
        interpolation: InterpolationMode | int = InterpolationMode.BILINEAR,
        max_size: int | None = None,
        antialias: bool | None = True,
    ) -> None:
        if not isinstance(size, (int, Sequence)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        if isinstance(interpolation, int):
            interpolation = _MODES_OF_PIL_INTEGERS[interpolation]
        elif not isinstance(interpolation, InterpolationMode):
            raise TypeError(
                "Argument interpolation should be a InterpolationMode or a corresponding Pillow "
                "integer constant"
            )
        if isinstance(size, Sequence) and max_size is not None and len(size) != 1:
            raise ValueError(
                "max_size should only be passed if size specifies the length of the smaller edge, "
                "i.e. size should be an int or a sequence of length 1 in torchscript mode."
            )
        self.size = size
        self.max_size = max_size
        self.interpolation = interpolation
        self.antialias = antialias

    def forward(self, img: ImageLike) -> ImageLike:
        _, height, width = _dimensions(img)
        new_height, new_width = _resized_size(height, width, self.size, self.max_size)
        if (new_height, new_width) == (height, width):
            return img
        if not _is_pil(img):
            raise NotImplementedError(
                "Resize of a tensor is not implemented in minitorch; resize the PIL image before "
                "ToTensor (Compose([Resize(...), ToTensor()]))"
            )
        if self.antialias is False:
            warnings.warn(
                "Anti-alias option is always applied for PIL Image input. "
                "Argument antialias is ignored.",
                stacklevel=2,
            )
        return img.resize((new_width, new_height), _PIL_FILTERS[self.interpolation])

    __call__ = forward

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation.value}, "
            f"max_size={self.max_size}, antialias={self.antialias})"
        )


def _resized_size(
    height: int, width: int, size: int | Sequence[int], max_size: int | None
) -> tuple[int, int]:
    """torchvision's output size: (h, w) as given, or the smaller edge set to ``size``."""
    if isinstance(size, Sequence) and len(size) == 2:
        return size[0], size[1]
    requested = size if isinstance(size, int) else size[0]
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = requested, int(requested * long / short)
    if max_size is not None:
        if max_size <= requested:
            raise ValueError(
                f"max_size = {max_size} must be strictly greater than the requested size for the "
                f"smaller edge size = {size}"
            )
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    new_width, new_height = (new_short, new_long) if width <= height else (new_long, new_short)
    return new_height, new_width


class CenterCrop:
    """Cut out the central ``size`` region (int: a square, or ``(h, w)``); zero-pads if larger."""

    def __init__(self, size: int | Sequence[int]) -> None:
        self.size = _size_pair(size, "Please provide only two dimensions (h, w) for size.")

    def forward(self, img: ImageLike) -> ImageLike:
        crop_height, crop_width = self.size
        _, height, width = _dimensions(img)
        if crop_width > width or crop_height > height:
            padding = [
                (crop_width - width) // 2 if crop_width > width else 0,
                (crop_height - height) // 2 if crop_height > height else 0,
                (crop_width - width + 1) // 2 if crop_width > width else 0,
                (crop_height - height + 1) // 2 if crop_height > height else 0,
            ]
            img = _pad(img, padding, fill=0)
            _, height, width = _dimensions(img)
            if crop_width == width and crop_height == height:
                return img
        top = int(round((height - crop_height) / 2.0))
        left = int(round((width - crop_width) / 2.0))
        return _crop(img, top, left, crop_height, crop_width)

    __call__ = forward

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class RandomCrop:
    """Cut a ``size`` region at a random place, after optional padding.

    Args:
        size: an int for a square, or ``(h, w)``.
        padding: pixels added first on every side (int), left/right and top/bottom
            (2 values) or left, top, right, bottom (4 values).
        pad_if_needed: pad images smaller than ``size`` so the crop fits.
        fill: the value of ``constant`` padding (one per channel or one for all).
        padding_mode: ``constant``, ``edge``, ``reflect`` or ``symmetric``.
    """

    def __init__(
        self,
        size: int | Sequence[int],
        padding: int | Sequence[int] | None = None,
        pad_if_needed: bool = False,
        fill: float | Sequence[float] = 0,
        padding_mode: str = "constant",
    ) -> None:
        self.size = tuple(_size_pair(size, "Please provide only two dimensions (h, w) for size."))
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    @staticmethod
    def get_params(img: ImageLike, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """A random ``(top, left, height, width)`` for a crop of ``output_size``."""
        _, height, width = _dimensions(img)
        crop_height, crop_width = output_size
        if height < crop_height or width < crop_width:
            raise ValueError(
                f"Required crop size {(crop_height, crop_width)} is larger than input image size "
                f"{(height, width)}"
            )
        if width == crop_width and height == crop_height:
            return 0, 0, height, width
        top = randint(0, height - crop_height + 1, size=(1,)).item()
        left = randint(0, width - crop_width + 1, size=(1,)).item()
        return top, left, crop_height, crop_width

    def forward(self, img: ImageLike) -> ImageLike:
        if self.padding is not None:
            img = _pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = _dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = _pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = _pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        return _crop(img, *self.get_params(img, self.size))

    __call__ = forward

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror the image left-right with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def forward(self, img: ImageLike) -> ImageLike:
        if rand(1).item() < self.p:
            if _is_pil(img):
                return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            _dimensions(img)
            return img.flip(-1)
        return img

    __call__ = forward

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class Grayscale:
    """Convert to grayscale, 1 channel or 3 equal ones (``L = 0.299 R + 0.587 G + 0.114 B``)."""

    def __init__(self, num_output_channels: int = 1) -> None:
        self.num_output_channels = num_output_channels

    def forward(self, img: ImageLike) -> ImageLike:
        if self.num_output_channels not in (1, 3):
            raise ValueError("num_output_channels should be either 1 or 3")
        if _is_pil(img):
            gray = img.convert("L")
            if self.num_output_channels == 1:
                return gray
            return Image.fromarray(np.dstack([np.asarray(gray)] * 3))
        if not isinstance(img, Tensor):
            raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")
        if img.ndim < 3:
            raise TypeError(
                f"Input image tensor should have at least 3 dimensions, but found {img.ndim}"
            )
        channels = img.shape[-3]
        if channels not in (1, 3):
            raise TypeError(
                f"Input image tensor permitted channel values are [1, 3], but found {channels}"
            )
        if channels == 3:
            red, green, blue = img.unbind(dim=-3)
            gray = (0.2989 * red + 0.587 * green + 0.114 * blue).to(img.dtype).unsqueeze(dim=-3)
        else:
            gray = img.clone()
        return gray.expand(*img.shape) if self.num_output_channels == 3 else gray

    __call__ = forward

    def __repr__(self) -> str:
        return f"{type(self).__name__}(num_output_channels={self.num_output_channels})"


class Lambda:
    """Use a function as a transform: ``Lambda(lambda x: x * 2)``."""

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
