"""``minitorch.viz``: draw the autograd graph behind a tensor, as torchviz does for PyTorch.

::

    loss = loss_fn(model(images), targets)
    params = dict(model.named_parameters())
    print(minitorch.viz.to_dot(loss, params=params))          # Graphviz DOT text
    minitorch.viz.render(loss, "graph", format="svg", params=params)   # graph.svg

Each ``grad_fn`` of the graph is a grey box with its name and the shapes of its forward
inputs and outputs (an input that needs no gradient, such as the images, shows as ``-``).
Each parameter, an ``AccumulateGrad`` leaf, is a blue box named as in
``named_parameters()`` with its shape; the tensor drawn is the green box at the bottom.
Arrows point the way data flowed forward; ``backward()`` walks them in reverse.

Turning the DOT text into a picture needs Graphviz's ``dot`` program
(``apt-get install graphviz``); without it :func:`render` writes the ``.dot`` file and
says how to render it.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path

from minitorch._tensor import Tensor
from minitorch.autograd.function import AccumulateGrad, BackwardNode, Node, gradient_edge

__all__ = ["DotGraph", "make_dot", "render", "to_dot"]

_NODE_STYLE = 'node [shape=box style=filled fillcolor=lightgrey fontname="monospace" fontsize=10]'
_PARAMETER_COLOUR = "lightblue"
_OUTPUT_COLOUR = "darkolivegreen1"
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


def _output_shape(node: Node | None, output_nr: int) -> str:
    """The shape of the tensor that an edge into ``node`` carries the gradient of."""
    if isinstance(node, AccumulateGrad):
        return _shape(node.variable.shape)
    if isinstance(node, BackwardNode):
        return _shape(node._output_meta[output_nr][0])
    return "-"  # an input that needs no gradient


class DotGraph:
    """A graph as Graphviz DOT text (``.source``), with :meth:`save` and :meth:`render`."""

    def __init__(self, source: str):
        self.source = source

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
        return f"DotGraph({self.source.count(' -> ')} edges)"


def make_dot(
    var: Tensor | Sequence[Tensor], params: Mapping[str, Tensor] | None = None
) -> DotGraph:
    """The autograd graph behind ``var`` (one tensor or several), as in torchviz's ``make_dot``.

    ``params`` maps names to tensors, usually ``dict(model.named_parameters())``; those
    leaves are labelled with their names.
    """
    roots = [var] if isinstance(var, Tensor) else list(var)
    names = {id(p): name for name, p in (params or {}).items()}
    node_ids: dict[Node, str] = {}
    queue: deque[Node] = deque()

    def node_id(node: Node) -> str:
        if node not in node_ids:
            node_ids[node] = f"node{len(node_ids)}"
            queue.append(node)
        return node_ids[node]

    lines = ["digraph autograd {", "  " + _NODE_STYLE]
    edges = []
    for i, root in enumerate(roots):
        label = f"output\n{_shape(root.shape)}"
        lines.append(f"  output{i} [label={_quote(label)} fillcolor={_OUTPUT_COLOUR}]")
        if root.requires_grad:
            node, _ = gradient_edge(root)
            edges.append(f"  {node_id(node)} -> output{i}")
    while queue:
        node = queue.popleft()
        if isinstance(node, AccumulateGrad):
            name = names.get(id(node.variable), "")
            label = (
                f"{name}\n{_shape(node.variable.shape)}" if name else _shape(node.variable.shape)
            )
            lines.append(
                f"  {node_ids[node]} [label={_quote(label)} fillcolor={_PARAMETER_COLOUR}]"
            )
            continue
        inputs = ", ".join(_output_shape(child, nr) for child, nr in node.next_functions)
        outputs = ", ".join(_shape(shape) for shape, _ in getattr(node, "_output_meta", ()))
        label = f"{node.name()}\nin: {inputs}\nout: {outputs}"
        lines.append(f"  {node_ids[node]} [label={_quote(label)}]")
        for child, _ in node.next_functions:
            if child is not None:
                edges.append(f"  {node_id(child)} -> {node_ids[node]}")
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
