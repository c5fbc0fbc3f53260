"""Every Prometheus metric the bot exports, on a registry of its own (never the global one).

Label values must be bounded (stage, verdict, reason code, symbol, side, endpoint, error class):
never an order id or a secret.

prometheus_client (which loads http.server, email and ssl) is imported by the first `Metrics()`,
not with this module. Serving them is `bot.obs.metrics_server`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

NAMESPACE = "bot"
CYCLE_DURATION_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
REQUEST_DURATION_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
RECONCILE_LAG_BUCKETS_S = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

METRIC_NAMES = (
    "bot_build_info",
    "bot_slo_status",
    "bot_slo_value",
    "bot_ledger_info",
    "bot_cycle_duration_seconds",
    "bot_cycles_total",
    "bot_decisions_total",
    "bot_orders_submitted_total",
    "bot_orders_filled_total",
    "bot_orders_canceled_total",
    "bot_order_submit_uncertain_total",
    "bot_orders_unknown",
    "bot_exchange_request_errors_total",
    "bot_exchange_requests_total",
    "bot_exchange_request_duration_seconds",
    "bot_exchange_retries_total",
    "bot_submit_latency_seconds",
    "bot_reconcile_lag_seconds",
    "bot_market_data_age_seconds",
    "bot_ledger_balance_drift",
    "bot_last_cycle_timestamp_seconds",
    "bot_exchange_degraded",
    "bot_market_data_fallbacks_total",
    "bot_market_data_recoveries_total",
    "bot_feed_events_total",
    "bot_exchange_clock_offset_seconds",
    "bot_risk_mode",
    "bot_risk_mode_changes_total",
    "bot_equity",
    "bot_drawdown_ratio",
    "bot_daily_pnl",
    "bot_capital",
    "bot_kill_switch_engaged",
    "bot_accounting_problems",
    "bot_universe_size",
)
"""The names as exposed on /metrics (histograms add _bucket/_sum/_count)."""


class Metrics:
    """The bot's metrics. `Metrics()` makes a fresh registry, so tests never share state.

    The declarations are grouped by concept; each group registers its metrics on `registry`.
    """

    registry: CollectorRegistry
    # cycle and decisions
    cycle_duration_seconds: Histogram
    cycles_total: Counter
    decisions_total: Counter
    last_cycle_timestamp_seconds: Gauge
    build_info: Gauge
    ledger_info: Gauge
    slo_status: Gauge
    slo_value: Gauge
    # orders and ledger
    orders_submitted_total: Counter
    orders_filled_total: Counter
    orders_canceled_total: Counter
    order_submit_uncertain_total: Counter
    orders_unknown: Gauge
    ledger_balance_drift: Gauge
    # exchange and market data
    exchange_request_errors_total: Counter
    exchange_requests_total: Counter
    exchange_request_duration_seconds: Histogram
    exchange_retries_total: Counter
    submit_latency_seconds: Histogram
    reconcile_lag_seconds: Histogram
    market_data_age_seconds: Gauge
    exchange_clock_offset_seconds: Gauge
    exchange_degraded: Gauge
    market_data_fallbacks_total: Counter
    market_data_recoveries_total: Counter
    feed_events_total: Counter
    # portfolio and risk
    risk_mode: Gauge
    risk_mode_changes_total: Counter
    equity: Gauge
    drawdown_ratio: Gauge
    daily_pnl: Gauge
    capital: Gauge
    kill_switch_engaged: Gauge
    accounting_problems: Gauge
    universe_size: Gauge

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector

        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)  # process_cpu_seconds_total, process_resident_memory_bytes
        PlatformCollector(registry=self.registry)  # python_info
        self._declare_cycle_metrics(self.registry)
        self._declare_order_and_ledger_metrics(self.registry)
        self._declare_exchange_and_market_data_metrics(self.registry)
        self._declare_portfolio_and_risk_metrics(self.registry)

    def _declare_cycle_metrics(self, reg: CollectorRegistry) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        ns = NAMESPACE
        self.cycle_duration_seconds = Histogram(
            "cycle_duration_seconds", "Wall time of one cycle.", ["stage"],
            namespace=ns, registry=reg, buckets=CYCLE_DURATION_BUCKETS_S,
        )  # fmt: skip
        self.cycles_total = Counter(
            "cycles", "Cycles run, by outcome.", ["stage", "status"], namespace=ns, registry=reg
        )
        self.decisions_total = Counter(
            "decisions", "Decisions on order intents.", ["stage", "verdict", "reason_code", "layer"],
            namespace=ns, registry=reg,
        )  # fmt: skip
        self.last_cycle_timestamp_seconds = Gauge(
            "last_cycle_timestamp_seconds", "Unix time the last cycle finished.", namespace=ns, registry=reg
        )
        self.build_info = Gauge(
            "build_info", "1, labelled with the bot's version, its stage and its mode.",
            ["version", "stage", "mode"], namespace=ns, registry=reg,
        )  # fmt: skip
        self.slo_status = Gauge(
            "slo_status", "Each SLO over slo.window_s from the ledger: 0 pass (or no data), 1 warn, 2 fail.",
            ["slo"], namespace=ns, registry=reg,
        )  # fmt: skip
        self.slo_value = Gauge(
            "slo_value", "Each SLO's value over slo.window_s, in its unit (runbooks/slo.md); NaN: no data.",
            ["slo"], namespace=ns, registry=reg,
        )  # fmt: skip
        self.ledger_info = Gauge(
            "ledger_info", "1, labelled with the id of the ledger this process writes.",
            ["ledger_id"], namespace=ns, registry=reg,
        )  # fmt: skip

    def _declare_order_and_ledger_metrics(self, reg: CollectorRegistry) -> None:
        from prometheus_client import Counter, Gauge

        ns = NAMESPACE
        self.orders_submitted_total = Counter(
            "orders_submitted", "Orders sent to the exchange.", ["symbol", "side"], namespace=ns, registry=reg
        )
        self.orders_filled_total = Counter(
            "orders_filled", "Fills recorded.", ["symbol", "side"], namespace=ns, registry=reg
        )
        self.orders_canceled_total = Counter(
            "orders_canceled", "Orders canceled, by reason.", ["symbol", "reason"], namespace=ns, registry=reg
        )
        self.order_submit_uncertain_total = Counter(
            "order_submit_uncertain", "Submits whose outcome was uncertain.", namespace=ns, registry=reg
        )
        self.orders_unknown = Gauge(
            "orders_unknown", "Orders in UNKNOWN state awaiting resolution.", namespace=ns, registry=reg
        )
        self.ledger_balance_drift = Gauge(
            "ledger_balance_drift", "Ledger minus exchange balance in the asset's units (0: reconciled).",
            ["asset"], namespace=ns, registry=reg,
        )  # fmt: skip

    def _declare_exchange_and_market_data_metrics(self, reg: CollectorRegistry) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        ns = NAMESPACE
        self.exchange_request_errors_total = Counter(
            "exchange_request_errors", "Failed exchange calls.", ["endpoint", "error_class"],
            namespace=ns, registry=reg,
        )  # fmt: skip
        self.exchange_requests_total = Counter(
            "exchange_requests", "REST attempts by outcome, retries included.",
            ["endpoint", "outcome"], namespace=ns, registry=reg,
        )  # fmt: skip
        self.exchange_request_duration_seconds = Histogram(
            "exchange_request_duration_seconds", "Time on the wire of one REST attempt that was sent.",
            ["endpoint"], namespace=ns, registry=reg, buckets=REQUEST_DURATION_BUCKETS_S,
        )  # fmt: skip
        self.submit_latency_seconds = Histogram(
            "submit_latency_seconds", "A cycle's slowest submit, write-ahead intent to exchange answer.",
            namespace=ns, registry=reg, buckets=REQUEST_DURATION_BUCKETS_S,
        )  # fmt: skip
        self.reconcile_lag_seconds = Histogram(
            "reconcile_lag_seconds", "A cycle's longest fill lag: the exchange's trade time to the ledger.",
            namespace=ns, registry=reg, buckets=RECONCILE_LAG_BUCKETS_S,
        )  # fmt: skip
        self.exchange_retries_total = Counter(
            "exchange_retries", "Reads tried again after a transient failure or a 429.", ["endpoint"],
            namespace=ns, registry=reg,
        )  # fmt: skip
        self.market_data_age_seconds = Gauge(
            "market_data_age_seconds",
            "Age of the latest market data.",
            ["symbol"],
            namespace=ns,
            registry=reg,
        )
        self.exchange_clock_offset_seconds = Gauge(
            "exchange_clock_offset_seconds",
            "The exchange's clock minus ours, as last measured (applied to stamps and data ages).",
            namespace=ns,
            registry=reg,
        )
        self.exchange_degraded = Gauge(
            "exchange_degraded",
            "1 while the circuit breaker holds the exchange degraded.",
            namespace=ns,
            registry=reg,
        )
        self.market_data_fallbacks_total = Counter(
            "market_data_fallbacks", "Switches of a symbol from the stream to REST (stream stale).",
            ["symbol"], namespace=ns, registry=reg,
        )  # fmt: skip
        self.market_data_recoveries_total = Counter(
            "market_data_recoveries", "Switches of a symbol from REST back to the stream.", ["symbol"],
            namespace=ns, registry=reg,
        )  # fmt: skip
        self.feed_events_total = Counter(
            "feed_events", "WebSocket feed events: connects, disconnects, resnapshots, drops, malformed.",
            ["event"], namespace=ns, registry=reg,
        )  # fmt: skip

    def _declare_portfolio_and_risk_metrics(self, reg: CollectorRegistry) -> None:
        from prometheus_client import Counter, Gauge

        ns = NAMESPACE
        self.risk_mode = Gauge(
            "risk_mode", "Mode by source (anomaly, effective, stage 7 budget): 0 normal 1 reduce 2 observe",
            ["source"], namespace=ns, registry=reg,
        )  # fmt: skip
        self.risk_mode_changes_total = Counter(
            "risk_mode_changes", "Mode transitions, both ways.", ["source", "from_mode", "to_mode"],
            namespace=ns, registry=reg,
        )  # fmt: skip
        self.equity = Gauge(
            "equity", "Ledger equity in the quote asset at the cycle's marks.", namespace=ns, registry=reg
        )
        self.drawdown_ratio = Gauge(
            "drawdown_ratio", "Drawdown from peak equity (0..1).", namespace=ns, registry=reg
        )
        self.daily_pnl = Gauge(
            "daily_pnl",
            "Equity change since the accounting day began (quote asset).",
            namespace=ns,
            registry=reg,
        )
        self.capital = Gauge(
            "capital", "Self-financing capital by bucket (trading, treasury) in the quote asset.", ["bucket"],
            namespace=ns, registry=reg,
        )  # fmt: skip
        self.kill_switch_engaged = Gauge(
            "kill_switch_engaged", "1 while the latched kill switch is engaged.", namespace=ns, registry=reg
        )
        self.accounting_problems = Gauge(
            "accounting_problems",
            "What keeps accounting incomplete: missing marks, unconverted fees, unpriced openings.",
            ["kind"], namespace=ns, registry=reg,
        )  # fmt: skip
        self.universe_size = Gauge(
            "universe_size", "Symbols in the stage 4/7 dynamic universe.", namespace=ns, registry=reg
        )

    def initialise(self, labels: KnownLabels) -> None:
        """Create every series of the labelled error, retry and outcome counters at 0, so that
        `rate(...)` over them is 0 from the start rather than no data until the first error."""
        for status in labels.cycle_statuses:
            self.cycles_total.labels(stage=labels.stage, status=status)
        for endpoint in labels.endpoints:
            self.exchange_retries_total.labels(endpoint=endpoint)
            for outcome in labels.outcomes:
                self.exchange_requests_total.labels(endpoint=endpoint, outcome=outcome)
            for error_class in labels.error_classes:
                self.exchange_request_errors_total.labels(endpoint=endpoint, error_class=error_class)
        for symbol in labels.symbols:
            for side in ("buy", "sell"):
                self.orders_submitted_total.labels(symbol=symbol, side=side)
                self.orders_filled_total.labels(symbol=symbol, side=side)
        for slo in labels.slos:
            self.slo_status.labels(slo=slo).set(0)
            self.slo_value.labels(slo=slo).set(float("nan"))

    def exposition(self) -> bytes:
        """The current metrics in the Prometheus text format."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


@dataclass(frozen=True, slots=True, kw_only=True)
class KnownLabels:
    """The label values known before anything happens (`Metrics.initialise`)."""

    stage: str
    cycle_statuses: tuple[str, ...]
    endpoints: tuple[str, ...]
    outcomes: tuple[str, ...]
    error_classes: tuple[str, ...]
    symbols: tuple[str, ...]
    slos: tuple[str, ...]


class MetricsCallObserver:
    """The REST call engine's attempts and retries (`bot.exchange.call_stats.CallObserver`) as
    metrics. Endpoint and outcome are closed sets, so the series stay bounded."""

    def __init__(self, metrics: Metrics) -> None:
        self._m = metrics

    def attempt(self, endpoint: str, outcome: str, seconds: float) -> None:
        self._m.exchange_requests_total.labels(endpoint=endpoint, outcome=outcome).inc()
        if outcome != "refused":
            self._m.exchange_request_duration_seconds.labels(endpoint=endpoint).observe(seconds)

    def retry(self, endpoint: str) -> None:
        self._m.exchange_retries_total.labels(endpoint=endpoint).inc()
