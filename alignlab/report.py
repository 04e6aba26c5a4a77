"""The report card: one row per stage, DESIGN.md's metrics as columns, straight from the evaluation results."""
from __future__ import annotations

METRICS = ["capability_acc", "arith_acc", "asr_direct", "asr_jailbreak", "evasion_rate", "over_refusal",
           "truthful_mc1", "truthful_mc2", "bbq_acc_ambig", "bbq_acc_disambig", "bbq_bias_ambig", "bbq_bias_disambig",
           "gold_reward", "proxy_reward", "mean_length", "chat_format", "pref_accuracy", "gold_agreement"]
# Short column headers so the card fits a terminal.
HEADERS = {"capability_acc": "capab", "arith_acc": "arith", "asr_direct": "asr_dir", "asr_jailbreak": "asr_jb",
           "evasion_rate": "evade",
           "over_refusal": "overref", "truthful_mc1": "tqa_mc1", "truthful_mc2": "tqa_mc2",
           "bbq_acc_ambig": "bbq_accA", "bbq_acc_disambig": "bbq_accD", "bbq_bias_ambig": "bbq_biasA",
           "bbq_bias_disambig": "bbq_biasD", "gold_reward": "gold_r", "proxy_reward": "proxy_r",
           "mean_length": "length", "chat_format": "chat_fmt", "pref_accuracy": "pref_acc",
           "gold_agreement": "gold_agr"}


def report_card(report: dict) -> str:
    """A fixed-width table of `report` (as `Pipeline.report` returns it), then, where the report has them, each
    number's 95% interval as a "+-" table (the larger distance to an end of the interval) and the items behind each
    metric."""
    stages = report["stages"]
    if not stages:
        return "No stage built yet: run `alignlab run` first."
    cols = [m for m in METRICS if any(m in s for s in stages.values())]
    width = max(len(HEADERS[m]) for m in cols) + 1
    header = "stage       " + "".join(f"{HEADERS[m]:>{width}}" for m in cols)
    lines = [header + f"{'build_s':>{width}}"]
    for name, metrics in stages.items():
        cells = "".join(f"{metrics[m]:>{width}.3f}" if m in metrics else f"{'-':>{width}}" for m in cols)
        t = report.get("timings_s", {}).get(name)
        lines.append(f"{name:12s}" + cells + (f"{t:>{width}.1f}" if t is not None else ""))
    intervals = report.get("intervals", {})
    if intervals:
        lines += ["", "+- 95% interval (a difference inside it is not a change)", header]
        for name, metrics in stages.items():
            ci = intervals.get(name, {})
            half = {m: max(metrics[m] - lo, hi - metrics[m]) for m, (lo, hi) in ci.items()}
            lines.append(f"{name:12s}" + "".join(f"{half[m]:>{width}.3f}" if m in half else f"{'-':>{width}}"
                                                 for m in cols))
    legend = ", ".join(f"{HEADERS[m]}={m}" for m in cols)
    text = "\n".join(lines) + "\n\nColumns: " + legend
    counts = items_behind(report)
    return text + ("\nItems behind each metric: " + counts if counts else "")


def items_behind(report: dict) -> str:
    """'capab 192, ..., asr_dir 270 (24 behaviours), ...': how many items (and, for an attack success rate, how many
    behaviours) each metric of the report rests on. The evaluation sets are the same for every stage; where two
    stages differ, each count is shown."""
    parts = []
    for m in METRICS:
        counts = sorted({(report["n_items"][n][m], report.get("n_behaviours", {}).get(n, {}).get(m))
                         for n in report["stages"] if m in report.get("n_items", {}).get(n, {})},
                        key=lambda c: (c[0], c[1] or 0))
        if counts:
            parts.append(f"{HEADERS[m]} " + "/".join(f"{k}" + (f" ({b} behaviours)" if b else "") for k, b in counts))
    return ", ".join(parts)
