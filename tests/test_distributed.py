"""Several processes, as `accelerate launch --multi_gpu` starts them (one per GPU), here two on the CPU through
torchrun, the launcher accelerate uses: TRL's stages train data parallel, each process on half of every batch, the
other stages in the main process; one cache, one report card, and the models one process trains."""
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from alignlab.cache import Cache
from alignlab.config import smoke
from alignlab.pipeline import Pipeline


def optimizer_steps(pipe: Pipeline, stage: str) -> int:
    return max(entry.get("step", 0) for entry in pipe.training_log(stage))


@pytest.mark.slow
def test_two_processes_build_the_stages_together(tmp_path):
    cache = tmp_path / "together"
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           "-m", "alignlab.cli", "--profile", "smoke", "--cache", str(cache), "run",
                           "--stages", "sft,ppo,dpo"], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stdout.count("Columns:") == 1  # one report card, from the main process
    together = Pipeline(smoke(), Cache(cache))
    assert all(together.is_built(s) for s in ("tokenizer", "base", "sft", "reward_model", "ppo", "dpo"))
    assert not list(cache.glob(".tmp-*"))

    alone = Pipeline(smoke(), Cache(tmp_path / "alone"))
    for stage in ("sft", "reward_model", "dpo"):
        assert optimizer_steps(together, stage) == optimizer_steps(alone, stage) > 1, stage
        a, b = (load_file(p.build(stage) / "model" / "model.safetensors") for p in (together, alone))
        start = load_file(together.build("base" if stage == "sft" else "sft") / "model" / "model.safetensors")
        assert any(not torch.equal(a[k], start[k]) for k in a if k in start), f"{stage} did not train"
        if stage != "dpo":  # DPO's extra SFT term is a token mean per process in TRL, so it differs slightly
            assert all(torch.allclose(a[k], b[k], atol=1e-4) for k in a), f"{stage} differs from one process's"


def test_each_process_takes_an_equal_share_of_every_batch(monkeypatch):
    from alignlab.posttrain import per_process_batch

    assert per_process_batch(16) == 16
    monkeypatch.setenv("WORLD_SIZE", "4")
    assert per_process_batch(16) == 4
    monkeypatch.setenv("WORLD_SIZE", "3")
    with pytest.raises(ValueError, match="a batch of 16 does not split evenly over 3 processes"):
        per_process_batch(16)
