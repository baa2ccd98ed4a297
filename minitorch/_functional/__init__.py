"""The functional floor for tensor ops: arguments normalised and checked, then one ``Function``.

The counterpart of ``minitorch/nn/functional.py`` for ``minitorch.x`` and ``Tensor.x``.
"""
