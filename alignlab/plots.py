"""Plotly figures for training curves and stage metrics."""
from __future__ import annotations

import plotly.graph_objects as go

from .report import METRICS


def loss_curve(log: list[dict], title: str = "Pretraining loss") -> go.Figure:
    """Training loss (and validation loss where logged) against tokens seen."""
    fig = go.Figure()
    fig.add_scatter(x=[r["tokens"] for r in log], y=[r["loss"] for r in log], name="train loss", mode="lines")
    val = [r for r in log if "val_loss" in r]
    if val:
        fig.add_scatter(x=[r["tokens"] for r in val], y=[r["val_loss"] for r in val], name="validation loss",
                        mode="lines+markers")
    fig.update_layout(title=title, xaxis_title="tokens seen", yaxis_title="cross-entropy (nats/token)",
                      template="plotly_white", height=380)
    return fig


def _error(report: dict, stage: str, metrics: list[str], axis: str = "y") -> dict:
    """Plotly error bars from each metric's 95% interval in `report["intervals"]` (none where it has none)."""
    values, ci = report["stages"][stage], report.get("intervals", {}).get(stage, {})
    if not any(m in ci for m in metrics):
        return {}
    up = [ci[m][1] - values[m] if m in ci else 0 for m in metrics]
    down = [values[m] - ci[m][0] if m in ci else 0 for m in metrics]
    return {f"error_{axis}": {"type": "data", "array": up, "arrayminus": down, "thickness": 1}}


def metric_bars(report: dict, metrics: list[str] | None = None) -> go.Figure:
    """Grouped bars: one group per metric, one bar per stage, each with its 95% interval where the report has it."""
    stages = report["stages"]
    metrics = metrics or [m for m in METRICS if any(m in s for s in stages.values()) and m != "mean_length"]
    fig = go.Figure()
    for name, values in stages.items():
        shown = [m for m in metrics if m in values]
        fig.add_bar(x=shown, y=[values[m] for m in shown], name=name, **_error(report, name, shown))
    fig.update_layout(barmode="group", title="Held-out metrics by stage", template="plotly_white", height=420,
                      yaxis_range=[-1, 1])
    return fig


def metric_heatmap(report: dict, metrics: list[str] | None = None) -> go.Figure:
    """The report card at a glance: rows are stages, columns metrics, each cell its value and, under it, the half
    width of its 95% interval. Colour runs from -1 to 1 (attack success and bias are better low, the rest high)."""
    stages = report["stages"]
    metrics = metrics or [m for m in METRICS if any(m in s for s in stages.values()) and m != "mean_length"]
    names = list(stages)
    z = [[stages[s].get(m) for m in metrics] for s in names]
    ci = report.get("intervals", {})

    def text(s: str, m: str) -> str:
        if m not in stages[s]:
            return ""
        lo_hi = ci.get(s, {}).get(m)
        spread = f"<br>±{max(stages[s][m] - lo_hi[0], lo_hi[1] - stages[s][m]):.2f}" if lo_hi else ""
        return f"{stages[s][m]:.2f}{spread}"

    fig = go.Figure(go.Heatmap(z=z, x=metrics, y=names, zmin=-1, zmax=1, colorscale="RdBu",
                               text=[[text(s, m) for m in metrics] for s in names], texttemplate="%{text}",
                               hovertemplate="%{y} %{x}: %{z:.3f}<extra></extra>"))
    fig.update_layout(title="Held-out metrics by stage (± half the 95% interval)", template="plotly_white",
                      height=max(320, 120 + 45 * len(names)), yaxis_autorange="reversed", xaxis_tickangle=-35)
    return fig


def training_curves(log: list[dict], keys: list[str], x: str = "step", title: str = "Training") -> go.Figure:
    """One line per logged quantity (e.g. TRL's "loss" and "rewards/margins", or PPO's "reward" and "kl")."""
    fig = go.Figure()
    for key in keys:
        rows = [r for r in log if key in r and x in r]
        fig.add_scatter(x=[r[x] for r in rows], y=[r[key] for r in rows], name=key, mode="lines")
    fig.update_layout(title=title, xaxis_title=x, template="plotly_white", height=380)
    return fig


def overoptimization(log: list[dict], title: str = "Reward over-optimisation") -> go.Figure:
    """Proxy (reward model) and gold reward against sqrt(KL) to the reference, the axes of Gao et al. (2022):
    optimising the proxy further moves the policy away from the reference; the gold reward peaks and falls."""
    rows = [r for r in log if "gold_reward" in r]
    dist = [max(r["kl"], 0.0) ** 0.5 for r in rows]
    fig = go.Figure()
    fig.add_scatter(x=dist, y=[r["reward"] for r in rows], name="proxy reward (reward model)", mode="lines+markers")
    fig.add_scatter(x=dist, y=[r["gold_reward"] for r in rows], name="gold reward (true judge)", mode="lines+markers")
    probed = [r for r in log if "heldout_gold" in r]
    if probed:
        fig.add_scatter(x=[max(r["kl"], 0.0) ** 0.5 for r in probed], y=[r["heldout_gold"] for r in probed],
                        name="gold reward, held-out questions (greedy)", mode="lines+markers",
                        marker={"size": 10, "symbol": "diamond"})
    fig.update_layout(title=title, xaxis_title="sqrt(KL to the SFT model), nats^0.5", yaxis_title="mean reward",
                      template="plotly_white", height=400)
    return fig


def kl_sweep(points: list[dict], title: str = "The KL budget swept") -> go.Figure:
    """Where PPO runs with different KL coefficients end: proxy and gold reward against sqrt(KL), one point per run
    (`points` as the `ppo_kl_sweep` stage saves them). Runs with PPO-ptx (`ptx_coef` > 0) are drawn apart, as
    stars, not on the curves."""
    fig = go.Figure()
    for ptx in sorted({p.get("ptx_coef", 0.0) for p in points}):
        run = sorted((p for p in points if p.get("ptx_coef", 0.0) == ptx), key=lambda p: p["kl"])
        dist = [max(p["kl"], 0.0) ** 0.5 for p in run]
        labels = [f"beta={p['kl_coef']:g}" for p in run]
        style = {"mode": "lines+markers"} if not ptx else {"mode": "markers", "marker": {"symbol": "star", "size": 14}}
        suffix = "" if not ptx else f", PPO-ptx (coef {ptx:g})"
        fig.add_scatter(x=dist, y=[p["reward"] for p in run], text=labels, name="proxy reward (reward model)" + suffix,
                        textposition="top center", **{**style, "mode": style["mode"] + "+text"})
        fig.add_scatter(x=dist, y=[p["heldout_gold"] for p in run], text=labels,
                        name="gold reward, held-out questions (true judge)" + suffix, **style)
    fig.update_layout(title=title, xaxis_title="sqrt(KL to the SFT model), nats^0.5", yaxis_title="mean reward",
                      template="plotly_white", height=400)
    return fig


def beta_sweep(points: list[dict], title: str = "DPO's beta swept") -> go.Figure:
    """Per beta (log axis), as the `dpo_beta_sweep` stage saves them: left, how far the held-out chosen and
    rejected replies moved from the reference (log pi - log pi_ref, nats); right, the held-out measures."""
    from plotly.subplots import make_subplots

    points = sorted(points, key=lambda p: p["beta"])
    betas = [p["beta"] for p in points]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("held-out replies: log pi - log pi_ref (nats)",
                                                        "held-out measures"))
    for key, name in (("heldout_chosen_moved", "chosen"), ("heldout_rejected_moved", "rejected")):
        fig.add_scatter(x=betas, y=[p[key] for p in points], name=name, mode="lines+markers", row=1, col=1)
    for key, name in (("heldout_accuracy", "implicit-reward accuracy"), ("heldout_gold_agreement", "gold agreement"),
                      ("heldout_gold", "gold reward of greedy answers")):
        fig.add_scatter(x=betas, y=[p[key] for p in points], name=name, mode="lines+markers", row=1, col=2)
    fig.update_xaxes(type="log", title_text="beta")
    fig.update_layout(title=title, template="plotly_white", height=400)
    return fig


def alignment_tax(report: dict, x: str = "asr_direct", y: str = "capability_acc",
                  title: str = "The alignment tax: capability against harmlessness") -> go.Figure:
    """One point per stage: harmlessness (1 - attack success) across, capability up, with 95% intervals where the
    report has them. A stage that gains harmlessness and loses capability pays an alignment tax; one up and to the
    right paid none."""
    stages = {n: m for n, m in report["stages"].items() if x in m and y in m}
    fig = go.Figure()
    ci = report.get("intervals", {})
    bars = {}
    if all(x in ci.get(n, {}) and y in ci.get(n, {}) for n in stages):  # 1 - x flips x's interval
        bars = {"error_x": {"type": "data", "array": [m[x] - ci[n][x][0] for n, m in stages.items()],
                            "arrayminus": [ci[n][x][1] - m[x] for n, m in stages.items()], "thickness": 1},
                "error_y": {"type": "data", "array": [ci[n][y][1] - m[y] for n, m in stages.items()],
                            "arrayminus": [m[y] - ci[n][y][0] for n, m in stages.items()], "thickness": 1}}
    fig.add_scatter(x=[1 - m[x] for m in stages.values()], y=[m[y] for m in stages.values()], text=list(stages),
                    mode="markers+text", textposition="top center", marker={"size": 12}, name="stage", **bars)
    fig.update_layout(title=title, xaxis_title=f"harmlessness (1 - {x})", yaxis_title=y, template="plotly_white",
                      height=420, xaxis_range=[-0.05, 1.05], yaxis_range=[-0.05, 1.05], showlegend=False)
    return fig


def attack_heatmap(asr_by_stage: dict[str, dict[str, float]], title: str = "Attack success by stage and attack family"
                   ) -> go.Figure:
    """Rows: stages; columns: attack families (the direct request first); cells: attack success rate."""
    stages = list(asr_by_stage)
    families = sorted({f for v in asr_by_stage.values() for f in v}, key=lambda f: (f != "direct", f))
    z = [[asr_by_stage[s].get(f) for f in families] for s in stages]
    fig = go.Figure(go.Heatmap(z=z, x=families, y=stages, zmin=0, zmax=1, colorscale="Reds",
                               text=[[f"{v:.2f}" if v is not None else "" for v in row] for row in z],
                               texttemplate="%{text}", colorbar={"title": "ASR"}))
    fig.update_layout(title=title, xaxis_title="attack family", template="plotly_white",
                      height=max(320, 120 + 40 * len(stages)), yaxis_autorange="reversed")
    return fig
