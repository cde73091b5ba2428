"""A seeded PyTorch tutorial program (random data, default initialisation, dropout, a shuffled
DataLoader, random_split); under ``python -m ember run`` it prints what PyTorch prints."""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, random_split

torch.manual_seed(0)
print(torch.rand(3))
print(torch.randn(2, 3))
print(torch.randint(0, 10, (5,)), torch.randperm(6))

x = torch.randn(64, 4)
y = (x[:, :1] * 2 - x[:, 1:2] + 0.1 * torch.randn(64, 1))
train, test = random_split(TensorDataset(x, y), [48, 16])
print(len(train), len(test), train.indices[:5])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 16)
        self.drop = nn.Dropout(0.25)
        self.fc2 = nn.Linear(16, 1)

    def forward(self, v):
        return self.fc2(self.drop(F.relu(self.fc1(v))))


model = Net()
print(model.fc1.weight[0])
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
loader = DataLoader(train, batch_size=16, shuffle=True)
for epoch in range(3):
    model.train()
    for xb, yb in loader:
        opt.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
    print(epoch, f"{loss.item():.4f}")
model.eval()
with torch.no_grad():
    xt = torch.stack([test[i][0] for i in range(len(test))])
    yt = torch.stack([test[i][1] for i in range(len(test))])
    print("test", f"{F.mse_loss(model(xt), yt).item():.4f}")
