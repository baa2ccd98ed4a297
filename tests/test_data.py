"""minitorch.utils.data against torch.utils.data: collation, loaders, samplers, splits, errors."""

import collections
from dataclasses import dataclass

import numpy as np
import pytest
import torch
import torch.utils.data
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minitorch
import minitorch.utils.data as mdata
from minitorch.testing import assert_same_error

Point = collections.namedtuple("Point", ["x", "y"])


@dataclass(frozen=True)
class AsTensor:
    """A leaf that becomes a tensor of the library under test."""

    array: np.ndarray


def build(lib, spec):
    """Turn a sample description into real data for ``lib`` (AsTensor leaves become tensors)."""
    if isinstance(spec, AsTensor):
        return lib.tensor(spec.array)
    if isinstance(spec, Point):
        return Point(*(build(lib, s) for s in spec))
    if isinstance(spec, dict):
        return {k: build(lib, v) for k, v in spec.items()}
    if isinstance(spec, tuple):
        return tuple(build(lib, s) for s in spec)
    if isinstance(spec, list):
        return [build(lib, s) for s in spec]
    return spec


def assert_same_structure(mine, theirs, path="batch"):
    """minitorch's collated batch has torch's structure, types, dtypes and values."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(mine, minitorch.Tensor), f"{path}: {type(mine)} is not a tensor"
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], path
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy(), err_msg=path)
        return
    assert type(mine).__name__ == type(theirs).__name__, f"{path}: {type(mine)} != {type(theirs)}"
    if isinstance(theirs, dict):
        assert list(mine) == list(theirs), path
        for key in theirs:
            assert_same_structure(mine[key], theirs[key], f"{path}[{key!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert len(mine) == len(theirs), path
        for i, (m, t) in enumerate(zip(mine, theirs, strict=True)):
            assert_same_structure(m, t, f"{path}[{i}]")
    elif isinstance(theirs, np.ndarray):
        np.testing.assert_array_equal(mine, theirs, err_msg=path)
    else:
        assert mine == theirs, path


dtypes = st.sampled_from([np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_])


@st.composite
def leaf_kinds(draw):
    """A function drawing one leaf of a fixed kind (all samples of a batch share the kind)."""
    kind = draw(st.sampled_from(["tensor", "array", "np_scalar", "int", "float", "bool", "str"]))
    dtype = draw(dtypes)
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))

    def leaf(d):
        if kind in ("tensor", "array"):
            array = d(
                hnp.arrays(dtype, shape, elements=hnp.from_dtype(np.dtype(dtype), allow_nan=False))
            )
            return AsTensor(array) if kind == "tensor" else array
        if kind == "np_scalar":
            return d(hnp.from_dtype(np.dtype(dtype), allow_nan=False)).astype(dtype)[()]
        return d(
            {
                "int": st.integers(-(2**40), 2**40),
                "float": st.floats(-1e6, 1e6, width=64),
                "bool": st.booleans(),
                "str": st.text(max_size=3),
            }[kind]
        )

    return leaf


@st.composite
def sample_makers(draw, depth=0):
    """A function drawing one sample of a fixed nested structure."""
    if depth >= 2 or draw(st.booleans()):
        return draw(leaf_kinds())
    container = draw(st.sampled_from(["tuple", "list", "dict", "namedtuple"]))
    children = draw(st.lists(sample_makers(depth + 1), min_size=1, max_size=3))
    if container == "namedtuple":
        children = (children * 2)[:2]

    def sample(d):
        parts = [make(d) for make in children]
        if container == "tuple":
            return tuple(parts)
        if container == "list":
            return parts
        if container == "namedtuple":
            return Point(*parts)
        return {f"k{i}": p for i, p in enumerate(parts)}

    return sample


@given(st.data())
def test_default_collate_matches_torch(data):
    make = data.draw(sample_makers())
    specs = [make(data.draw) for _ in range(data.draw(st.integers(1, 4)))]
    expected = torch.utils.data.default_collate([build(torch, s) for s in specs])
    actual = mdata.default_collate([build(minitorch, s) for s in specs])
    assert_same_structure(actual, expected)


@given(st.data())
def test_default_convert_matches_torch(data):
    spec = data.draw(sample_makers())(data.draw)
    expected = torch.utils.data.default_convert(build(torch, spec))
    actual = mdata.default_convert(build(minitorch, spec))
    assert_same_structure(actual, expected)


def test_default_collate_python_numbers_follow_torch_dtypes():
    batch = mdata.default_collate([(1.5, 2, True), (2.5, 3, False)])
    assert [t.dtype for t in batch] == [minitorch.float64, minitorch.int64, minitorch.bool]


@pytest.mark.parametrize(
    "batch",
    [
        [np.array(["a"]), np.array(["b"])],
        [None, None],
        [(1, 2), (1,)],
        [np.zeros(2, np.float32), np.zeros(3, np.float32)],
    ],
    ids=["string-array", "none", "ragged-tuples", "unequal-shapes"],
)
def test_default_collate_errors_match_torch(batch):
    with pytest.raises(Exception) as torch_error:
        torch.utils.data.default_collate(batch)
    with pytest.raises(torch_error.type) as mine:
        mdata.default_collate(batch)
    if torch_error.type is TypeError:
        assert "default_collate: batch must contain" in str(mine.value)


def test_default_collate_keeps_the_graph():
    x = minitorch.tensor([1.0, 2.0], requires_grad=True)
    batch = mdata.default_collate([x, x * 2])
    batch.backward(minitorch.ones(2, 2))
    assert x.grad.tolist() == [3.0, 3.0]


# ------------------------------------------------------------------ DataLoader
def tensor_datasets(n=10):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    y = np.arange(n, dtype=np.int64) % 3
    return (
        mdata.TensorDataset(minitorch.tensor(x), minitorch.tensor(y)),
        torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)),
    )


def as_lists(loader):
    return [[t.tolist() for t in batch] for batch in loader]


@pytest.mark.parametrize("batch_size", [1, 3, 4, 10, 64])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sequential_batches_and_len_match_torch(batch_size, drop_last):
    mine, theirs = tensor_datasets()
    m_loader = mdata.DataLoader(mine, batch_size=batch_size, drop_last=drop_last)
    t_loader = torch.utils.data.DataLoader(theirs, batch_size=batch_size, drop_last=drop_last)
    assert len(m_loader) == len(t_loader)
    assert as_lists(m_loader) == as_lists(t_loader)
    assert all(b[0].dtype == minitorch.float32 and b[1].dtype == minitorch.int64 for b in m_loader)


def test_batch_size_none_converts_without_batching_like_torch():
    samples = [(np.float32(i), np.arange(i, i + 2)) for i in range(3)]
    m_batches = list(mdata.DataLoader(samples, batch_size=None))
    t_batches = list(torch.utils.data.DataLoader(samples, batch_size=None))
    assert len(m_batches) == len(t_batches) == 3
    for m, t in zip(m_batches, t_batches, strict=True):
        assert_same_structure(m, t)


def test_explicit_batch_sampler_and_sampler_match_torch():
    mine, theirs = tensor_datasets()
    batches = [[0, 5], [9, 1, 2]]
    assert as_lists(mdata.DataLoader(mine, batch_sampler=batches)) == as_lists(
        torch.utils.data.DataLoader(theirs, batch_sampler=batches)
    )
    order = [3, 1, 4, 1, 5]
    assert as_lists(mdata.DataLoader(mine, sampler=order, batch_size=2)) == as_lists(
        torch.utils.data.DataLoader(theirs, sampler=order, batch_size=2)
    )


def test_custom_collate_fn_receives_the_samples():
    loader = mdata.DataLoader(list(range(7)), batch_size=3, collate_fn=lambda batch: sum(batch))
    assert list(loader) == [3, 12, 6]


def test_shuffle_is_a_new_permutation_each_epoch_and_repeats_under_manual_seed():
    dataset = list(range(50))

    def epochs():
        loader = mdata.DataLoader(dataset, batch_size=7, shuffle=True)
        return [[int(i) for batch in loader for i in batch] for _ in range(2)]

    minitorch.manual_seed(123)
    first = epochs()
    minitorch.manual_seed(123)
    assert epochs() == first
    assert sorted(first[0]) == dataset and sorted(first[1]) == dataset
    assert first[0] != first[1] and first[0] != dataset


def test_shuffle_with_own_generator_ignores_the_global_seed():
    def order(global_seed):
        minitorch.manual_seed(global_seed)
        loader = mdata.DataLoader(
            list(range(20)), shuffle=True, generator=minitorch.Generator().manual_seed(5)
        )
        return [int(b) for b in loader]

    assert order(1) == order(2)


class Stream(mdata.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


class TorchStream(torch.utils.data.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


@pytest.mark.parametrize("batch_size", [None, 1, 3, 5])
@pytest.mark.parametrize("drop_last", [False, True])
def test_iterable_dataset_batches_match_torch(batch_size, drop_last):
    if batch_size is None and drop_last:
        return
    m_loader = mdata.DataLoader(Stream(10), batch_size=batch_size, drop_last=drop_last)
    t_loader = torch.utils.data.DataLoader(
        TorchStream(10), batch_size=batch_size, drop_last=drop_last
    )
    assert len(m_loader) == len(t_loader)
    assert [b.tolist() if hasattr(b, "tolist") else b for b in m_loader] == [
        b.tolist() if hasattr(b, "tolist") else b for b in t_loader
    ]


def test_chained_iterable_datasets():
    assert list(Stream(2) + Stream(3)) == [0, 1, 0, 1, 2]
    assert len(mdata.ChainDataset([Stream(2), Stream(3)])) == 5


class Items(mdata.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, index):
        return index


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sampler": [0, 1], "shuffle": True},
        {"batch_sampler": [[0]], "batch_size": 2},
        {"batch_sampler": [[0]], "shuffle": True},
        {"batch_sampler": [[0]], "drop_last": True},
        {"batch_size": None, "drop_last": True},
        {"batch_size": 0},
        {"batch_size": 2, "drop_last": "yes"},
        {"num_workers": -1},
        {"timeout": -1},
        {"persistent_workers": True},
        {"multiprocessing_context": "spawn"},
        {"prefetch_factor": 2},
    ],
)
def test_conflicting_loader_arguments_raise_like_torch(kwargs):
    dataset = list(range(4))
    assert assert_same_error(lambda lib: lib.utils.data.DataLoader(dataset, **kwargs)) is ValueError


@pytest.mark.parametrize("kwargs", [{"shuffle": True}, {"sampler": [0]}, {"batch_sampler": [[0]]}])
def test_iterable_dataset_rejects_samplers_like_torch(kwargs):
    with pytest.raises(ValueError, match="IterableDataset"):
        torch.utils.data.DataLoader(TorchStream(3), **kwargs)
    with pytest.raises(ValueError, match="IterableDataset"):
        mdata.DataLoader(Stream(3), **kwargs)


def test_the_main_process_has_no_worker_info():
    assert mdata.get_worker_info() is None


def test_pin_memory_warns_like_torch_without_a_gpu():
    # PyTorch warns when the iteration starts, not when the loader is built
    loader = mdata.DataLoader(Items(), batch_size=2, pin_memory=True)
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no accel"):
        assert [b.tolist() for b in loader] == [[0, 1], [2, 3]]


class Broken(mdata.Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, index):
        if index == 3:
            raise KeyError(f"no item {index}")
        return index


def test_dataset_errors_keep_their_type_and_name_the_index():
    loader = mdata.DataLoader(Broken(), batch_size=2)
    with pytest.raises(KeyError, match="no item 3") as error:
        list(loader)
    assert any("index 3" in note for note in error.value.__notes__)


# ------------------------------------------------------------------ samplers
def test_sequential_and_batch_samplers_match_torch():
    assert list(mdata.SequentialSampler(range(4))) == list(
        torch.utils.data.SequentialSampler(range(4))
    )
    for drop_last in (False, True):
        mine = mdata.BatchSampler(mdata.SequentialSampler(range(10)), 3, drop_last)
        theirs = torch.utils.data.BatchSampler(
            torch.utils.data.SequentialSampler(range(10)), 3, drop_last
        )
        assert list(mine) == list(theirs) and len(mine) == len(theirs)


@pytest.mark.parametrize(
    ("replacement", "num_samples"), [(False, None), (False, 23), (True, None), (True, 70)]
)
def test_random_sampler_draws_valid_indices(replacement, num_samples):
    generator = minitorch.Generator().manual_seed(0)
    sampler = mdata.RandomSampler(
        range(10), replacement=replacement, num_samples=num_samples, generator=generator
    )
    indices = list(sampler)
    assert len(indices) == len(sampler) == (num_samples or 10)
    assert all(0 <= i < 10 for i in indices)
    if not replacement:
        counts = collections.Counter(indices)
        assert (
            max(counts.values()) - min(counts.values()) <= 1
        )  # whole permutations, then part of one
    again = list(
        mdata.RandomSampler(
            range(10), replacement, num_samples, minitorch.Generator().manual_seed(0)
        )
    )
    assert again == indices


@pytest.mark.parametrize("kwargs", [{"replacement": 1}, {"num_samples": 0}, {"num_samples": 2.5}])
def test_random_sampler_arguments_raise_like_torch(kwargs):
    assert_same_error(lambda lib: lib.utils.data.RandomSampler(range(3), **kwargs))


def test_subset_random_sampler_permutes_the_given_indices():
    indices = [10, 20, 30, 40]
    drawn = list(mdata.SubsetRandomSampler(indices, generator=minitorch.Generator().manual_seed(1)))
    assert sorted(drawn) == indices


# ------------------------------------------------------------------ datasets
@pytest.mark.parametrize(
    "lengths", [[3, 7], [0.3, 0.7], [0.5, 0.25, 0.25], [0.33, 0.33, 0.34], [1, 0, 9]]
)
def test_random_split_sizes_match_torch_and_cover_the_dataset(lengths):
    mine = mdata.random_split(range(10), lengths, generator=minitorch.Generator().manual_seed(0))
    theirs = torch.utils.data.random_split(
        range(10), lengths, generator=torch.Generator().manual_seed(0)
    )
    assert [len(s) for s in mine] == [len(s) for s in theirs]
    assert sorted(i for subset in mine for i in subset) == list(range(10))
    again = mdata.random_split(range(10), lengths, generator=minitorch.Generator().manual_seed(0))
    assert [list(s) for s in again] == [list(s) for s in mine]


def test_random_split_uses_the_global_generator_by_default():
    minitorch.manual_seed(3)
    first = [list(s) for s in mdata.random_split(range(10), [5, 5])]
    minitorch.manual_seed(3)
    assert [list(s) for s in mdata.random_split(range(10), [5, 5])] == first


@pytest.mark.parametrize("lengths", [[3, 3], [0.5, 0.6], [-0.5, 1.5]])
def test_random_split_errors_match_torch(lengths):
    error = assert_same_error(lambda lib: lib.utils.data.random_split(range(10), lengths))
    assert error is ValueError


def test_random_split_warns_about_empty_splits():
    with pytest.warns(UserWarning) as record:
        mdata.random_split(range(2), [0.9, 0.05, 0.05])
    assert [str(w.message)[:27] for w in record] == [
        "Length of split at index 1 ",
        "Length of split at index 2 ",
    ]


def test_concat_subset_and_tensor_datasets_index_like_torch():
    mine, theirs = tensor_datasets(6)
    m_concat = mine + mdata.Subset(mine, [5, 0])
    t_concat = theirs + torch.utils.data.Subset(theirs, [5, 0])
    assert len(m_concat) == len(t_concat) == 8
    assert m_concat.cumulative_sizes == t_concat.cumulative_sizes
    for i in range(-8, 8):
        assert [t.tolist() for t in m_concat[i]] == [t.tolist() for t in t_concat[i]]
    with pytest.raises(ValueError, match="absolute value of index"):
        m_concat[-9]


def test_dataset_construction_errors_match_torch():
    assert assert_same_error(lambda lib: lib.utils.data.ConcatDataset([])) is AssertionError
    mismatched = assert_same_error(
        lambda lib: lib.utils.data.TensorDataset(lib.zeros(3), lib.zeros(4))
    )
    assert mismatched is AssertionError
    with pytest.raises(NotImplementedError):
        mdata.Dataset()[0]


@pytest.mark.parametrize("batch", [[2**63, 1], [-(2**63) - 1, 1], [2**63 - 1, 1], [1.5, 2**70]])
def test_collate_of_python_numbers_beyond_int64_as_torch(batch):
    try:
        expected = torch.utils.data.default_collate(batch)
    except Exception as error:
        with pytest.raises(type(error)) as got:
            mdata.default_collate(batch)
        assert str(got.value) == str(error)
    else:
        got = mdata.default_collate(batch)
        assert isinstance(got, minitorch.Tensor) and got.tolist() == expected.tolist()
        assert str(got.dtype).removeprefix("minitorch.") == str(expected.dtype).removeprefix(
            "torch."
        )
