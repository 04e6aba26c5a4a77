"""The seed-spread tool: each stage's seed is found and varied alone; bad arguments are named."""
import pytest
from safetensors.torch import load_file

from alignlab.config import load_config
from alignlab.pipeline import Pipeline
from alignlab.seeds import SEED_FIELDS, format_spread, main, parse_seeds, seed_spread, with_seed


def test_with_seed_changes_only_that_stages_key():
    config = load_config("smoke")
    for stage, path in SEED_FIELDS.items():
        changed = with_seed(config, stage, 7)
        value = changed
        for name in path:
            value = getattr(value, name)
        assert value == 7, stage
        assert Pipeline(changed).key(stage) != Pipeline(config).key(stage), stage
    dpo = Pipeline(with_seed(config, "dpo", 7))
    assert dpo.key("sft") == Pipeline(config).key("sft")  # upstream stages are shared, not rebuilt


def test_chain_gives_every_upstream_stage_the_seed():
    config = load_config("smoke")
    chained, alone = Pipeline(with_seed(config, "dpo", 7, chain=True)), Pipeline(config)
    assert chained.config.base_pretrain.seed == chained.config.sft.seed == chained.config.dpo.seed == 7
    assert chained.key("base") != alone.key("base") and chained.key("sft") != alone.key("sft")
    assert chained.config.reward == config.reward and chained.config.ppo == config.ppo  # not upstream of dpo
    assert with_seed(config, "base", 7, chain=True) == with_seed(config, "base", 7)  # nothing upstream of base
    text = format_spread({"stage": "dpo", "seeds": [0], "chain": True, "metrics": {"x": [0.5]}})
    assert text.startswith("dpo with its upstream seeds:")


def test_bad_arguments_are_named(capsys):
    with pytest.raises(ValueError, match="no seed to vary for stage 'red_team'"):
        with_seed(load_config("smoke"), "red_team", 1)
    with pytest.raises(ValueError, match="whole numbers"):
        parse_seeds("0,one")
    with pytest.raises(ValueError, match="repeated"):
        parse_seeds("1,1")
    with pytest.raises(SystemExit):
        main(["nonsense", "--profile", "smoke"])
    assert "no seed to vary for stage 'nonsense'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["dpo", "--profile", "smoke", "--split", "dev"])
    assert "--split dev needs a world with dev and test splits" in capsys.readouterr().err


def test_format_spread_shows_each_seed_the_median_the_range_and_an_interval():
    text = format_spread({"stage": "dpo", "seeds": [0, 1, 2], "metrics": {"over_refusal": [0.294, 0.0, 0.05]},
                          "intervals": {"over_refusal": [[0.2, 0.4], [0.0, 0.03], [0.02, 0.11]]}})
    assert "seed 0" in text and "seed 2" in text and "median" in text
    assert text.splitlines()[1].split()[-3:] == ["0.050", "0.294", "0.020-0.110"]  # median, range, its interval
    assert format_spread({"stage": "dpo", "seeds": [0], "metrics": {"x": [0.5]}}).splitlines()[1].split()[-2:] == \
        ["0.500", "0.000"]  # no intervals known: none shown


@pytest.mark.slow
def test_seed_spread_builds_one_stage_per_seed(smoke_pipeline):
    quick = seed_spread(smoke_pipeline, "dpo", [0, 1], proxy_reward=False)  # --no-proxy: no reward model trained
    assert "proxy_reward" not in quick["metrics"] and not smoke_pipeline.is_built("reward_model")
    spread = seed_spread(smoke_pipeline, "dpo", [0, 1])
    assert "proxy_reward" in spread["metrics"]
    assert all(spread["metrics"][k] == v for k, v in quick["metrics"].items())  # the rest is the same
    assert spread["seeds"] == [0, 1] and "asr_direct" in spread["metrics"]
    assert all(len(v) == 2 for v in spread["metrics"].values())
    assert all(lo <= v <= hi for k, vs in spread["metrics"].items() for v, (lo, hi) in zip(vs, spread["intervals"][k]))
    weights = [load_file(Pipeline(with_seed(smoke_pipeline.config, "dpo", s), smoke_pipeline.cache).build("dpo")
                         / "model" / "model.safetensors") for s in (0, 1)]
    assert any(not weights[0][k].equal(weights[1][k]) for k in weights[0])  # the seed reached the trainer
