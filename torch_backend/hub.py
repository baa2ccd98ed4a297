"""``torch.hub``'s checkpoint downloads, served by PyTorch (``minitorch.hub``'s counterpart)."""

from torch.hub import download_url_to_file, get_dir, load_state_dict_from_url, set_dir

__all__ = ["download_url_to_file", "get_dir", "load_state_dict_from_url", "set_dir"]
