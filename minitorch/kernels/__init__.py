"""Numba kernels: plain loops over numpy arrays, no Tensors, no autograd."""
