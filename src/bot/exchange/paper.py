"""Paper trading: a full ExchangeGateway with a simulated account over any MarketDataSource.

Cash is debited, positions carried, and limit orders fill only when the market crosses them, via
the shared MatchingEngine. Before every account call (and on market reads) the engine is fed the
current top of book of the symbols that matter, once per new market timestamp, so one step's
liquidity is never counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from bot.domain.account import Balance
from bot.domain.clock import Clock
from bot.domain.market import OrderBook, Ticker
from bot.domain.orders import ExchangeOrder, Fill, SubmitAck, SubmitOrder
from bot.domain.symbols import PairRules
from bot.exchange import errors
from bot.exchange.gateway import MarketDataSource
from bot.exchange.matching import EngineReject, MatchingEngine, RejectToken
from bot.exchange.matching.types import REJECT_CODES
from bot.exchange.replay import row_from_book


class PaperGateway:
    def __init__(
        self,
        market: MarketDataSource,
        engine: MatchingEngine,
        clock: Clock,
        account_id: str = "paper",
        *,
        initial_balances: Mapping[str, Decimal] | None = None,
    ) -> None:
        """`initial_balances` opens the account in `engine`; without it the account must exist."""
        self._market = market
        self._engine = engine
        self._clock = clock
        self._account_id = account_id
        self._fed_ts: dict[str, int] = {}
        if initial_balances is not None:
            engine.open_account(account_id, initial_balances)
        elif not engine.has_account(account_id):
            raise ValueError(f"account {account_id!r} is not open in the engine")

    # market data ----------------------------------------------------------------------------

    def pair_rules(self) -> Mapping[str, PairRules]:
        return self._market.pair_rules()

    def ticker(self, symbol: str) -> Ticker:
        self._feed([symbol], strict=True)
        return self._market.ticker(symbol)

    def order_book(self, symbol: str, limit: int = 20) -> OrderBook:
        self._feed([symbol], strict=True)
        return self._market.order_book(symbol, limit)

    # account ---------------------------------------------------------------------------------

    def server_time_ms(self) -> int:
        return self._clock.now_ms()

    def balances(self) -> Mapping[str, Balance]:
        self._feed_open_symbols()
        return self._engine.balances(self._account_id)

    def open_orders(self, symbol: str | None = None) -> list[ExchangeOrder]:
        self._feed_open_symbols()
        return [o.to_domain() for o in self._engine.orders(self._account_id, symbol, open_only=True)]

    def all_orders(self, symbol: str, since_ms: int | None = None) -> list[ExchangeOrder]:
        self._feed_open_symbols()
        orders = self._engine.orders(self._account_id, symbol)
        return [o.to_domain() for o in orders if since_ms is None or o.created_ms >= since_ms]

    def submit_order(self, order: SubmitOrder) -> SubmitAck:
        """Raises errors.Rejected with BTCTurk's token and code when the engine refuses."""
        self._feed_open_symbols()
        self._feed([order.symbol], strict=False)
        now_ms = self._clock.now_ms()
        try:
            accepted = self._engine.submit(
                self._account_id,
                symbol=order.symbol,
                side=order.side,
                price=order.price,
                quantity=order.quantity,
                client_order_id=order.client_order_id,
                ts_ms=now_ms,
            )
        except EngineReject as e:
            raise _rejected(e, "paper submit_order") from e
        return SubmitAck(
            exchange_order_id=str(accepted.order_id), client_order_id=order.client_order_id, ts_ms=now_ms
        )

    def cancel_order(self, exchange_order_id: str) -> None:
        """Cancels at once (BTCTurk confirms asynchronously; callers read the result from reports)."""
        self._feed_open_symbols()
        try:
            order_id = int(exchange_order_id)
        except ValueError:
            token = RejectToken.NO_ORDER_MATCHES_YOUR_REQUEST
            raise errors.Rejected(
                f"{token}: not an order id: {exchange_order_id!r}",
                endpoint="paper cancel_order",
                code=REJECT_CODES[token],
                token=token.value,
            ) from None
        try:
            self._engine.cancel(self._account_id, order_id, self._clock.now_ms())
        except EngineReject as e:
            raise _rejected(e, "paper cancel_order") from e

    def user_trades(self, since_ms: int) -> list[Fill]:
        self._feed_open_symbols()
        return [t.to_domain() for t in self._engine.trades(self._account_id, since_ms)]

    def close(self) -> None:
        return None

    # feeding the engine -------------------------------------------------------------------------

    def _feed_open_symbols(self) -> None:
        symbols = {o.symbol for o in self._engine.orders(self._account_id, open_only=True)}
        self._feed(sorted(symbols), strict=False)

    def _feed(self, symbols: Iterable[str], *, strict: bool) -> None:
        """Hand the engine each symbol's current top of book if its timestamp is new.

        Unavailable market data propagates when `strict` (a market read) and is skipped otherwise:
        an account read must not fail because one symbol has no data yet.
        """
        for symbol in symbols:
            try:
                book = self._market.order_book(symbol, 1)
            except errors.Transient:
                if strict:
                    raise
                continue
            if self._fed_ts.get(symbol) == book.ts_ms:
                continue
            self._fed_ts[symbol] = book.ts_ms
            self._engine.set_market(symbol, row_from_book(book))


def _rejected(e: EngineReject, endpoint: str) -> errors.Rejected:
    return errors.Rejected(f"{e.token}: {e.message}", endpoint=endpoint, code=e.code, token=e.token)
