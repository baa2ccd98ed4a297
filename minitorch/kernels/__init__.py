"""Numba kernels: plain loops over numpy arrays, no Tensors, no autograd."""

__all__: list[str] = []  # its API is its submodules
