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
from .harmbench import attack_success_rate, behaviour_rates, success_by_family
from .intervals import bootstrap_interval, mean_interval, share_interval
from .truthfulqa import mc_scores

GENERATED_SETS = ("capability", "arith", "harmful", "jailbreak", "benign_scary")
FORMAT_PROBES = 100  # capability prompts asked in the chat template to measure format following


def _off_format(text: str) -> bool:
    """Forum markers or stray special tokens: the reply is not a clean assistant turn."""
    return "Question:" in text or "Answer:" in text or "<|" in text


def evaluate(model, tokenizer, world: World, style: str, max_new_tokens: int = 48, reward_fn=None,
             split: str | None = None) -> dict:
    """Metrics, the number of items behind each and its 95% interval (see `intervals`), the number of behaviours
    behind each attack success rate, a few example replies per set, every attack with its reply and verdict (for
    the red team's second judge), attack success per attack family and the gold reward of every generated reply.

    `style` is how the model is prompted ("plain" for base models, "chat" after SFT); `reward_fn`, when given,
    maps (questions, replies) to proxy rewards (a learned reward model); `split` the world's split to measure on
    (`World.eval_set`: test by default, "dev" to tune on)."""
    metrics, n_items, intervals, n_behaviours, examples, rewarded, attacks = {}, {}, {}, {}, {}, [], []
    for name in GENERATED_SETS:
        items = world.eval_set(name, split)
        replies = generate(model, tokenizer, [i.prompt for i in items], style=style, max_new_tokens=max_new_tokens)
        verdicts = [judge(i, r.text) for i, r in zip(items, replies)]
        examples[name] = [{"prompt": i.prompt, "reply": r.text, **v} for i, r, v in list(zip(items, replies, verdicts))[:5]]
        rewarded += list(zip(items, replies))
        if name in ("harmful", "jailbreak"):
            key = "asr_direct" if name == "harmful" else "asr_jailbreak"
            records = [attack_record(i, r.text) for i, r in zip(items, replies)]
            metrics[key] = attack_success_rate(records)
            rates = list(behaviour_rates(records).values())  # the behaviour is the sampled unit (HarmBench)
            intervals[key], n_behaviours[key] = share_interval(rates), len(rates)
            attacks += records
            if name == "harmful":  # neither a refusal nor the behaviour: harmless by changing the subject
                evaded = [not v["refused"] and not v["harmful"] for v in verdicts]
                metrics["evasion_rate"], intervals["evasion_rate"] = mean(evaded), share_interval(evaded)
                n_items["evasion_rate"] = len(items)
        else:
            key, field = {"benign_scary": ("over_refusal", "refused"), "capability": ("capability_acc", "correct"),
                          "arith": ("arith_acc", "correct")}[name]
            outcomes = [v[field] for v in verdicts]
            metrics[key], intervals[key] = mean(outcomes), share_interval(outcomes)
        n_items[key] = len(items)

    myths = world.eval_set("myth", split)
    mc1_opts = [[m.meta["true"][0], *m.meta["false"]] for m in myths]
    mc2_opts = [[*m.meta["true"], *m.meta["false"]] for m in myths]
    lp1 = option_logprobs(model, tokenizer, [m.prompt for m in myths], mc1_opts, style)
    lp2 = option_logprobs(model, tokenizer, [m.prompt for m in myths], mc2_opts, style)
    scores = [mc_scores(a, [1] + [0] * len(m.meta["false"]), b,
                        [1] * len(m.meta["true"]) + [0] * len(m.meta["false"])) for a, b, m in zip(lp1, lp2, myths)]
    metrics["truthful_mc1"] = mean(s["mc1"] for s in scores)
    metrics["truthful_mc2"] = mean(s["mc2"] for s in scores)
    intervals["truthful_mc1"] = share_interval([s["mc1"] for s in scores])
    intervals["truthful_mc2"] = mean_interval([s["mc2"] for s in scores], 0.0, 1.0)
    n_items["truthful_mc1"] = n_items["truthful_mc2"] = len(myths)

    bbq = world.eval_set("bbq", split)
    rows = [b.meta for b in bbq]
    lps = option_logprobs(model, tokenizer, [f"{r['context']} {r['question']}" for r in rows],
                          [[r["ans0"], r["ans1"], r["ans2"]] for r in rows], style)
    preds = [max(range(3), key=lambda k: lp[k]) for lp in lps]
    for key, value in bias_scores(rows, preds).items():
        metrics[f"bbq_{key}"] = value
        cond = [(r, p) for r, p in zip(rows, preds) if r["context_condition"] == key.split("_")[1]]
        n_items[f"bbq_{key}"] = len(cond)
        if key.startswith("acc"):
            intervals[f"bbq_{key}"] = share_interval([p == r["label"] for r, p in cond])
        else:  # not a mean of items: resample the items of this context condition
            intervals[f"bbq_{key}"] = bootstrap_interval(len(cond), lambda idx: bias_scores(
                [cond[i][0] for i in idx], [cond[i][1] for i in idx])[key])

    probes = world.eval_set("capability", split)[:FORMAT_PROBES]
    chat_replies = generate(model, tokenizer, [p.prompt for p in probes], style="chat", max_new_tokens=max_new_tokens)
    formatted = [r.stop == "end" and bool(r.text) and not _off_format(r.text) for r in chat_replies]
    metrics["chat_format"], intervals["chat_format"] = mean(formatted), share_interval(formatted)
    n_items["chat_format"] = len(probes)
    examples["chat_format"] = [{"prompt": p.prompt, "reply": r.text} for p, r in list(zip(probes, chat_replies))[:5]]

    gold = [gold_reward(i, r.text) for i, r in rewarded]
    lengths = [r.n_tokens for _, r in rewarded]
    metrics["gold_reward"], intervals["gold_reward"] = mean(gold), mean_interval(gold)
    metrics["mean_length"], intervals["mean_length"] = mean(lengths), mean_interval(lengths, 0.0)
    n_items["gold_reward"] = n_items["mean_length"] = len(rewarded)
    if reward_fn is not None:
        proxy = reward_fn([i.prompt for i, _ in rewarded], [r.text for _, r in rewarded])
        metrics["proxy_reward"], intervals["proxy_reward"] = mean(proxy), mean_interval(proxy)
        n_items["proxy_reward"] = len(rewarded)
    return {"metrics": metrics, "n_items": n_items, "intervals": intervals, "n_behaviours": n_behaviours,
            "examples": examples,
            "attack_records": attacks,
            # attack success per attack family (HarmBench's per-behaviour average), for the heat map
            "asr_by_family": success_by_family(attacks),
            # the gold reward of the reply to each generated prompt, for head-to-head comparisons
            "gold_by_prompt": {i.prompt: g for (i, _), g in zip(rewarded, gold)}}
