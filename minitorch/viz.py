"""``minitorch.viz``: draw the autograd graph behind a tensor, as torchviz does for PyTorch.

::

    loss = loss_fn(model(images), targets)
    params = dict(model.named_parameters())
    minitorch.viz.make_dot(loss, params=params)         # in a notebook: the picture
    minitorch.viz.make_dot(loss, params, show_saved=True, show_attrs=True).render("graph")
    print(minitorch.viz.to_dot(loss, params=params))    # Graphviz DOT text

:func:`make_dot` takes torchviz's arguments (``params``, ``show_attrs``, ``show_saved``,
``max_attr_chars``) and minitorch's ``show_values``. Each ``grad_fn`` of the graph is a grey
box with its name and the shapes of its forward inputs and outputs (an input that needs no
gradient, such as the images, shows as ``-``). Each parameter, an ``AccumulateGrad`` leaf,
is a blue box named as in ``named_parameters()`` with its shape; the tensor drawn is the
green box at the bottom; with ``show_saved`` each array a node keeps for backward is an
orange box, joined by a dashed line. Arrows point the way data flowed forward;
``backward()`` walks them in reverse.

Turning the DOT text into a picture needs Graphviz's ``dot`` program
(``apt-get install graphviz``); without it a notebook shows the DOT text, and
:func:`render` writes the ``.dot`` file and says how to render it.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import warnings
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from minitorch._storage import storage_array
from minitorch._tensor import Tensor
from minitorch._trace import node_attributes, saved_arrays
from minitorch.autograd.function import AccumulateGrad, BackwardNode, Node, gradient_edge

__all__ = ["DotGraph", "make_dot", "render", "to_dot"]

_NODE_STYLE = 'node [shape=box style=filled fillcolor=lightgrey fontname="monospace" fontsize=10]'
_PARAMETER_COLOUR = "lightblue"
_OUTPUT_COLOUR = "darkolivegreen1"
_SAVED_COLOUR = "orange"  # torchviz's colour for saved tensors
_SAVED_EDGE = "[dir=none style=dashed]"
_INSTALL_HINT = (
    "Graphviz's `dot` program was not found, so only the DOT text was written to {dot}. "
    "Install Graphviz (`apt-get install graphviz`, `brew install graphviz` or "
    "https://graphviz.org/download/) and render it with `dot -T{format} {dot} -o {out}`, "
    "or paste the text into an online Graphviz viewer."
)


def _shape(shape: Sequence[int]) -> str:
    return "(" + ", ".join(str(size) for size in shape) + ")"


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _box(box_id: str, label: list[str], colour: str | None = None) -> str:
    """One node of the DOT text: its label's lines, and its fill colour unless grey."""
    fill = f" fillcolor={colour}" if colour else ""
    text = "\n".join(label)
    return f"  {box_id} [label={_quote(text)}{fill}]"


def _output_shape(node: Node | None, output_nr: int) -> str:
    """The shape of the tensor that an edge into ``node`` carries the gradient of."""
    if isinstance(node, AccumulateGrad):
        return _shape(node.variable.shape)
    if isinstance(node, BackwardNode):
        return _shape(node._output_meta[output_nr][0])
    return "-"  # an input that needs no gradient


class DotGraph:
    """A graph as Graphviz DOT text (``.source``), with :meth:`save` and :meth:`render`.

    In a notebook (Jupyter, VS Code) it shows as a picture: :meth:`_repr_mimebundle_`
    offers an SVG drawn by Graphviz's ``dot`` program when it is installed, and the DOT
    text otherwise (``text/vnd.graphviz``, which a Graphviz extension draws).
    """

    def __init__(self, source: str):
        self.source = source

    def pipe(self, format: str = "svg") -> bytes:
        """The picture in ``format`` (svg, png, pdf), made by Graphviz's ``dot``.

        Raises RuntimeError when ``dot`` is not installed or fails.
        """
        program = shutil.which("dot")
        if program is None:
            raise RuntimeError(
                "Graphviz's `dot` program was not found; install Graphviz "
                "(`apt-get install graphviz`, `brew install graphviz`) to draw the graph"
            )
        result = subprocess.run(
            [program, f"-T{format}"], input=self.source.encode(), capture_output=True
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"dot -T{format} failed (exit status {result.returncode}): "
                f"{result.stderr.decode(errors='replace').strip()}"
            )
        return result.stdout

    def _repr_mimebundle_(
        self, include: Sequence[str] | None = None, exclude: Sequence[str] | None = None
    ) -> dict[str, str]:
        """What a notebook shows: the SVG picture where ``dot`` exists, the DOT text, the repr."""

        def wanted(kind: str) -> bool:
            return (not include or kind in include) and not (exclude and kind in exclude)

        bundle = {}
        if wanted("image/svg+xml") and shutil.which("dot"):
            with contextlib.suppress(RuntimeError):  # a graph dot cannot draw shows as text
                bundle["image/svg+xml"] = self.pipe("svg").decode()
        bundle["text/vnd.graphviz"] = self.source
        bundle["text/plain"] = repr(self)
        return {kind: data for kind, data in bundle.items() if wanted(kind)}

    def save(self, filename: str | Path = "graph.dot") -> Path:
        """Write the DOT text to ``filename`` and return its path."""
        path = Path(filename)
        path.write_text(self.source)
        return path

    def render(self, filename: str | Path = "graph", format: str = "svg") -> Path:
        """Write ``filename.dot`` and, where Graphviz is installed, ``filename.<format>``.

        Returns the picture's path, or the ``.dot`` file's (with a warning saying how to
        render it) when the ``dot`` program is missing.
        """
        base = Path(filename)
        if base.suffix == ".dot":
            base = base.with_suffix("")
        dot_path = self.save(base.parent / f"{base.name}.dot")
        out_path = base.parent / f"{base.name}.{format}"
        program = shutil.which("dot")
        if program is None:
            warnings.warn(
                _INSTALL_HINT.format(dot=dot_path, out=out_path, format=format), stacklevel=2
            )
            return dot_path
        result = subprocess.run(
            [program, f"-T{format}", str(dot_path), "-o", str(out_path)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"dot -T{format} failed (exit status {result.returncode}): {result.stderr.strip()}"
            )
        return out_path

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        nodes = sum(1 for line in self.source.splitlines() if " [label=" in line)
        return f"DotGraph({nodes} nodes, {self.source.count(' -> ')} edges)"


def _attribute_lines(attributes: Mapping[str, Any], max_attr_chars: int) -> list[str]:
    """``name: value`` lines under a node's name, values cut to ``max_attr_chars`` as torchviz."""
    width = max(max_attr_chars, 3)
    lines = []
    for name, value in attributes.items():
        text = str(value)
        lines.append(f"{name}: {text[: width - 3] + '...' if len(text) > width else text}")
    return lines


def _values(array: np.ndarray) -> str:
    """An array's values on one line, 4 significant digits, long ones cut: ``[1, 2, 3, ..., 9]``."""
    if array.ndim == 0:
        return _number(array.item())
    flat = array.reshape(-1)
    shown = [_number(v) for v in flat[:3]] + ["..."] + [_number(v) for v in flat[-3:]]
    return "[" + ", ".join(shown if flat.size > 6 else map(_number, flat)) + "]"


def _number(value: Any) -> str:
    value = value.item() if isinstance(value, np.generic) else value
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _value_lines(tensor: Tensor | None, array: np.ndarray | None = None) -> list[str]:
    """``data: ...`` and ``grad: ...`` lines, as micrograd's draw_dot shows for each value.

    A tensor that keeps no ``.grad`` (a result, not a leaf, without ``retain_grad()``) shows
    ``grad`` only when it has one; a saved array has no ``grad`` line.
    """
    if tensor is None:
        return [f"data: {_values(array)}"] if array is not None else []
    lines = [f"data: {_values(tensor.detach().numpy())}"]
    if tensor.is_leaf or tensor.retains_grad:
        grad = tensor.grad
        lines.append(f"grad: {'None' if grad is None else _values(grad.numpy())}")
    return lines


def _saved_key(array: np.ndarray) -> tuple:
    """The same view of the same memory: an array two nodes saved is drawn once."""
    address = array.__array_interface__["data"][0]
    return id(storage_array(array)), address, array.shape, array.strides, array.dtype.str


def make_dot(
    var: Tensor | Sequence[Tensor],
    params: Mapping[str, Tensor] | None = None,
    show_attrs: bool = False,
    show_saved: bool = False,
    max_attr_chars: int = 50,
    *,
    show_values: bool = False,
) -> DotGraph:
    """The autograd graph behind ``var`` (one tensor or several), as torchviz's ``make_dot``.

    Args:
        var: the tensor (a loss) or tensors the graph leads to; each is a green box.
        params: names for leaf tensors, usually ``dict(model.named_parameters())``; those
            leaves (blue boxes) show their name above their shape.
        show_attrs: list under each grey node what its forward recorded besides arrays
            (``geometry: ((1, 1), (2, 2), (1, 1), 1)``, a loss's reduction), as torchviz
            does for PyTorch's ``_saved_*`` attributes.
        show_saved: draw each array a node keeps for its backward as an orange box
            (``saved[0]``, its shape and dtype), joined to the node by a dashed line: what
            backward needs from forward, and what holds memory until backward has run.
        max_attr_chars: the longest attribute value shown; longer ones end in ``...``.
        show_values: the tensors drawn (outputs, leaves, and saved arrays with
            ``show_saved``) also show their values (``data:``) and ``.grad`` (``grad:``),
            as micrograd's ``draw_dot`` does for every value; the graph does not keep the
            intermediate results themselves, only what backward saved of them.

    Returns:
        a :class:`DotGraph`: ``.source`` is the DOT text, ``.render(path, format=)`` draws
        it with Graphviz, and in a notebook it shows as a picture.
    """
    roots = [var] if isinstance(var, Tensor) else list(var)
    names = {id(p): name for name, p in (params or {}).items()}
    node_ids: dict[Node, str] = {}
    saved_ids: dict[tuple, str] = {}  # _saved_key(array) -> its box
    queue: deque[Node] = deque()

    def node_id(node: Node) -> str:
        if node not in node_ids:
            node_ids[node] = f"node{len(node_ids)}"
            queue.append(node)
        return node_ids[node]

    lines = ["digraph autograd {", "  " + _NODE_STYLE]
    edges = []
    for i, root in enumerate(roots):
        label = [f"output\n{_shape(root.shape)}"]
        if show_values:
            label += _value_lines(root)
        lines.append(_box(f"output{i}", label, _OUTPUT_COLOUR))
        node, _ = gradient_edge(root) if root.requires_grad else (None, 0)
        if node is not None:  # None: no graph (a no_grad view of a leaf has none either)
            edges.append(f"  {node_id(node)} -> output{i}")
    while queue:
        node = queue.popleft()
        if isinstance(node, AccumulateGrad):
            name = names.get(id(node.variable), "")
            shape = _shape(node.variable.shape)
            label = [f"{name}\n{shape}" if name else shape]
            if show_values:
                label += _value_lines(node.variable)
            lines.append(_box(node_ids[node], label, _PARAMETER_COLOUR))
            continue
        inputs = ", ".join(_output_shape(child, nr) for child, nr in node.next_functions)
        outputs = ", ".join(_shape(shape) for shape, _ in getattr(node, "_output_meta", ()))
        label = [node.name(), f"in: {inputs}", f"out: {outputs}"]
        attributes = node_attributes(node) if show_attrs else {}
        if attributes:
            attribute_lines = _attribute_lines(attributes, max_attr_chars)
            label += ["-" * max(len(line) for line in [*label, *attribute_lines])]
            label += attribute_lines
        lines.append(_box(node_ids[node], label))
        for child, _ in node.next_functions:
            if child is not None:
                edges.append(f"  {node_id(child)} -> {node_ids[node]}")
        if show_saved:
            for name, array in saved_arrays(node):
                key = _saved_key(array)
                if key not in saved_ids:
                    saved_ids[key] = f"saved{len(saved_ids)}"
                    saved_label = [name, f"{_shape(array.shape)} {array.dtype.name}"]
                    if show_values:
                        saved_label += _value_lines(None, array)
                    lines.append(_box(saved_ids[key], saved_label, _SAVED_COLOUR))
                edges.append(f"  {saved_ids[key]} -> {node_ids[node]} {_SAVED_EDGE}")
    return DotGraph("\n".join(lines + edges + ["}"]) + "\n")


def to_dot(var: Tensor | Sequence[Tensor], params: Mapping[str, Tensor] | None = None) -> str:
    """The DOT text of :func:`make_dot` (print it, or save it and run ``dot -Tsvg``)."""
    return make_dot(var, params).source


def render(
    var: Tensor | Sequence[Tensor] | DotGraph,
    filename: str | Path = "graph",
    format: str = "svg",
    params: Mapping[str, Tensor] | None = None,
) -> Path:
    """Draw the graph behind ``var`` into ``filename.<format>`` (svg, png, pdf) with Graphviz.

    Without Graphviz only ``filename.dot`` is written, with a warning saying how to render
    it; the returned path is the file that was written last.
    """
    graph = var if isinstance(var, DotGraph) else make_dot(var, params)
    return graph.render(filename, format)
