"""Money settings are amounts of capital.quote_asset, and they say so (schema, `config show`)."""

from __future__ import annotations

import json

from bot.config import Settings, leaf_fields, load_settings, render_settings
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
