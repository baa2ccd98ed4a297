"""A one-line progress bar for training epochs, drawn by ``tqdm``: steps, loss, images/s, ETA.

tqdm redraws the line in place, at most every ``min_interval`` seconds, and only when its
stream is a terminal (``disable=None``), so logs captured by CI hold no bar at all; the
training command prints one line per epoch there instead. What this module adds is the
line's layout (the loss and the images per second of the epoch so far) and the ETA in the
training command's own ``m:ss`` style.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from tqdm import tqdm

__all__ = ["ProgressBar", "format_duration"]


def format_duration(seconds: float) -> str:
    """``75.4`` -> ``"1:15"``; ``3725`` -> ``"1:02:05"``."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class _EpochBar(tqdm):
    """tqdm counting steps, whose line also shows the last loss, images/s and the ETA."""

    loss = float("nan")
    images = 0

    @property
    def format_dict(self) -> dict[str, Any]:
        values = super().format_dict
        elapsed, rate = values["elapsed"], values["rate"]
        remaining = (values["total"] - values["n"]) / rate if rate else None
        values.update(
            loss=self.loss,
            images_per_second=self.images / elapsed if elapsed > 0 else 0.0,
            time_left="?" if remaining is None else format_duration(remaining),
        )
        return values


class ProgressBar:
    """``bar = ProgressBar(total_steps, "epoch 1/15")``, then ``bar.update(images, loss)`` per step.

    The line reads ``epoch 2/15 [######......] 12/45 loss 0.3120 2410 img/s ETA 0:02``.

    Args:
        total: steps in the epoch.
        description: shown at the left of the bar.
        stream: where to draw (default ``sys.stderr``).
        enabled: draw at all; default: only when ``stream`` is a terminal.
        width: characters in the bar itself.
        min_interval: seconds between redraws, so drawing never slows training.
    """

    def __init__(
        self,
        total: int,
        description: str = "",
        stream: TextIO | None = None,
        enabled: bool | None = None,
        width: int = 24,
        min_interval: float = 0.1,
    ):
        self._bar = _EpochBar(
            total=max(total, 1),
            desc=description,
            file=stream if stream is not None else sys.stderr,
            disable=None if enabled is None else not enabled,
            leave=False,  # closing erases the line, leaving it to the epoch's summary
            mininterval=min_interval,
            ascii=".#",  # "." for steps to come, "#" for steps done
            bar_format=(
                f"{{desc}} [{{bar:{width}}}] {{n_fmt}}/{{total_fmt}} loss {{loss:.4f}}"
                " {images_per_second:.0f} img/s ETA {time_left}"
            ),
        )

    def update(self, images: int, loss: float) -> None:
        """Record one finished step of ``images`` pictures whose mean loss was ``loss``."""
        self._bar.images += images
        self._bar.loss = loss
        self._bar.update(1)

    def close(self) -> None:
        """Erase the bar, leaving the line free for the epoch's summary."""
        self._bar.close()
