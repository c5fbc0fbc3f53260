"""Books kept current across cycles: each cycle applies only the fills it has not seen.

The books are defined as the fold of every fill in time order (`ts_ms`, then trade id), the
order the fills repository reads them in. Fills usually arrive in that order, so a new one is
applied on top; one that sorts before a fill already applied (a late trade report) makes the
books refold from the start, which gives exactly what folding the whole list would. So do a
newly listed pair for an opening holding and a failed fill. Rebuilding from scratch every cycle
cost time in proportion to the ledger's fills; this costs time in proportion to the new ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from bot.accounting.books import Books, BooksFold, PairAssets, symbols_by_asset
from bot.accounting.trade_outcomes import TradeOutcomes
from bot.domain.orders import Fill


def fill_order(fill: Fill) -> tuple[int, str]:
    return (fill.ts_ms, fill.trade_id)


class RunningBooks:
    """`BooksFold` over every fill given to `add`, in `fill_order`, whatever order they came in."""

    def __init__(
        self,
        *,
        quote_asset: str,
        opening_balances: Mapping[str, Decimal],
        opening_prices: Mapping[str, Decimal],
    ) -> None:
        self.quote_asset = quote_asset
        self._opening_balances = dict(opening_balances)
        self._opening_prices = dict(opening_prices)
        self._pairs: dict[str, PairAssets] = {}
        self._fills: list[Fill] = []  # every fill applied, in fill_order
        self._seen: set[str] = set()
        self._fold: BooksFold | None = None
        self.refolds = 0  # how often the books were rebuilt from the first fill (for the curious)

    def add(self, fills: Iterable[Fill], pairs: Mapping[str, PairAssets]) -> None:
        """Apply the fills not seen before (by trade id), with `pairs` naming their assets.

        Raises ValueError for a fill the books cannot place; it stays pending, and every later
        `add` raises again until `pairs` can place it.
        """
        unseen = {f.trade_id: f for f in fills if f.trade_id not in self._seen}  # once each, too
        new = sorted(unseen.values(), key=fill_order)
        refold = self._fold is None or self._pairs_change_opening(pairs)
        self._pairs.update(pairs)
        if new and self._fills and fill_order(new[0]) < fill_order(self._fills[-1]):
            refold = True
        for fill in new:
            self._seen.add(fill.trade_id)
        if refold:
            self._fills = sorted([*self._fills, *new], key=fill_order)
            self._refold()
        else:
            self._fills.extend(new)
            self._apply(new)

    def books(self) -> Books:
        return self._current().books()

    def outcomes(self, since_ms: int) -> TradeOutcomes:
        return self._current().outcomes(since_ms)

    def _current(self) -> BooksFold:
        if self._fold is None:
            self._refold()
        assert self._fold is not None
        return self._fold

    def _refold(self) -> None:
        self.refolds += 1
        self._fold = BooksFold(
            quote_asset=self.quote_asset,
            symbol_by_asset=symbols_by_asset(self._pairs, self.quote_asset),
            opening_balances=self._opening_balances,
            opening_prices=self._opening_prices,
        )
        self._apply(self._fills)

    def _apply(self, fills: list[Fill]) -> None:
        fold = self._fold
        assert fold is not None
        try:
            for fill in fills:
                fold.apply(fill, self._pairs)
        except ValueError:
            self._fold = None  # part-applied: the next read refolds, and raises again if still bad
            raise
        fold.symbol_by_asset.update(symbols_by_asset(self._pairs, self.quote_asset))

    def _pairs_change_opening(self, pairs: Mapping[str, PairAssets]) -> bool:
        """Would these pairs price an opening holding differently than the books opened it?"""
        if self._fold is None:
            return True
        known = self._fold.symbol_by_asset
        given = symbols_by_asset(pairs, self.quote_asset)
        return any(given.get(asset, known.get(asset)) != known.get(asset) for asset in self._opening_balances)
