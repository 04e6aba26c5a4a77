"""Notebook 09's experiments: whose values (labeler populations that disagree) and weak judges (oversight)."""
import pytest

from alignlab.config import load_config
from alignlab.oversight import first_words, oversight_gap
from alignlab.values import contested_pairs, whose_values
from alignlab.world import make_world
from alignlab.world.judges import is_refusal


def test_contested_labels_follow_the_population():
    world = make_world(load_config("default").world)
    refused = {s: sum(is_refusal(p["chosen"][0]["content"]) for p in contested_pairs(world, s, n=400)) / 400
               for s in (0.0, 0.5, 1.0)}
    assert refused[0.0] < 0.1 and 0.35 < refused[0.5] < 0.65 and refused[1.0] > 0.9, refused
    assert all(p["prompt"][0]["content"] for p in contested_pairs(world, 0.5, n=20, split="heldout"))
    with pytest.raises(ValueError, match="between 0 and 1"):
        contested_pairs(world, 1.5)


def test_first_words():
    assert first_words("a b c d", 2) == "a b" and first_words("a b", None) == "a b" and first_words("", 3) == ""


@pytest.mark.slow
def test_experiments_run_on_the_smoke_pipeline(smoke_pipeline):
    values = whose_values(smoke_pipeline, shares=(0.0, 1.0), n_samples=4, n_pairs=200)
    assert [r["cautious_share"] for r in values] == [0.0, 1.0]
    assert values[1]["mean_margin"] > values[0]["mean_margin"]  # the reward model learns its labelers' view
    assert all(0 <= r["policy_refuses"] <= 1 and 0 <= r["rm_prefers_refusal"] <= 1 for r in values)
    rows = {r["judge"]: r for r in oversight_gap(smoke_pipeline, n_samples=4, per_set=6)}
    perfect, none = rows["gold judge (perfect)"]["gold"], rows["no oversight (first sample)"]["gold"]
    assert all(none - 1e-9 <= perfect and r["gold"] <= perfect + 1e-9 for r in rows.values())
    assert len(rows) == 7
