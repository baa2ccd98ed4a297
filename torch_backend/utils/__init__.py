"""``torch_backend.utils``: the data pipeline (``utils.data``)."""

from torch_backend.utils import data

__all__: list[str] = []  # its API is its submodules
