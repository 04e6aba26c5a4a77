"""GRPO stages: they build, log what the notebook plots, and (default config) learn from the verifier."""
import pytest


@pytest.mark.slow
def test_smoke_grpo_stages_build_and_log_accuracy(smoke_pipeline):
    report = smoke_pipeline.run(["grpo"])
    assert {"arith_acc", "capability_acc", "asr_direct"} <= set(report["stages"]["grpo"])
    for name in ("grpo", "grpo_naive"):
        rows = [r for r in smoke_pipeline.training_log(name) if "reward" in r]
        assert rows and {"rewards/strict/mean", "completions/mean_length", "kl"} <= set(rows[0]), rows[:1]
    assert "rewards/naive/mean" in smoke_pipeline.training_log("grpo_naive")[0]
    assert smoke_pipeline.key("grpo") != smoke_pipeline.key("grpo_naive")
