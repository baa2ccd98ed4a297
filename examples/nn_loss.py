# The course's nn_loss.py: L1Loss (summed), MSELoss and CrossEntropyLoss on small numbers
# you can check by hand. Only the imports name minitorch.
import minitorch as torch
from minitorch import nn
from minitorch.nn import L1Loss

inputs = torch.tensor([1, 2, 3], dtype=torch.float32)
targets = torch.tensor([1, 2, 5], dtype=torch.float32)

inputs = torch.reshape(inputs, (1, 1, 1, 3))
targets = torch.reshape(targets, (1, 1, 1, 3))

loss = L1Loss(reduction="sum")
result = loss(inputs, targets)          # |1-1| + |2-2| + |3-5| = 2

loss_mse = nn.MSELoss()
result_mse = loss_mse(inputs, targets)  # (0 + 0 + 2^2) / 3 = 1.3333

print(result)
print(result_mse)

# cross-entropy of the scores [0.1, 0.2, 0.3] when class 1 is right:
# -0.2 + log(exp(0.1) + exp(0.2) + exp(0.3)) = 1.1019
x = torch.tensor([0.1, 0.2, 0.3])
y = torch.tensor([1])
x = torch.reshape(x, (1, 3))
loss_cross = nn.CrossEntropyLoss()
result_cross = loss_cross(x, y)
print(result_cross)
