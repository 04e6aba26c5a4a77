"""The `alignlab` command: run the pipeline, print the report card, generate replies, self-check a challenge.

Errors a user can make (an unknown stage, a bad --stages list, an empty prompt, a file that is not a challenge
notebook) print one line and exit 2.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

USAGE_ERROR = 2


class UsageError(Exception):
    """A mistake in the command line, reported in one line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of argparse's usage block
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="alignlab", description="Train a tiny model through the whole alignment pipeline.")
    p.add_argument("--profile", help="configuration profile: default, smoke, honest or smollm (or set ALIGNLAB_PROFILE)")
    p.add_argument("--cache", help="cache folder (or set ALIGNLAB_CACHE)")
    p.add_argument("--base-from", help="post-train this causal LM (a model folder, or a hub name when online) in place "
                                       "of the course's pretrained base (or set ALIGNLAB_BASE_FROM)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="build stages and their evaluation, then print the report card")
    run.add_argument("--stages", help="comma-separated stage names (default: all available)")
    run.add_argument("--html", default="report.html", help="where to write the HTML report (default: report.html)")
    rep = sub.add_parser("report", help="the report card of the stages built so far")
    rep.add_argument("--json", action="store_true", help="print JSON instead of a table")
    rep.add_argument("--html", help="also write the HTML report (report card and plots) to this file")
    gen = sub.add_parser("generate", help="print one stage's reply to a prompt")
    gen.add_argument("--stage", required=True)
    gen.add_argument("--max-new-tokens", type=int, default=64)
    gen.add_argument("--sample", action="store_true", help="sample instead of greedy decoding")
    gen.add_argument("--temperature", type=float, default=1.0)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("prompt")
    sub.add_parser("stages", help="list the stages")
    grade = sub.add_parser("grade", help="autograde one challenge notebook offline and print its points")
    grade.add_argument("notebook", help="your copy of a notebook from release/")
    grade.add_argument("--workdir", help="where to keep the grading course (default: a new temporary folder)")
    bench = sub.add_parser("benchmark", help="score a model on a real benchmark's official file with its official "
                                             "metrics (truthfulqa, bbq, harmbench)")
    bench.add_argument("name", help="truthfulqa, bbq or harmbench")
    bench.add_argument("--data", help="the official file (TruthfulQA mc_task.json or TruthfulQA.csv, a BBQ .jsonl file "
                                      "or folder, HarmBench's behaviours CSV)")
    bench.add_argument("--download", action="store_true", help="fetch the official file(s) from the benchmark's "
                                                                "repository first (needs the network)")
    who = bench.add_mutually_exclusive_group(required=True)
    who.add_argument("--stage", help="a stage of the course, e.g. dpo")
    who.add_argument("--model", help="any causal LM: a model folder, or a hub name when online")
    bench.add_argument("--limit", type=int, help="score only the first N rows (a quick look)")
    bench.add_argument("--json", action="store_true", help="print JSON instead of text")
    return p


def _pipeline(args):
    from .cache import Cache
    from .config import load_config
    from .pipeline import Pipeline

    try:
        config = load_config(args.profile, args.base_from)
    except ValueError as e:
        raise UsageError(str(e)) from None
    return Pipeline(config, Cache(args.cache) if args.cache else None)


def _check_stage(name: str):
    from .pipeline import StageError, check_stage

    try:
        return check_stage(name)
    except StageError as e:
        raise UsageError(str(e)) from None


def cmd_run(args) -> None:
    from . import distributed
    from .pipeline import StageError, available_stages, parse_stage_list
    from .report import report_card

    try:
        names = parse_stage_list(args.stages) if args.stages is not None else None
        pipe = _pipeline(args)
        if distributed.process_count() > 1:  # accelerate launch: build together, then evaluate in one process
            for name in names or available_stages():
                pipe.build(name)
            if not distributed.is_main_process():
                return
        report = pipe.run(names)
    except StageError as e:
        raise UsageError(str(e)) from None
    print(report_card(report))
    _write_html(pipe, report, args.html)


def _write_html(pipe, report: dict, path: str) -> None:
    from .report_html import write_html

    try:
        written = write_html(pipe, report, path)
    except OSError as e:
        raise UsageError(f"cannot write the HTML report to {path}: {e}") from None
    print(f"\nHTML report (report card and plots): {written.resolve()}", file=sys.stderr)


def cmd_report(args) -> None:
    from .report import report_card

    pipe = _pipeline(args)
    report = pipe.report()
    print(json.dumps(report, indent=1) if args.json else report_card(report))
    if args.html:
        _write_html(pipe, report, args.html)


def cmd_generate(args) -> None:
    from .generation import generate

    if not args.prompt.strip():
        raise UsageError("the prompt is empty: give the text to answer, e.g. alignlab generate --stage base \"How to pick a lock?\"")
    if args.max_new_tokens < 1:
        raise UsageError(f"--max-new-tokens must be at least 1, got {args.max_new_tokens}")
    stage = _check_stage(args.stage)
    if stage.evaluate is not None:
        raise UsageError(f"stage {args.stage!r} scores replies rather than writing them; choose a policy stage "
                         f"such as sft or dpo")
    from .pipeline import StageError

    try:
        model, tokenizer = _pipeline(args).load(args.stage)
    except StageError as e:
        raise UsageError(str(e)) from None
    try:
        reply = generate(model, tokenizer, [args.prompt], style=stage.style, max_new_tokens=args.max_new_tokens,
                         do_sample=args.sample, temperature=args.temperature, seed=args.seed)[0]
    except ValueError as e:
        raise UsageError(str(e)) from None
    print(reply.text)


def cmd_stages(args) -> None:
    from .pipeline import REGISTRY, available_stages

    for name in available_stages():
        print(f"{name:12s} {REGISTRY[name].description}")


def cmd_grade(args) -> None:
    from .grading.challenges import GradingError, challenge_of
    from .grading.selfcheck import format_self_check, self_check

    try:
        challenge_of(args.notebook)  # a wrong file is reported before any stage is built
        print(format_self_check(self_check(args.notebook, _pipeline(args), args.workdir)))
    except GradingError as e:
        raise UsageError(str(e)) from None


def cmd_benchmark(args) -> None:
    from .evals.files import BenchmarkFileError
    from .evals.harness import BENCHMARKS, fetch_official, format_result, load_model, run_benchmark

    if args.name not in BENCHMARKS:
        raise UsageError(f"unknown benchmark {args.name!r}; choose from {', '.join(BENCHMARKS)}")
    if (args.data is None) == (not args.download):
        raise UsageError("give either --data PATH (the benchmark's official file) or --download, not both or neither")
    if args.limit is not None and args.limit < 1:
        raise UsageError(f"--limit must be at least 1, got {args.limit}")
    try:
        data = args.data or fetch_official(args.name)
        if args.stage:
            stage = _check_stage(args.stage)
            if stage.evaluate is not None:
                raise UsageError(f"stage {args.stage!r} scores replies rather than writing them; choose a policy stage")
            model, tokenizer = _pipeline(args).load(args.stage)
            style, who = stage.style, f"stage {args.stage}"
        else:
            model, tokenizer, style = load_model(args.model)
            who = args.model
        result = run_benchmark(args.name, data, model, tokenizer, style, args.limit)
    except (BenchmarkFileError, OSError) as e:
        raise UsageError(str(e)) from None
    print(json.dumps({**result, "model": who}, indent=1) if args.json else format_result(result, who))


COMMANDS = {"run": cmd_run, "report": cmd_report, "generate": cmd_generate, "stages": cmd_stages, "grade": cmd_grade,
            "benchmark": cmd_benchmark}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        args = _parser().parse_args(argv)
        COMMANDS[args.command](args)
    except UsageError as e:
        print(f"alignlab: error: {e}", file=sys.stderr)
        return USAGE_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
