"""The Function floor: differentiable operations, one ``Function`` each, grouped by kind.

Functions receive numpy arrays and return arrays; the functional floor above
(``minitorch/_functional`` and ``minitorch/nn/functional.py``) checks the arguments first.
"""
