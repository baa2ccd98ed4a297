# The course's model_save.py: the two ways to save a model, shown on torchvision's VGG16.
# Method 1 pickles the whole model (its class must be importable when loading);
# method 2, the recommended one, saves only the parameters (the state_dict).
# The course's "trap": a model class of your own saved whole with method 1 can only be
# loaded where that class is defined (see model_load.py). VGG16 holds 138M parameters,
# so each VGG16 file is about 530 MB. Only the imports name minitorch.
import minitorch as torch
import minitorch.vision as torchvision
from minitorch import nn

vgg16 = torchvision.models.vgg16(weights=None)

# method 1: model structure + parameters
torch.save(vgg16, "vgg16_method1.pth")

# method 2: parameters only (a dict of tensors)
torch.save(vgg16.state_dict(), "vgg16_method2.pth")


# the trap: a class of our own
class Tudui(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3)

    def forward(self, x):
        x = self.conv1(x)
        return x


tudui = Tudui()
torch.save(tudui, "tudui_method1.pth")
torch.save(tudui.state_dict(), "tudui_method2.pth")
print("saved vgg16_method1.pth, vgg16_method2.pth, tudui_method1.pth and tudui_method2.pth")
