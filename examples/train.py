# The course's train.py: the whole training script. Datasets and loaders, the model,
# loss and optimizer, then for each epoch a training pass and a test pass (loss and
# accuracy), saving the model after each epoch.
# The course trains on CIFAR-10 (downloaded by torchvision); to run offline in seconds
# this script generates CIFAR-shaped pictures whose colour depends on their class, and
# trains for 2 short epochs. Only the imports name minitorch.
from model import Tudui

import minitorch as torch
from minitorch import nn
from minitorch.utils.data import DataLoader, TensorDataset


def make_pictures(count, generator):
    """``count`` 3x32x32 pictures: noise plus a mean colour that tells the class."""
    targets = torch.randint(0, 10, (count,), generator=generator)
    palette = torch.rand(10, 3, 1, 1, generator=torch.Generator().manual_seed(10))
    imgs = torch.rand(count, 3, 32, 32, generator=generator) * 0.3 + palette[targets]
    return TensorDataset(imgs, targets)


generator = torch.Generator().manual_seed(0)
train_data = make_pictures(64, generator)
test_data = make_pictures(32, generator)

train_data_size = len(train_data)
test_data_size = len(test_data)
print(f"length of the training set: {train_data_size}")
print(f"length of the test set: {test_data_size}")

train_dataloader = DataLoader(train_data, batch_size=16)
test_dataloader = DataLoader(test_data, batch_size=16)

tudui = Tudui()

loss_fn = nn.CrossEntropyLoss()

learning_rate = 1e-2
optimizer = torch.optim.SGD(tudui.parameters(), lr=learning_rate)

total_train_step = 0
total_test_step = 0
epoch = 2

for i in range(epoch):
    print(f"------- epoch {i + 1} -------")

    tudui.train()
    for data in train_dataloader:
        imgs, targets = data
        outputs = tudui(imgs)
        loss = loss_fn(outputs, targets)

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        total_train_step = total_train_step + 1
        if total_train_step % 2 == 0:
            print(f"training step {total_train_step}, loss: {loss.item()}")

    tudui.eval()
    total_test_loss = 0
    total_accuracy = 0
    with torch.no_grad():
        for data in test_dataloader:
            imgs, targets = data
            outputs = tudui(imgs)
            loss = loss_fn(outputs, targets)
            total_test_loss = total_test_loss + loss.item()
            accuracy = (outputs.argmax(1) == targets).sum()
            total_accuracy = total_accuracy + accuracy

    print(f"loss on the test set: {total_test_loss}")
    print(f"accuracy on the test set: {total_accuracy / test_data_size}")
    total_test_step = total_test_step + 1

    torch.save(tudui, f"tudui_{i}.pth")
    print("model saved")
