"""`make bench`: build every available stage from an empty cache; record wall time per stage and peak memory, and
how long autograding each challenge's correct sample takes.

    python -m alignlab.bench --out bench.json [--profile smoke] [--stages base,base_large]
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time

from .cache import Cache
from .config import load_config
from .pipeline import Pipeline, StageError, available_stages, parse_stage_list


def peak_rss_gib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def bench_grading(pipe: Pipeline) -> dict:
    """Self-check time of each challenge's correct sample submission, for the challenges whose stages were built."""
    from .grading.challenges import CHALLENGES, course_root
    from .grading.selfcheck import self_check

    rows = {}
    for challenge in CHALLENGES.values():
        if all(pipe.is_built(s) for s in challenge.stages):
            start = time.time()
            result = self_check(course_root() / "autograder" / "samples" / challenge.name / "correct.ipynb", pipe)
            rows[challenge.name] = {"grade_s": round(time.time() - start, 1), "points": result.points,
                                    "max_points": result.max_points}
    return rows


def bench(profile: str | None = None, stages: list[str] | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="alignlab-bench-") as root:
        pipe = Pipeline(load_config(profile), Cache(root))
        rows = {}
        for name in stages or available_stages():
            start = time.time()
            pipe.build(name)
            built = time.time() - start
            start = time.time()
            pipe.evaluation(name)
            rows[name] = {"build_s": round(built, 1), "train_s": round(pipe.build_time(name), 1),
                          "eval_s": round(time.time() - start, 1), "peak_rss_gib": round(peak_rss_gib(), 2)}
        grading = bench_grading(pipe)
    return {"profile": pipe.config.profile, "stages": rows, "grading": grading,
            "total_s": round(sum(r["build_s"] + r["eval_s"] for r in rows.values()), 1),
            "peak_rss_gib": round(peak_rss_gib(), 2)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m alignlab.bench")
    p.add_argument("--out", default="bench.json")
    p.add_argument("--profile")
    p.add_argument("--stages", help="comma-separated stages to time (default: all, in pipeline order)")
    args = p.parse_args(argv)
    try:
        stages = parse_stage_list(args.stages) if args.stages is not None else None
    except StageError as e:
        p.error(str(e))
    result = bench(args.profile, stages)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"{'stage':12s} {'build_s':>8s} {'train_s':>8s} {'eval_s':>8s} {'peak GiB':>9s}")
    for name, r in result["stages"].items():
        print(f"{name:12s} {r['build_s']:8.1f} {r['train_s']:8.1f} {r['eval_s']:8.1f} {r['peak_rss_gib']:9.2f}")
    for name, r in result["grading"].items():
        print(f"grading {name}: {r['grade_s']:.1f} s ({r['points']:g} / {r['max_points']:g} points)")
    print(f"total {result['total_s']:.1f} s, peak memory {result['peak_rss_gib']:.2f} GiB -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
