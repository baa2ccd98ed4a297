# The course's nn_seq.py: the CIFAR-10 model written with nn.Sequential, checked on a
# batch of 64 ones: (64, 3, 32, 32) in, (64, 10) out, and its graph written for TensorBoard
# (`tensorboard --logdir logs_seq`, the Graphs tab). Only the imports name minitorch.
import minitorch as torch
from minitorch import nn
from minitorch.nn import Conv2d, Flatten, Linear, MaxPool2d, Sequential
from minitorch.utils.tensorboard import SummaryWriter


class Tudui(nn.Module):
    def __init__(self):
        super().__init__()
        self.model1 = Sequential(
            Conv2d(3, 32, 5, padding=2),
            MaxPool2d(2),
            Conv2d(32, 32, 5, padding=2),
            MaxPool2d(2),
            Conv2d(32, 64, 5, padding=2),
            MaxPool2d(2),
            Flatten(),
            Linear(1024, 64),
            Linear(64, 10),
        )

    def forward(self, x):
        x = self.model1(x)
        return x


tudui = Tudui()
print(tudui)
input = torch.ones((64, 3, 32, 32))
output = tudui(input)
print(output.shape)

writer = SummaryWriter("logs_seq")
writer.add_graph(tudui, input)
writer.close()
