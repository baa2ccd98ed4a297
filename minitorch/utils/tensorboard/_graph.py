"""``SummaryWriter.add_graph``: one forward pass of a model, recorded as a TensorBoard ``GraphDef``.

PyTorch traces the model with ``torch.jit.trace`` and converts the TorchScript graph
(``torch/utils/tensorboard/_pytorch_graph.py``). minitorch records the same pass itself:

- every op is one ``Function.apply``, and an active :class:`minitorch._trace.Trace` is
  handed each call; the subclass here sees the call's tensors and its result, so the
  graph's edges join the op that made a tensor to the ops that read it;
- forward pre- and post-hooks on every module keep the stack of modules running, which
  gives each op its name scope in PyTorch's spelling, ``Tudui/Sequential[model1]/Conv2d[0]``:
  the root's class, then ``Class[attribute]`` per level.

The nodes follow PyTorch's layout, so that TensorBoard's graph plugin draws both alike:

- ``input/<forward argument>`` and ``output/output.<i>`` (op ``IO Node``) at the ends;
- a node per op (``minitorch::Convolution``, ...), named after the forward argument its
  value is next passed as, numbered in order with the last one bare (``input.1``, ...,
  ``input``), as TorchScript names values; a value passed nowhere is named by position;
- the parameters and buffers the ops read, in their module's scope (ops ``Parameter`` and
  ``Buffer``), and tensors from anywhere else as ``Constant`` nodes in the scope reading them.

Each node carries ``_output_shapes`` and ``dtype`` attributes, and in ``attr`` the op's
other arguments (stride, padding, ...) written as PyTorch writes a node's attributes.

An in-place op (``relu_``, ``ReLU(inplace=True)``) is a node like any other, and what reads
the tensor afterwards reads that node. A write through a view (``x[0] = 1``) shows as the
view's op; later readers of ``x`` itself still read the node ``x`` came from.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.config_pb2 import RunMetadata
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.step_stats_pb2 import DeviceStepStats, StepStats
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.types_pb2 import DataType
from tensorboard.compat.proto.versions_pb2 import VersionDef

from minitorch._tensor import Tensor
from minitorch._trace import Trace
from minitorch.autograd.function import Function
from minitorch.autograd.grad_mode import no_grad
from minitorch.nn.modules.module import Module

IO_NODE = "IO Node"
OP_PREFIX = "minitorch::"
# numpy's dtype names -> TensorFlow's DataType names, which the graph plugin shows
_DATA_TYPES = {
    "bool": "DT_BOOL",
    "uint8": "DT_UINT8",
    "int8": "DT_INT8",
    "int16": "DT_INT16",
    "int32": "DT_INT32",
    "int64": "DT_INT64",
    "float16": "DT_HALF",
    "float32": "DT_FLOAT",
    "float64": "DT_DOUBLE",
    "complex64": "DT_COMPLEX64",
    "complex128": "DT_COMPLEX128",
}
_STRICT_MESSAGE = (
    "Encountering a {kind} at the output of the tracer might cause the trace to be incorrect, "
    "this is only valid if the container structure does not change based on the module's "
    "inputs. Consider using a constant container instead (e.g. for `list`, use a `tuple` "
    "instead. for `dict`, use a `NamedTuple` instead). If you absolutely need this and know "
    "the side effects, pass use_strict_trace=False to add_graph() to allow this behavior."
)


@dataclass
class _Node:
    """One node of the graph being built, in ``scope``; ``name`` is given once all are known."""

    scope: str
    op: str
    inputs: list[tuple[_Node, int]] = field(default_factory=list)  # (node, output index)
    outputs: list[Tensor] = field(default_factory=list)
    reads: list[Tensor] = field(default_factory=list)  # the tensors behind ``inputs``
    attributes: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    argument: str | None = None  # the forward argument the value was first passed as

    @property
    def full_name(self) -> str:
        return f"{self.scope}/{self.name}"


@dataclass
class _Value:
    """Where a tensor's value comes from: output ``index`` of ``node``, as of ``version``."""

    tensor: Tensor
    node: _Node
    index: int
    version: int


class _GraphRecorder(Trace):
    """Records one forward pass of ``model`` as :class:`_Node` objects, in the order made.

    Tensors are known by ``id``; the recorder holds every tensor it has seen until the graph
    is written, so that no ``id`` is reused by a later tensor meanwhile.
    """

    def __init__(self, model: Module):
        super().__init__()
        self.nodes: list[_Node] = []
        self.scopes = _module_scopes(model)
        self.root_scope = self.scopes[id(model)]
        self._running: list[str] = []  # the scopes of the modules being called, innermost last
        self._values: dict[int, _Value] = {}  # id(tensor) -> where its value comes from
        self._looked_at = 0  # how many nodes there were at the last look for in-place writes
        self._owned: dict[int, tuple[Module, str, str]] = {}  # id(tensor) -> owner, name, kind
        for module in model.modules():
            for name, parameter in module.named_parameters(recurse=False):
                self._owned[id(parameter)] = (module, name, "Parameter")
            for name, buffer in module.named_buffers(recurse=False):
                self._owned[id(buffer)] = (module, name, "Buffer")

    # ------------------------------------------------------------ scopes, from module hooks
    @contextlib.contextmanager
    def hooked(self, model: Module) -> Iterator[None]:
        """Forward hooks on every module of ``model`` while the block runs."""
        handles = []
        for module in model.modules():
            handles.append(module.register_forward_pre_hook(self._enter, with_kwargs=True))
            handles.append(module.register_forward_hook(self._leave, always_call=True))
        try:
            yield
        finally:
            for handle in handles:
                handle.remove()

    def _enter(self, module: Module, args: tuple, kwargs: dict) -> None:
        self._running.append(self.scopes[id(module)])
        self.notice_in_place_writes()
        names = positional_names(module.forward, len(args))
        for name, value in [*zip(names, args, strict=True), *kwargs.items()]:
            known = self._values.get(id(value)) if isinstance(value, Tensor) else None
            if known is not None and known.node.op.startswith(OP_PREFIX):
                known.node.argument = known.node.argument or name

    def _leave(self, module: Module, args: tuple, output: Any) -> None:
        self._running.pop()

    # ------------------------------------------------------------ ops, from the tracer slot
    def record_forward(
        self, function: type[Function], apply: Callable[..., Any], args: tuple, kwargs: dict
    ) -> Any:
        """Run the op and add its node: tensor arguments become edges, the rest attributes."""
        self.notice_in_place_writes()
        scope = self._running[-1] if self._running else self.root_scope
        node = _Node(scope, OP_PREFIX + function.__name__)
        names = positional_names(function.forward, len(args) + 1)[1:]  # after ctx
        for name, value in [*zip(names, args, strict=True), *kwargs.items()]:
            if isinstance(value, Tensor):
                node.inputs.append(self.source(value, scope))
                node.reads.append(value)
            else:
                node.attributes[name] = value
        result = apply(*args, **kwargs)
        outputs = result if isinstance(result, tuple) else (result,)
        node.outputs = [output for output in outputs if isinstance(output, Tensor)]
        self._add(node)
        return result

    def source(self, tensor: Tensor, scope: str) -> tuple[_Node, int]:
        """The node (and output index) ``tensor`` comes from, made if it is new: a parameter
        or buffer of the model in its module's scope, or else a constant in ``scope``."""
        if id(tensor) not in self._values:
            if id(tensor) in self._owned:
                module, name, kind = self._owned[id(tensor)]
                node = _Node(self.scopes[id(module)], kind, outputs=[tensor], name=name)
            else:
                node = _Node(scope, "Constant", outputs=[tensor])
                if tensor.dim() == 0:
                    node.attributes["value"] = tensor.item()
            self._add(node)
        value = self._values[id(tensor)]
        value.version = tensor._version  # a write seen here has no op to show: see below
        return value.node, value.index

    def _add(self, node: _Node) -> None:
        self.nodes.append(node)
        for index, output in enumerate(node.outputs):
            self._values[id(output)] = _Value(output, node, index, output._version)

    def notice_in_place_writes(self) -> None:
        """Point each tensor written in place since the last look at the op that wrote it.

        An in-place op (``relu_``, ``add_``, ``x[i] = v``) computes its result with
        Functions, the last of which reads the tensor, then copies the result into the
        tensor's memory and bumps the tensor's version: from then on the tensor holds the
        value of the last op recorded. So a tensor read by a recent op whose version has
        moved on now comes from the last op, if that op's output has the tensor's shape;
        otherwise (the base of a view written through) it keeps its node.
        """
        recent = [node for node in self.nodes[self._looked_at :] if node.op.startswith(OP_PREFIX)]
        self._looked_at = len(self.nodes)
        if not recent:
            return
        writer = recent[-1]
        for node in recent:
            for tensor in node.reads:
                value = self._values[id(tensor)]
                if tensor._version == value.version:
                    continue
                value.version = tensor._version
                if writer.outputs and writer.outputs[0].shape == tensor.shape:
                    value.node, value.index = writer, 0

    # ------------------------------------------------------------ the ends, and the names
    def add_inputs(self, names: list[str], values: tuple) -> None:
        """The graph's tensor inputs, ``input/<name>``."""
        for name, value in zip(names, values, strict=True):
            if isinstance(value, Tensor):
                self._add(_Node("input", IO_NODE, outputs=[value], name=name))

    def add_outputs(self, tensors: list[Tensor]) -> None:
        """The graph's outputs, ``output/output.<i>``, each fed by the node of its tensor."""
        self.notice_in_place_writes()
        for index, tensor in enumerate(tensors, start=1):
            source = self.source(tensor, self.root_scope)
            self.nodes.append(_Node("output", IO_NODE, [source], [tensor], name=f"output.{index}"))

    def name_nodes(self) -> None:
        """Name each op node after its argument (``.1``, ``.2``, ... in order, the last one
        bare), or else by its position among all nodes."""
        by_argument: dict[str, list[_Node]] = {}
        for position, node in enumerate(self.nodes, start=1):
            if node.argument is not None:
                by_argument.setdefault(node.argument, []).append(node)
            elif node.name is None:
                node.name = str(position)
        for argument, nodes in by_argument.items():
            for number, node in enumerate(nodes, start=1):
                node.name = argument if number == len(nodes) else f"{argument}.{number}"


@functools.cache
def _signature_names(function: Callable) -> tuple[str, ...]:
    """``function``'s positional parameter names; a ``*args`` one last, as ``*args``."""
    names = []
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            names.append(f"*{parameter.name}")
            break
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            names.append(parameter.name)
    return tuple(names)


def positional_names(function: Callable, count: int) -> list[str]:
    """Names for ``count`` positional arguments of ``function``: its parameters' names, then
    ``args.1``, ``args.2``, ... for what its ``*args`` takes (``arg<i>`` if it has none)."""
    names = list(_signature_names(getattr(function, "__func__", function)))
    if inspect.ismethod(function):
        names = names[1:]  # self
    variadic = names.pop()[1:] if names and names[-1].startswith("*") else None
    extra = [f"{variadic}.{i}" if variadic else f"arg{i}" for i in range(1, count + 1)]
    return (names + extra[: max(count - len(names), 0)])[:count]


def _module_scopes(model: Module) -> dict[int, str]:
    """``id(module) -> "Root/Class[attribute]/..."`` for ``model`` and every module under it
    (a module reachable twice keeps the first path, as ``named_modules`` lists it)."""
    scopes = {id(model): type(model).__name__}

    def visit(module: Module, scope: str) -> None:
        for name, child in module.named_children():
            if id(child) not in scopes:
                scopes[id(child)] = f"{scope}/{type(child).__name__}[{name}]"
                visit(child, scopes[id(child)])

    visit(model, scopes[id(model)])
    return scopes


def _tensors(value: Any, strict: bool) -> list[Tensor]:
    """The tensors in a model's output, in order: a tensor or nested tuples of them, and with
    ``strict=False`` also lists and dicts (mutable containers, which PyTorch's strict trace
    refuses)."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, dict)) and strict:
        raise RuntimeError(_STRICT_MESSAGE.format(kind=type(value).__name__))
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        return [tensor for item in value for tensor in _tensors(item, strict)]
    return []


def _example_inputs(args: Any) -> tuple:
    """``input_to_model`` as positional arguments: a tensor, or a tuple or list of them."""
    if args is None:
        raise RuntimeError(
            "add_graph needs input_to_model: a tensor, or a tuple of tensors, to run the model on"
        )
    return tuple(args) if isinstance(args, (tuple, list)) else (args,)


def _node_def(node: _Node) -> NodeDef:
    shapes = [
        TensorShapeProto(dim=[TensorShapeProto.Dim(size=size) for size in tensor.shape])
        for tensor in node.outputs
    ]
    types = [
        DataType.Value(_DATA_TYPES.get(tensor.dtype.numpy_dtype.name, "DT_INVALID"))
        for tensor in node.outputs
    ]
    # PyTorch's spelling of a node's attributes: the dict's repr with its quotes as spaces
    described = str(node.attributes).replace("'", " ") if node.attributes else ""
    attr = {
        "attr": AttrValue(s=described.encode()),
        "_output_shapes": AttrValue(list=AttrValue.ListValue(shape=shapes)),
    }
    if len(types) == 1:
        attr["dtype"] = AttrValue(type=types[0])
    elif types:
        attr["dtype"] = AttrValue(list=AttrValue.ListValue(type=types))
    inputs = [
        source.full_name if index == 0 else f"{source.full_name}:{index}"  # TF's output index
        for source, index in node.inputs
    ]
    return NodeDef(name=node.full_name, op=node.op, input=inputs, attr=attr)


def _describe(node: _Node) -> str:
    sources = ", ".join(source.full_name for source, _ in node.inputs)
    shapes = " ".join(str(list(tensor.shape)) for tensor in node.outputs)
    return f"{node.full_name} = {node.op}({sources}) {shapes}"


@contextlib.contextmanager
def _set_model_to_eval(model: Module) -> Iterator[None]:
    """``model`` in eval mode for the block, then back in the mode it was in."""
    originally_training = model.training
    model.train(False)
    try:
        yield
    finally:
        model.train(originally_training)


def graph(
    model: Module, args: Any, verbose: bool = False, use_strict_trace: bool = True
) -> tuple[GraphDef, RunMetadata]:
    """The ``GraphDef`` of one forward pass of ``model`` on ``args``, and its run metadata.

    The pass runs in eval mode and without autograd, as PyTorch's trace does, and the
    model's mode is restored afterwards. ``verbose`` prints the graph, a node per line.
    ``use_strict_trace=False`` accepts lists and dicts in the output, as PyTorch's does.
    """
    inputs = _example_inputs(args)
    recorder = _GraphRecorder(model)
    recorder.add_inputs(positional_names(model.forward, len(inputs)), inputs)
    with _set_model_to_eval(model):
        try:
            with no_grad(), recorder.hooked(model), recorder:
                output = model(*inputs)
            outputs = _tensors(output, use_strict_trace)
        except RuntimeError as error:  # as PyTorch does, say so before raising
            print(error)
            print("Error occurs, No graph saved")
            raise
    recorder.add_outputs(outputs)
    recorder.name_nodes()
    if verbose:
        print("\n".join(_describe(node) for node in recorder.nodes))
    graph_def = GraphDef(
        node=[_node_def(node) for node in recorder.nodes],
        versions=VersionDef(producer=22),  # the version PyTorch writes
    )
    # PyTorch reports every graph as run on the CPU, whatever the device; so does minitorch.
    run_metadata = RunMetadata(
        step_stats=StepStats(dev_stats=[DeviceStepStats(device="/device:CPU:0")])
    )
    return graph_def, run_metadata
