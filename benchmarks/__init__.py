"""Benchmarks: minitorch against PyTorch in one process: n, min, median, IQR and ratios.

Run ``python -m benchmarks`` (``--help`` for the options, docs/benchmarks.md for the
columns and flags). ``rows`` holds the workloads, written once against PyTorch's API;
``harness`` times them (thread pools, calibrated alternating blocks, the load probe, peak
memory, cold start); ``report`` prints the table and writes the JSON file and the plot.
Rows of one's own: ``register_row``/``register_model`` here, or ``--model module:factory``.
"""

from benchmarks.user_rows import register_model, register_row

__all__ = ["register_model", "register_row"]
