"""report.html for `bot backtest`: equity, drawdown, and each symbol's mark with the trades on it,
drawn by plotly into one self-contained file (no network needed to open it).

plotly is the optional `report` extra (`pip install 'bot[report]'`): importing this module without
it raises ImportError, and the backtest skips the HTML with a one-line hint.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import plotly.graph_objects as go
from plotly.subplots import make_subplots


def _time(ms: str | int) -> datetime:
    return datetime.fromtimestamp(int(ms) / 1000, tz=UTC)


def write_html(out: Path, report: Mapping[str, object]) -> Path:
    with (out / "equity.csv").open() as handle:
        curve = list(csv.DictReader(handle))
    with (out / "trades.csv").open() as handle:
        trades = list(csv.DictReader(handle))
    universe = report.get("universe")
    symbols = sorted({t["symbol"] for t in trades}) or (
        [str(s) for s in universe] if isinstance(universe, list) else []
    )
    rows = 2 + len(symbols)
    figure = make_subplots(
        rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.03,
        subplot_titles=["equity", "drawdown from peak", *(f"{s}: fills" for s in symbols)],
    )  # fmt: skip
    times = [_time(row["ts_ms"]) for row in curve]
    equity = [float(row["equity"]) for row in curve]
    peak, drawdown = 0.0, []
    for value in equity:
        peak = max(peak, value)
        drawdown.append(-(peak - value) / peak if peak else 0.0)
    figure.add_trace(go.Scatter(x=times, y=equity, name="equity", line={"width": 1.5}), row=1, col=1)
    figure.add_trace(
        go.Scatter(x=times, y=drawdown, name="drawdown", fill="tozeroy", line={"width": 1}), row=2, col=1
    )
    for index, symbol in enumerate(symbols, start=3):
        for side, color in (("buy", "#2a9d8f"), ("sell", "#e76f51")):
            chosen = [t for t in trades if t["symbol"] == symbol and t["side"] == side]
            figure.add_trace(
                go.Scatter(
                    x=[_time(t["ts_ms"]) for t in chosen], y=[float(t["price"]) for t in chosen],
                    mode="markers", name=f"{symbol} {side}", marker={"color": color, "size": 7},
                ),
                row=index, col=1,
            )  # fmt: skip
    figure.update_layout(
        title=f"bot backtest: stage {report.get('stage')}, {report.get('dataset')}",
        height=320 * rows, template="plotly_white", showlegend=True,
    )  # fmt: skip
    path = out / "report.html"
    figure.write_html(path, include_plotlyjs=True, full_html=True)
    return path
