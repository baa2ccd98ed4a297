# The course's nn_linear.py: flatten a batch of 64 CIFAR-sized pictures into one long
# vector and map it to 10 numbers with nn.Linear. The course reads the pictures from
# CIFAR-10; to run offline we generate 128 pictures of the same shape.
# Only the imports name minitorch.
import minitorch as torch
from minitorch import nn
from minitorch.nn import Linear
from minitorch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
dataset = TensorDataset(torch.rand(128, 3, 32, 32), torch.randint(0, 10, (128,)))
dataloader = DataLoader(dataset, batch_size=64, drop_last=True)


class Tudui(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = Linear(196608, 10)

    def forward(self, input):
        output = self.linear1(input)
        return output


tudui = Tudui()

for data in dataloader:
    imgs, targets = data
    print(imgs.shape)
    output = torch.flatten(imgs)
    print(output.shape)
    output = tudui(output)
    print(output.shape)
