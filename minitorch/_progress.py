"""A one-line progress bar for training epochs: steps done, loss, images per second, ETA.

It redraws itself in place (carriage return) and only when its stream is a terminal, so
logs captured by CI hold no bar at all; the training command prints one line per epoch
there instead.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def format_duration(seconds: float) -> str:
    """``75.4`` -> ``"1:15"``; ``3725`` -> ``"1:02:05"``."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressBar:
    """``bar = ProgressBar(total_steps, "epoch 1/15")``, then ``bar.update(images, loss)`` per step.

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
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream) if enabled is None else enabled
        self.total = max(total, 1)
        self.description = description
        self.width = width
        self.min_interval = min_interval
        self.steps = 0
        self.images = 0
        self.loss = float("nan")
        self.start = time.perf_counter()
        self._last_draw = float("-inf")
        self._drawn_width = 0

    @property
    def images_per_second(self) -> float:
        elapsed = time.perf_counter() - self.start
        return self.images / elapsed if elapsed > 0 else 0.0

    def update(self, images: int, loss: float) -> None:
        """Record one finished step of ``images`` pictures whose mean loss was ``loss``."""
        self.steps += 1
        self.images += images
        self.loss = loss
        now = time.perf_counter()
        if self.enabled and (
            now - self._last_draw >= self.min_interval or self.steps >= self.total
        ):
            self._last_draw = now
            self._draw(self.render())

    def render(self) -> str:
        """The bar as text: ``epoch 2/15 [######......] 12/45 loss 0.3120 2410 img/s ETA 0:02``."""
        done = min(self.steps, self.total)
        filled = self.width * done // self.total
        elapsed = time.perf_counter() - self.start
        remaining = elapsed / done * (self.total - done) if done else 0.0
        bar = "#" * filled + "." * (self.width - filled)
        return (
            f"{self.description} [{bar}] {done}/{self.total} loss {self.loss:.4f}"
            f" {self.images_per_second:.0f} img/s ETA {format_duration(remaining)}"
        )

    def close(self) -> None:
        """Erase the bar, leaving the line free for the epoch's summary."""
        if self.enabled and self._drawn_width:
            self.stream.write("\r" + " " * self._drawn_width + "\r")
            self.stream.flush()
            self._drawn_width = 0

    def _draw(self, text: str) -> None:
        padding = " " * max(self._drawn_width - len(text), 0)
        self.stream.write("\r" + text + padding)
        self.stream.flush()
        self._drawn_width = len(text)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real file
        return False
