"""The contamination check: evaluation prompts and reference answers found in training texts, verbatim or by a
shared run of 8 words; and the world's own split measured by it."""
import pytest

from alignlab.config import load_config
from alignlab.leaks import WINDOW, eval_sets, format_report, leak_report, main, total_leaks, training_texts, windows
from alignlab.world import make_world
from alignlab.world.items import Item


def test_windows_ignore_case_and_punctuation():
    assert windows("The Sirvin is RED.", 8) == {("the", "sirvin", "is", "red")}  # shorter than n: one run
    assert len(windows(" ".join(f"w{i}" for i in range(10)), 8)) == 3 and windows("...") == set()


def test_planted_leaks_are_found_and_clean_items_are_not():
    items = [Item("fact", "What colour is the sirvin?", "heldout", meta={"reference": "The sirvin is red."}),
             Item("fact", "Where does the old ferry to Kelbrook leave from on a windy day?", "heldout",
                  meta={"reference": "It leaves from the north pier."}),
             Item("fact", "How tall is a brindle?", "heldout", meta={"reference": "A brindle is tall."})]
    texts = ["Forum. Q:   what colour is the SIRVIN? A: the sirvin is red.",  # verbatim, other case and spacing
             "I heard the old ferry to Kelbrook leave from on a windy morning",  # shares 8 words with item 2
             "A brindle is short."]
    row = leak_report(texts, {"capability": items})["capability"]
    # item 1 is verbatim; item 2 shares a run of 8 words; a text shorter than 8 words is one run (found verbatim)
    assert row == {"items": 3, "prompt_verbatim": 1, "prompt_window": 1, "answer_verbatim": 1, "answer_window": 0}
    assert total_leaks({"capability": row}) == 3
    assert total_leaks(leak_report(["nothing in common here"], {"capability": items})) == 0
    bbq = Item("bbq", "Who was late?", "heldout", answer="The person from Fomere")  # options are not sentences
    assert leak_report(["The person from Fomere"], {"bbq": [bbq]})["bbq"]["answer_verbatim"] == 0


def test_training_texts_cover_every_source_and_the_report_prints(capsys):
    config = load_config("smoke")
    world = make_world(config.world)
    texts = set(training_texts(config))
    assert set(world.corpus) <= texts and world.sft_data()[0]["messages"][1]["content"] in texts
    assert world.preferences("train")[0]["rejected"][0]["content"] in texts
    assert all(i.prompt in texts for i in world.items["harmful"] if i.split == "train")
    assert main(["--profile", "smoke"]) == 0 and f"{WINDOW}-word windows" in capsys.readouterr().out
    assert format_report(leak_report(texts, eval_sets(world))).splitlines()[0].split()[:2] == ["set", "items"]


@pytest.mark.xfail(strict=True, reason="the held-out items occur in the world's training texts until the honest "
                                       "evaluation world lands (dev and test splits new on both axes)")
def test_no_evaluation_item_occurs_in_any_training_text():
    config = load_config("default")
    report = leak_report(training_texts(config), eval_sets(make_world(config.world)))
    assert total_leaks(report) == 0, format_report(report)
