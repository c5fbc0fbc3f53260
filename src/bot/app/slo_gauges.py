"""The SLOs as metrics (`bot_slo_status`, `bot_slo_value`), from the running daemon's own ledger.

Every `interval_s` of wall time, after a cycle, the daemon judges its recent cycles exactly as
`bot doctor` does (`bot.app.doctor.evaluate_slos`), so an alert on `bot_slo_status` and the
doctor's table agree. A replay (a backtest) has no wall-clock window and exports none.
"""

from __future__ import annotations

import logging
import math

from bot.app.doctor import evaluate_slos
from bot.config import Settings
from bot.domain.clock import Clock
from bot.obs.metrics import Metrics
from bot.store import Database, StoreError

log = logging.getLogger(__name__)
STATUS_VALUE = {"pass": 0, "no_data": 0, "warn": 1, "fail": 2}
DEFAULT_INTERVAL_S = 30.0


class SloGauges:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        metrics: Metrics,
        wall: Clock,
        *,
        interval_s: float = DEFAULT_INTERVAL_S,
    ) -> None:
        self._database, self._settings, self._metrics, self._wall = database, settings, metrics, wall
        self._interval_ms = int(interval_s * 1000)
        self._due_ms: int | None = None  # the first cycle reports at once

    def after_cycle(self) -> None:
        now = self._wall.now_ms()
        if self._due_ms is not None and now < self._due_ms:
            return
        self._due_ms = now + self._interval_ms
        try:
            results = evaluate_slos(
                self._database, self._settings, window_s=self._settings.slo.window_s, now_ms=now
            )
        except StoreError as error:  # a busy or failing read: the gauges wait for the next round
            log.warning("SLO gauges not updated", extra={"fields": {"error": str(error)}})
            return
        for result in results:
            name = result.spec.name
            self._metrics.slo_status.labels(slo=name).set(STATUS_VALUE[result.status])
            value = math.nan if result.value is None else float(result.value)
            self._metrics.slo_value.labels(slo=name).set(value)
