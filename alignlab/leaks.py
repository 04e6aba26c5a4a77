"""Do the evaluation items occur in what the stages train on? An evaluation item measures generalisation only if
neither its prompt nor its reference answer is in any training text (Sainz et al., 2023, "NLP evaluation in
trouble"; the same n-gram test as GPT-3's contamination study, Brown et al., 2020, with 8 words rather than 13:
the world's sentences are short).

    python -m alignlab.leaks [--profile P]

`training_texts` lists what the stages of the course train on, from the same world functions the stages call: the
pretraining corpus, the SFT chats (which replay also draws on), the labelled preference pairs of both labeler
populations, the training-split items (whence the red team, safety training, CAI, GRPO and challenge 3 draw their
prompts, reference replies included), and the harm classifier's items with the replies the world writes for them.
Replies that a stage samples from a model are not listed: they answer prompts listed here.
"""
from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable

from .config import CourseConfig, load_config
from .world import EVAL_SETS, World, make_world
from .world.items import Item

WINDOW = 8  # words


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def windows(text: str, n: int = WINDOW) -> set[tuple[str, ...]]:
    """The text's runs of n consecutive words (lower case, punctuation dropped); a shorter text is one run."""
    w = words(text)
    return {tuple(w[i:i + n]) for i in range(max(1, len(w) - n + 1))} if w else set()


def training_texts(config: CourseConfig) -> list[str]:
    from .harm import labelled_responses

    world = make_world(config.world)
    texts = list(world.corpus)
    texts += [m["content"] for chat in world.sft_data() for m in chat["messages"]]
    for bias in (None, config.hacked_length_bias):
        texts += [t[0]["content"] for row in world.preferences("train", length_bias=bias)
                  for t in (row["prompt"], row["chosen"], row["rejected"])]
    texts += [s for items in world.items.values() for i in items if i.split == "train"
              for s in (i.prompt, i.answer, i.meta.get("reference", ""), i.meta.get("reply", ""))]
    h = config.harm  # the harm classifier's rows as its stage draws them (the sampled replies left out)
    drawn = [("train", h.per_kind, h.seed)] + ([] if world.config.honest else [("heldout", h.heldout_per_kind, h.seed + 1)])
    texts += [r["text"] for split, n, seed in drawn for r in labelled_responses(world, split, [], n, seed=seed)]
    return [t for t in texts if t]


def asked(item: Item) -> str:
    """What an evaluation item asks: its prompt, less a many-shot jailbreak's shots (training questions and answers
    put before the request by design: the attack's material, not the item)."""
    return item.meta["request"] if item.meta.get("family") == "many_shot" else item.prompt


def reference_answer(item: Item) -> str:
    """The sentence a correct reply is judged against (BBQ's answers are options, not sentences: none). A worked
    two-digit sum's steps are digit facts that every training sum shares (the rule is taught, the sum is not), so
    for it this is the sum itself, "a + b = s"."""
    if item.kind == "bbq":
        return ""
    if item.kind == "arith" and item.meta.get("worked"):
        return f"{item.meta['a']} + {item.meta['b']} = {item.answer}"
    return item.meta.get("reference", item.answer)


def leak_report(texts: Iterable[str], sets: dict[str, list[Item]], n: int = WINDOW) -> dict:
    """Per evaluation set: its items, and how many of their prompts and of their reference answers occur in `texts`
    verbatim (ignoring case and spacing) or share a run of n words with one."""
    texts = list(texts)
    flat = "\n".join(" ".join(t.lower().split()) for t in texts)
    seen = set().union(*(windows(t, n) for t in texts)) if texts else set()
    report = {}
    for name, items in sets.items():
        row = {"items": len(items)}
        for part, get in (("prompt", asked), ("answer", reference_answer)):
            found = [get(i) for i in items if get(i)]
            row[f"{part}_verbatim"] = sum(" ".join(t.lower().split()) in flat for t in found)
            row[f"{part}_window"] = sum(bool(windows(t, n) & seen) for t in found)
        report[name] = row
    return report


def eval_sets(world: World) -> dict[str, list[Item]]:
    """Every evaluation set of the world; the honest world's dev and test sets both ("capability/dev", ...)."""
    if not world.config.honest:
        return {name: world.eval_set(name) for name in EVAL_SETS}
    return {f"{name}/{split}": world.eval_set(name, split) for name in EVAL_SETS for split in ("dev", "test")}


def total_leaks(report: dict) -> int:
    """Evaluation prompts and answers found in training texts, by either test (an item can count twice)."""
    return sum(v for row in report.values() for k, v in row.items() if k != "items")


def format_report(report: dict) -> str:
    cols = ["items", "prompt_verbatim", "prompt_window", "answer_verbatim", "answer_window"]
    lines = [f"{'set':18s}" + "".join(f"{c:>17s}" for c in cols)]
    lines += [f"{name:18s}" + "".join(f"{row[c]:>17d}" for c in cols) for name, row in report.items()]
    return "\n".join(lines) + f"\n\n{WINDOW}-word windows; a clean split has zeros in every column but items."


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m alignlab.leaks")
    p.add_argument("--profile")
    args = p.parse_args(argv)
    config = load_config(args.profile)
    print(format_report(leak_report(training_texts(config), eval_sets(make_world(config.world)))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
