from __future__ import annotations

import itertools
import math
import statistics
from decimal import Decimal
from pathlib import Path

import pytest
from replay_builders import REPO_ROOT

from bot.domain.dataset import Dataset, MarketRow
from bot.replay import DEFAULT_PAIRS, generate, init_synthetic, load_dataset, open_dataset, read_manifest
from bot.replay.synthetic import resolve_specs
from bot.replay.validation import fits_scale

BUNDLED = REPO_ROOT / "replays" / "synthetic"


@pytest.fixture(scope="module")
def week() -> Dataset:
    return generate(DEFAULT_PAIRS, 5_000, 60_000, seed=11)


def _mid(row: MarketRow) -> Decimal:
    return (row.bid + row.ask) / 2


def _log_returns(rows: tuple[MarketRow, ...]) -> list[float]:
    # Floats are fine here: this is a statistic about the data, not a price.
    return [math.log(_mid(later) / _mid(earlier)) for earlier, later in itertools.pairwise(rows)]


def _spread_bps(row: MarketRow) -> float:
    return float((row.ask - row.bid) / _mid(row) * 10_000)


def test_the_same_seed_gives_the_same_data() -> None:
    first = generate(DEFAULT_PAIRS, 300, 60_000, seed=3)
    again = generate(DEFAULT_PAIRS, 300, 60_000, seed=3)
    other = generate(DEFAULT_PAIRS, 300, 60_000, seed=4)

    assert first == again
    assert first.rows["BTCTRY"] != other.rows["BTCTRY"]


def test_rows_follow_every_rule_of_their_pair(week: Dataset) -> None:
    for symbol, rows in week.rows.items():
        rules = week.pairs[symbol]
        assert [row.ts_ms for row in rows] == [week.start_ms + i * 60_000 for i in range(5_000)]
        for row in rows:
            assert 0 < row.bid < row.ask
            assert row.last in (row.bid, row.ask)
            for price in (row.bid, row.ask):
                assert fits_scale(price, rules.price_scale)
                assert price % rules.tick_size == 0
                assert rules.min_price <= price <= rules.max_price
            for quantity in (row.bid_qty, row.ask_qty, row.volume):
                assert fits_scale(quantity, rules.quantity_scale)
            assert row.bid_qty > 0 and row.ask_qty > 0 and row.volume >= 0
            assert rules.notional(row.bid, row.bid_qty) >= rules.min_notional


def test_spreads_are_plausible_and_vary(week: Dataset) -> None:
    for symbol, spec in DEFAULT_PAIRS.items():
        spreads = [_spread_bps(row) for row in week.rows[symbol]]
        base = float(spec.base_spread_bps)
        assert min(spreads) >= base * 0.5
        assert max(spreads) <= base * 20 + 1  # plus at most a tick of rounding on each side
        assert base * 0.6 <= statistics.median(spreads) <= base * 2
        assert max(spreads) > 3 * min(spreads)


def test_volatility_is_crypto_like_and_clusters(week: Dataset) -> None:
    for symbol, spec in DEFAULT_PAIRS.items():
        returns = _log_returns(week.rows[symbol])
        typical = float(spec.minute_volatility_ratio)
        assert typical * 0.5 < statistics.pstdev(returns) < typical * 3
        absolute = [abs(value) for value in returns]
        assert statistics.correlation(absolute[:-1], absolute[1:]) > 0.1  # calm follows calm, storms storms


def test_pairs_move_with_a_common_factor(week: Dataset) -> None:
    btc = _log_returns(week.rows["BTCTRY"])
    eth = _log_returns(week.rows["ETHTRY"])
    xrp = _log_returns(week.rows["XRPTRY"])

    assert statistics.correlation(btc, eth) > 0.5
    assert 0.2 < statistics.correlation(btc, xrp) < statistics.correlation(btc, eth)


def test_book_quantities_and_volumes_vary(week: Dataset) -> None:
    rows = week.rows["ETHTRY"]
    assert len({row.bid_qty for row in rows}) > 1_000
    assert len({row.volume for row in rows}) > 1_000
    assert statistics.median(float(row.volume) for row in rows) > 1


def test_sub_minute_steps_scale_volatility_down() -> None:
    dataset = generate({"BTCTRY": DEFAULT_PAIRS["BTCTRY"]}, 2_000, 1_000, seed=5)

    returns = _log_returns(dataset.rows["BTCTRY"])

    assert statistics.pstdev(returns) < 0.0009 / 2


def test_unknown_default_symbol_and_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="no default synthetic spec for 'DOGETRY'"):
        resolve_specs(["BTCTRY", "DOGETRY"])
    with pytest.raises(ValueError, match="must be positive"):
        generate(DEFAULT_PAIRS, 0, 60_000, seed=1)
    with pytest.raises(ValueError, match="is given the spec of BTCTRY"):
        generate({"ETHTRY": DEFAULT_PAIRS["BTCTRY"]}, 10, 60_000, seed=1)


def test_init_synthetic_writes_a_loadable_dataset(tmp_path: Path) -> None:
    written = init_synthetic(tmp_path / "out", seed=2, steps=50, symbols=["XRPTRY"])

    assert load_dataset(tmp_path / "out") == generate({"XRPTRY": DEFAULT_PAIRS["XRPTRY"]}, 50, 60_000, seed=2)
    assert written == open_dataset(tmp_path / "out")  # what it returns is the dataset on disk
    assert read_manifest(tmp_path / "out").source.endswith(
        "seed=2 steps=50 step_ms=60000 start_ms=1704067200000"
    )


def test_bundled_dataset_loads() -> None:
    dataset = load_dataset(BUNDLED)

    assert dataset.symbols == ("BTCTRY", "ETHTRY", "XRPTRY")
    assert dataset.step_ms == 60_000
    assert all(len(rows) == 1_440 for rows in dataset.rows.values())
    assert sum(path.stat().st_size for path in BUNDLED.iterdir()) < 500_000


def test_bundled_dataset_is_exactly_what_the_generator_makes(tmp_path: Path) -> None:
    init_synthetic(tmp_path, seed=7, steps=1_440, step_ms=60_000)

    bundled = sorted(path.name for path in BUNDLED.iterdir())
    assert bundled == sorted(path.name for path in tmp_path.iterdir())
    for name in bundled:
        assert (tmp_path / name).read_bytes() == (BUNDLED / name).read_bytes(), (
            f"replays/synthetic/{name} differs from the generator's output; if the change is intended, "
            "regenerate it (see replays/README.md)"
        )
