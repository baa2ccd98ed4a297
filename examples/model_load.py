# The course's model_load.py: load what model_save.py saved.
# Method 1 unpickles the whole model, which needs the class Tudui to exist here: the
# course's "trap". Importing model_save brings the class (and, running that script,
# writes the two files). Only the imports name minitorch.
from model_save import Tudui  # noqa: F401  (the class method 1 needs)

import minitorch as torch

# method 1 (weights_only=False: PyTorch >= 2.6 unpickles whole models only when asked)
model = torch.load("tudui_method1.pth", weights_only=False)
print(model)

# method 2: build the model, then copy the saved parameters into it
tudui = Tudui()
tudui.load_state_dict(torch.load("tudui_method2.pth"))
print(tudui)
print(torch.equal(tudui.conv1.weight, model.conv1.weight))
