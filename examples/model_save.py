# The course's model_save.py: the two ways to save a model.
# Method 1 pickles the whole model (its class must be importable when loading);
# method 2, the recommended one, saves only the parameters (the state_dict).
# The course saves torchvision's VGG16; here it is the course's own CIFAR-10 model.
# Only the imports name minitorch.
import minitorch as torch
from minitorch import nn


class Tudui(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3)

    def forward(self, x):
        x = self.conv1(x)
        return x


tudui = Tudui()

# method 1: model structure + parameters
torch.save(tudui, "tudui_method1.pth")

# method 2: parameters only (a dict of tensors)
torch.save(tudui.state_dict(), "tudui_method2.pth")
print("saved tudui_method1.pth and tudui_method2.pth")
