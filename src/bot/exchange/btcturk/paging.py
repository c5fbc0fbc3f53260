"""Paging decisions for allOrders, users/transactions/trade and graph-api candles. Pure; shared by
both clients."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain.market import Candle
from bot.domain.orders import ExchangeOrder, Fill

MAX_PAGES = 50  # a guard against a server that ignores `page` or keeps returning full pages
KLINES_PAGE_BARS = 1000  # bars asked for per candle request; §5.8 documents no maximum


def merge_orders(seen: dict[str, ExchangeOrder], page: Iterable[ExchangeOrder]) -> int:
    """Add a page to `seen` (keyed by exchange id); returns how many orders were new."""
    before = len(seen)
    for order in page:
        seen[order.exchange_order_id] = order
    return len(seen) - before


def more_order_pages(page_size: int, added: int, limit: int, pages_read: int) -> bool:
    """A full page that brought something new may have a successor."""
    return page_size >= limit and added > 0 and pages_read < MAX_PAGES


def _id_key(identifier: str) -> tuple[int, str]:
    return (int(identifier), identifier) if identifier.isdigit() else (0, identifier)


def newest_last(orders: Iterable[ExchangeOrder]) -> list[ExchangeOrder]:
    return sorted(orders, key=lambda o: (o.created_ms, _id_key(o.exchange_order_id)))


def oldest_first(fills: Iterable[Fill]) -> list[Fill]:
    return sorted(fills, key=lambda f: (f.ts_ms, _id_key(f.trade_id)))


def remaining_windows(start_ms: int, end_ms: int, page: list[Fill], limit: int) -> list[tuple[int, int]]:
    """After a trade query over [start_ms, end_ms], the sub-windows still to read.

    The endpoint has no page parameter, and whether a full answer holds the oldest or the newest
    rows is undocumented, so a full page leaves both sides of the time range it covered; each
    returned window is strictly narrower than the one queried, so the walk terminates.
    """
    if len(page) < limit:
        return []
    first = min(fill.ts_ms for fill in page)
    last = max(fill.ts_ms for fill in page)
    windows = [(start_ms, first), (last, end_ms)]
    return [(lo, hi) for lo, hi in windows if lo <= hi and (lo, hi) != (start_ms, end_ms)]


@dataclass(frozen=True, slots=True, kw_only=True)
class CandleRead:
    """Every candle a paged read received, in arrival order (duplicates and all), and how many
    requests it took."""

    candles: tuple[Candle, ...]
    requests: int


def candle_pages(start_ms: int, end_ms: int, step_ms: int, page_bars: int) -> list[tuple[int, int]]:
    """[start, end) cut into windows of at most `page_bars` bars, in time order."""
    span = step_ms * page_bars
    return [(lo, min(lo + span, end_ms)) for lo in range(start_ms, end_ms, span)]


def remaining_candle_windows(
    start_ms: int, end_ms: int, page: Sequence[Candle], step_ms: int
) -> list[tuple[int, int]]:
    """After a candle query over [start_ms, end_ms), the parts of it still to ask for.

    No maximum of rows per answer is documented, nor which end a capped answer keeps, so the time
    before the page's first bar and after its last are asked for again (a gap there costs one
    empty answer). Each window returned is strictly narrower than the one queried: the walk ends.
    """
    inside = [candle.ts_ms for candle in page if start_ms <= candle.ts_ms < end_ms]
    if not inside:
        return []
    windows = [(start_ms, min(inside)), (max(inside) + step_ms, end_ms)]
    return [(lo, hi) for lo, hi in windows if lo < hi]
