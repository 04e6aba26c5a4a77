"""Building stages from several processes at once (`accelerate launch` or `torchrun`, one process per GPU).

Stages trained by TRL's trainers are data parallel: every process trains on its share of each batch and the
trainer averages the gradients. The main process builds the cache entry (holding its lock, so its view of
what is built is the one everyone acts on); the other processes train along in a scratch folder they discard.
Every other stage (the tokenizer, pretraining, PPO) and every evaluation runs in the main process alone.
"""
from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path

from .cache import Cache


def process_count() -> int:
    """How many processes the launcher started (1 for a plain `alignlab` or a notebook)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def build_together(cache: Cache, stage: str, key: str, build, data_parallel: bool) -> Path:
    """The entry for (stage, key), built by all processes together when `data_parallel`, else by the main one."""
    import torch
    from accelerate import PartialState
    from accelerate.utils import broadcast_object_list

    # joins the launcher's process group (on CPUs too); the others may wait long while the main one builds alone
    state = PartialState(cpu=not torch.cuda.is_available(), timeout=timedelta(hours=6))
    if state.num_processes != process_count():
        raise RuntimeError(f"the launcher started {process_count()} processes but accelerate sees "
                           f"{state.num_processes} ({state.distributed_type})")
    if state.is_main_process:
        with cache.locked(stage, key):
            missing = [cache.lookup(stage, key) is None]
            broadcast_object_list(missing)
            if missing[0]:
                cache.get_or_build_locked(stage, key, build)
    else:
        missing = [None]
        broadcast_object_list(missing)
        if missing[0] and data_parallel:
            with tempfile.TemporaryDirectory(prefix=f"alignlab-{stage}-process{state.process_index}-") as scratch:
                build(Path(scratch))
    state.wait_for_everyone()
    path = cache.lookup(stage, key)
    if path is None:
        raise RuntimeError(f"process {state.process_index}: stage {stage!r} is not in the cache at {cache.root} after "
                           "the main process built it; the processes must share one cache folder")
    return path
