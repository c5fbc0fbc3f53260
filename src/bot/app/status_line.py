"""A one-line live status of a running daemon on a terminal: cycle, equity, risk mode, orders,
degraded cycles and failing SLOs, rewritten in place after every cycle, read from the run's own
metrics. Written only when the output is a terminal; logs go to stderr as always.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from bot.cycle.run import CycleResult
from bot.domain.cycles import CycleStatus
from bot.obs.metrics import Metrics
from bot.slo import SLO_NAMES

_MODES = {0: "normal", 1: "reduce", 2: "observe"}
REFRESH_S = 0.1


class StatusLine:
    def __init__(
        self,
        metrics: Metrics,
        stream: TextIO,
        *,
        max_cycles: int,
        portfolio: bool,
        replay_total: int | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`portfolio`: a stage (4, 7) that values an account, so equity and mode mean something.
        `replay_total`: the cycles a replay has in all (a backtest): the line then shows the
        dataset's time, cycles per second and the time left."""
        self._metrics, self._stream, self._max, self._portfolio = metrics, stream, max_cycles, portfolio
        self._total, self._monotonic = replay_total, monotonic
        self._started = monotonic()
        self._written: float | None = None
        self._last_id = 0
        self._cycles = self._degraded = self._submitted = 0

    def update(self, result: CycleResult) -> None:
        self._cycles += 1
        self._degraded += result.status is not CycleStatus.OK
        self._submitted += result.counters.get("submitted", 0)
        self._last_id = result.cycle_id
        now = self._monotonic()
        if self._written is not None and now - self._written < REFRESH_S:
            return  # a fast run (a backtest) redraws ten times a second, not every cycle
        self._written = now
        self._draw()

    def _draw(self) -> None:
        self._stream.write(f"\r\x1b[K{self.text(self._last_id)}")
        self._stream.flush()

    def finish(self) -> None:
        if self._cycles:
            self._draw()  # the last cycle's figures, whenever the line was last drawn
            self._stream.write("\n")
            self._stream.flush()

    def text(self, cycle_id: int) -> str:
        total = self._total or self._max
        of = f"/{total}" if total else ""
        parts = [f"cycle {self._cycles}{of} (id {cycle_id})"]
        if self._total:
            parts += self._replay_progress()
        equity = self._sample("bot_equity")
        if self._portfolio and equity is not None:
            parts.append(f"equity {equity:,.2f}")
        mode = self._sample("bot_risk_mode", {"source": "effective"})
        if self._portfolio and mode is not None:
            parts.append(f"mode {_MODES.get(int(mode), '?')}")
        parts.append(f"orders {self._submitted}")
        parts.append(f"degraded {self._degraded}")
        failing = [s for s in SLO_NAMES if self._sample("bot_slo_status", {"slo": s}) == 2]
        parts.append(f"SLOs failing: {', '.join(failing)}" if failing else "SLOs ok")
        return " · ".join(parts)

    def _replay_progress(self) -> list[str]:
        """The dataset's time (the replay clock, as the last cycle stamped it), speed and what is left."""
        parts = []
        stamp = self._sample("bot_last_cycle_timestamp_seconds")
        if stamp:
            parts.append(datetime.fromtimestamp(stamp, tz=UTC).strftime("%Y-%m-%d %H:%M"))
        elapsed = self._monotonic() - self._started
        if elapsed > 0 and self._cycles:
            rate = self._cycles / elapsed
            left = max(0, (self._total or 0) - self._cycles) / rate
            parts.append(f"{rate:,.0f} cycles/s, about {left:,.0f} s left")
        return parts

    def _sample(self, name: str, labels: dict[str, str] | None = None) -> float | None:
        return self._metrics.registry.get_sample_value(name, labels or {})
