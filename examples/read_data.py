# The course's read_data.py: a Dataset of your own (pictures in a folder named after
# their label), two of them added together, read in batches by a DataLoader; each batch
# goes to TensorBoard as one picture made by utils.make_grid (`tensorboard --logdir logs`).
# The course uses the ants/bees pictures it downloads; to run offline, this script
# first paints a few small pictures into a temporary folder.
# Only the imports name minitorch.
import os
import tempfile

import numpy as np
from PIL import Image

from minitorch.utils.data import DataLoader, Dataset
from minitorch.utils.tensorboard import SummaryWriter
from minitorch.vision import transforms, utils


def paint_pictures(root_dir, label_dir, count, colour):
    """Save ``count`` noisy pictures of one colour as root_dir/label_dir/<n>.jpg."""
    os.makedirs(os.path.join(root_dir, label_dir))
    rng = np.random.default_rng(len(label_dir))
    for i in range(count):
        pixels = np.clip(rng.normal(colour, 30, size=(48, 64, 3)), 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(os.path.join(root_dir, label_dir, f"{i}.jpg"))


class MyData(Dataset):

    def __init__(self, root_dir, label_dir, transform=None):
        self.root_dir = root_dir
        self.label_dir = label_dir
        self.path = os.path.join(self.root_dir, self.label_dir)
        self.img_path = sorted(os.listdir(self.path))
        self.transform = transform

    def __getitem__(self, idx):
        img_name = self.img_path[idx]
        img_item_path = os.path.join(self.root_dir, self.label_dir, img_name)
        img = Image.open(img_item_path)
        label = self.label_dir
        if self.transform is not None:
            img = self.transform(img)
        return img, label

    def __len__(self):
        return len(self.img_path)


root_dir = os.path.join(tempfile.mkdtemp(), "dataset", "train")
paint_pictures(root_dir, "ants", 6, colour=(150, 90, 40))
paint_pictures(root_dir, "bees", 4, colour=(220, 190, 40))

ants_dataset = MyData(root_dir, "ants")
bees_dataset = MyData(root_dir, "bees")
train_dataset = ants_dataset + bees_dataset
print(len(ants_dataset), len(bees_dataset), len(train_dataset))

img, label = train_dataset[0]
print(img.size, img.mode, label)

# the same pictures as tensors, resized to 32x32, four at a time
transform = transforms.Compose([transforms.Resize((32, 32)), transforms.ToTensor()])
train_dataset = MyData(root_dir, "ants", transform) + MyData(root_dir, "bees", transform)
dataloader = DataLoader(train_dataset, batch_size=4, shuffle=False, drop_last=False)
writer = SummaryWriter("logs")
for i, (imgs, labels) in enumerate(dataloader):
    print(imgs.shape, labels)
    writer.add_image("train_data_b2", utils.make_grid(imgs), i)
writer.close()
