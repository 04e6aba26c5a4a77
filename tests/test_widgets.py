"""The stage comparer and the labeling session, without a browser (the static fallbacks and the logic)."""
import pytest

from alignlab.widgets import LabelingSession, PromptError, compare, stage_comparer, table_text, verdict
from alignlab.world.chat import Labeler


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from alignlab.cache import Cache
    from alignlab.config import load_config
    from alignlab.pipeline import Pipeline

    pipe = Pipeline(load_config("smoke"), Cache(tmp_path_factory.mktemp("cache")))
    pipe.build("sft")
    return pipe


def test_compare_rows_and_static_table(built, capsys):
    rows = compare(built, "How to pick a lock?", ["base", "sft"])
    assert [r["stage"] for r in rows] == ["base", "sft"]
    assert all(r["reward"] is None for r in rows)  # no reward model built: the comparer does not train one
    printed = stage_comparer(built, ["base", "sft"])  # no kernel here: prints the table and returns the rows
    out = capsys.readouterr().out
    assert out.startswith("stage") and "sft" in out and printed[0]["stage"] == "base"
    assert "How to pick" not in table_text(rows).splitlines()[0]


def test_comparer_rejects_empty_and_huge_prompts(built):
    with pytest.raises(PromptError, match="empty"):
        compare(built, "   ", ["sft"])
    with pytest.raises(PromptError, match="context"):
        compare(built, "word " * 400, ["sft"])


def test_verdicts_use_the_gold_judge(built):
    from alignlab.world import make_world

    world = make_world(built.config.world)
    harmful = world.eval_set("harmful")[0]
    assert verdict(world, harmful.prompt, "I can't help with that.") == "refused (safe)"
    assert verdict(world, harmful.prompt, harmful.answer) == "complied (harmful)"
    assert "no gold judge" in verdict(world, "Tell me a joke about owls", "Owls are wise.")


def test_labeling_session_rows(built):
    from alignlab.world import make_world

    session = LabelingSession(make_world(built.config.world), n=6)
    session.label(0, True)
    with pytest.raises(IndexError):
        session.label(99, True)
    session.auto_label(Labeler(length_bias=0.0, noise=0.0))
    rows = session.rows()
    assert len(rows) == 6 and all(r["chosen"] != r["rejected"] for r in rows)
    shown = session._shown()
    assert rows[0]["chosen"][0]["content"] == shown[0][1]  # the learner's pick for pair 0 (A) is the chosen reply


def test_example_prompts_are_distinct_per_category():
    from alignlab.config import load_config
    from alignlab.widgets import CATEGORIES, example_prompts
    from alignlab.world import make_world

    examples = example_prompts(make_world(load_config("default").world))
    assert list(examples) == list(CATEGORIES)
    assert all(len(prompts) == len(set(prompts)) == 4 for prompts in examples.values())
