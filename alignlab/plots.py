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


def metric_bars(report: dict, metrics: list[str] | None = None) -> go.Figure:
    """Grouped bars: one group per metric, one bar per stage."""
    stages = report["stages"]
    metrics = metrics or [m for m in METRICS if any(m in s for s in stages.values()) and m != "mean_length"]
    fig = go.Figure()
    for name, values in stages.items():
        fig.add_bar(x=metrics, y=[values.get(m) for m in metrics], name=name)
    fig.update_layout(barmode="group", title="Held-out metrics by stage", template="plotly_white", height=420,
                      yaxis_range=[-1, 1])
    return fig
