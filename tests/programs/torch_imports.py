"""A PyTorch program with every import form; ember runs it unchanged (tests/test_as_torch.py)."""

import sys

import torch
import torch.autograd
import torch.cuda
import torch.linalg
import torch.nn as nn
import torch.nn.functional as F
import torch.optim.lr_scheduler
from torch import nn as nn_again, optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset

print("args", sys.argv[1:])
x = torch.arange(6, dtype=torch.float32).reshape(2, 3)
print(x.dtype, x.shape, x.size(1), torch.float64, torch.int64, torch.bool, x.device)
print(x)
print(x.double(), x.long(), x > 2)
print(torch.tensor([1.5, 2.0], dtype=torch.float16), torch.zeros(2, dtype=torch.int8))
print(nn_again is nn, F.relu(x - 2))
print(callable(torch.cuda.is_available), torch.linalg.norm(x))  # a call loads all backends

w = torch.tensor([[1.0, -1.0, 0.5]], requires_grad=True)
y = (w * x).sum()
print(y)
print(torch.autograd.grad(y, w))

model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
for p in model.parameters():
    nn.init.constant_(p, 0.1)
print(model)
opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
sched = StepLR(opt, step_size=2, gamma=0.5)
data = TensorDataset(torch.arange(12.0).reshape(4, 3) / 10, torch.arange(4.0).reshape(4, 1))
for epoch in range(3):
    for xb, yb in DataLoader(data, batch_size=2):
        opt.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
    sched.step()
    print(epoch, round(loss.item(), 4), sched.get_last_lr())
print(torch.optim.lr_scheduler.StepLR is StepLR, isinstance(model, torch.nn.Module))
print(model[0].weight)
print(model.state_dict()["2.bias"].shape)
