"""DataLoader faults: a failing ``__getitem__`` names its index; worker processes are refused."""

from __future__ import annotations

import pytest

import minitorch
from minitorch.utils.data import DataLoader, Dataset


class FailsAt(Dataset):
    """Samples 0..n-1, except that loading ``bad`` raises."""

    def __init__(self, n: int, bad: int, error: type[Exception] = ValueError) -> None:
        self.n, self.bad, self.error = n, bad, error

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> minitorch.Tensor:
        if index == self.bad:
            raise self.error(f"cannot decode sample {index}")
        return minitorch.tensor([float(index)])


def notes_and_message(error: BaseException) -> str:
    return "\n".join([str(error), *getattr(error, "__notes__", [])])


@pytest.mark.parametrize("batch_size", [None, 1, 4])
@pytest.mark.parametrize("error", [ValueError, KeyError, OSError, RuntimeError])
def test_getitem_error_surfaces_with_its_index(batch_size: int | None, error: type) -> None:
    loader = DataLoader(FailsAt(10, bad=6, error=error), batch_size=batch_size)
    batches = iter(loader)
    with pytest.raises(error) as raised:
        for _ in batches:
            pass
    text = notes_and_message(raised.value)
    assert "index 6" in text and "FailsAt" in text
    assert "cannot decode sample 6" in text


def test_getitem_error_with_shuffle_names_the_failing_index() -> None:
    minitorch.manual_seed(0)
    loader = DataLoader(FailsAt(20, bad=13), batch_size=3, shuffle=True)
    with pytest.raises(ValueError) as raised:
        list(loader)
    assert "index 13" in notes_and_message(raised.value)


def test_batches_before_the_failure_are_delivered() -> None:
    loader = DataLoader(FailsAt(10, bad=6), batch_size=3)
    batches = iter(loader)
    assert next(batches).reshape(-1).tolist() == [0.0, 1.0, 2.0]
    assert next(batches).reshape(-1).tolist() == [3.0, 4.0, 5.0]
    with pytest.raises(ValueError):
        next(batches)


def test_negative_num_workers_is_a_value_error_as_in_pytorch() -> None:
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(FailsAt(4, bad=-1), num_workers=-1)
