"""What `bot replay-capture` shows: a status line while it runs (on a terminal), then a paragraph
(or, with `--json`, a document) summing up the rows and every run of missed steps, and the
dataset's `source` stating the method."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.replay.sampling import SymbolCapture

REFRESH_S = 0.1  # the status line's quickest redraw, as the daemon's (bot.app.status_line)
RUNS_LISTED = 5  # missed runs named per symbol in the paragraph (the JSON has them all)


def utc_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True, slots=True, kw_only=True)
class CaptureSummary:
    out_dir: Path
    feed: str  # "rest" or "websocket"
    url: str
    step_ms: int
    plan_steps: int
    first_ms: int
    steps_run: int
    captures: Mapping[str, SymbolCapture]
    stopped_by: str | None  # the signal that ended it early; None: it ran its duration

    def document(self) -> dict[str, object]:
        return {
            "dataset": str(self.out_dir),
            "feed": self.feed,
            "url": self.url,
            "step_ms": self.step_ms,
            "steps_planned": self.plan_steps,
            "steps_run": self.steps_run,
            "first_step_ms": self.first_ms,
            "stopped_by": self.stopped_by,
            "symbols": [
                {
                    "symbol": symbol,
                    "rows": capture.rows,
                    "missed_steps": capture.missed_steps,
                    "missed_by_reason": capture.missed_by_reason(),
                    "gaps": [
                        {
                            "start_ms": r.start_ms,
                            "end_ms": r.end_ms,
                            "steps": r.steps,
                            "reason": r.reason.value,
                        }
                        for r in capture.missed
                    ],
                }
                for symbol, capture in self.captures.items()
            ],
        }

    def text(self) -> str:
        """One paragraph: what was read, from where, how much of it made rows, what was missed."""
        last_ms = self.first_ms + (self.steps_run - 1) * self.step_ms
        span = f"{utc_time(self.first_ms)} .. {utc_time(last_ms)} UTC" if self.steps_run else "no step"
        rows = ", ".join(f"{symbol} {capture.rows} rows" for symbol, capture in self.captures.items())
        runs = []
        for symbol, capture in self.captures.items():
            runs += [
                f"{symbol} {_span(run.start_ms, run.end_ms)} {run.reason.value} ({run.steps})"
                for run in capture.missed[:RUNS_LISTED]
            ]
            if len(capture.missed) > RUNS_LISTED:
                runs.append(f"{symbol} {len(capture.missed) - RUNS_LISTED} more runs")
        gaps = f"; steps without a row: {', '.join(runs)}" if runs else "; every step has a row"
        ended = ""
        if self.stopped_by:
            ended = f" Stopped by {self.stopped_by} after {self.steps_run} of {self.plan_steps} steps;"
            ended += " what was captured is kept."
        return (
            f"Captured {self.steps_run} steps of {self.step_ms / 1000:g} s over {self.feed} from {self.url},"
            f" {span}, into {self.out_dir}: {rows}{gaps}.{ended}"
        )


def _clock(ms: int) -> str:
    return utc_time(ms)[11:]


def _span(start_ms: int, end_ms: int) -> str:
    return _clock(start_ms) if start_ms == end_ms else f"{_clock(start_ms)}..{_clock(end_ms)}"


def capture_source(summary: CaptureSummary) -> str:
    """The dataset's `source`: how each row was made, and what the capture missed."""
    per_symbol = " ".join(
        f"{symbol}:rows={c.rows},missed={c.missed_steps}"
        + "".join(f",{reason}={n}" for reason, n in c.missed_by_reason().items())
        for symbol, c in summary.captures.items()
    )
    return (
        f"replay-capture {summary.feed} {summary.url} step_ms={summary.step_ms}"
        f" first_step_ms={summary.first_ms} steps={summary.steps_run}/{summary.plan_steps}"
        f" stopped_by={summary.stopped_by or 'duration'}; bid/ask and their quantities the book's best"
        " levels, last the ticker's, volume the rise of the ticker's 24 h volume (a floor on the step's);"
        f" a step whose exchange timestamp did not move is left out as stale; {per_symbol}"
    )


class CaptureProgress:
    """The status line: step, time, rows and misses per symbol, time left; only on a terminal."""

    def __init__(
        self,
        stream: TextIO | None,
        captures: Mapping[str, SymbolCapture],
        *,
        steps: int,
        step_ms: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`stream` None: draw nothing (not a terminal, or --json)."""
        self._stream, self._captures, self._monotonic = stream, captures, monotonic
        self._steps, self._step_ms = steps, step_ms
        self._written: float | None = None
        self._line = ""

    def update(self, steps_run: int, ts_ms: int) -> None:
        parts = [f"step {steps_run}/{self._steps}", f"{_clock(ts_ms)} UTC"]
        for symbol, capture in self._captures.items():
            missed = f", {capture.missed_steps} missed" if capture.missed_steps else ""
            parts.append(f"{symbol} {capture.rows} rows{missed}")
        parts.append(f"{(self._steps - steps_run) * self._step_ms / 1000:,.0f} s left")
        self._line = " · ".join(parts)
        now = self._monotonic()
        if self._written is None or now - self._written >= REFRESH_S:
            self._written = now
            self._draw()

    def finish(self) -> None:
        if self._line:
            self._draw()
            if self._stream is not None:
                self._stream.write("\n")
                self._stream.flush()

    def _draw(self) -> None:
        if self._stream is not None:
            self._stream.write(f"\r\x1b[K{self._line}")
            self._stream.flush()
