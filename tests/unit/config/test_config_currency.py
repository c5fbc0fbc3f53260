"""Money settings are amounts of capital.quote_asset: they say so (schema, `config show`), the pairs
traded must be quoted in it, a paper account must start with some of it, and limits that exceed
that seed are warned about."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bot.config import ConfigError, Settings, leaf_fields, load_settings, render_settings
from bot.config.currency import seed_cautions
from bot.config.render import settings_document
from bot.config.values import in_quote_asset, quote_amount_keys

ETH_ACCOUNT = {
    "universe.symbols": "XRPETH",
    "capital.quote_asset": "ETH",
    "paper.seed_balances": "ETH=10",
    "selection.fallback": "XRPETH",
    "capital.cash_reserve_try": "1",
    "strategy.entry_notional_try": "0.5",
    "risk.max_notional_per_order_try": "1",
    "risk.max_notional_per_cycle_try": "2",
    "portfolio_risk.max_position_notional_try": "3",
    "portfolio_risk.max_exposure_try": "6",
    "self_financing.seed_capital_try": "5",
}


def problem(overrides: dict[str, object]) -> str:
    with pytest.raises(ConfigError) as e:
        load_settings(None, {}, overrides)
    assert len(e.value.problems) == 1, e.value.problems
    return e.value.problems[0]


def test_every_try_amount_is_marked_as_a_quote_amount_and_its_description_says_so():
    money = quote_amount_keys(Settings)
    assert set(money) == {key for key in leaf_fields() if key.endswith("_try")}
    assert len(money) == 9
    for key in money:
        info = leaf_fields()[key]
        assert in_quote_asset(info) and info.description, key
        assert info.description.endswith(", in capital.quote_asset"), key


def test_config_show_labels_each_money_setting_with_the_quote_currency():
    loaded = load_settings(None, {}, ETH_ACCOUNT)
    lines = {line.split(" = ", 1)[0]: line for line in render_settings(loaded).splitlines()}
    assert lines["capital.cash_reserve_try"].endswith("# 1 ETH; cli")
    assert lines["selection.min_volume_try"].endswith("# 0 ETH; default")
    assert lines["capital.quote_asset"].endswith("# cli")  # not an amount: no currency
    shown = json.loads(json.dumps(settings_document(loaded)))["settings"]
    assert shown["risk.max_notional_per_order_try"] == {"value": "1", "source": "cli", "currency": "ETH"}
    assert "currency" not in shown["risk.max_orders_per_cycle"]


def test_pairs_quoted_in_another_currency_are_one_problem_naming_every_key_to_change():
    message = problem({"universe.symbols": "XRPETH"})
    assert message.startswith(
        "universe.symbols XRPETH is quoted in ETH but capital.quote_asset is TRY and"
        " paper.seed_balances holds no ETH: set capital.quote_asset=ETH, paper.seed_balances=ETH=<amount>,"
        " selection.fallback=XRPETH and re-state in ETH the amounts written in TRY: "
    )
    for key in ("capital.cash_reserve_try (1000)", "risk.max_notional_per_order_try (2000)"):
        assert key in message
    assert "selection.min_volume_try" not in message  # 0 is 0 in any currency
    seeded = problem({"universe.symbols": "XRPETH", "paper.seed_balances": "ETH=10"})
    assert "holds no ETH" not in seeded and "set capital.quote_asset=ETH, selection.fallback" in seeded


def test_pairs_in_several_currencies_are_refused():
    message = problem({"universe.symbols": "BTCTRY,XRPETH,FOO"})
    assert message.startswith("universe.symbols: XRPETH is quoted in ETH; FOO does not end with TRY;")
    assert "a run trades in capital.quote_asset (TRY) only" in message


def test_a_fallback_quoted_elsewhere_is_refused():
    message = problem({"selection.fallback": "XRPETH"})
    assert message.startswith("selection.fallback XRPETH is not quoted in capital.quote_asset (TRY)")


@pytest.mark.parametrize("seed", ["BTC=1", "TRY=0,BTC=1"])
def test_a_paper_seed_without_the_quote_currency_is_refused(seed: str):
    message = problem({"paper.seed_balances": seed})
    assert message.startswith("paper.seed_balances holds no TRY")
    assert "--set paper.seed_balances=TRY=100000" in message


def test_a_reserve_that_leaves_nothing_to_trade_is_refused():
    message = problem({"paper.seed_balances": "TRY=1000"})
    assert message == (
        "capital.cash_reserve_try (1000 TRY) is at least the paper account's seed (paper.seed_balances"
        " TRY = 1000): the reserve leaves nothing to trade; lower it below 1000 or raise the seed"
    )
    below = load_settings(None, {}, {"paper.seed_balances": "TRY=1000.01"}).settings
    assert below.paper.seed_balances["TRY"] == Decimal("1000.01")


def test_the_seed_is_not_checked_for_an_exchange_account():
    against_simulator = {
        "exchange.adapter": "btcturk",
        "exchange.base_url": "http://127.0.0.1:1",
        "market_data.source": "exchange",
        "paper.seed_balances": "BTC=1",
    }
    settings = load_settings(None, {}, against_simulator).settings
    assert seed_cautions(settings) == []


def test_an_eth_account_with_amounts_in_eth_loads_without_cautions():
    assert seed_cautions(load_settings(None, {}, ETH_ACCOUNT).settings) == []


def test_limits_above_the_whole_seed_are_a_caution_naming_them():
    settings = load_settings(None, {}, {**ETH_ACCOUNT, "risk.max_notional_per_order_try": "2000",
                                        "risk.max_notional_per_cycle_try": "5000"}).settings  # fmt: skip
    [caution] = seed_cautions(settings)
    assert caution.startswith(
        "risk.max_notional_per_order_try (2000 ETH) is above the paper account's whole seed of 10 ETH"
    )
    assert "capital.quote_asset (ETH)" in caution
    assert seed_cautions(load_settings(None, {}).settings) == []  # the defaults fit 100000 TRY
