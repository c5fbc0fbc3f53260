"""Paging decisions for allOrders and users/transactions/trade. Pure; shared by both clients."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.orders import ExchangeOrder, Fill

MAX_PAGES = 50  # a guard against a server that ignores `page` or keeps returning full pages


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
