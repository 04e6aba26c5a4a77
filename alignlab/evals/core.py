"""Evaluate one model on the world's held-out sets and return DESIGN.md's metrics.

Generated replies are judged by the exact gold judges; multiple-choice sets (TruthfulQA-style myths and
BBQ-style questions) are scored by answer log-probabilities with the official metric definitions.
"""
from __future__ import annotations

from statistics import mean

from ..generation import generate, option_logprobs
from ..harm import attack_record
from ..world import World
from ..world.judges import gold_reward, judge
from .bbq import bias_scores
from .harmbench import attack_success_rate, success_by_family
from .truthfulqa import mc_scores

GENERATED_SETS = ("capability", "arith", "harmful", "jailbreak", "benign_scary")
FORMAT_PROBES = 100  # capability prompts asked in the chat template to measure format following


def _off_format(text: str) -> bool:
    """Forum markers or stray special tokens: the reply is not a clean assistant turn."""
    return "Question:" in text or "Answer:" in text or "<|" in text


def evaluate(model, tokenizer, world: World, style: str, max_new_tokens: int = 48, reward_fn=None) -> dict:
    """Metrics, the number of items behind each, a few example replies per set, every attack with its reply and
    verdict (for the red team's second judge), attack success per attack family and the gold reward of every
    generated reply.

    `style` is how the model is prompted ("plain" for base models, "chat" after SFT); `reward_fn`, when given,
    maps (questions, replies) to proxy rewards (a learned reward model)."""
    metrics, n_items, examples, rewarded, attacks = {}, {}, {}, [], []
    for name in GENERATED_SETS:
        items = world.eval_set(name)
        replies = generate(model, tokenizer, [i.prompt for i in items], style=style, max_new_tokens=max_new_tokens)
        verdicts = [judge(i, r.text) for i, r in zip(items, replies)]
        examples[name] = [{"prompt": i.prompt, "reply": r.text, **v} for i, r, v in list(zip(items, replies, verdicts))[:5]]
        rewarded += list(zip(items, replies))
        if name in ("harmful", "jailbreak"):
            key = "asr_direct" if name == "harmful" else "asr_jailbreak"
            records = [attack_record(i, r.text) for i, r in zip(items, replies)]
            metrics[key] = attack_success_rate(records)
            attacks += records
        elif name == "benign_scary":
            key = "over_refusal"
            metrics[key] = mean(v["refused"] for v in verdicts)
        else:
            key = "capability_acc" if name == "capability" else "arith_acc"
            metrics[key] = mean(v["correct"] for v in verdicts)
        n_items[key] = len(items)

    myths = world.eval_set("myth")
    mc1_opts = [[m.meta["true"][0], *m.meta["false"]] for m in myths]
    mc2_opts = [[*m.meta["true"], *m.meta["false"]] for m in myths]
    lp1 = option_logprobs(model, tokenizer, [m.prompt for m in myths], mc1_opts, style)
    lp2 = option_logprobs(model, tokenizer, [m.prompt for m in myths], mc2_opts, style)
    scores = [mc_scores(a, [1] + [0] * len(m.meta["false"]), b,
                        [1] * len(m.meta["true"]) + [0] * len(m.meta["false"])) for a, b, m in zip(lp1, lp2, myths)]
    metrics["truthful_mc1"] = mean(s["mc1"] for s in scores)
    metrics["truthful_mc2"] = mean(s["mc2"] for s in scores)
    n_items["truthful_mc1"] = n_items["truthful_mc2"] = len(myths)

    bbq = world.eval_set("bbq")
    rows = [b.meta for b in bbq]
    lps = option_logprobs(model, tokenizer, [f"{r['context']} {r['question']}" for r in rows],
                          [[r["ans0"], r["ans1"], r["ans2"]] for r in rows], style)
    preds = [max(range(3), key=lambda k: lp[k]) for lp in lps]
    for key, value in bias_scores(rows, preds).items():
        metrics[f"bbq_{key}"] = value
        n_items[f"bbq_{key}"] = sum(r["context_condition"] == key.split("_")[1] for r in rows)

    probes = world.eval_set("capability")[:FORMAT_PROBES]
    chat_replies = generate(model, tokenizer, [p.prompt for p in probes], style="chat", max_new_tokens=max_new_tokens)
    metrics["chat_format"] = mean(r.stop == "end" and bool(r.text) and not _off_format(r.text) for r in chat_replies)
    n_items["chat_format"] = len(probes)
    examples["chat_format"] = [{"prompt": p.prompt, "reply": r.text} for p, r in list(zip(probes, chat_replies))[:5]]

    gold = [gold_reward(i, r.text) for i, r in rewarded]
    metrics["gold_reward"] = mean(gold)
    metrics["mean_length"] = mean(r.n_tokens for _, r in rewarded)
    n_items["gold_reward"] = n_items["mean_length"] = len(rewarded)
    if reward_fn is not None:
        metrics["proxy_reward"] = mean(reward_fn([i.prompt for i, _ in rewarded], [r.text for _, r in rewarded]))
        n_items["proxy_reward"] = len(rewarded)
    return {"metrics": metrics, "n_items": n_items, "examples": examples,
            "attack_records": attacks,
            # attack success per attack family (HarmBench's per-behaviour average), for the heat map
            "asr_by_family": success_by_family(attacks),
            # the gold reward of the reply to each generated prompt, for head-to-head comparisons
            "gold_by_prompt": {i.prompt: g for (i, _), g in zip(rewarded, gold)}}
