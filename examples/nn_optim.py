# The course's nn_optim.py: the optimizer loop. For each batch: forward, loss,
# zero_grad, backward, step; the summed loss goes down from epoch to epoch.
# The course loops over CIFAR-10's test set; to run offline in seconds we generate
# 16 CIFAR-shaped pictures whose mean colour depends on the class.
# Only the imports name minitorch.
import minitorch as torch
from minitorch import nn
from minitorch.nn import Conv2d, Flatten, Linear, MaxPool2d, Sequential
from minitorch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
targets = torch.randint(0, 10, (16,))
imgs = torch.rand(16, 3, 32, 32) * 0.5 + torch.reshape(targets, (16, 1, 1, 1)) / 20
dataset = TensorDataset(imgs, targets)
dataloader = DataLoader(dataset, batch_size=8)


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
optim = torch.optim.SGD(tudui.parameters(), lr=0.01)
for _epoch in range(3):
    running_loss = 0.0
    for data in dataloader:
        imgs, targets = data
        outputs = tudui(imgs)
        result_loss = loss(outputs, targets)
        optim.zero_grad()
        result_loss.backward()
        optim.step()
        running_loss = running_loss + result_loss.item()
    print(running_loss)
