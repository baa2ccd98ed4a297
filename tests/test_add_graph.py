"""``SummaryWriter.add_graph``: the graph TensorBoard's graph plugin serves, against PyTorch's.

Each graph is written to an event file and read back the way the TensorBoard app reads it:
its ``GraphsPlugin`` over an event multiplexer of the log folder, which returns the graph
as text (pbtxt). For the course's model, minitorch's graph must have PyTorch's module
scopes, the same kinds of op (minitorch's Functions against ATen's ops) in the same order
with the same output shapes and edges, the same parameters, and the same input and output
nodes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from google.protobuf import text_format
from tensorboard import context
from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.types_pb2 import DataType
from tensorboard.plugins import base_plugin
from tensorboard.plugins.graph import graphs_plugin
from torch.utils.tensorboard import SummaryWriter as TorchSummaryWriter

import minitorch
from minitorch import nn
from minitorch.models import tudui_class
from minitorch.utils.tensorboard import SummaryWriter

ROOT = Path(__file__).resolve().parents[1]
# minitorch's Function -> the ATen op PyTorch's trace records for the same layer
ATEN_OP = {
    "minitorch::Convolution": "aten::_convolution",
    "minitorch::MaxPool2DWithIndices": "aten::max_pool2d",
    "minitorch::View": "aten::flatten",
    "minitorch::Linear": "aten::linear",
}
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.trace.*` is deprecated:FutureWarning")


def served_graph(log_dir: Path) -> GraphDef:
    """The graph of the one run in ``log_dir``, as TensorBoard's graph plugin serves it."""
    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(str(log_dir))
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, str(log_dir))
    plugin = graphs_plugin.GraphsPlugin(
        base_plugin.TBContext(logdir=str(log_dir), data_provider=provider)
    )
    request = context.RequestContext()
    info = plugin.info_impl(request, experiment="")
    assert info["."]["run_graph"], info
    assert info["."]["tags"]["step1"]["profile"]  # the run metadata PyTorch writes with it
    body, mime_type = plugin.graph_impl(request, ".", None, False, experiment="")
    assert mime_type == "text/x-protobuf"
    return text_format.Parse(body, GraphDef())


def write_graph(log_dir: Path, model, inputs, **options) -> GraphDef:
    writer_class = TorchSummaryWriter if isinstance(model, torch.nn.Module) else SummaryWriter
    with writer_class(log_dir) as writer:
        writer.add_graph(model, inputs, **options)
    return served_graph(log_dir)


def shapes(node) -> list[list[int]]:
    return [[dim.size for dim in shape.dim] for shape in node.attr["_output_shapes"].list.shape]


def scope(name: str) -> str:
    return name.rsplit("/", 1)[0]


def by_name(graph: GraphDef) -> dict:
    return {node.name: node for node in graph.node}


# ------------------------------------------------------------------ the course's model
SEQ = "Tudui/Sequential[model]"
TUTORIAL_NODES = [  # name, op, inputs, output shape
    ("input/x", "IO Node", [], [64, 3, 32, 32]),
    (f"{SEQ}/Conv2d[0]/weight", "Parameter", [], [32, 3, 5, 5]),
    (f"{SEQ}/Conv2d[0]/bias", "Parameter", [], [32]),
    (f"{SEQ}/Conv2d[0]/input.1", "minitorch::Convolution",
     ["input/x", f"{SEQ}/Conv2d[0]/weight", f"{SEQ}/Conv2d[0]/bias"], [64, 32, 32, 32]),
    (f"{SEQ}/MaxPool2d[1]/input.2", "minitorch::MaxPool2DWithIndices",
     [f"{SEQ}/Conv2d[0]/input.1"], [64, 32, 16, 16]),
    (f"{SEQ}/Conv2d[2]/weight", "Parameter", [], [32, 32, 5, 5]),
    (f"{SEQ}/Conv2d[2]/bias", "Parameter", [], [32]),
    (f"{SEQ}/Conv2d[2]/input.3", "minitorch::Convolution",
     [f"{SEQ}/MaxPool2d[1]/input.2", f"{SEQ}/Conv2d[2]/weight", f"{SEQ}/Conv2d[2]/bias"],
     [64, 32, 16, 16]),
    (f"{SEQ}/MaxPool2d[3]/input.4", "minitorch::MaxPool2DWithIndices",
     [f"{SEQ}/Conv2d[2]/input.3"], [64, 32, 8, 8]),
    (f"{SEQ}/Conv2d[4]/weight", "Parameter", [], [64, 32, 5, 5]),
    (f"{SEQ}/Conv2d[4]/bias", "Parameter", [], [64]),
    (f"{SEQ}/Conv2d[4]/input.5", "minitorch::Convolution",
     [f"{SEQ}/MaxPool2d[3]/input.4", f"{SEQ}/Conv2d[4]/weight", f"{SEQ}/Conv2d[4]/bias"],
     [64, 64, 8, 8]),
    (f"{SEQ}/MaxPool2d[5]/input.6", "minitorch::MaxPool2DWithIndices",
     [f"{SEQ}/Conv2d[4]/input.5"], [64, 64, 4, 4]),
    (f"{SEQ}/Flatten[6]/input.7", "minitorch::View", [f"{SEQ}/MaxPool2d[5]/input.6"], [64, 1024]),
    (f"{SEQ}/Linear[7]/weight", "Parameter", [], [64, 1024]),
    (f"{SEQ}/Linear[7]/bias", "Parameter", [], [64]),
    (f"{SEQ}/Linear[7]/input", "minitorch::Linear",
     [f"{SEQ}/Flatten[6]/input.7", f"{SEQ}/Linear[7]/weight", f"{SEQ}/Linear[7]/bias"], [64, 64]),
    (f"{SEQ}/Linear[8]/weight", "Parameter", [], [10, 64]),
    (f"{SEQ}/Linear[8]/bias", "Parameter", [], [10]),
    (f"{SEQ}/Linear[8]/20", "minitorch::Linear",
     [f"{SEQ}/Linear[7]/input", f"{SEQ}/Linear[8]/weight", f"{SEQ}/Linear[8]/bias"], [64, 10]),
    ("output/output.1", "IO Node", [f"{SEQ}/Linear[8]/20"], [64, 10]),
]  # fmt: skip


@pytest.fixture(scope="module")
def tutorial_graphs(tmp_path_factory) -> tuple[GraphDef, GraphDef]:
    """The course's model's graph from minitorch and from PyTorch, same weights and input."""
    mini, reference = tudui_class(minitorch)(), tudui_class(torch)()
    mini.load_state_dict(
        {k: minitorch.tensor(v.numpy()) for k, v in reference.state_dict().items()}
    )
    folder = tmp_path_factory.mktemp("graphs")
    return (
        write_graph(folder / "minitorch", mini, minitorch.ones((64, 3, 32, 32))),
        write_graph(folder / "torch", reference, torch.ones((64, 3, 32, 32))),
    )


def test_tutorial_graph_nodes(tutorial_graphs):
    graph, _ = tutorial_graphs
    assert [(n.name, n.op, list(n.input), *shapes(n)) for n in graph.node] == TUTORIAL_NODES
    assert graph.versions.producer == 22
    float32 = DataType.Value("DT_FLOAT")
    assert {node.attr["dtype"].type for node in graph.node} == {float32}
    conv = by_name(graph)[f"{SEQ}/Conv2d[0]/input.1"]
    assert conv.attr["attr"].s.decode() == (
        "{ stride : (1, 1),  padding : (2, 2, 2, 2),  dilation : (1, 1),  groups : 1}"
    )


def test_tutorial_graph_has_pytorchs_scopes_ops_shapes_and_edges(tutorial_graphs):
    mine, theirs = tutorial_graphs
    mine_ops = [node for node in mine.node if node.op.startswith("minitorch::")]
    their_ops = [node for node in theirs.node if node.op.startswith("aten::")]
    assert [(scope(n.name), ATEN_OP[n.op], shapes(n)) for n in mine_ops] == [
        (scope(n.name), n.op, shapes(n)) for n in their_ops
    ]
    # Each op reads the value of the op (or graph input) before it, from the same scope.
    mine_nodes, their_nodes = by_name(mine), by_name(theirs)

    def data_sources(node, nodes) -> list[str]:
        return [
            scope(name) if nodes[name].op != "IO Node" else name
            for name in node.input
            if nodes[name].op.startswith(("minitorch::", "aten::", "IO Node"))
        ]

    assert [data_sources(n, mine_nodes) for n in mine_ops] == [
        data_sources(n, their_nodes) for n in their_ops
    ]

    # The parameters each op reads: PyTorch names them <scope>/<name>/<name>.<n>.
    def parameters(node, nodes) -> set[tuple[str, str]]:
        read = [nodes[name] for name in node.input]
        return {
            (scope(p.name), p.name.rsplit("/", 1)[1])
            if p.op == "Parameter"
            else (scope(scope(p.name)), p.name.rsplit("/", 2)[1])
            for p in read
            if p.op in ("Parameter", "prim::GetAttr")
        }

    assert [parameters(n, mine_nodes) for n in mine_ops] == [
        parameters(n, their_nodes) for n in their_ops
    ]
    for name in ("input/x", "output/output.1"):
        assert mine_nodes[name].op == their_nodes[name].op == "IO Node"
        assert shapes(mine_nodes[name]) == shapes(their_nodes[name])


def test_the_courses_nn_seq_example_writes_its_graph(tmp_path):
    """``examples/nn_seq.py`` calls ``writer.add_graph(tudui, input)`` as the course does."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "nn_seq.py")],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    nodes = by_name(served_graph(tmp_path / "logs_seq"))
    conv = nodes["Tudui/Sequential[model1]/Conv2d[0]/input.1"]
    assert conv.op == "minitorch::Convolution" and shapes(conv) == [[64, 32, 32, 32]]
    assert shapes(nodes["output/output.1"]) == [[64, 10]]


# ------------------------------------------------------------------ other kinds of model
class TwoInputs(nn.Module):
    """Two inputs, a layer called twice, a number, an in-place op, a buffer, two outputs."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 3)
        self.act = nn.ReLU()
        self.register_buffer("scale", minitorch.full((3,), 0.5))

    def forward(self, a, b):
        y = self.act(self.linear(a))
        y = self.act(y * 2)
        y.relu_()
        return y * self.scale, b + y


def test_two_inputs_reuse_constants_in_place_and_buffers(tmp_path, capsys):
    a, b = minitorch.randn(2, 3), minitorch.randn(2, 3)
    graph = write_graph(tmp_path, TwoInputs(), (a, b), verbose=True)
    nodes = by_name(graph)
    names = [node.name for node in graph.node]
    assert names[:2] == ["input/a", "input/b"] and names[-2:] == [
        "output/output.1",
        "output/output.2",
    ]
    ops = [(scope(n.name), n.op) for n in graph.node if n.op.startswith("minitorch::")]
    assert [scope for scope, _ in ops].count("TwoInputs/ReLU[act]") == 2
    (constant,) = [node for node in graph.node if node.op == "Constant"]
    assert scope(constant.name) == "TwoInputs" and shapes(constant) == [[]]
    assert constant.attr["attr"].s.decode() == "{ value : 2.0}"
    (buffer,) = [node for node in graph.node if node.op == "Buffer"]
    assert buffer.name == "TwoInputs/scale" and shapes(buffer) == [[3]]
    # The in-place relu_ reads the second ReLU's value; both later ops read relu_'s.
    relus = [n for n in graph.node if n.op.startswith("minitorch::Relu")]
    assert len(relus) == 3
    first_output, second_output = (nodes[name] for name in names[-2:])
    for output in (first_output, second_output):
        (source,) = output.input
        assert relus[-1].name in nodes[source].input
    assert list(relus[-1].input) == [relus[-2].name]
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "input/a = IO Node() [2, 3]"
    assert len(printed) == len(graph.node)


def test_the_model_keeps_its_mode_hooks_and_gradients(tmp_path):
    model = tudui_class(minitorch)()
    model.train()
    x = minitorch.ones((1, 3, 32, 32), requires_grad=True)
    write_graph(tmp_path, model, [x])  # a list of inputs, as PyTorch accepts
    assert model.training and all(m.training for m in model.modules())
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert x.grad is None and model(x).grad_fn is not None  # traced without autograd


def test_float64_model(tmp_path):
    model = tudui_class(minitorch)().double()
    graph = write_graph(tmp_path, model, minitorch.ones((2, 3, 32, 32), dtype=minitorch.float64))
    assert {node.attr["dtype"].type for node in graph.node} == {DataType.Value("DT_DOUBLE")}


class DictOutput(nn.Module):
    def forward(self, x):
        return {"double": x * 2, "pair": [x + 1, x]}


def test_mutable_outputs_need_use_strict_trace_false_as_in_pytorch(tmp_path, capsys):
    class TorchDictOutput(torch.nn.Module):
        def forward(self, x):
            return {"double": x * 2}

    with pytest.raises(RuntimeError, match="Encountering a dict at the output"):
        write_graph(tmp_path / "torch", TorchDictOutput(), torch.ones(2))
    with pytest.raises(RuntimeError, match="Encountering a dict at the output"):
        write_graph(tmp_path / "strict", DictOutput(), minitorch.ones(2))
    assert capsys.readouterr().out.splitlines()[-1] == "Error occurs, No graph saved"
    graph = write_graph(tmp_path / "loose", DictOutput(), minitorch.ones(2), use_strict_trace=False)
    outputs = [node for node in graph.node if node.name.startswith("output/")]
    assert [node.name for node in outputs] == [f"output/output.{i}" for i in (1, 2, 3)]
    assert list(outputs[2].input) == ["input/x"]  # the input itself, returned


def test_no_input_is_refused(tmp_path):
    with pytest.raises(RuntimeError):
        write_graph(tmp_path / "torch", tudui_class(torch)(), None)
    with pytest.raises(RuntimeError, match="input_to_model"):
        write_graph(tmp_path / "minitorch", tudui_class(minitorch)(), None)


def test_a_model_that_reads_numpy_keeps_its_graph(tmp_path):
    class FromNumpy(nn.Module):
        def forward(self, x):
            return x + minitorch.from_numpy(np.ones(3, dtype=np.float32))

    graph = write_graph(tmp_path, FromNumpy(), minitorch.zeros(3))
    (constant,) = [node for node in graph.node if node.op == "Constant"]
    assert shapes(constant) == [[3]] and constant.name.startswith("FromNumpy/")
