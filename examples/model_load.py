# The course's model_load.py: load what model_save.py saved.
# Method 1 unpickles the whole model: VGG16's class comes from the library, but the
# class Tudui must exist here, the course's "trap". Importing model_save brings the class
# (and, running that script, writes the files). Only the imports name minitorch.
from model_save import Tudui  # noqa: F401  (the class method 1 needs)

import minitorch as torch
import minitorch.vision as torchvision

# method 1 (weights_only=False: PyTorch >= 2.6 unpickles whole models only when asked)
model = torch.load("vgg16_method1.pth", weights_only=False)
print(model.classifier)

# method 2: build the model, then copy the saved parameters into it
vgg16 = torchvision.models.vgg16(weights=None)
vgg16.load_state_dict(torch.load("vgg16_method2.pth"))
print(torch.equal(vgg16.features[0].weight, model.features[0].weight))

# the trap: Tudui saved whole loads only because its class was imported above
model = torch.load("tudui_method1.pth", weights_only=False)
print(model)
tudui = Tudui()
tudui.load_state_dict(torch.load("tudui_method2.pth"))
print(tudui)
print(torch.equal(tudui.conv1.weight, model.conv1.weight))
