# The course's nn_module.py: the smallest nn.Module. Subclass it, write forward, and call
# the module (not forward) on a tensor. Only the imports name minitorch.
import minitorch as torch
from minitorch import nn


class Tudui(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, input):
        output = input + 1
        return output


tudui = Tudui()
x = torch.tensor(1.0)
output = tudui(x)
print(output)
