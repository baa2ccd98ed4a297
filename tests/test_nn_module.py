"""``nn.Module``, ``Parameter``, ``Sequential`` and ``ModuleList`` behave as PyTorch's do.

Where PyTorch's behaviour is text (``print(model)``, load_state_dict errors) the same
model is built with both libraries and the strings compared, with ``torch.`` in
PyTorch's text read as ``minitorch.``.
"""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import minitorch
from minitorch import nn
from minitorch.models import tutorial_sequential as tutorial_model


class Tudui:
    """The tutorial's own class, built against either library."""

    @staticmethod
    def build(lib):
        class Tudui(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = tutorial_model(lib)

            def forward(self, x):
                return self.model(x)

        return Tudui()


def as_torch_text(text: str) -> str:
    return text.replace("torch.", "minitorch.")


# ------------------------------------------------------------------ printing
REPR_MODELS = [
    ("tutorial", tutorial_model),
    ("tudui", Tudui.build),
    (
        "layers",
        lambda t: t.nn.Sequential(
            t.nn.Conv2d(
                3, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=2, groups=3, bias=False
            ),
            t.nn.Conv2d(6, 6, 3, padding="same", padding_mode="reflect"),
            t.nn.MaxPool2d((2, 3), 1, 1, 2, True, True),
            t.nn.ReLU(),
            t.nn.ReLU(inplace=True),
            t.nn.Sigmoid(),
            t.nn.Tanh(),
            t.nn.Softmax(dim=1),
            t.nn.LogSoftmax(),
            t.nn.Identity(),
            t.nn.Flatten(0, 2),
            t.nn.Linear(4, 2, bias=False),
        ),
    ),
    (
        "nested",
        lambda t: t.nn.Sequential(
            OrderedDict(
                [
                    ("features", t.nn.Sequential(t.nn.Conv2d(1, 2, 3), t.nn.ReLU())),
                    (
                        "blocks",
                        t.nn.ModuleList([t.nn.Linear(2, 2) for _ in range(3)] + [t.nn.ReLU()]),
                    ),
                    ("empty", t.nn.Sequential()),
                    ("empty_list", t.nn.ModuleList()),
                    ("loss", t.nn.CrossEntropyLoss()),
                ]
            )
        ),
    ),
]


@pytest.mark.parametrize(("name", "build"), REPR_MODELS, ids=[m[0] for m in REPR_MODELS])
def test_print_matches_pytorch(name, build):
    assert repr(build(minitorch)) == repr(build(torch))


# ------------------------------------------------------------------ registration and traversal
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(8, 3))
        self.scale = nn.Parameter(minitorch.ones(1))
        self.register_buffer("steps", minitorch.zeros(1))
        self.register_buffer("cache", minitorch.zeros(2), persistent=False)
        self.note = "plain attribute"

    def forward(self, x):
        return self.head(self.conv(x)) * self.scale


def test_attribute_assignment_registers_parameters_buffers_and_modules():
    net = Net()
    assert list(net._parameters) == ["scale"]
    assert list(net._buffers) == ["steps", "cache"]
    assert list(net._modules) == ["conv", "head"]
    assert net.note == "plain attribute" and "note" in net.__dict__
    assert net.training is True
    assert [name for name, _ in net.named_parameters()] == [
        "scale",
        "conv.weight",
        "conv.bias",
        "head.1.weight",
        "head.1.bias",
    ]
    assert [name for name, _ in net.named_buffers()] == ["steps", "cache"]
    assert [name for name, _ in net.named_modules()] == ["", "conv", "head", "head.0", "head.1"]
    assert [name for name, _ in net.named_children()] == ["conv", "head"]
    assert len(list(net.parameters(recurse=False))) == 1
    assert len(list(net.modules())) == 5 and list(net.children())[0] is net.conv


def test_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'nothing'"):
        _ = Net().nothing
    assert not hasattr(Net(), "nothing")


def test_shared_parameters_are_listed_once():
    linear = nn.Linear(2, 2)
    model = nn.Sequential(linear, linear)
    assert len(list(model.parameters())) == 2
    assert len(list(model.named_parameters(remove_duplicate=False))) == 4


def test_assignment_rules_and_their_errors():
    net = Net()
    with pytest.raises(
        TypeError, match="cannot assign 'minitorch.FloatTensor' as parameter 'scale'"
    ):
        net.scale = minitorch.ones(1)
    net.scale = None
    assert net.scale is None and "scale" in net._parameters
    with pytest.raises(TypeError, match="cannot assign 'str' as child module 'conv'"):
        net.conv = "not a module"
    net.steps = minitorch.ones(1)  # assigning a tensor to a buffer name updates the buffer
    assert net._buffers["steps"].item() == 1.0
    net.conv = nn.Identity()
    assert isinstance(net._modules["conv"], nn.Identity)
    del net.conv
    assert "conv" not in net._modules


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda m: m.add_module("a.b", nn.ReLU()),
            KeyError,
            'module name can\'t contain ".", got: a.b',
        ),
        (lambda m: m.add_module("", nn.ReLU()), KeyError, "module name can't be empty string"),
        (lambda m: m.add_module("x", 3), TypeError, "int is not a Module subclass"),
        (lambda m: m.add_module("note", nn.ReLU()), KeyError, "attribute 'note' already exists"),
        (lambda m: m.register_buffer("a.b", None), KeyError, 'buffer name can\'t contain "."'),
        (
            lambda m: m.register_buffer("b", 3),
            TypeError,
            "cannot assign 'int' object to buffer 'b'",
        ),
        (lambda m: m.register_parameter("p", minitorch.ones(1)), TypeError, "to parameter 'p'"),
        (
            lambda m: m.register_parameter("", None),
            KeyError,
            "parameter name can't be empty string",
        ),
    ],
)
def test_registration_errors(call, error, message):
    with pytest.raises(error) as raised:
        call(Net())
    assert message in raised.value.args[0]


def test_assigning_a_parameter_before_init_fails_like_pytorch():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(minitorch.ones(1))

    with pytest.raises(
        AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"
    ):
        Early()


def test_get_submodule_parameter_buffer():
    net = Net()
    assert net.get_submodule("head.1") is net.head[1]
    assert net.get_submodule("") is net
    assert net.get_parameter("head.1.bias") is net.head[1].bias
    assert net.get_buffer("steps") is net.steps
    with pytest.raises(AttributeError, match="Sequential has no attribute `7`"):
        net.get_submodule("head.7")
    with pytest.raises(AttributeError, match="`note` is not an nn.Module"):
        net.get_submodule("note")


def test_apply_train_eval_requires_grad_zero_grad():
    net = Net()
    visited = []
    assert net.apply(lambda m: visited.append(type(m).__name__)) is net
    assert visited == ["Conv2d", "Flatten", "Linear", "Sequential", "Net"]
    assert net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")
    net(minitorch.randn(2, 1, 4, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_forward_must_be_defined():
    with pytest.raises(
        NotImplementedError, match=r'Module \[Module\] is missing the required "forward" function'
    ):
        nn.Module()(1)


# ------------------------------------------------------------------ dtypes and devices
def test_to_double_float_keep_parameter_identity():
    net = Net()
    weight = net.conv.weight
    assert net.double() is net
    assert net.conv.weight is weight and weight.dtype is minitorch.float64
    assert net.steps.dtype is minitorch.float64
    net.to(minitorch.float32)
    assert weight.dtype is minitorch.float32
    net.to("cpu")
    net.to(minitorch.zeros(1, dtype=minitorch.float64))
    assert weight.dtype is minitorch.float64
    assert net.cpu() is net
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point"):
        net.to(minitorch.int64)


@pytest.mark.parametrize(
    "call", [lambda m: m.cuda(), lambda m: m.to("cuda"), lambda m: m.to("cuda:0")]
)
def test_cuda_raises_naming_the_torch_backend(call):
    with pytest.raises(RuntimeError, match="torch_backend"):
        call(Net())


# ------------------------------------------------------------------ state dict
def test_state_dict_keys_values_and_options():
    model = Tudui.build(minitorch)
    state = model.state_dict()
    assert isinstance(state, OrderedDict)
    assert list(state) == list(Tudui.build(torch).state_dict())
    assert list(state)[:2] == ["model.0.weight", "model.0.bias"]
    assert (
        not state["model.0.weight"].requires_grad
        and type(state["model.0.weight"]) is minitorch.Tensor
    )
    assert np.shares_memory(state["model.0.weight"].numpy(), model.model[0].weight.detach().numpy())
    assert state._metadata["model.0"] == {"version": 1}
    assert list(model.state_dict(prefix="net."))[0] == "net.model.0.weight"
    assert model.state_dict(keep_vars=True)["model.0.weight"] is model.model[0].weight
    assert list(Net().state_dict()) == [
        "scale",
        "steps",
        "conv.weight",
        "conv.bias",
        "head.1.weight",
        "head.1.bias",
    ]


def test_load_state_dict_copies_values_in_place():
    source, target = tutorial_model(minitorch), tutorial_model(minitorch)
    weight = target[0].weight
    result = target.load_state_dict(source.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert target[0].weight is weight
    np.testing.assert_array_equal(weight.detach().numpy(), source[0].weight.detach().numpy())


def test_load_state_dict_from_pytorch_weights_gives_pytorchs_outputs():
    torch_model = tutorial_model(torch)
    model = tutorial_model(minitorch)
    model.load_state_dict(
        {k: minitorch.tensor(v.numpy()) for k, v in torch_model.state_dict().items()}
    )
    x = np.random.default_rng(0).standard_normal((2, 3, 32, 32)).astype(np.float32)
    expected = torch_model(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(
        model(minitorch.tensor(x)).detach().numpy(), expected, rtol=1e-4, atol=1e-5
    )


def load_errors(lib, state_edit) -> str:
    model = tutorial_model(lib)
    state = OrderedDict(tutorial_model(lib).state_dict())
    state_edit(lib, state)
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(state)
    return str(error.value)


def _drop_and_add(lib, state):
    del state["0.bias"]
    del state["8.weight"]
    state["9.weight"] = lib.zeros(1)
    state["extra"] = lib.zeros(1)


def _resize(lib, state):
    state["0.weight"] = lib.zeros(32, 3, 3, 3)
    state["7.bias"] = lib.zeros(65)


@pytest.mark.parametrize(
    "edit", [_drop_and_add, _resize], ids=["missing_unexpected", "size_mismatch"]
)
def test_load_state_dict_errors_match_pytorchs_text(edit):
    assert load_errors(minitorch, edit) == as_torch_text(load_errors(torch, edit))


def test_load_state_dict_not_strict_reports_keys():
    model = tutorial_model(minitorch)
    state = model.state_dict()
    del state["0.bias"]
    state["junk"] = minitorch.zeros(1)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.bias"] and result.unexpected_keys == ["junk"]


def test_load_state_dict_rejects_non_tensors_and_non_mappings():
    model = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match='While copying the parameter named "weight"'):
        model.load_state_dict({"weight": [[1, 2], [3, 4]], "bias": minitorch.zeros(2)})
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        model.load_state_dict([1, 2])


# ------------------------------------------------------------------ hooks
def test_forward_hooks_run_in_order_and_can_replace_values():
    model = nn.Linear(2, 2)
    calls = []
    handle = model.register_forward_pre_hook(lambda m, args: calls.append("pre") or (args[0] * 0,))
    model.register_forward_hook(lambda m, args, out: calls.append("post") or out + 1)
    model.register_forward_hook(lambda m, args, out: calls.append("first"), prepend=True)
    out = model(minitorch.ones(1, 2))
    assert calls == ["pre", "first", "post"]
    np.testing.assert_allclose(out.detach().numpy(), model.bias.detach().numpy()[None] + 1)
    handle.remove()
    calls.clear()
    model(minitorch.ones(1, 2))
    assert calls == ["first", "post"]


def test_forward_hooks_with_kwargs():
    model = nn.Identity()
    model.register_forward_pre_hook(
        lambda m, args, kwargs: ((args[0] * 2,), kwargs), with_kwargs=True
    )
    model.register_forward_hook(lambda m, args, kwargs, out: out + 1, with_kwargs=True)
    assert model(minitorch.ones(1)).item() == 3.0


def test_always_call_forward_hook_runs_when_forward_fails():
    model = nn.Linear(2, 2)
    seen = []
    model.register_forward_hook(lambda m, args, out: seen.append(out), always_call=True)
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied"):
        model(minitorch.ones(1, 3))
    assert seen == [None]


def backward_hook_record(lib, x_requires_grad: bool) -> list:
    """Run the same two-layer model on ``lib`` and record what the full backward hooks see."""
    model = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.Tanh())
    state = {"0.weight": [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], "0.bias": [0.1, -0.1]}
    model.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    record = []

    def as_lists(grads):
        return [None if g is None else g.tolist() for g in grads]

    def hook(module, grad_input, grad_output):
        record.append(["hook", type(module).__name__, as_lists(grad_input), as_lists(grad_output)])

    def pre_hook(module, grad_output):
        record.append(["pre", type(module).__name__, as_lists(grad_output)])
        return (grad_output[0] * 2,)

    model[0].register_full_backward_hook(hook)
    model[1].register_full_backward_hook(hook)
    model[1].register_full_backward_pre_hook(pre_hook)
    x = lib.tensor([[1.0, 2.0, 3.0]], requires_grad=x_requires_grad)
    model(x).sum().backward()
    record.append(["weight grad", model[0].weight.grad.tolist()])
    return record


def assert_same_record(mine: object, theirs: object) -> None:
    """Equal structure, strings equal, numbers equal to float32 precision."""
    if isinstance(theirs, list):
        assert isinstance(mine, list) and len(mine) == len(theirs), (mine, theirs)
        for a, b in zip(mine, theirs, strict=True):
            assert_same_record(a, b)
    elif isinstance(theirs, float):
        assert mine == pytest.approx(theirs, rel=1e-6, abs=1e-7)
    else:
        assert mine == theirs


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
@pytest.mark.parametrize("x_requires_grad", [True, False])
def test_full_backward_hooks_match_pytorch(x_requires_grad):
    assert_same_record(
        backward_hook_record(minitorch, x_requires_grad),
        backward_hook_record(torch, x_requires_grad),
    )


# ------------------------------------------------------------------ containers
def test_sequential_indexing_slicing_and_editing():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2]
    head = model[1:]
    assert isinstance(head, nn.Sequential) and list(head._modules) == ["1", "2"]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        model[3]
    model[1] = nn.Tanh()
    assert isinstance(model[1], nn.Tanh)
    model.append(nn.Sigmoid())
    assert list(model._modules) == ["0", "1", "2", "3"]
    del model[1]
    assert list(model._modules) == ["0", "1", "2"] and isinstance(model[1], nn.Linear)
    del model[-2:]
    assert len(model) == 1
    assert model(minitorch.ones(4, 2)).shape == (4, 3)
    model.insert(0, nn.Identity())
    assert isinstance(model[0], nn.Identity)
    assert len(model + nn.Sequential(nn.ReLU())) == 3
    assert isinstance(model.pop(0), nn.Identity) and len(model) == 1


def test_sequential_from_ordered_dict_keeps_names():
    model = nn.Sequential(OrderedDict([("conv", nn.Conv2d(1, 1, 1)), ("act", nn.ReLU())]))
    assert list(model.state_dict()) == ["conv.weight", "conv.bias"]
    assert model.conv is model[0]


def test_module_list():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    layers.insert(0, nn.Identity())
    assert [type(m).__name__ for m in layers] == [
        "Identity",
        "Linear",
        "Linear",
        "Linear",
        "ReLU",
        "Tanh",
    ]
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    del layers[0]
    assert list(layers._modules) == [str(i) for i in range(5)]
    layers[-1] = nn.Sigmoid()
    assert isinstance(layers[4], nn.Sigmoid)
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        layers(minitorch.ones(1))


# ------------------------------------------------------------------ parameters and copies
def test_parameter_basics():
    p = nn.Parameter(minitorch.tensor([1.0, 2.0]))
    assert p.requires_grad and p.is_leaf and isinstance(p, minitorch.Tensor)
    assert repr(p) == as_torch_text(repr(torch.nn.Parameter(torch.tensor([1.0, 2.0]))))
    assert not nn.Parameter(minitorch.ones(1), requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    assert type(p * 2) is minitorch.Tensor
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(minitorch.tensor([1, 2]))


def test_deepcopy_and_pickle_keep_structure_and_values():
    model = tutorial_model(minitorch)
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert repr(clone) == repr(model)
        assert isinstance(clone[0].weight, nn.Parameter) and clone[0].weight.requires_grad
        assert clone[0].weight is not model[0].weight
        np.testing.assert_array_equal(
            clone[0].weight.detach().numpy(), model[0].weight.detach().numpy()
        )
        assert clone(minitorch.zeros(1, 3, 32, 32)).shape == (1, 10)


def test_dir_lists_registered_names():
    names = dir(Net())
    assert {"conv", "head", "scale", "steps", "forward"} <= set(names)
