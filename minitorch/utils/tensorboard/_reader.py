"""``read_events``: an event file's events as plain dicts, as tensorboard's own loader reads them.

The legacy loader yields the events as written; the newer ``EventFileLoader`` first migrates
them to tensors for TensorBoard's data server (a scalar's ``simple_value`` becomes a tensor).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from google.protobuf.message import Message
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader


def _fields(message: Message) -> dict[str, Any]:
    """The fields ``message`` sets, by name: messages as dicts, repeated fields as lists."""

    def plain(value: Any) -> Any:
        if isinstance(value, Message):
            return _fields(value)
        if isinstance(value, Mapping):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, (str, bytes, int, float)):
            return value
        return [plain(item) for item in value]  # a repeated field

    return {descriptor.name: plain(value) for descriptor, value in message.ListFields()}


def read_events(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Every event in the event file at ``path``, in order, as a dict.

    Each has ``wall_time``, ``step`` and the one field the event holds: ``file_version``
    (a string), ``summary`` (the list of its values, each a dict such as ``{"tag": "loss",
    "simple_value": 0.5}`` or one with an ``image`` dict), or ``graph_def`` (the serialized
    ``GraphDef``), ``session_log``, ``tagged_run_metadata``, ... as dicts of their fields.
    """
    events = []
    for event in LegacyEventFileLoader(os.fspath(path)).Load():
        record: dict[str, Any] = {"wall_time": event.wall_time, "step": event.step}
        kind = event.WhichOneof("what")
        if kind == "summary":
            record["summary"] = [_fields(value) for value in event.summary.value]
        elif kind is not None:
            value = getattr(event, kind)
            record[kind] = _fields(value) if isinstance(value, Message) else value
        events.append(record)
    return events
