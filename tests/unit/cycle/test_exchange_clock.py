import logging

from bot.cycle.exchange_clock import ExchangeClock
from bot.exchange.errors import Transient
from bot.obs.metrics import Metrics
from bot.testing import FakeClock


class Exchange:
    def __init__(self, *offsets: int | Exception) -> None:
        self.answers = list(offsets)
        self.asked = 0

    def measure(self) -> int:
        self.asked += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def exchange_clock(exchange: Exchange, clock: FakeClock) -> tuple[ExchangeClock, Metrics]:
    metrics = Metrics()
    ec = ExchangeClock(
        clock, exchange.measure, resync_interval_ms=300_000, max_skew_ms=1_000, metrics=metrics
    )
    return ec, metrics


def gauge(metrics: Metrics) -> float:
    value = metrics.registry.get_sample_value("bot_exchange_clock_offset_seconds")
    assert value is not None
    return value


def test_offset_is_measured_first_then_only_every_interval() -> None:
    clock = FakeClock(1_000_000)
    exchange = Exchange(250, 400)
    ec, metrics = exchange_clock(exchange, clock)
    ec.resync_if_due()
    assert ec.offset_ms == 250 and gauge(metrics) == 0.25
    clock.advance(299_999)
    ec.resync_if_due()
    assert exchange.asked == 1
    clock.advance(1)
    ec.resync_if_due()
    assert ec.offset_ms == 400 and exchange.asked == 2


def test_a_failed_measurement_keeps_the_last_offset_and_is_retried_next_cycle(caplog) -> None:
    clock = FakeClock(1_000_000)
    exchange = Exchange(250, Transient("down"), Transient("down"), 300)
    ec, _ = exchange_clock(exchange, clock)
    ec.resync_if_due()
    clock.advance(300_000)
    with caplog.at_level(logging.WARNING):
        ec.resync_if_due()
        ec.resync_if_due()
    assert ec.offset_ms == 250 and exchange.asked == 3
    assert "keeping the last clock offset" in caplog.text
    ec.resync_if_due()
    assert ec.offset_ms == 300


def test_skew_beyond_the_threshold_is_reported(caplog) -> None:
    ec, metrics = exchange_clock(Exchange(-90_000), FakeClock(1_000_000))
    with caplog.at_level(logging.WARNING):
        ec.resync_if_due()
    assert gauge(metrics) == -90.0
    assert "beyond the threshold" in caplog.text


def test_a_replay_has_no_exchange_clock_to_measure() -> None:
    ec = ExchangeClock(FakeClock(0), None, resync_interval_ms=1, max_skew_ms=1, metrics=Metrics())
    ec.resync_if_due()
    assert ec.offset_ms == 0
