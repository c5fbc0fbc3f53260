"""Seeded synthetic multi-symbol market data, so replays and tests need no download.

Shocks come from `ShockProcess` (regimes, clustering, fat tails, a common factor, an intraday
cycle); every price and quantity is then exact Decimal arithmetic, quantised to the pair's rules:
bid rounded down and ask rounded up to the tick (so bid < ask always), quantities rounded down to
the quantity scale. The same arguments give the same dataset, bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from pathlib import Path

from bot.domain.dataset import Dataset, MarketRow
from bot.domain.money import quantize_down, quantize_up
from bot.domain.orders import Side
from bot.replay.dataset_io import DatasetWriter
from bot.replay.pair_specs import DEFAULT_PAIRS, PairSpec
from bot.replay.shocks import ShockProcess, as_decimal
from bot.replay.streaming import StreamingDataset

DEFAULT_START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
GENERATOR = "bot.replay.synthetic/1"  # bump when the model changes; the bundled dataset is regenerated
_SPREAD_WIDEST_MULTIPLE = 20.0  # spreads stay between 0.5x and 20x the pair's base spread
_BPS_DENOMINATOR = Decimal(20_000)  # half a spread in bps: price x bps / 20,000


def generate(
    symbols: Mapping[str, PairSpec],
    steps: int,
    step_ms: int,
    seed: int,
    start_ms: int = DEFAULT_START_MS,
    *,
    name: str = "synthetic",
) -> Dataset:
    """`steps` rows per symbol at `start_ms + i * step_ms`, deterministic for (`symbols`, `seed`),
    in memory (`generate_steps` yields them a step at a time).

    Raises ValueError for no symbols, a key that is not its spec's symbol, steps < 1, step_ms < 1
    or a start price outside the pair's band.
    """
    rows: dict[str, list[MarketRow]] = {symbol: [] for symbol in sorted(symbols)}
    for step in generate_steps(symbols, steps, step_ms, seed, start_ms):
        for symbol, row in step.items():
            rows[symbol].append(row)
    return Dataset(
        name=name,
        step_ms=step_ms,
        pairs={symbol: symbols[symbol].rules for symbol in rows},
        rows={symbol: tuple(symbol_rows) for symbol, symbol_rows in rows.items()},
    )


def generate_steps(
    symbols: Mapping[str, PairSpec], steps: int, step_ms: int, seed: int, start_ms: int = DEFAULT_START_MS
) -> Iterator[dict[str, MarketRow]]:
    """The rows of `generate`, one step at a time: {symbol: row} in symbol order.

    Checks its arguments at once (ValueError, as `generate`), then yields lazily.
    """
    _check_arguments(symbols, steps, step_ms)
    return _steps(symbols, steps, step_ms, seed, start_ms)


def _steps(
    symbols: Mapping[str, PairSpec], steps: int, step_ms: int, seed: int, start_ms: int
) -> Iterator[dict[str, MarketRow]]:
    ordered = sorted(symbols)
    shocks = ShockProcess(seed, step_ms)
    paths = {symbol: _PricePath(symbols[symbol], step_ms) for symbol in ordered}
    for step in range(steps):
        # A fixed context: the output must not depend on whatever precision the caller has set. It
        # is entered per step, never across a `yield`, so the caller's own context is left alone.
        with localcontext(Context(prec=28, rounding=ROUND_HALF_EVEN)):
            ts_ms = start_ms + step * step_ms
            activity = shocks.advance(ts_ms)
            rows = {symbol: paths[symbol].next_row(shocks, ts_ms, activity) for symbol in ordered}
        yield rows


def _check_arguments(symbols: Mapping[str, PairSpec], steps: int, step_ms: int) -> None:
    if not symbols:
        raise ValueError("generate needs at least one symbol")
    if steps < 1 or step_ms < 1:
        raise ValueError(f"steps ({steps}) and step_ms ({step_ms}) must be positive")
    for symbol, spec in symbols.items():
        rules = spec.rules
        if rules.symbol != symbol:
            raise ValueError(f"symbol {symbol} is given the spec of {rules.symbol}")
        if not rules.min_price * 2 <= spec.start_price <= rules.max_price / 2:
            raise ValueError(f"{symbol}: start_price {spec.start_price} is not well inside its band")


class _PricePath:
    """One symbol's evolving mid price and the book drawn around it."""

    def __init__(self, spec: PairSpec, step_ms: int) -> None:
        self._spec = spec
        self._rules = spec.rules
        self._mid = spec.start_price
        self._mid_quantum = Decimal(1).scaleb(-(spec.rules.price_scale + 6))
        # Process parameters (unit-free), not money: float is fine here.
        self._volatility = float(spec.minute_volatility_ratio)
        self._correlation = float(spec.factor_correlation)
        self._base_spread_bps = float(spec.base_spread_bps)
        self._step_minutes = step_ms / 60_000

    def next_row(self, shocks: ShockProcess, ts_ms: int, activity: float) -> MarketRow:
        step_return = shocks.step_return(volatility=self._volatility, correlation=self._correlation)
        self._move_mid(as_decimal(step_return))
        spread_bps = self._spread_bps(shocks, activity)
        half_spread = self._mid * spread_bps / _BPS_DENOMINATOR
        bid = self._rules.quantize_price(self._mid - half_spread, Side.BUY)
        ask = self._rules.quantize_price(self._mid + half_spread, Side.SELL)
        # The last trade hit the ask more often when the price went up, the bid when it fell.
        last = ask if shocks.chance(0.7 if step_return > 0 else 0.3) else bid
        return MarketRow(
            ts_ms=ts_ms,
            bid=bid,
            ask=ask,
            last=last,
            bid_qty=self._top_quantity(shocks, activity, bid),
            ask_qty=self._top_quantity(shocks, activity, ask),
            volume=self._volume(shocks, activity),
        )

    def _move_mid(self, step_return: Decimal) -> None:
        moved = (self._mid * (1 + step_return)).quantize(self._mid_quantum)
        # Keep far from the band edges so quantised prices always fit (a safety net, rarely hit).
        low, high = self._rules.min_price * 2, self._rules.max_price / 2
        self._mid = min(max(moved, low), high)

    def _spread_bps(self, shocks: ShockProcess, activity: float) -> Decimal:
        # Market makers widen when the market is volatile: spread grows with activity^0.6.
        base = self._base_spread_bps
        spread = base * activity**0.6 * shocks.lognormal(0.25)
        return as_decimal(min(max(spread, base * 0.5), base * _SPREAD_WIDEST_MULTIPLE))

    def _top_quantity(self, shocks: ShockProcess, activity: float, price: Decimal) -> Decimal:
        # Books thin out when the market is volatile; never below one minimum-notional order.
        multiplier = as_decimal(shocks.lognormal(0.4) / math.sqrt(activity))
        quantity = quantize_down(self._spec.top_quantity * multiplier, self._rules.quantity_scale)
        smallest = Decimal(1).scaleb(-self._rules.quantity_scale)
        one_order = quantize_up(self._rules.min_notional / price, self._rules.quantity_scale)
        return max(quantity, one_order, smallest)

    def _volume(self, shocks: ShockProcess, activity: float) -> Decimal:
        multiplier = as_decimal(self._step_minutes * activity**1.2 * shocks.lognormal(0.5))
        return quantize_down(self._spec.minute_volume * multiplier, self._rules.quantity_scale)


def resolve_specs(symbols: Mapping[str, PairSpec] | Iterable[str] | None) -> Mapping[str, PairSpec]:
    """Specs for `symbols`: given specs as they are, names looked up in DEFAULT_PAIRS, None = all
    defaults. Raises ValueError naming an unknown symbol and the known ones."""
    if symbols is None:
        return DEFAULT_PAIRS
    if isinstance(symbols, Mapping):
        return symbols
    specs: dict[str, PairSpec] = {}
    for symbol in symbols:
        if symbol not in DEFAULT_PAIRS:
            known = ", ".join(sorted(DEFAULT_PAIRS))
            raise ValueError(f"no default synthetic spec for {symbol!r}; known: {known}")
        specs[symbol] = DEFAULT_PAIRS[symbol]
    return specs


def synthetic_source(*, seed: int, steps: int, step_ms: int, start_ms: int) -> str:
    """The `source` line recorded in dataset.json: enough to regenerate the dataset."""
    return f"{GENERATOR} seed={seed} steps={steps} step_ms={step_ms} start_ms={start_ms}"


def init_synthetic(
    out_dir: Path | str,
    *,
    seed: int = 7,
    steps: int = 1440,
    step_ms: int = 60_000,
    symbols: Mapping[str, PairSpec] | Iterable[str] | None = None,
    start_ms: int = DEFAULT_START_MS,
    name: str = "synthetic",
    overwrite: bool = False,
) -> StreamingDataset:
    """Generate a dataset and write it to `out_dir` as it is generated, holding one step in memory
    (see `generate` and `DatasetWriter`); returns the dataset written, on disk.

    `symbols` is None (all DEFAULT_PAIRS), names of default pairs, or full specs. Raises
    ValueError for an unknown symbol name and DatasetError if a dataset exists and not `overwrite`.
    """
    specs = resolve_specs(symbols)
    generated = generate_steps(specs, steps, step_ms, seed, start_ms)
    pairs = [spec.rules for spec in specs.values()]
    with DatasetWriter(out_dir, name=name, step_ms=step_ms, pairs=pairs, overwrite=overwrite) as out:
        for step in generated:
            for symbol, row in step.items():
                out.write(symbol, row)
        return out.commit(synthetic_source(seed=seed, steps=steps, step_ms=step_ms, start_ms=start_ms))
