"""graph-api candles on the simulator's origin: shapes, seconds, resampling, no future rows."""

from __future__ import annotations

from decimal import Decimal

from sim_builders import row
from sim_http import WALL_START, Sim, body, simulator

D = Decimal
DAY0 = 1_649_980_800_000  # a UTC midnight
HALF_DAY = 43_200_000
WALL_DAY_MS = 86_400_000 // 60  # speed 60: one dataset day every 24 wall minutes
PRICES = ["100", "110", "90", "95", "120", "130"]
ROWS = [row(DAY0 + i * HALF_DAY, f"{p}000", f"{p}100", volume=str(i + 1)) for i, p in enumerate(PRICES)]


def _wall_s(day: int) -> int:
    return (WALL_START + day * WALL_DAY_MS) // 1000


def _all_replayed(sim: Sim) -> None:
    sim.clock.set(WALL_START + 3 * WALL_DAY_MS)


def test_ohlcs_are_daily_bare_and_in_seconds() -> None:
    with simulator(rows=ROWS) as sim:
        _all_replayed(sim)
        response = sim.http.get("/v1/ohlcs", params={"pair": "BTC_TRY", "from": 0, "to": 2_000_000_000})
        bars = body(response)
        assert isinstance(bars, list) and len(bars) == 3
        first = bars[0]
        assert set(first) == {
            "pair", "time", "open", "high", "low", "close", "volume", "total", "average",
            "dailyChangeAmount", "dailyChangePercentage",
        }  # fmt: skip
        assert [b["time"] for b in bars] == [_wall_s(0), _wall_s(1), _wall_s(2)]
        assert first["pair"] == "BTCTRY" and isinstance(first["time"], int)
        assert (first["open"], first["high"], first["low"], first["close"]) == (
            D(100000), D(110000), D(100000), D(110000),
        )  # fmt: skip
        assert (first["volume"], first["total"]) == (D(3), D(100000) + D(220000))
        assert (first["dailyChangeAmount"], first["dailyChangePercentage"]) == (D(10000), D("10.00"))
        assert first["average"] == D("106666.67")
        assert not any(isinstance(v, str) for b in bars for k, v in b.items() if k != "pair")


def test_ohlcs_never_show_rows_from_the_future_and_honour_from_to() -> None:
    with simulator(rows=ROWS) as sim:
        [only] = body(sim.http.get("/v1/ohlcs", params={"pair": "BTCTRY"}))
        assert (only["open"], only["close"], only["volume"]) == (D(100000), D(100000), D(1))
        _all_replayed(sim)
        later = body(sim.http.get("/v1/ohlcs", params={"pair": "BTCTRY", "from": _wall_s(1)}))
        assert [b["time"] for b in later] == [_wall_s(1), _wall_s(2)]
        early = body(sim.http.get("/v1/ohlcs", params={"pair": "BTCTRY", "to": _wall_s(1) - 1}))
        assert [b["time"] for b in early] == [_wall_s(0)]
        assert body(sim.http.get("/v1/ohlcs", params={"pair": "NOPE"})) == []


def test_klines_are_tradingview_udf_in_seconds() -> None:
    with simulator(rows=ROWS) as sim:
        _all_replayed(sim)
        params = {"symbol": "BTCTRY", "resolution": "720", "from": 0, "to": 2_000_000_000}
        bars = body(sim.http.get("/v1/klines/history", params=params))
        assert bars["s"] == "ok" and set(bars) == {"s", "t", "o", "h", "l", "c", "v"}
        assert bars["t"] == [(WALL_START + i * WALL_DAY_MS // 2) // 1000 for i in range(6)]
        assert bars["c"] == [D(f"{p}000") for p in PRICES]
        assert bars["v"] == [D(i + 1) for i in range(6)]
        daily = body(sim.http.get("/v1/klines/history", params=params | {"resolution": "1D"}))
        assert daily["t"] == [_wall_s(0), _wall_s(1), _wall_s(2)]
        assert (daily["o"], daily["h"], daily["l"]) == (
            [D(100000), D(90000), D(120000)],
            [D(110000), D(95000), D(130000)],
            [D(100000), D(90000), D(120000)],
        )
        default_window = body(
            sim.http.get("/v1/klines/history", params={"symbol": "BTC_TRY", "resolution": "1D"})
        )
        assert default_window["t"] == daily["t"]


def test_klines_no_data_and_errors() -> None:
    with simulator(rows=ROWS) as sim:
        empty = {"symbol": "BTCTRY", "resolution": "60", "from": 0, "to": _wall_s(0) - 1}
        assert body(sim.http.get("/v1/klines/history", params=empty)) == {"s": "no_data"}
        unknown = {"symbol": "XYZTRY", "resolution": "60"}
        assert body(sim.http.get("/v1/klines/history", params=unknown)) == {"s": "no_data"}
        bad = sim.http.get("/v1/klines/history", params={"symbol": "BTCTRY", "resolution": "7 fortnights"})
        assert bad.status_code == 400 and body(bad)["s"] == "error"
