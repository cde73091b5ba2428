"""Rank 1 raises while rank 0 waits in a collective: the launcher must end the job, non-zero."""

import ember
import ember.distributed as dist

dist.init_process_group()
if dist.get_rank() == 1:
    raise ValueError("rank 1 fails on purpose")
dist.all_reduce(ember.ones(2))  # never completes: rank 1 is gone
