"""Neural-network layers (``minitorch.nn``), laid out like ``torch.nn``."""
