"""The report card: one row per stage, DESIGN.md's metrics as columns, straight from the evaluation results."""
from __future__ import annotations

import html

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


class ReportCard(str):
    """The report card as text, to print in a terminal; a notebook that shows it (as a cell's last value, or with
    `display`) draws it as an HTML table with each number's interval under it."""

    def __new__(cls, text: str, html_table: str):
        card = super().__new__(cls, text)
        card.html = html_table
        return card

    def _repr_html_(self) -> str:
        return self.html


def report_card(report: dict) -> ReportCard:
    """A fixed-width table of `report` (as `Pipeline.report` returns it), then, where the report has them, each
    number's 95% interval as a "+-" table (the larger distance to an end of the interval) and the items behind each
    metric. In a notebook it shows as an HTML table (`card_html`)."""
    return ReportCard(_card_text(report), card_html(report))


def _card_text(report: dict) -> str:
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


CARD_STYLE = """table.card{border-collapse:collapse;font-size:13px}table.card td,table.card th{border:1px solid #ccc;
padding:3px 6px;text-align:right}.legend{color:#555;font-size:12px}.ci{color:#777;font-size:10px}"""


def card_html(report: dict) -> str:
    """The report card as an HTML table (with the build time of each stage), each number's 95% interval under it."""
    stages = report["stages"]
    if not stages:
        return "<p>No stage built yet: run <code>alignlab run</code> first.</p>"
    cols = [m for m in METRICS if any(m in s for s in stages.values())]
    head = "".join(f'<th title="{m}">{HEADERS[m]}</th>' for m in cols) + "<th>build s</th>"
    rows = []
    for name, metrics in stages.items():
        ci = report.get("intervals", {}).get(name, {})
        cells = "".join(_cell(metrics[m], ci.get(m)) if m in metrics else "<td>-</td>" for m in cols)
        t = report.get("timings_s", {}).get(name)
        rows.append(f"<tr><th>{html.escape(name)}</th>{cells}<td>{'' if t is None else f'{t:.1f}'}</td></tr>")
    legend = ", ".join(f"{HEADERS[m]} = {m}" for m in cols)
    counts = items_behind(report)
    return (f'<style>{CARD_STYLE}</style><table class="card"><tr><th>stage</th>{head}</tr>{"".join(rows)}</table>'
            f'<p class="legend">{html.escape(legend)}. All metrics on held-out sets; under each number its 95% '
            f'interval: a difference inside it is not a change.'
            + (f" Items behind each metric: {html.escape(counts)}." if counts else "") + "</p>")


def _cell(value: float, interval) -> str:
    if interval is None:
        return f"<td>{value:.3f}</td>"
    return f'<td>{value:.3f}<br><span class="ci">{interval[0]:.2f}&ndash;{interval[1]:.2f}</span></td>'
