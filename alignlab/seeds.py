"""How much a stage's report-card numbers owe to its random seed: the stage is built once per seed (only its own
seed changes, its upstream stages are the cached ones) and each metric is printed per seed with its range.
`--chain` sets the seed of every upstream stage too (base included): the spread of the whole pipeline, of which a
recipe's own seed is one part (a base's draw can move a downstream number more than the recipe's seed does).

    python -m alignlab.seeds dpo --seeds 0,1,2 [--chain] [--profile honest] [--split dev] [--no-proxy] [--json]

Tune on `--split dev` (the honest world's development split), report the default (test). Every seed is its own
cache entry, so a second call only evaluates. A number that moves across a target between
seeds is luck, not a property of the recipe.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from statistics import median

from .config import CourseConfig, load_config
from .pipeline import Pipeline, check_stage

# where each stage's seed lives in the configuration (reward_model shares its seed with reward_model_hacked, and
# cai with cai_sl, so varying it rebuilds both when both are asked for)
SEED_FIELDS = {
    "base": ("base_pretrain", "seed"),
    "base_large": ("large_pretrain", "seed"),
    "sft": ("sft", "seed"),
    "reward_model": ("reward", "seed"),
    "ppo": ("ppo", "seed"),
    "ppo_hacked": ("ppo_hacked", "seed"),
    "dpo": ("dpo", "seed"),
    "cai": ("cai", "seed"),
    "grpo": ("grpo", "seed"),
    "safety": ("safety", "train", "seed"),
}


def with_seed(config: CourseConfig, stage: str, seed: int, chain: bool = False) -> CourseConfig:
    """`config` with `stage`'s seed set to `seed`, and with `chain` every upstream stage's seed as well."""
    if stage not in SEED_FIELDS:
        raise ValueError(f"no seed to vary for stage {stage!r}; choose from {', '.join(SEED_FIELDS)}")
    for name in (upstream_of(stage) if chain else []) + [stage]:
        if name in SEED_FIELDS:
            config = _replace(config, SEED_FIELDS[name], seed)
    return config


def upstream_of(stage: str) -> list[str]:
    """Every stage `stage` is built from, directly or not, in pipeline order."""
    found: list[str] = []

    def visit(name: str) -> None:
        for up in check_stage(name).upstream:
            if up not in found:
                visit(up)
                found.append(up)
    visit(stage)
    return found


def _replace(obj, path: tuple[str, ...], value):
    head, *rest = path
    return dataclasses.replace(obj, **{head: _replace(getattr(obj, head), tuple(rest), value) if rest else value})


def seed_spread(pipe: Pipeline, stage: str, seeds: list[int], proxy: str | None = None, chain: bool = False,
                proxy_reward: bool = True) -> dict:
    """{"seeds": [...], "metrics": {metric: [value per seed]}, "intervals": {metric: [[low, high] per seed]},
    "median": {metric: median over seeds}} for `stage` built under each seed (95% intervals over the test items);
    `proxy` names another reward model to score its `proxy_reward` (`Pipeline.evaluation`); `chain` varies the
    upstream stages' seeds too (`with_seed`); `proxy_reward=False` leaves that metric out, and with it the reward
    model each seed's `sft` would otherwise train (`Pipeline.evaluation`)."""
    if not seeds:
        raise ValueError("give at least one seed")
    per_seed = [Pipeline(with_seed(pipe.config, stage, s, chain), pipe.cache).evaluation(stage, proxy, proxy_reward)
                for s in seeds]
    metrics = {k: [e["metrics"][k] for e in per_seed] for k in per_seed[0]["metrics"]}
    intervals = {k: [list(e["intervals"][k]) for e in per_seed] for k in per_seed[0]["intervals"]}
    return {"stage": stage, "seeds": list(seeds), "chain": chain, "metrics": metrics, "intervals": intervals,
            "median": {k: median(v) for k, v in metrics.items()},
            "median_interval": {k: v[nearest_median(metrics[k])] for k, v in intervals.items()}}


def nearest_median(values: list[float]) -> int:
    """The index of the seed whose value is nearest the median (its interval is the one shown beside the median)."""
    mid = median(values)
    return min(range(len(values)), key=lambda i: abs(values[i] - mid))


def format_spread(spread: dict) -> str:
    """Each metric per seed, its median and range over seeds and, where known, the 95% interval of the seed nearest
    the median: a range wider than that interval says the seed, not the items, decides the number."""
    width = max(len(spread["stage"]) + 1, *(len(k) + 2 for k in spread["metrics"]))
    title = spread["stage"] + (" with its upstream seeds:" if spread.get("chain") else ":")
    width = max(width, len(title))
    header = f"{title:{width}s}" + "".join(f"{'seed ' + str(s):>10s}" for s in spread["seeds"])
    lines = [header + f"{'median':>10s}{'range':>10s}{'95% interval':>16s}"]
    for name, values in spread["metrics"].items():
        row = "".join(f"{v:10.3f}" for v in values)
        cis = spread.get("intervals", {}).get(name)
        ci = cis[nearest_median(values)] if cis else None
        lines.append(f"{'  ' + name:{width}s}{row}{median(values):10.3f}{max(values) - min(values):10.3f}"
                     + (f"{ci[0]:8.3f}-{ci[1]:.3f}" if ci else ""))
    return "\n".join(lines)


def parse_seeds(text: str) -> list[int]:
    try:
        seeds = [int(s) for s in text.split(",")]
    except ValueError:
        raise ValueError(f"bad --seeds {text!r}: give whole numbers separated by commas, e.g. 0,1,2") from None
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"bad --seeds {text!r}: a seed is repeated")
    return seeds


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m alignlab.seeds")
    p.add_argument("stage", help=f"one of: {', '.join(SEED_FIELDS)}")
    p.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default: 0,1,2)")
    p.add_argument("--profile")
    p.add_argument("--split", choices=["dev", "test"], help="measure on this split (default: the world's test split; "
                                                            "dev and test need the honest profile)")
    p.add_argument("--chain", action="store_true", help="give every upstream stage (base included) the same seed: the "
                                                        "whole pipeline's spread, not only the stage's own")
    p.add_argument("--no-proxy", action="store_true", help="leave out `proxy_reward`, and with it the reward model a "
                                                           "chained seed's sft would train (a faster tuning run)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = p.parse_args(argv)
    try:
        seeds = parse_seeds(args.seeds)
        config = load_config(args.profile)
        if args.split:
            if not config.world.honest:
                raise ValueError(f"--split {args.split} needs a world with dev and test splits (--profile honest)")
            config = dataclasses.replace(config, eval=dataclasses.replace(config.eval, split=args.split))
        with_seed(config, args.stage, seeds[0])
    except ValueError as e:
        p.error(str(e))
    spread = seed_spread(Pipeline(config), args.stage, seeds, chain=args.chain, proxy_reward=not args.no_proxy)
    print(json.dumps(spread, indent=1) if args.json else format_spread(spread))
    return 0


if __name__ == "__main__":
    sys.exit(main())
