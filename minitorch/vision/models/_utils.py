"""The model builders' calling conventions, as torchvision keeps them since 0.13.

The builders take ``weights`` (an enum member, its name, or None) by keyword. The older
spellings still work, with torchvision's deprecation warnings: ``pretrained=True`` /
``pretrained=False`` and positional arguments (``vgg16(False)``).
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from minitorch.vision.models._api import WeightsEnum

__all__: list[str] = []  # the builders' machinery; the API is the builders

Builder = TypeVar("Builder", bound=Callable[..., Any])


def _quoted(names: Sequence[str]) -> str:
    """``'weights'``, ``'weights' and 'progress'``, ``'a', 'b', and 'c'`` (torchvision's
    ``sequence_to_str(..., separate_last="and ")``)."""
    if len(names) == 1:
        return f"'{names[0]}'"
    head = "'" + "', '".join(names[:-1]) + "'"
    return head + ("" if len(names) == 2 else ",") + f" and '{names[-1]}'"


def handle_legacy_interface(default: WeightsEnum) -> Callable[[Builder], Builder]:
    """Let a builder ``(*, weights=None, progress=True, **kwargs)`` be called the old ways.

    Keyword-only parameters passed by position are taken by name, with a warning.
    ``pretrained=`` (or a truthy or False ``weights`` that is neither an enum member, a
    name nor None) becomes ``weights=default`` or ``weights=None``, with torchvision's
    warnings.
    """

    def decorate(builder: Builder) -> Builder:
        keyword_only = [
            name
            for name, parameter in inspect.signature(builder).parameters.items()
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY
        ]

        @functools.wraps(builder)
        def build(*args: Any, **kwargs: Any) -> Any:
            if len(args) > len(keyword_only):
                raise TypeError(
                    f"{builder.__name__}() takes at most {len(keyword_only)} positional "
                    f"arguments ({len(args)} given)"
                )
            if args:
                positional = dict(zip(keyword_only, args, strict=False))
                warnings.warn(
                    f"Using {_quoted(list(positional))} as positional parameter(s) is "
                    "deprecated since 0.13 and may be removed in the future. Please use "
                    "keyword parameter(s) instead.",
                    stacklevel=2,
                )
                kwargs.update(positional)
            return builder(**_legacy_weights(kwargs, default))

        return build  # type: ignore[return-value]

    return decorate


def _legacy_weights(kwargs: dict[str, Any], default: WeightsEnum) -> dict[str, Any]:
    """``kwargs`` with ``pretrained`` (or a legacy ``weights`` value) turned into weights."""
    missing = object()
    weights = kwargs.get("weights", missing)
    if (
        ("weights" not in kwargs and "pretrained" not in kwargs)
        or isinstance(weights, WeightsEnum)
        or (isinstance(weights, str) and weights != "legacy")
        or weights is None
    ):
        return kwargs
    # A value in ``weights`` here came by position, where ``pretrained`` used to be.
    passed_by_position = weights is not missing
    pretrained = kwargs.pop("weights") if passed_by_position else kwargs["pretrained"]
    kwargs.pop("pretrained", None)
    chosen = default if pretrained else None
    if not passed_by_position:
        warnings.warn(
            "The parameter 'pretrained' is deprecated since 0.13 and may be removed in the "
            "future, please use 'weights' instead.",
            stacklevel=3,
        )
    message = (
        "Arguments other than a weight enum or `None` for 'weights' are deprecated since 0.13 "
        "and may be removed in the future. "
        f"The current behavior is equivalent to passing `weights={chosen}`."
    )
    if pretrained:
        message += (
            f" You can also use `weights={type(default).__name__}.DEFAULT` to get the most "
            "up-to-date weights."
        )
    warnings.warn(message, stacklevel=3)
    kwargs["weights"] = chosen
    return kwargs


def overwrite_named_param(kwargs: dict[str, Any], param: str, new_value: Any) -> None:
    """Set ``kwargs[param]`` to what the weights need, refusing a different value given."""
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(
                f"The parameter '{param}' expected value {new_value} but got {kwargs[param]} "
                "instead."
            )
    else:
        kwargs[param] = new_value
