"""Fetching one batch (or one sample) from a dataset: the same code in the calling process and
in every worker process, as ``torch/utils/data/_utils/fetch.py``.

A fetcher is asked for what the loader's index sampler yields next: a list of indices
(automatic batching), a single index, or, for an iterable dataset, placeholders whose only
meaning is "the next sample"; it returns the collated batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minitorch.utils.data.dataset import Dataset

__all__ = ["IterableDatasetFetcher", "MapDatasetFetcher", "create_fetcher"]


class MapDatasetFetcher:
    """``collate_fn([dataset[i] for i in indices])``, or ``collate_fn(dataset[index])``.

    An error raised by ``dataset[i]`` gets a note naming ``i`` and the dataset's class, so
    that a failing sample can be found again (also when it is re-raised from a worker).
    """

    def __init__(
        self, dataset: Dataset, auto_collation: bool, collate_fn: Callable, drop_last: bool
    ) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def fetch(self, possibly_batched_index: Any) -> Any:
        if not self.auto_collation:
            return self.collate_fn(self._get(possibly_batched_index))
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems:
            samples = getitems(possibly_batched_index)
        else:
            samples = [self._get(index) for index in possibly_batched_index]
        return self.collate_fn(samples)

    def _get(self, index: Any) -> Any:
        try:
            return self.dataset[index]
        except Exception as error:
            dataset_name = type(self.dataset).__name__
            error.add_note(
                f"(raised while the DataLoader loaded index {index!r} of {dataset_name})"
            )
            raise


class IterableDatasetFetcher:
    """The next ``len(placeholders)`` samples of the stream, collated (or the next one alone).

    Raises ``StopIteration`` once the stream is exhausted, and for a last short batch when
    ``drop_last`` is set.
    """

    def __init__(
        self, dataset: Dataset, auto_collation: bool, collate_fn: Callable, drop_last: bool
    ) -> None:
        self.dataset_iter = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, possibly_batched_index: Any) -> Any:
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        samples = []
        for _ in possibly_batched_index:
            try:
                samples.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if not samples or (self.drop_last and len(samples) < len(possibly_batched_index)):
            raise StopIteration
        return self.collate_fn(samples)


def create_fetcher(
    is_iterable: bool,
    dataset: Dataset,
    auto_collation: bool,
    collate_fn: Callable,
    drop_last: bool,
) -> MapDatasetFetcher | IterableDatasetFetcher:
    fetcher = IterableDatasetFetcher if is_iterable else MapDatasetFetcher
    return fetcher(dataset, auto_collation, collate_fn, drop_last)
