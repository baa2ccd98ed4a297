# The course's model_pretrained.py: take torchvision's VGG16 and change its classifier
# so that it answers CIFAR-10's 10 classes instead of ImageNet's 1000.
# weights=None builds VGG16 with torchvision's random initialisation; with
# weights=torchvision.models.VGG16_Weights.DEFAULT it would load the ImageNet weights
# from the torch hub cache (~/.cache/torch/hub/checkpoints/vgg16-397923af.pth),
# downloading them there first. Only the imports name minitorch.
import minitorch.vision as torchvision
from minitorch import nn

vgg16 = torchvision.models.vgg16(weights=None)
print(vgg16)

# way 1: keep the 1000 outputs and add a layer that maps them to 10 classes
vgg16.classifier.add_module("add_linear", nn.Linear(1000, 10))
print(vgg16.classifier)

# way 2: replace the last layer of the classifier by one with 10 outputs
vgg16.classifier[6] = nn.Linear(4096, 10)
print(vgg16.classifier)
