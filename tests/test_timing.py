"""Where a build's seconds go: `alignlab.timing`'s phases, the cache's build records, `make bench`'s profile,
and `Pipeline.prepare`'s progress lines."""
import json
import time

import pytest

from alignlab import bench, timing
from alignlab.cache import Cache
from alignlab.config import load_config
from alignlab.model import ModelConfig
from alignlab.pipeline import StageError


def test_inner_phases_take_their_time_from_outer_ones():
    with timing.recording() as outer:
        with timing.phase("train"):
            time.sleep(0.2)
            with timing.phase("generate"):
                time.sleep(0.3)
                with timing.recording() as inner:
                    with timing.phase("score"):
                        time.sleep(0.1)
        time.sleep(0.1)  # in no phase
    assert set(outer) == {"train", "generate", "score"} and set(inner) == {"score"}
    assert abs(outer["train"] - 0.2) < 0.05 and abs(outer["generate"] - 0.3) < 0.05
    assert abs(outer["score"] - 0.1) < 0.02 and abs(inner["score"] - 0.1) < 0.02
    assert bench.with_rest(outer, 0.75)["other"] == round(0.75 - sum(outer.values()), 1)


def test_a_phase_is_closed_when_its_code_raises():
    try:
        with timing.recording() as seconds, timing.phase("train"):
            time.sleep(0.05)
            raise KeyError
    except KeyError:
        pass
    assert timing._open == [] and timing._records == [] and "train" in seconds


def test_the_cache_records_each_builds_phases(tmp_path):
    def build(out):
        with timing.phase("train"):
            time.sleep(0.1)
        (out / "x").write_text("x")

    path = Cache(tmp_path).get_or_build("demo", "k", build)
    record = json.loads((path / "build.json").read_text())
    assert set(record["phases_s"]) == {"train"} and 0.1 <= record["phases_s"]["train"] <= record["build_s"]


def test_the_matmul_reference_is_a_plausible_rate():
    rate = bench.matmul_flops(ModelConfig(d_model=32, d_ff=64), vocab=100, tokens=64, seconds=0.1)
    assert 1e7 < rate < 1e13  # FLOP/s: more than a pocket calculator, less than a GPU


def test_bench_profiles_a_pretraining_stage(tmp_path):
    result = bench.bench("smoke", ["base"], str(tmp_path))
    base = result["stages"]["base"]
    assert base["phases_s"]["train"] > 0 and "other" in base["phases_s"]
    assert "generate" in base["eval_phases_s"]
    t = base["throughput"]
    assert 0 < t["ratio"] < 2 and t["tokens_per_s"] > 0
    smoke = load_config("smoke")
    per_step = smoke.base_pretrain.batch_size * smoke.base_model.context
    info = json.loads(next(tmp_path.glob("base-*/info.json")).read_text())
    assert info["train_tokens"] == smoke.base_pretrain.tokens // per_step * per_step
    # the floor: the model's FLOPs of training at the matmul rate measured beside them
    flop = 6 * info["parameters"] * info["train_tokens"]
    assert t["floor_s"] == pytest.approx(flop / (t["matmul_gflops"] * 1e9), rel=0.05)


def test_prepare_builds_what_is_needed_in_order_with_a_line_per_stage(smoke_pipeline):
    lines = []
    first = smoke_pipeline.prepare(["sft"], show=lines.append)
    assert list(first) == ["tokenizer", "base", "sft"]
    assert lines[-1].startswith("[###] 3/3 sft: built in") and "building base" in lines[2]
    lines.clear()
    smoke_pipeline.prepare(["sft", "base"], show=lines.append)  # everything is in the cache now
    assert lines == [f"[{'#' * i}{'.' * (3 - i)}] {i}/3 {n}: in the cache"
                     for i, n in enumerate(["tokenizer", "base", "sft"], 1)]
    with pytest.raises(StageError, match="unknown stage 'sfft'"):
        smoke_pipeline.prepare(["sfft"])
