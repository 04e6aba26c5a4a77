"""The report card: one row per stage, DESIGN.md's metrics as columns, straight from the evaluation results."""
from __future__ import annotations

METRICS = ["capability_acc", "arith_acc", "asr_direct", "asr_jailbreak", "over_refusal", "truthful_mc1",
           "truthful_mc2", "bbq_acc_ambig", "bbq_acc_disambig", "bbq_bias_ambig", "bbq_bias_disambig",
           "gold_reward", "proxy_reward", "mean_length", "chat_format", "pref_accuracy", "gold_agreement"]
# Short column headers so the card fits a terminal.
HEADERS = {"capability_acc": "capab", "arith_acc": "arith", "asr_direct": "asr_dir", "asr_jailbreak": "asr_jb",
           "over_refusal": "overref", "truthful_mc1": "tqa_mc1", "truthful_mc2": "tqa_mc2",
           "bbq_acc_ambig": "bbq_accA", "bbq_acc_disambig": "bbq_accD", "bbq_bias_ambig": "bbq_biasA",
           "bbq_bias_disambig": "bbq_biasD", "gold_reward": "gold_r", "proxy_reward": "proxy_r",
           "mean_length": "length", "chat_format": "chat_fmt", "pref_accuracy": "pref_acc",
           "gold_agreement": "gold_agr"}


def report_card(report: dict) -> str:
    """A fixed-width table of `report` ({"stages": {stage: metrics}, "timings_s": {...}})."""
    stages = report["stages"]
    if not stages:
        return "No stage built yet: run `alignlab run` first."
    cols = [m for m in METRICS if any(m in s for s in stages.values())]
    width = max(len(HEADERS[m]) for m in cols) + 1
    lines = ["stage       " + "".join(f"{HEADERS[m]:>{width}}" for m in cols) + f"{'build_s':>{width}}"]
    for name, metrics in stages.items():
        cells = "".join(f"{metrics[m]:>{width}.3f}" if m in metrics else f"{'-':>{width}}" for m in cols)
        t = report.get("timings_s", {}).get(name)
        lines.append(f"{name:12s}" + cells + (f"{t:>{width}.1f}" if t is not None else ""))
    legend = ", ".join(f"{HEADERS[m]}={m}" for m in cols)
    return "\n".join(lines) + "\n\nColumns: " + legend
