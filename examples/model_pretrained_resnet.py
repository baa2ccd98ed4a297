# model_pretrained with ResNet-18 instead of VGG16: torchvision's resnet18, its last layer
# (fc) replaced so that it answers CIFAR-10's 10 classes instead of ImageNet's 1000.
# weights=None builds it with torchvision's random initialisation; with
# weights=torchvision.models.ResNet18_Weights.DEFAULT it would load the ImageNet weights
# from the torch hub cache (~/.cache/torch/hub/checkpoints/resnet18-f37072fd.pth),
# downloading them there first. Only the imports name minitorch.
import minitorch as torch
import minitorch.vision as torchvision
from minitorch import nn

resnet18 = torchvision.models.resnet18(weights=None)
print(resnet18.layer1)  # two BasicBlocks: conv-bn-relu-conv-bn, plus the block's input
print(resnet18.fc)

resnet18.fc = nn.Linear(512, 10)
print(resnet18.fc)

# training mode normalises with each batch's statistics and updates the running ones
imgs = torch.ones(4, 3, 32, 32)
print(resnet18(imgs).shape)
print(resnet18.bn1.num_batches_tracked)
