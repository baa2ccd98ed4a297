"""``minitorch.utils.tensorboard``: ``SummaryWriter``, as ``torch.utils.tensorboard`` has it.

Like PyTorch's, a thin layer over the ``tensorboard`` package (its protobuf messages and its
event-file writer), which must be installed: ``pip install tensorboard``, or
``pip install "minitorch[train]"``.

``read_events`` is minitorch's own: the events of one file as dicts, read back by
tensorboard's own loader.
"""

try:
    import tensorboard
except ImportError as error:
    raise ModuleNotFoundError(
        "TensorBoard logging requires TensorBoard version 1.15 or above, and tensorboard is "
        "not installed: pip install tensorboard",
        name="tensorboard",
    ) from error
from packaging.version import Version  # a dependency of tensorboard's

if not hasattr(tensorboard, "__version__") or Version(tensorboard.__version__) < Version("1.15"):
    raise ImportError("TensorBoard logging requires TensorBoard version 1.15 or above")

del Version
del tensorboard

from tensorboard.summary.writer.record_writer import RecordWriter  # noqa: E402

from minitorch.utils.tensorboard._reader import read_events  # noqa: E402
from minitorch.utils.tensorboard.writer import FileWriter, SummaryWriter  # noqa: E402

__all__ = ["FileWriter", "RecordWriter", "SummaryWriter", "read_events"]
