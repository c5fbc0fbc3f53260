"""The exchange's time as this process sees it: the local clock plus a measured offset.

Market data carries the exchange's timestamps, so its age is measured on the exchange's clock;
a local clock that runs fast would otherwise make fresh data look stale (and slow, stale data
look fresh). The offset is measured at start and again every `exchange.clock_sync_interval_s`;
a failed measurement keeps the last one. Beyond `exchange.max_clock_skew_ms` the skew is logged
and shown by the `exchange_clock_offset_seconds` gauge. Replays have no exchange: offset 0.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.domain.clock import Clock
from bot.exchange.errors import ExchangeError
from bot.obs.metrics import Metrics

log = logging.getLogger(__name__)


class ExchangeClock:
    def __init__(
        self,
        clock: Clock,
        measure: Callable[[], int] | None,
        *,
        resync_interval_ms: int,
        max_skew_ms: int,
        metrics: Metrics,
    ) -> None:
        """`measure` asks the exchange for its time and returns its offset (exchange minus local, ms)."""
        self._clock = clock
        self._measure = measure
        self._resync_interval_ms = resync_interval_ms
        self._max_skew_ms = max_skew_ms
        self._metrics = metrics
        self._offset_ms = 0
        self._measured_at_ms: int | None = None

    @property
    def offset_ms(self) -> int:
        return self._offset_ms

    def resync_if_due(self) -> None:
        if self._measure is None:
            return
        now = self._clock.now_ms()
        if self._measured_at_ms is not None and now - self._measured_at_ms < self._resync_interval_ms:
            return
        try:
            offset = self._measure()
        except ExchangeError as error:  # tried again next cycle
            log.warning(
                "exchange time unavailable; keeping the last clock offset",
                extra={"fields": {"error": str(error), "clock_offset_ms": self._offset_ms}},
            )
            return
        self._measured_at_ms = now
        self._offset_ms = offset
        self._metrics.exchange_clock_offset_seconds.set(offset / 1000)
        if abs(offset) > self._max_skew_ms:
            log.warning(
                "local clock differs from the exchange's beyond the threshold",
                extra={"fields": {"clock_offset_ms": offset, "max_clock_skew_ms": self._max_skew_ms}},
            )
