"""minitorch.viz: the DOT text of known graphs, checked node by node and edge by edge."""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys

import numpy as np
import pytest

import minitorch
from minitorch import nn
from minitorch.models import tudui_class

NODE = re.compile(r'^  (\w+) \[label="((?:[^"\\]|\\.)*)"(?: fillcolor=(\w+))?\]$')
EDGE = re.compile(r"^  (\w+) -> (\w+)$")


def parse(source: str) -> tuple[dict[str, tuple[str, str | None]], list[tuple[str, str]]]:
    """``{id: (label, colour)}`` and ``[(tail label, head label)]``; fails on any other line."""
    lines = source.strip().splitlines()
    assert lines[0] == "digraph autograd {" and lines[-1] == "}"
    assert lines[1].startswith("  node [")
    nodes: dict[str, tuple[str, str | None]] = {}
    edges = []
    for line in lines[2:-1]:
        if match := NODE.match(line):
            node_id, label, colour = match.groups()
            assert node_id not in nodes, f"{node_id} declared twice"
            nodes[node_id] = (label.replace("\\n", "\n"), colour)
        elif match := EDGE.match(line):
            edges.append(match.groups())
        else:
            raise AssertionError(f"unexpected DOT line: {line!r}")
    for tail, head in edges:
        assert tail in nodes and head in nodes, f"edge {tail} -> {head} names an undeclared node"
    return nodes, [(nodes[t][0], nodes[h][0]) for t, h in edges]


def small_graph() -> tuple[minitorch.Tensor, dict]:
    minitorch.manual_seed(0)
    layer = nn.Linear(3, 2)
    loss = layer(minitorch.ones(4, 3)).relu().sum()
    return loss, dict(layer.named_parameters())


def test_dot_of_a_known_small_graph():
    loss, params = small_graph()
    nodes, edges = parse(minitorch.viz.to_dot(loss, params=params))
    addmm = "AddmmBackward0\nin: -, (2, 3), (2)\nout: (4, 2)"
    relu = "ReluBackward0\nin: (4, 2)\nout: (4, 2)"
    total = "SumBackward0\nin: (4, 2)\nout: ()"
    assert sorted(nodes.values()) == sorted(
        [
            ("output\n()", "darkolivegreen1"),
            (total, None),
            (relu, None),
            (addmm, None),
            ("weight\n(2, 3)", "lightblue"),
            ("bias\n(2)", "lightblue"),
        ]
    )
    assert sorted(edges) == sorted(
        [
            (total, "output\n()"),
            (relu, total),
            (addmm, relu),
            ("weight\n(2, 3)", addmm),
            ("bias\n(2)", addmm),
        ]
    )


def test_node_ids_follow_the_graph_from_the_output():
    loss, params = small_graph()
    source = minitorch.viz.to_dot(loss, params=params)
    assert minitorch.viz.to_dot(loss, params=params) == source  # deterministic
    nodes, _ = parse(source)
    assert nodes["node0"][0].startswith("SumBackward0")
    assert nodes["node1"][0].startswith("ReluBackward0")


def test_unnamed_leaves_show_their_shape_and_shared_inputs_get_two_edges():
    x = minitorch.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    nodes, edges = parse(minitorch.viz.to_dot(y))
    assert ("(2)", "lightblue") in nodes.values()
    mul = "MulBackward0\nin: (2), (2)\nout: (2)"
    assert edges.count(("(2)", mul)) == 2


def test_several_outputs_and_a_tensor_without_graph():
    a = minitorch.tensor([1.0, 2.0], requires_grad=True)
    nodes, edges = parse(minitorch.viz.to_dot([a.exp(), a.sum(), minitorch.ones(3)]))
    outputs = sorted(label for label, colour in nodes.values() if colour == "darkolivegreen1")
    assert outputs == ["output\n()", "output\n(2)", "output\n(3)"]
    assert [label for label, colour in nodes.values() if colour == "lightblue"] == ["(2)"]
    assert len(edges) == 4  # exp -> out, sum -> out, leaf -> exp, leaf -> sum


def test_tutorial_model_graph_has_every_parameter_once():
    model = tudui_class(minitorch)()
    params = dict(model.named_parameters())
    images = minitorch.randn(2, 3, 32, 32)
    loss = nn.CrossEntropyLoss()(model(images), minitorch.tensor([3, 5]))
    nodes, edges = parse(minitorch.viz.make_dot(loss, params=params).source)
    leaves = sorted(label for label, colour in nodes.values() if colour == "lightblue")
    assert leaves == sorted(
        f"{name}\n{tuple(p.shape)}".replace(",)", ")") for name, p in params.items()
    )
    kinds = sorted(label.split("\n")[0] for label, colour in nodes.values() if colour is None)
    assert kinds == sorted(
        ["ConvolutionBackward0", "MaxPool2DWithIndicesBackward0"] * 3
        + ["ViewBackward0", "AddmmBackward0", "AddmmBackward0", "CrossEntropyLossBackward0"]
    )
    assert len(nodes) == 1 + 10 + len(params) and len(edges) == len(nodes) - 1  # a tree
    first_conv = "ConvolutionBackward0\nin: -, (32, 3, 5, 5), (32)\nout: (2, 32, 32, 32)"
    assert first_conv in [label for label, _ in nodes.values()]


def test_render_without_graphviz_writes_dot_and_says_how_to_render(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    loss, params = small_graph()
    with pytest.warns(UserWarning, match="apt-get install graphviz") as record:
        written = minitorch.viz.render(loss, tmp_path / "graph", format="svg", params=params)
    assert written == tmp_path / "graph.dot"
    assert written.read_text() == minitorch.viz.to_dot(loss, params=params)
    message = str(record[0].message)
    assert f"dot -Tsvg {tmp_path / 'graph.dot'} -o {tmp_path / 'graph.svg'}" in message


FAKE_DOT = """#!{python}
import sys
open("{log}", "w").write(" ".join(sys.argv[1:]))
source = open(sys.argv[2]).read()
open(sys.argv[4], "w").write("<svg><!-- " + str(len(source)) + " --></svg>")
"""


def test_render_calls_dot(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "dot"
    log = tmp_path / "dot-args.txt"
    fake.write_text(FAKE_DOT.format(python=sys.executable, log=log))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + os.environ.get("PATH", ""))
    loss, _ = small_graph()
    written = minitorch.viz.make_dot(loss).render(tmp_path / "graph.dot", format="png")
    assert written == tmp_path / "graph.png"
    assert log.read_text() == f"-Tpng {tmp_path / 'graph.dot'} -o {tmp_path / 'graph.png'}"
    assert written.read_text().startswith("<svg>")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_render_with_real_graphviz(tmp_path):
    loss, params = small_graph()
    written = minitorch.viz.render(loss, tmp_path / "graph", params=params)
    assert "<svg" in written.read_text() and "AddmmBackward0" in written.read_text()


def test_graph_survives_backward():
    """Drawing after backward still works: labels read metadata, not freed saved arrays."""
    loss, params = small_graph()
    loss.backward()
    nodes, _ = parse(minitorch.viz.to_dot(loss, params=params))
    assert len(nodes) == 6
    assert np.isfinite(params["weight"].grad.numpy()).all()
