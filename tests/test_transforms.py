"""minitorch.vision.transforms against torchvision.transforms on random images."""

import numpy as np
import pytest
import torch
import torchvision.transforms as T
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

import minitorch
import minitorch.vision.transforms as M
from minitorch.testing import assert_parity

MODES = ["L", "RGB", "RGBA", "LA", "P", "1", "I", "I;16", "F"]


@st.composite
def images(draw, modes=tuple(MODES), max_side=24):
    """A random PIL image of one of ``modes``."""
    mode = draw(st.sampled_from(modes))
    height, width = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    bands = {"L": 1, "P": 1, "1": 1, "LA": 2, "RGB": 3, "RGBA": 4}
    if mode in bands:
        pixels = rng.integers(0, 256, (height, width, bands[mode]), dtype=np.uint8)
        image = Image.fromarray(pixels[:, :, 0] if bands[mode] == 1 else pixels)
        if mode == "P":
            image = image.convert("P")
        elif mode == "1":
            image = image.convert("1")
        elif bands[mode] == 2:
            image = Image.merge("LA", [Image.fromarray(pixels[:, :, i]) for i in range(2)])
        return image
    if mode == "I":
        return Image.fromarray(rng.integers(-(2**31), 2**31 - 1, (height, width), dtype=np.int32))
    if mode == "I;16":
        return Image.fromarray(rng.integers(0, 2**16, (height, width), dtype=np.uint16))
    return Image.fromarray(rng.standard_normal((height, width)).astype(np.float32))


def as_array(result):
    """A transform's output as an array (a tensor's values or a PIL image's pixels)."""
    if isinstance(result, Image.Image):
        return np.asarray(result)
    return (
        result.detach().numpy() if isinstance(result, (minitorch.Tensor, torch.Tensor)) else result
    )


def assert_same_image(mine, theirs):
    if isinstance(theirs, Image.Image):
        assert (
            isinstance(mine, Image.Image) and mine.mode == theirs.mode and mine.size == theirs.size
        )
    else:
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(as_array(mine), as_array(theirs))


# ------------------------------------------------------------------ conversions
@given(images())
def test_to_tensor_matches_torchvision_on_every_mode(image):
    assert_same_image(M.ToTensor()(image), T.ToTensor()(image))


@given(
    st.sampled_from([np.uint8, np.float64, np.int32, np.float32]).flatmap(
        lambda dtype: hnp.arrays(
            dtype,
            hnp.array_shapes(min_dims=2, max_dims=3, max_side=6),
            elements=hnp.from_dtype(np.dtype(dtype), allow_nan=False),
        )
    )
)
def test_to_tensor_on_arrays_matches_torchvision(array):
    assert_same_image(M.ToTensor()(array), T.ToTensor()(array))


def test_to_tensor_rejects_what_torchvision_rejects():
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        M.ToTensor()([1, 2])
    with pytest.raises(ValueError, match="2/3 dimensional"):
        M.ToTensor()(np.zeros((1, 2, 3, 4), np.uint8))


@given(images(modes=("L", "RGB", "RGBA", "LA", "P", "I", "F")))
def test_pil_to_tensor_matches_torchvision(image):
    assert_same_image(M.PILToTensor()(image), T.PILToTensor()(image))


@given(
    st.sampled_from(
        [
            (np.float32, 1),
            (np.float32, 3),
            (np.float32, 4),
            (np.uint8, 2),
            (np.uint8, 3),
            (np.int16, 1),
            (np.int32, 1),
        ]
    ),
    st.integers(1, 6),
    st.integers(1, 6),
    st.integers(0, 1000),
)
def test_to_pil_image_matches_torchvision(kind, height, width, seed):
    dtype, channels = kind
    rng = np.random.default_rng(seed)
    if dtype == np.float32:
        values = rng.random((channels, height, width), dtype=np.float32)
        mine, theirs = (
            M.ToPILImage()(minitorch.tensor(values)),
            T.ToPILImage()(torch.tensor(values)),
        )
    else:
        info = np.iinfo(dtype)
        values = rng.integers(
            max(info.min, -1000), min(info.max, 1000), (height, width, channels)
        ).astype(dtype)
        mine, theirs = M.ToPILImage()(values), T.ToPILImage()(values)
    assert_same_image(mine, theirs)


def test_to_pil_image_float_with_mode_f_matches_torchvision():
    values = np.random.default_rng(0).random((1, 3, 4), dtype=np.float32)
    assert_same_image(
        M.ToPILImage(mode="F")(minitorch.tensor(values)),
        T.ToPILImage(mode="F")(torch.tensor(values)),
    )


# ------------------------------------------------------------------ normalize
@given(
    st.sampled_from([(3, 4, 5), (2, 3, 4, 4), (1, 2, 2)]),
    st.sampled_from([np.float32, np.float64]),
    st.integers(0, 1000),
)
def test_normalize_matches_torchvision_with_gradients(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.random(shape).astype(dtype)
    channels = shape[-3]
    mean = rng.random(channels).tolist()
    std = (rng.random(channels) + 0.1).tolist()
    assert_parity(
        lambda lib, t: (M if lib is minitorch else T).Normalize(mean, std)(t),
        x,
    )


def test_normalize_inplace_changes_the_input_like_torchvision():
    x = np.random.default_rng(1).random((3, 2, 2)).astype(np.float32)
    mine, theirs = minitorch.tensor(x), torch.tensor(x)
    result = M.Normalize([0.5, 0.4, 0.3], [0.2, 0.25, 0.5], inplace=True)(mine)
    T.Normalize([0.5, 0.4, 0.3], [0.2, 0.25, 0.5], inplace=True)(theirs)
    assert result is mine
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


@pytest.mark.parametrize(
    ("make_input", "mean", "std", "error"),
    [
        (lambda lib: lib.zeros(3, 2, 2, dtype=lib.uint8), [0.5] * 3, [0.5] * 3, TypeError),
        (lambda lib: lib.zeros(2, 2), [0.5], [0.5], ValueError),
        (lambda lib: lib.zeros(3, 2, 2), [0.5] * 3, [0.5, 0.0, 0.5], ValueError),
    ],
)
def test_normalize_errors_match_torchvision(make_input, mean, std, error):
    with pytest.raises(error):
        T.Normalize(mean, std)(make_input(torch))
    with pytest.raises(error):
        M.Normalize(mean, std)(make_input(minitorch))


# ------------------------------------------------------------------ geometry
sizes = st.one_of(
    st.integers(1, 40),
    st.tuples(st.integers(1, 40), st.integers(1, 40)),
    st.lists(st.integers(1, 40), min_size=1, max_size=1),
)
interpolations = st.sampled_from(list(T.InterpolationMode))


@given(images(modes=("L", "RGB", "RGBA", "I", "F")), sizes, interpolations)
def test_resize_matches_torchvision_exactly(image, size, interpolation):
    mine = M.Resize(size, interpolation=M.InterpolationMode(interpolation.value))(image)
    assert_same_image(mine, T.Resize(size, interpolation=interpolation)(image))


@given(images(modes=("RGB",)), st.integers(1, 10), st.integers(11, 30))
def test_resize_smaller_edge_with_max_size_matches_torchvision(image, size, max_size):
    try:
        expected = T.Resize(size, max_size=max_size)(image)
    except ValueError:  # a very thin image would shrink to zero pixels
        with pytest.raises(ValueError):
            M.Resize(size, max_size=max_size)(image)
        return
    assert_same_image(M.Resize(size, max_size=max_size)(image), expected)


def test_resize_accepts_pillow_constants_and_warns_about_antialias_like_torchvision():
    image = Image.fromarray(np.random.default_rng(0).integers(0, 256, (9, 7, 3), dtype=np.uint8))
    assert_same_image(
        M.Resize(5, interpolation=Image.NEAREST)(image),
        T.Resize(5, interpolation=Image.NEAREST)(image),
    )
    with pytest.warns(UserWarning, match="Anti-alias option is always applied for PIL Image"):
        M.Resize(4, antialias=False)(image)
    assert repr(M.Resize((3, 4))) == repr(T.Resize((3, 4)))


def test_resize_of_tensors_is_not_implemented_unless_the_size_is_kept():
    x = minitorch.zeros(3, 8, 8)
    assert M.Resize((8, 8))(x) is x
    with pytest.raises(NotImplementedError, match="resize the PIL image before ToTensor"):
        M.Resize((4, 4))(x)


@pytest.mark.parametrize(("size", "error"), [(2.5, TypeError), ((1, 2, 3), ValueError)])
def test_resize_argument_errors_match_torchvision(size, error):
    with pytest.raises(error):
        T.Resize(size)
    with pytest.raises(error):
        M.Resize(size)


@given(
    images(modes=("L", "RGB", "RGBA", "F", "P")),
    st.one_of(st.integers(1, 30), st.tuples(st.integers(1, 30), st.integers(1, 30))),
)
def test_center_crop_matches_torchvision_including_padding(image, size):
    assert_same_image(M.CenterCrop(size)(image), T.CenterCrop(size)(image))


@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 100))
def test_center_crop_of_tensors_matches_torchvision(height, width, seed):
    x = np.random.default_rng(seed).random((2, 3, 7, 6)).astype(np.float32)
    assert_parity(lambda lib, t: (M if lib is minitorch else T).CenterCrop((height, width))(t), x)


paddings = st.one_of(
    st.none(),
    st.integers(0, 4),
    st.tuples(st.integers(0, 4), st.integers(0, 4)),
    st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 4), st.integers(0, 4)),
)


@given(
    images(modes=("L", "RGB", "RGBA"), max_side=12),
    st.tuples(st.integers(1, 14), st.integers(1, 14)),
    paddings,
    st.sampled_from(["constant", "edge", "reflect", "symmetric"]),
    st.sampled_from([0, 255, (10, 20, 30, 40)]),
    st.integers(0, 2**31),
)
def test_random_crop_is_a_window_of_torchvisions_padded_image(
    image, size, padding, padding_mode, fill, seed
):
    channels = len(image.getbands())
    fill = fill if isinstance(fill, int) else fill[:channels]
    reflect_too_small = padding_mode in ("reflect", "symmetric")
    if reflect_too_small:
        padding = padding if isinstance(padding, int) or padding is None else padding[:2]
        limit = min(image.size) - 1
        if padding is not None and max(np.atleast_1d(padding)) > limit:
            padding = None
    options = {
        "padding": padding,
        "pad_if_needed": True,
        "fill": fill,
        "padding_mode": padding_mode,
    }
    if reflect_too_small and (size[0] > 2 * image.height - 1 or size[1] > 2 * image.width - 1):
        return  # reflection cannot pad that much; torchvision fails too
    # torchvision's crop with the whole padded image is deterministic: it is the padded image.
    padded = T.RandomCrop(size, **options)
    reference = (
        T.functional.pad(image, padding, fill, padding_mode) if padding is not None else image
    )
    width, height = reference.size
    if padded.pad_if_needed and width < size[1]:
        reference = T.functional.pad(reference, [size[1] - width, 0], fill, padding_mode)
    if padded.pad_if_needed and reference.size[1] < size[0]:
        reference = T.functional.pad(
            reference, [0, size[0] - reference.size[1]], fill, padding_mode
        )
    minitorch.manual_seed(seed)
    crop = M.RandomCrop(size, **options)(image)
    assert crop.size == (size[1], size[0]) and crop.mode == image.mode
    window = np.asarray(crop)
    full = np.asarray(reference)
    found = any(
        np.array_equal(full[i : i + size[0], j : j + size[1]], window)
        for i in range(full.shape[0] - size[0] + 1)
        for j in range(full.shape[1] - size[1] + 1)
    )
    assert found, "the crop is not a window of torchvision's padded image"
    minitorch.manual_seed(seed)
    assert np.array_equal(np.asarray(M.RandomCrop(size, **options)(image)), window)  # repeatable


def test_random_crop_visits_every_position_and_get_params_bounds():
    image = Image.fromarray(np.arange(25, dtype=np.uint8).reshape(5, 5))
    minitorch.manual_seed(0)
    corners = {tuple(np.asarray(M.RandomCrop(3)(image))[0, :1]) for _ in range(200)}
    assert corners == {(r * 5 + c,) for r in range(3) for c in range(3)}
    assert M.RandomCrop.get_params(image, (5, 5)) == (0, 0, 5, 5)
    with pytest.raises(ValueError, match="Required crop size"):
        M.RandomCrop.get_params(image, (6, 2))


def test_random_crop_on_tensors_crops_within_bounds():
    x = minitorch.arange(2 * 6 * 7.0).reshape(2, 6, 7)
    minitorch.manual_seed(1)
    crop = M.RandomCrop((4, 5))(x)
    assert crop.shape == (2, 4, 5)
    array = x.numpy()
    assert any(
        np.array_equal(array[:, i : i + 4, j : j + 5], crop.numpy())
        for i in range(3)
        for j in range(3)
    )


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_horizontal_flip_with_certain_probability_matches_torchvision(p):
    image = Image.fromarray(np.random.default_rng(0).integers(0, 256, (4, 6, 3), dtype=np.uint8))
    assert_same_image(M.RandomHorizontalFlip(p)(image), T.RandomHorizontalFlip(p)(image))
    x = np.random.default_rng(1).random((3, 4, 6)).astype(np.float32)
    assert_parity(lambda lib, t: (M if lib is minitorch else T).RandomHorizontalFlip(p)(t), x)


def test_horizontal_flip_is_random_and_repeatable_under_manual_seed():
    image = Image.fromarray(np.arange(6, dtype=np.uint8).reshape(2, 3))
    flip = M.RandomHorizontalFlip()

    def outcomes():
        return [np.asarray(flip(image))[0, 0] == 2 for _ in range(50)]

    minitorch.manual_seed(7)
    first = outcomes()
    minitorch.manual_seed(7)
    assert outcomes() == first
    assert 10 < sum(first) < 40


@given(images(modes=("RGB", "RGBA", "L")), st.sampled_from([1, 3]))
def test_grayscale_matches_torchvision_on_pil(image, channels):
    assert_same_image(M.Grayscale(channels)(image), T.Grayscale(channels)(image))


@pytest.mark.parametrize("channels", [1, 3])
def test_grayscale_matches_torchvision_on_tensors(channels):
    x = np.random.default_rng(2).random((2, 3, 4, 5)).astype(np.float32)
    assert_parity(lambda lib, t: (M if lib is minitorch else T).Grayscale(channels)(t), x)


# ------------------------------------------------------------------ composition
def test_compose_lambda_and_the_course_pipeline():
    image = Image.fromarray(
        np.random.default_rng(3).integers(0, 256, (50, 40, 4), dtype=np.uint8)
    ).convert("RGB")
    pipeline = [M.Resize((32, 32)), M.ToTensor(), M.Lambda(lambda t: t * 2)]
    reference = T.Compose([T.Resize((32, 32)), T.ToTensor(), T.Lambda(lambda t: t * 2)])
    assert_same_image(M.Compose(pipeline)(image), reference(image))
    assert repr(M.Compose([M.ToTensor()])) == repr(T.Compose([T.ToTensor()]))
    with pytest.raises(TypeError, match="Argument lambd should be callable"):
        M.Lambda(3)
