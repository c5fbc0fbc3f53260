"""Stages 4 and 7: every configuration the loader accepts builds their parameters; the rest is a
configuration error naming the keys, never a crash at the first cycle."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.config.translate import leaf_fields
from bot.cycle.portfolio.params import check_portfolio_settings, portfolio_params

SECTIONS = ("universe", "risk", "selection", "portfolio", "portfolio_risk", "budget", "anomaly")
SECTIONS += ("self_financing", "accounting", "kill_switch")
EDGES = ("0", "0.5", "1", "2", "100000", "999999999")


def loaded(env: dict[str, str]):
    return load_settings(None, env, {}).settings


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("BUDGET__DRAWDOWN_REDUCE_RATIO", "0.5", "budget.drawdown_reduce_ratio > budget.drawdown_observe"),
        ("ANOMALY__CLOCK_SKEW_MS_TO_REDUCE", "20000", "anomaly.clock_skew_ms_to_reduce > anomaly.clock_"),
        ("ANOMALY__STALE_CYCLES_TO_OBSERVE", "30", "anomaly.stale_cycles_to_observe > anomaly.window_cycles"),
        ("PORTFOLIO__REPLACE_DRIFT_BPS", "4", "portfolio.replace_drift_bps (4) must exceed portfolio.limit_"),
    ],
)
def test_a_rule_across_a_sections_keys_names_them(key: str, value: str, named: str) -> None:
    with pytest.raises(ConfigError) as error:
        loaded({f"BOT_{key}": value})
    assert named in str(error.value)


def test_every_accepted_edge_value_builds_the_stage_parameters() -> None:
    leaves = sorted(leaf for leaf in leaf_fields() if leaf.split(".")[0] in SECTIONS)
    assert len(leaves) > 60
    for leaf in leaves:
        for value in EDGES:
            try:
                settings = loaded({"BOT_" + leaf.upper().replace(".", "__"): value})
            except ConfigError:
                continue
            portfolio_params(settings)  # raises ValueError if the schema let an invalid value through


def test_parameters_the_schema_cannot_judge_become_a_configuration_error(monkeypatch) -> None:
    import bot.cycle.portfolio.params as module

    def refuse(settings):
        raise ValueError("drift_bps: must exceed limit_offset_bps (5), got 1")

    monkeypatch.setattr(module, "portfolio_params", refuse)
    with pytest.raises(ConfigError, match="the stage 4 and 7 settings are inconsistent: drift_bps"):
        check_portfolio_settings(loaded({}))
