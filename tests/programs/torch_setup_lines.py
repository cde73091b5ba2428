"""The lines tutorials start with (cuDNN and MPS switches, device choice) and the reprs of what
reductions and layouts return; ember runs it unchanged (tests/test_as_torch.py)."""

import torch
import torch.backends.cudnn as cudnn

torch.manual_seed(0)
print(cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32)
torch.backends.cudnn.benchmark = True
torch.backends.cudnn.deterministic = True
torch.backends.cudnn.allow_tf32 = False
torch.backends.cuda.matmul.allow_tf32 = True
print(cudnn.benchmark, torch.backends.cudnn.deterministic, torch.backends.cudnn.allow_tf32,
      torch.backends.cuda.matmul.allow_tf32)
with torch.backends.cudnn.flags(enabled=False):
    print(cudnn.enabled, cudnn.benchmark)
print(cudnn.enabled, cudnn.benchmark)
for bad in ("torch.backends.cudnn.benchmark = 1", "torch.backends.cuda.matmul.allow_tf32 = 'yes'",
            "torch.backends.cuda.matmul.no_such_switch = True"):
    try:
        exec(bad)
    except (RuntimeError, AttributeError) as exc:
        print(type(exc).__name__, end=" ")
print(cudnn.benchmark, torch.backends.cuda.matmul.allow_tf32)

print(torch.backends.mps.is_available(), torch.backends.mps.is_built())
print(torch.backends.cudnn.is_available() == torch.cuda.is_available())
device = ("cuda" if torch.cuda.is_available()
          else "mps" if torch.backends.mps.is_available() else "cpu")
print(device in ("cuda", "cpu"))  # not which: PyTorch here may be a CPU build, ember on a GPU

x = torch.tensor([[1.0, 5.0], [3.0, 4.0]])
print(torch.max(x, 0))
print(x.min(dim=1, keepdim=True))
print(x.sort(descending=True), x.topk(1))
print(x.layout, torch.strided, [x.layout])
