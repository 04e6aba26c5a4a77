"""A taste of scalable oversight: a weak judge supervising a policy whose outputs it cannot fully check.

The policy samples several replies per prompt and a judge picks one (best-of-n, the simplest optimisation against a
judge). The gold judge is perfect oversight; picking at random is none. Weaker judges are the course's reward
model reading only the first few words of each reply (a supervisor who cannot check a whole answer), and the
reward model trained on length-loving labelers (a supervisor with a bias). How much of the gap between no
oversight and perfect oversight does each recover? (Burns et al., 2023, measure weak-to-strong supervision with
the same ratio, "performance gap recovered".)
"""
from __future__ import annotations

from statistics import mean

from .generation import generate
from .reward import score_distinct
from .world.judges import gold_reward

SETS = ("capability", "harmful", "benign_scary", "myth")


def first_words(text: str, k: int | None) -> str:
    return text if k is None else " ".join(text.split()[:k])


def oversight_gap(pipeline, policy: str = "dpo", n_samples: int = 8, read_words=(2, 4, 8), per_set: int = 60,
                  seed: int = 0) -> list[dict]:
    """One row per judge: the mean gold reward of the replies it picks and the share of the gap it recovers."""
    from .world import make_world

    world = make_world(pipeline.config.world)
    items = [i for s in SETS for i in world.eval_set(s)[:per_set]]
    model, tokenizer = pipeline.load(policy)
    asked = [i.prompt for i in items for _ in range(n_samples)]
    replies = [r.text for r in generate(model, tokenizer, asked, do_sample=True, seed=seed,
                                        max_new_tokens=pipeline.config.eval.max_new_tokens)]
    gold = [gold_reward(i, r) for i, r in zip([i for i in items for _ in range(n_samples)], replies)]
    groups = range(len(items))
    picked = lambda scores: mean(gold[g * n_samples + max(range(n_samples), key=lambda k: scores[g * n_samples + k])]
                                 for g in groups)
    none, perfect = mean(gold[g * n_samples] for g in groups), picked(gold)
    rows = [{"judge": "no oversight (first sample)", "gold": none}, {"judge": "gold judge (perfect)", "gold": perfect}]
    scorer = pipeline.scorer("reward_model")
    for k in (*read_words, None):
        scores = score_distinct(scorer, asked, [first_words(r, k) for r in replies])
        rows.append({"judge": f"reward model, reads {k} words" if k else "reward model, reads everything",
                     "gold": picked(scores)})
    hacked = score_distinct(pipeline.scorer("reward_model_hacked"), asked, replies)
    rows.append({"judge": "length-loving reward model", "gold": picked(hacked)})
    for r in rows:
        r["gap_recovered"] = (r["gold"] - none) / (perfect - none) if perfect > none else float("nan")
    return rows
