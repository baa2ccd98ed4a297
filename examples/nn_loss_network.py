# The course's nn_loss_network.py: the loss of the CIFAR-10 model on a batch, and what
# backward() leaves behind: a gradient for every parameter. The course reads CIFAR-10;
# here one generated batch stands in. Only the imports name minitorch.
import minitorch as torch
from minitorch import nn
from minitorch.nn import Conv2d, Flatten, Linear, MaxPool2d, Sequential

torch.manual_seed(0)
imgs = torch.rand(4, 3, 32, 32)
targets = torch.tensor([3, 8, 8, 0])


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


loss = nn.CrossEntropyLoss()
tudui = Tudui()
outputs = tudui(imgs)
result_loss = loss(outputs, targets)
print(result_loss)
print(tudui.model1[0].weight.grad)   # None: backward has not run yet
result_loss.backward()
print(tudui.model1[0].weight.grad.shape)
