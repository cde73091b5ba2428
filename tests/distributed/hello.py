"""Each rank adds its RANK into a sum and prints what it sees (the launcher's multi-node test)."""

import os

import ember
import ember.distributed as dist

dist.init_process_group()
t = ember.tensor([float(dist.get_rank() + 1)])
dist.all_reduce(t)
print(f"rank={dist.get_rank()} size={dist.get_world_size()} env_rank={os.environ['RANK']} "
      f"local={os.environ['LOCAL_RANK']} sum={t.item():g}", flush=True)
dist.destroy_process_group()
