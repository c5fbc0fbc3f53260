from decimal import Decimal as D

from bot.risk.volatility import VolatilityState, observe_volatility
from bot.testing.builders import market


def step(state: VolatilityState, mid: str, spread: str = "0"):
    bid = D(mid) - D(spread) / 2
    ask = D(mid) + D(spread) / 2
    return observe_volatility(state, market(0, {"BTCTRY": (str(bid), str(ask))}), ["BTCTRY"], window=4)


def test_dispersion_of_returns_in_bps_over_a_bounded_window() -> None:
    state = VolatilityState()
    for mid in ("100", "101", "100", "101"):
        reading = step(state, mid)
        state = reading.state
    # returns +1%, -0.990099%, +1%: mean 0.3366%, population stdev 0.9381% = 93.81 bps
    assert D("93.8") < reading.volatility_bps < D("93.9")
    assert len(state.mids["BTCTRY"]) == 4
    state = step(state, "101").state
    assert state.mids["BTCTRY"][0] == D("101")  # the oldest mid left the window


def test_a_wide_spread_counts_even_when_prices_are_still() -> None:
    reading = step(VolatilityState(), "100", spread="1")
    assert reading.volatility_bps == D("100")  # 1 / 100 = 100 bps


def test_state_round_trips_through_json() -> None:
    state = step(step(VolatilityState(), "100").state, "100.5").state
    assert VolatilityState.from_json(state.to_json()) == state
