# The course's test.py: classify one picture with a trained model.
#   python test.py [IMAGE [MODEL]]
# IMAGE defaults to a picture painted here; MODEL to tudui_0.pth, saved by train.py.
# The course's own checkpoint works too: python test.py dog.png tudui_29_gpu.pth
# (saved on a GPU, hence map_location). Only the imports name minitorch.
import os
import sys
import tempfile

import numpy as np
from model import Tudui  # noqa: F401  (unpickling the whole model needs the class)
from PIL import Image

import minitorch as torch
import minitorch.vision as torchvision

if len(sys.argv) > 1:
    image_path = sys.argv[1]
else:
    image_path = os.path.join(tempfile.mkdtemp(), "picture.png")
    pixels = np.zeros((60, 80, 3), dtype=np.uint8)
    pixels[10:50, 20:60] = (200, 40, 40)
    Image.fromarray(pixels).save(image_path)
model_path = sys.argv[2] if len(sys.argv) > 2 else "tudui_0.pth"

image = Image.open(image_path)
print(image)
image = image.convert("RGB")
transform = torchvision.transforms.Compose([torchvision.transforms.Resize((32, 32)),
                                            torchvision.transforms.ToTensor()])

image = transform(image)
print(image.shape)

model = torch.load(model_path, map_location=torch.device("cpu"), weights_only=False)
print(model)
image = torch.reshape(image, (1, 3, 32, 32))
model.eval()
with torch.no_grad():
    output = model(image)
print(output)

print(output.argmax(1))
