"""Which of the trades the exchange reports the ledger has already recorded.

Every reconcile re-reads the trades since a lookback before the fill cursor, so most reported
trades are known. The ledger is append-only, so the known trade ids are kept in memory and
topped up with the fills recorded since the last look (`FillRepository.recorded_after`, as the
portfolio books do): a cycle reads only the new fills, and a restart reads them all once. Ids
older than the oldest trade the exchange can still report (`since_ms`) are forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.store.repositories import Repositories


class RecordedTrades:
    def __init__(self) -> None:
        self._position = 0  # the fills read so far, as `recorded_after` counts them
        self._ts_by_trade_id: dict[str, int] = {}

    def known_among(self, repos: Repositories, trade_ids: Iterable[str], since_ms: int) -> frozenset[str]:
        """Of `trade_ids`, those the ledger (as `repos` sees it) has recorded; reported trades are
        never older than `since_ms` (epoch ms), so older ids are dropped from memory."""
        fills, self._position = repos.fills.recorded_after(self._position)
        for fill in fills:
            self._ts_by_trade_id[fill.trade_id] = fill.ts_ms
        if fills:
            self._ts_by_trade_id = {t: ts for t, ts in self._ts_by_trade_id.items() if ts >= since_ms}
        return frozenset(t for t in trade_ids if t in self._ts_by_trade_id)
