"""`make bench`: build every available stage from an empty cache; record wall time per stage, where it goes (the
phases of `alignlab.timing`: training steps, generation, scoring, saving, and the rest), peak memory, the
pretraining stages' throughput as a share of what this machine's matrix kernels reach at the model's shapes, and
how long autograding each challenge's correct sample takes.

    python -m alignlab.bench --out bench.json [--profile smoke] [--stages base,base_large] [--cache DIR]
"""
from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import torch

from .cache import Cache
from .config import CourseConfig, load_config
from .model import ModelConfig
from .pipeline import Pipeline, StageError, available_stages, check_stage, parse_stage_list
from .pretrain import PretrainConfig
from .timing import recording


def peak_rss_gib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def cell_limit_s() -> int:
    """nbgrader's per-cell time limit, as the course's `nbgrader_config.py` sets it (`c.Execute.timeout`)."""
    from .grading.challenges import course_root

    return int(re.search(r"c\.Execute\.timeout\s*=\s*(\d+)", (course_root() / "nbgrader_config.py").read_text())[1])


def cell_seconds(notebook: Path) -> dict[str, float]:
    """Seconds each code cell of an executed notebook ran (from the timing the kernel client records), by grade id
    (or "cell N" for a cell without one)."""
    from datetime import datetime

    seconds = {}
    for n, cell in enumerate(json.loads(notebook.read_text())["cells"]):
        timing = cell.get("metadata", {}).get("execution", {})
        if cell["cell_type"] == "code" and "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            began, ended = (datetime.fromisoformat(timing[k].replace("Z", "+00:00"))
                            for k in ("iopub.execute_input", "shell.execute_reply"))
            name = cell["metadata"].get("nbgrader", {}).get("grade_id") or f"cell {n}"
            seconds[name] = round((ended - began).total_seconds(), 1)
    return seconds


def bench_grading(pipe: Pipeline) -> dict:
    """Self-check time of each challenge's correct sample submission (for the challenges whose stages were built),
    with its slowest cells against nbgrader's per-cell limit."""
    from .grading.challenges import CHALLENGES, course_root
    from .grading.selfcheck import STUDENT, self_check

    rows = {}
    for challenge in CHALLENGES.values():
        if all(pipe.is_built(s) for s in challenge.stages):
            start = time.time()
            with tempfile.TemporaryDirectory(prefix="alignlab-bench-grading-") as workdir:
                result = self_check(course_root() / "autograder" / "samples" / challenge.name / "correct.ipynb", pipe,
                                    workdir)
                graded = Path(workdir) / "autograded" / STUDENT / challenge.name / challenge.notebook
                cells = cell_seconds(graded) if graded.is_file() else {}
            slowest = dict(sorted(cells.items(), key=lambda kv: -kv[1])[:3])
            rows[challenge.name] = {"grade_s": round(time.time() - start, 1), "points": result.points,
                                    "max_points": result.max_points, "slowest_cells_s": slowest}
    return rows


def matmul_flops(model: ModelConfig, vocab: int, tokens: int, seconds: float = 2.0) -> float:
    """FLOP/s of this machine's float32 matmuls at the shapes of `model`'s linear layers (attention projections,
    the MLP, the output head) on a batch of `tokens` tokens: the rate a training step of that model could reach."""
    d, f = model.d_model, model.d_ff
    shapes = [(d, d)] * 4 + [(d, f)] * 2 + [(f, d), (d, vocab)]
    inputs = {k: torch.randn(tokens, k) for k in (d, f)}
    weights = [torch.randn(k, n) for k, n in shapes]
    flop = sum(2 * tokens * k * n for k, n in shapes)

    def once():
        for w in weights:
            inputs[w.shape[0]] @ w

    once()  # warm-up
    n, start = 0, time.perf_counter()
    while n < 3 or time.perf_counter() - start < seconds:
        once()
        n += 1
    return flop * n / (time.perf_counter() - start)


def pretraining_shapes(config: CourseConfig) -> dict[str, tuple[ModelConfig, PretrainConfig]]:
    """The stages that pretrain a model of their own, with its shape and training settings."""
    shapes = {"base_large": (config.large_model, config.large_pretrain)}
    if not config.base_from:
        shapes["base"] = (config.base_model, config.base_pretrain)
    return shapes


def throughput(pipe: Pipeline, name: str) -> dict:
    """A pretraining stage's model FLOPs per second (6 x parameters x tokens / seconds of training steps), and
    its ratio to the matmul rate of its shapes measured now on this machine; `floor_s`: the seconds its training
    steps would take at that rate (ratio 1), the least this model and token budget can take on this machine."""
    model, train = pretraining_shapes(pipe.config)[name]
    info = json.loads((pipe.build(name) / "info.json").read_text())
    flop = 6 * info["parameters"] * info["train_tokens"]
    machine = matmul_flops(model, info["vocab_size"], train.batch_size * model.context)
    return {"tokens_per_s": round(info["train_tokens"] / info["train_s"]),
            "model_gflops": round(flop / info["train_s"] / 1e9, 1), "matmul_gflops": round(machine / 1e9, 1),
            "ratio": round(flop / info["train_s"] / machine, 2), "floor_s": round(flop / machine, 3)}


def bench(profile: str | None = None, stages: list[str] | None = None, cache: str | None = None) -> dict:
    with (nullcontext(cache) if cache else tempfile.TemporaryDirectory(prefix="alignlab-bench-")) as root:
        pipe = Pipeline(load_config(profile), Cache(root))
        rows = {}
        for name in stages or available_stages():
            start = time.time()
            pipe.build(name)
            stage = check_stage(name)
            if stage.proxy and stage.style == "chat" and stage.evaluate is None:  # its evaluation scores with it
                pipe.build(stage.proxy)
            built = time.time() - start
            start = time.time()
            with recording() as eval_phases:
                pipe.evaluation(name)
            record = json.loads((pipe.build(name) / "build.json").read_text())
            rows[name] = {"build_s": round(built, 1), "own_s": round(record["build_s"], 1),
                          "eval_s": round(time.time() - start, 1), "peak_rss_gib": round(peak_rss_gib(), 2),
                          "phases_s": with_rest(record.get("phases_s", {}), record["build_s"]),
                          "eval_phases_s": with_rest(eval_phases, time.time() - start)}
            if name in pretraining_shapes(pipe.config):
                rows[name]["throughput"] = throughput(pipe, name)
        grading = bench_grading(pipe)
    return {"profile": pipe.config.profile, "torch_threads": torch.get_num_threads(), "stages": rows,
            "grading": grading, "cell_limit_s": cell_limit_s(),
            "total_s": round(sum(r["build_s"] + r["eval_s"] for r in rows.values()), 1),
            "peak_rss_gib": round(peak_rss_gib(), 2)}


def with_rest(phases: dict[str, float], wall_s: float) -> dict[str, float]:
    """The phases plus "other": the wall time no phase accounts for (data preparation, loading, Python)."""
    return {**phases, "other": round(max(0.0, wall_s - sum(phases.values())), 1)}


def phase_line(phases: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.1f}" for k, v in sorted(phases.items(), key=lambda kv: -kv[1]) if v >= 0.05)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m alignlab.bench")
    p.add_argument("--out", default="bench.json")
    p.add_argument("--profile")
    p.add_argument("--stages", help="comma-separated stages to time (default: all, in pipeline order)")
    p.add_argument("--cache", help="build into this cache folder and keep it (default: a temporary, empty one; "
                                   "stages already in DIR are not rebuilt, so their seconds are the earlier build's)")
    args = p.parse_args(argv)
    try:
        stages = parse_stage_list(args.stages) if args.stages is not None else None
    except StageError as e:
        p.error(str(e))
    result = bench(args.profile, stages, args.cache)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    # build_s: with what it had to build first (upstream stages, the reward model its evaluation scores with);
    # own_s: this stage's own build
    print(f"{'stage':12s} {'build_s':>8s} {'own_s':>8s} {'eval_s':>8s} {'peak GiB':>9s}")
    for name, r in result["stages"].items():
        print(f"{name:12s} {r['build_s']:8.1f} {r['own_s']:8.1f} {r['eval_s']:8.1f} {r['peak_rss_gib']:9.2f}")
    print("where the seconds go (build | evaluation):")
    for name, r in result["stages"].items():
        print(f"  {name:12s} {phase_line(r['phases_s'])} | {phase_line(r['eval_phases_s'])}")
    for name, r in result["stages"].items():
        if "throughput" in r:
            t = r["throughput"]
            print(f"pretraining {name}: {t['tokens_per_s']} tokens/s, {t['model_gflops']} GFLOP/s of model FLOPs "
                  f"(6 x parameters x tokens) against {t['matmul_gflops']} GFLOP/s of matmuls of its shapes: "
                  f"ratio {t['ratio']:.2f} ({result['torch_threads']} threads); at ratio 1 its training steps "
                  f"would take {t['floor_s']:.0f} s")
    for name, r in result["grading"].items():
        cells = ", ".join(f"{k} {v:.1f} s" for k, v in r["slowest_cells_s"].items())
        print(f"grading {name}: {r['grade_s']:.1f} s ({r['points']:g} / {r['max_points']:g} points); slowest cells "
              f"{cells} (nbgrader's limit: {result['cell_limit_s']} s per cell)")
    print(f"total {result['total_s']:.1f} s, peak memory {result['peak_rss_gib']:.2f} GiB -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
