# The course's read_data.py with DataLoader(..., num_workers=2): two worker processes open and
# transform the pictures while the main process uses the batches. The batches are the same,
# in the same order, as with num_workers=0; each worker gets every second batch.
# The course uses the ants/bees pictures it downloads; to run offline, this script first
# paints a few small pictures into a temporary folder.
# Only the imports name minitorch.
import os
import tempfile

import numpy as np
from PIL import Image

import minitorch as torch
from minitorch.utils.data import DataLoader, Dataset, get_worker_info
from minitorch.vision import transforms


def paint_pictures(root_dir, label_dir, count, colour):
    """Save ``count`` noisy pictures of one colour as root_dir/label_dir/<n>.jpg."""
    os.makedirs(os.path.join(root_dir, label_dir))
    rng = np.random.default_rng(len(label_dir))
    for i in range(count):
        pixels = np.clip(rng.normal(colour, 30, size=(48, 64, 3)), 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(os.path.join(root_dir, label_dir, f"{i}.jpg"))


class MyData(Dataset):

    def __init__(self, root_dir, label_dir, transform):
        self.root_dir = root_dir
        self.label_dir = label_dir
        self.path = os.path.join(self.root_dir, self.label_dir)
        self.img_path = sorted(os.listdir(self.path))
        self.transform = transform

    def __getitem__(self, idx):
        img_item_path = os.path.join(self.path, self.img_path[idx])
        img = self.transform(Image.open(img_item_path))
        # in a worker process get_worker_info() says which one; in the main process it is None
        info = get_worker_info()
        worker = -1 if info is None else info.id
        return img, self.label_dir, worker

    def __len__(self):
        return len(self.img_path)


def seed_worker(worker_id):
    # each worker starts with its own seed (the main process's generator + worker_id);
    # libraries that keep their own generator can be seeded from it here
    np.random.seed(torch.initial_seed() % 2**32)


if __name__ == "__main__":  # worker processes started by "spawn" import this file again
    root_dir = os.path.join(tempfile.mkdtemp(), "dataset", "train")
    paint_pictures(root_dir, "ants", 6, colour=(150, 90, 40))
    paint_pictures(root_dir, "bees", 4, colour=(220, 190, 40))

    transform = transforms.Compose([transforms.Resize((32, 32)), transforms.ToTensor()])
    train_dataset = MyData(root_dir, "ants", transform) + MyData(root_dir, "bees", transform)

    in_main = DataLoader(train_dataset, batch_size=4, num_workers=0)
    in_workers = DataLoader(train_dataset, batch_size=4, num_workers=2, worker_init_fn=seed_worker)
    for (imgs, labels, workers), (same_imgs, _, _) in zip(in_workers, in_main, strict=True):
        print(imgs.shape, labels, "loaded by worker", workers.tolist())
        print("same pictures as with num_workers=0:", torch.equal(imgs, same_imgs))

    # persistent_workers keeps the two workers between epochs instead of starting new ones
    loader = DataLoader(train_dataset, batch_size=5, num_workers=2, persistent_workers=True)
    for epoch in range(2):
        print("epoch", epoch, [labels for imgs, labels, workers in loader])
