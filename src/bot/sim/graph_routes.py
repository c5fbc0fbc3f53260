"""graph-api candles (§5.7 `/v1/ohlcs`, §5.8 `/v1/klines/history`), served on the REST origin.

Bars are resampled from the dataset rows replayed so far (never a row from the future): each
row's `last` is a price tick and its `volume` the base volume of its step. Buckets are in market
(dataset) time, as the ticker's 24 h statistics are; like every time the simulator reports, a
bar's time is the wall time at which its bucket start was replayed (clamped to the simulator's
start), here in SECONDS. `from` and `to` are wall seconds; rows between them are bucketed, so the
first bar may be partial.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from starlette.requests import Request
from starlette.responses import Response

from bot.domain.dataset import MarketRow
from bot.domain.money import ZERO, exact_product
from bot.exchange.replay import DAY_MS
from bot.sim.exchange import SimExchange
from bot.sim.params import int_param
from bot.sim.payloads import PERCENT_QUANTUM
from bot.sim.wire import json_response

MINUTE_MS = 60_000
DEFAULT_KLINES = 100  # ccxt's default limit when `from` is absent
_NAMED_RESOLUTIONS = {
    "D": DAY_MS,
    "1D": DAY_MS,
    "1 day": DAY_MS,
    "W": 7 * DAY_MS,
    "1W": 7 * DAY_MS,
    "1 week": 7 * DAY_MS,
    "M": 30 * DAY_MS,
    "1M": 30 * DAY_MS,
    "1 month": 30 * DAY_MS,
    "1 year": 365 * DAY_MS,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Bar:
    start_ms: int  # market time of the bucket start
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal  # base
    total: Decimal  # quote: sum of last x volume


def resample(rows: Sequence[MarketRow], bucket_ms: int) -> list[Bar]:
    """OHLCV bars of `rows` (time order) in buckets of `bucket_ms` aligned to the epoch."""
    buckets: dict[int, list[MarketRow]] = {}
    for row in rows:
        buckets.setdefault(row.ts_ms // bucket_ms * bucket_ms, []).append(row)
    return [
        Bar(
            start_ms=start,
            open=members[0].last,
            high=max(r.last for r in members),
            low=min(r.last for r in members),
            close=members[-1].last,
            volume=sum((r.volume for r in members), ZERO),
            total=sum((exact_product(r.last, r.volume) for r in members), ZERO),
        )
        for start, members in buckets.items()
    ]


def parse_resolution(raw: str | None) -> int | None:
    """Minutes ('1', '60', '240') or a named span ('1D', '1 week', '1M' = 30 days), in ms."""
    if raw is None:
        return None
    text = raw.strip()
    if text.isdigit() and int(text) > 0:
        return int(text) * MINUTE_MS
    return _NAMED_RESOLUTIONS.get(text) or _NAMED_RESOLUTIONS.get(text.lower())


def _rows(
    sim: SimExchange, symbol: str, params: Mapping[str, object], default_from_ms: int
) -> list[MarketRow]:
    """Replayed rows of `symbol` whose wall time lies in [from, to] (wall seconds)."""
    to_s = int_param(params, "to")
    from_s = int_param(params, "from")
    if to_s is not None and to_s * 1000 < sim.market_clock.started_wall_ms:
        return []  # before the simulator started nothing had been replayed
    until = sim.market_ms if to_s is None else min(sim.market_ms, sim.market_clock.market_ms(to_s * 1000))
    start = default_from_ms if from_s is None else sim.market_clock.market_ms(from_s * 1000)
    return list(sim.dataset.rows_between(symbol, start - 1, until))


def _wall_s(sim: SimExchange, market_ms: int) -> int:
    return sim.market_clock.wall_ms(market_ms) // 1000


async def ohlcs(request: Request, sim: SimExchange) -> Response:
    """§5.7: a bare array of daily bars, numbers as JSON numbers, `time` in seconds."""
    params = dict(request.query_params)
    symbol = sim.resolve_symbol(params.get("pair"))
    if symbol is None:
        return json_response([])
    rules = sim.rules(symbol)
    items: list[dict[str, object]] = []
    for bar in resample(_rows(sim, symbol, params, sim.dataset.start_ms), DAY_MS):
        change = bar.close - bar.open
        percent = (change * 100 / bar.open).quantize(PERCENT_QUANTUM) if bar.open > 0 else ZERO
        average = bar.total / bar.volume if bar.volume > 0 else bar.close
        items.append(
            {
                "pair": rules.symbol,
                "time": _wall_s(sim, bar.start_ms),
                "open": bar.open,
                "high": bar.high,
                "low": bar.low,
                "close": bar.close,
                "volume": bar.volume,
                "total": bar.total,
                "average": average.quantize(Decimal(1).scaleb(-(rules.price_scale + 2))),
                "dailyChangeAmount": change,
                "dailyChangePercentage": percent,
            }
        )
    return json_response(items)


async def klines(request: Request, sim: SimExchange) -> Response:
    """§5.8: TradingView UDF arrays (`t` in seconds), `{"s": "no_data"}` when there are no bars,
    `{"s": "error", "errmsg": ...}` (400) for an unknown resolution."""
    params = dict(request.query_params)
    bucket_ms = parse_resolution(params.get("resolution"))
    if bucket_ms is None:
        unknown = f"unknown resolution {params.get('resolution')!r}"
        return json_response({"s": "error", "errmsg": unknown}, 400)
    symbol = sim.resolve_symbol(params.get("symbol"))
    if symbol is None:
        return json_response({"s": "no_data"})
    default_from = sim.market_ms - (DEFAULT_KLINES - 1) * bucket_ms
    bars = resample(_rows(sim, symbol, params, default_from), bucket_ms)
    if not bars:
        return json_response({"s": "no_data"})
    return json_response(
        {
            "s": "ok",
            "t": [_wall_s(sim, bar.start_ms) for bar in bars],
            "o": [bar.open for bar in bars],
            "h": [bar.high for bar in bars],
            "l": [bar.low for bar in bars],
            "c": [bar.close for bar in bars],
            "v": [bar.volume for bar in bars],
        }
    )
