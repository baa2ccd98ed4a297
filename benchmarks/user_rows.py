"""Rows of one's own: ``register_row``, ``register_model`` and ``--model module:factory``.

A model factory takes a library namespace with PyTorch's API (``minitorch`` or ``torch``)
and returns ``(model, input_shape)``::

    def tiny_mlp(lib):
        model = lib.nn.Sequential(lib.nn.Linear(8, 16), lib.nn.ReLU(), lib.nn.Linear(16, 4))
        return model, (2, 8)

``python -m benchmarks --model mypackage.nets:tiny_mlp`` then times two rows,
``tiny_mlp_train_step`` (forward, ``(out * out).mean()``, backward, an SGD step) and
``tiny_mlp_inference`` (a ``no_grad`` forward), on the same float32 input and the same
weights for every library: the first library's model draws them, the others load a copy.
A module can instead call ``register_model("name", factory)`` or ``register_row(row)`` when
it is imported, and be named with ``--rows-from mypackage.nets``.

Like ``rows``, this module imports nothing but numpy and the standard library.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from benchmarks.rows import LEARNING_RATE, SEED, Backend, Call, Row, Workload

ModelFactory = Callable[[ModuleType], tuple[Any, tuple[int, ...]]]

_registered: list[Row] = []


def register_row(row: Row) -> Row:
    """Add ``row`` to every later ``all_rows()`` of this process (``--list-rows`` shows it)."""
    if any(existing.name == row.name for existing in _registered):
        raise ValueError(f"a benchmark row named {row.name!r} is already registered")
    _registered.append(row)
    return row


def registered_rows() -> list[Row]:
    return list(_registered)


def _shared_weights(backend: Backend, model: Any, drawn: dict[str, np.ndarray]) -> None:
    """The first model's weights become everyone's: copied out once, loaded into the rest."""
    if not drawn:
        drawn.update({k: Backend.to_numpy(v) for k, v in model.state_dict().items()})
        return
    model.load_state_dict({k: backend.tensor(v) for k, v in drawn.items()})


def _inference(backend: Backend, model: Any, x: Any) -> Call:
    model.eval()

    def forward() -> Any:
        with backend.lib.no_grad():
            return model(x)

    return forward


def _step(backend: Backend, model: Any, x: Any) -> Call:
    parameters = list(model.parameters())
    optimizer = backend.lib.optim.SGD(parameters, lr=LEARNING_RATE)

    def step() -> tuple:
        optimizer.zero_grad()
        out = model(x)
        loss = (out * out).mean()
        loss.backward()
        optimizer.step()
        return (loss, *(p.grad for p in parameters))

    return step


def model_rows(name: str, factory: ModelFactory) -> list[Row]:
    """A training-step row and an inference row of the model ``factory`` builds."""

    def build_kind(kind: str) -> Callable[[bool], Workload]:
        def build(quick: bool) -> Workload:
            drawn: dict[str, np.ndarray] = {}
            # the factory says the input shape when a library builds the model
            workload = Workload(f"{name} {kind}", {}, lambda backend: prepare(backend))

            def prepare(backend: Backend) -> Call:
                model, input_shape = factory(backend.lib)
                if backend.device != "cpu":
                    model = model.to(backend.device)
                _shared_weights(backend, model, drawn)
                workload.shape = "input (" + ",".join(str(n) for n in input_shape) + ")"
                rng = np.random.default_rng(SEED + 2)
                x = backend.tensor(rng.standard_normal(tuple(input_shape)).astype(np.float32))
                return (
                    _inference(backend, model, x)
                    if kind == "inference"
                    else _step(backend, model, x)
                )

            return workload

        return build

    return [
        Row(f"{name}_train_step", "user", f"{name}: training step", build_kind("train")),
        Row(f"{name}_inference", "user", f"{name}: inference", build_kind("inference")),
    ]


def register_model(name: str, factory: ModelFactory) -> list[Row]:
    """Register ``model_rows(name, factory)``; returns the two rows."""
    return [register_row(row) for row in model_rows(name, factory)]


def load_factory(spec: str) -> tuple[str, ModelFactory]:
    """``'package.module:factory'`` -> (``'factory'``, the function), or a ValueError."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"--model wants package.module:factory, got {spec!r}")
    module = importlib.import_module(module_name)
    factory = getattr(module, attribute, None)
    if not callable(factory):
        raise ValueError(f"--model {spec}: {module_name} has no function {attribute!r}")
    return attribute, factory


def load_models(specs: list[str]) -> None:
    """Register the rows of every ``--model`` spec (each spec once)."""
    for spec in specs:
        name, factory = load_factory(spec)
        if not any(row.name == f"{name}_train_step" for row in _registered):
            register_model(name, factory)
