# The course's nn_maxpool.py: MaxPool2d(3) on the 5x5 input of nn_conv.py. ceil_mode=True
# keeps the windows that hang over the edge; ceil_mode=False drops them.
# Only the imports name minitorch.
import minitorch as torch
from minitorch import nn
from minitorch.nn import MaxPool2d

input = torch.tensor([[1, 2, 0, 3, 1],
                      [0, 1, 2, 3, 1],
                      [1, 2, 1, 0, 0],
                      [5, 2, 3, 1, 1],
                      [2, 1, 0, 1, 1]], dtype=torch.float32)

input = torch.reshape(input, (-1, 1, 5, 5))
print(input.shape)


class Tudui(nn.Module):
    def __init__(self):
        super().__init__()
        self.maxpool1 = MaxPool2d(kernel_size=3, ceil_mode=True)

    def forward(self, input):
        output = self.maxpool1(input)
        return output


tudui = Tudui()
output = tudui(input)
print(output)

print(MaxPool2d(kernel_size=3, ceil_mode=False)(input))
