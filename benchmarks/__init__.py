"""Benchmarks: minitorch against PyTorch in one process, as medians and ratios.

Run ``python -m benchmarks`` (``--help`` for the options). ``rows`` holds the workloads,
written once against PyTorch's API; ``harness`` times them (thread pools, alternating
blocks, cold start); ``report`` prints the table and writes the JSON file and the plot.
"""
