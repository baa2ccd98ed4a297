"""``torch_backend.vision.utils``: torchvision's ``make_grid`` and ``save_image``."""

from torchvision.utils import make_grid, save_image

__all__ = ["make_grid", "save_image"]
