# The course's nn_relu.py: the non-linear activations ReLU and Sigmoid, element by element.
# Only the imports name minitorch.
import minitorch as torch
from minitorch import nn
from minitorch.nn import ReLU, Sigmoid

input = torch.tensor([[1, -0.5],
                      [-1, 3]])

input = torch.reshape(input, (-1, 1, 2, 2))
print(input.shape)


class Tudui(nn.Module):
    def __init__(self):
        super().__init__()
        self.relu1 = ReLU()
        self.sigmoid1 = Sigmoid()

    def forward(self, input):
        output = self.sigmoid1(input)
        return output


tudui = Tudui()
print(tudui.relu1(input))
output = tudui(input)
print(output)
