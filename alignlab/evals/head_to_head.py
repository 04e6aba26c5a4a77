"""Head-to-head comparison of two models by the gold judge, as InstructGPT's labelers compared two models' outputs
on the same prompts (Ouyang et al., 2022)."""
from __future__ import annotations


def head_to_head(gold_a: dict[str, float], gold_b: dict[str, float]) -> dict:
    """On every prompt both models answered (`gold_*`: prompt -> gold reward of the reply), is A's reply better,
    equal or worse? `preferred` is the share of prompts where A wins outright; `win_rate` counts a tie as half."""
    shared = [p for p in gold_a if p in gold_b]
    if not shared:
        raise ValueError("the two models answered no prompt in common")
    wins = sum(gold_a[p] > gold_b[p] for p in shared)
    ties = sum(gold_a[p] == gold_b[p] for p in shared)
    n = len(shared)
    return {"prompts": n, "wins": wins, "ties": ties, "losses": n - wins - ties, "preferred": wins / n,
            "win_rate": (wins + ties / 2) / n}
