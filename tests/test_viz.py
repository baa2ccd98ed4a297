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
SAVED_EDGE = re.compile(r"^  (\w+) -> (\w+) \[dir=none style=dashed\]$")


def parse(source: str) -> tuple[dict[str, tuple[str, str | None]], list[tuple[str, str]]]:
    """``{id: (label, colour)}`` and ``[(tail label, head label)]``; fails on any other line.

    The dashed lines from a saved array to its node (``show_saved``) are left out of the
    edges: :func:`saved_edges` has them.
    """
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
        elif SAVED_EDGE.match(line):
            continue
        else:
            raise AssertionError(f"unexpected DOT line: {line!r}")
    for tail, head in edges:
        assert tail in nodes and head in nodes, f"edge {tail} -> {head} names an undeclared node"
    return nodes, [(nodes[t][0], nodes[h][0]) for t, h in edges]


def saved_edges(source: str) -> list[tuple[str, str]]:
    """``[(saved array's label, node's label)]`` for each dashed line of ``show_saved``."""
    nodes, _ = parse(source)
    pairs = [SAVED_EDGE.match(line) for line in source.splitlines()]
    return [(nodes[m[1]][0], nodes[m[2]][0]) for m in pairs if m]


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


# ------------------------------------------------------------------ torchviz's options
def test_show_saved_draws_what_each_node_keeps_as_pytorch_does():
    """PyTorch's ReluBackward0 saves its result and AddmmBackward0 the layer's input (not the
    weight: the input needs no gradient); SumBackward0 saves no tensor."""
    loss, params = small_graph()
    torch = pytest.importorskip("torch")
    layer = torch.nn.Linear(3, 2)
    torch_loss = layer(torch.ones(4, 3)).relu().sum()
    relu = torch_loss.grad_fn.next_functions[0][0]
    addmm = relu.next_functions[0][0]
    assert tuple(relu._saved_result.shape) == (4, 2)
    assert tuple(addmm._saved_mat1.shape) == (4, 3) and addmm._saved_mat2 is None

    source = minitorch.viz.make_dot(loss, params=params, show_saved=True).source
    nodes, edges = parse(source)
    assert parse(minitorch.viz.to_dot(loss, params=params))[1] == edges  # same graph
    saved = sorted((label, node.split("\n")[0]) for label, node in saved_edges(source))
    assert saved == [
        ("saved[0]\n(4, 2) float32", "ReluBackward0"),
        ("saved[0]\n(4, 3) float32", "AddmmBackward0"),
    ]
    assert all(colour == "orange" for label, colour in nodes.values() if "saved" in label)


def test_an_array_saved_by_two_nodes_is_one_box():
    """CrossEntropyLoss keeps its input, which is ReLU's result, which ReLU keeps too."""
    minitorch.manual_seed(0)
    hidden = nn.Linear(3, 2)(minitorch.ones(4, 3)).relu()
    loss = nn.CrossEntropyLoss()(hidden, minitorch.tensor([0, 1, 1, 0]))
    pairs = saved_edges(minitorch.viz.make_dot(loss, show_saved=True).source)
    shared = {label for label, node in pairs if node.startswith("ReluBackward0")}
    assert shared <= {label for label, node in pairs if node.startswith("CrossEntropy")}


def test_show_attrs_lists_what_forward_recorded_and_cuts_long_values():
    conv = nn.Conv2d(1, 2, 3, stride=2, padding=1)
    loss = conv(minitorch.ones(1, 1, 5, 5)).sum()
    nodes, _ = parse(minitorch.viz.make_dot(loss, show_attrs=True).source)
    (label,) = [label for label, _ in nodes.values() if label.startswith("Convolution")]
    name, inputs, outputs, rule, *attributes = label.split("\n")
    assert rule == "-" * max(len(line) for line in label.split("\n") if set(line) != {"-"})
    # PyTorch's ConvolutionBackward0 has _saved_stride (2, 2), _saved_padding (1, 1), ...
    assert "geometry: ((2, 2), (1, 1, 1, 1), (1, 1), 1)" in attributes  # padding: 4 sides
    assert "saved[0]: [saved array]" in attributes  # the input, drawn by show_saved
    short, _ = parse(minitorch.viz.make_dot(loss, show_attrs=True, max_attr_chars=10).source)
    (label,) = [label for label, _ in short.values() if label.startswith("Convolution")]
    assert "geometry: ((2, 2)..." in label.split("\n")
    plain, _ = parse(minitorch.viz.make_dot(loss).source)
    assert all("geometry" not in label for label, _ in plain.values())


def test_show_values_shows_data_and_grad_as_pytorch_computes_them():
    torch = pytest.importorskip("torch")
    data = [1.0, -2.0, 0.5]
    x = minitorch.tensor(data, requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    tx = torch.tensor(data, requires_grad=True)
    (tx * tx).sum().backward()
    nodes, _ = parse(minitorch.viz.make_dot(loss, params={"x": x}, show_values=True).source)
    labels = {label.split("\n")[0]: label.split("\n")[1:] for label, _ in nodes.values()}
    grad = ", ".join(f"{g:.4g}" for g in tx.grad.tolist())
    assert labels["x"] == ["(3)", "data: [1, -2, 0.5]", f"grad: [{grad}]"]
    # the loss is a result without retain_grad(): it keeps no .grad, so none is shown
    assert labels["output"] == ["()", f"data: {(tx * tx).sum().item():.4g}"]


def test_show_values_cuts_long_tensors_and_shows_grad_none_before_backward():
    weight = minitorch.arange(10.0).requires_grad_()
    nodes, _ = parse(minitorch.viz.make_dot(weight.sum(), show_values=True).source)
    (leaf,) = [label for label, colour in nodes.values() if colour == "lightblue"]
    assert leaf.split("\n")[1:] == ["data: [0, 1, 2, ..., 7, 8, 9]", "grad: None"]


# ------------------------------------------------------------------ notebooks
FAKE_PIPE_DOT = """#!{python}
import sys
source = sys.stdin.read()
if "{fail}" in source:
    sys.stderr.write("syntax error")
    sys.exit(1)
sys.stdout.write("<svg>" + sys.argv[1] + " " + str(len(source)) + "</svg>")
"""


def fake_dot(tmp_path, fail: str = "no such text") -> str:
    fake = tmp_path / "dot"
    fake.write_text(FAKE_PIPE_DOT.format(python=sys.executable, fail=fail))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    return str(fake)


def test_a_notebook_gets_svg_when_graphviz_is_installed(tmp_path, monkeypatch):
    program = fake_dot(tmp_path)
    monkeypatch.setattr(shutil, "which", lambda name: program if name == "dot" else None)
    loss, params = small_graph()
    graph = minitorch.viz.make_dot(loss, params=params)
    bundle = graph._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "text/vnd.graphviz", "text/plain"}
    assert bundle["image/svg+xml"] == f"<svg>-Tsvg {len(graph.source)}</svg>"
    assert bundle["text/vnd.graphviz"] == graph.source
    assert bundle["text/plain"] == repr(graph) == "DotGraph(6 nodes, 5 edges)"
    assert graph.pipe("png") == f"<svg>-Tpng {len(graph.source)}</svg>".encode()
    assert set(graph._repr_mimebundle_(include=["image/svg+xml"])) == {"image/svg+xml"}
    assert "image/svg+xml" not in graph._repr_mimebundle_(exclude=["image/svg+xml"])


def test_a_notebook_gets_the_dot_text_without_graphviz(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    loss, params = small_graph()
    graph = minitorch.viz.make_dot(loss, params=params)
    bundle = graph._repr_mimebundle_()
    assert bundle == {"text/vnd.graphviz": graph.source, "text/plain": "DotGraph(6 nodes, 5 edges)"}
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        graph.pipe()


def test_a_graph_dot_cannot_draw_shows_as_text(tmp_path, monkeypatch):
    program = fake_dot(tmp_path, fail="digraph")
    monkeypatch.setattr(shutil, "which", lambda name: program if name == "dot" else None)
    graph = minitorch.viz.make_dot(small_graph()[0])
    assert set(graph._repr_mimebundle_()) == {"text/vnd.graphviz", "text/plain"}
    with pytest.raises(RuntimeError, match="dot -Tsvg failed .exit status 1.: syntax error"):
        graph.pipe()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_real_graphviz_draws_saved_arrays_and_attributes():
    loss, params = small_graph()
    graph = minitorch.viz.make_dot(loss, params, show_attrs=True, show_saved=True, show_values=True)
    svg = graph._repr_mimebundle_()["image/svg+xml"]
    assert "<svg" in svg and "ReluBackward0" in svg and "saved[0]" in svg


def test_a_no_grad_view_of_a_leaf_has_no_graph_to_draw():
    """It reports requires_grad, as in PyTorch, but no gradient flows through it."""
    x = minitorch.ones(3, requires_grad=True)
    with minitorch.no_grad():
        view = x[0:2]
    nodes, edges = parse(minitorch.viz.to_dot(view))
    assert list(nodes.values()) == [("output\n(2)", "darkolivegreen1")] and edges == []
