"""`bot exchange-sim --env-file`: the BOT_* lines a bot needs to trade against the simulator, which
the bot accepts as they are (the manual path is two commands)."""

from __future__ import annotations

from pathlib import Path

from bot.app.simulator import bot_env_lines
from bot.config import load_settings
from bot.sim.config import SimAccount, SimConfig, load_sim_config

REPO = Path(__file__).resolve().parents[3]


def env(lines: list[str]) -> dict[str, str]:
    return dict(line.split("=", 1) for line in lines if not line.startswith("#"))


def test_with_an_account_the_bot_trades_on_it_with_its_keys():
    config = load_sim_config(REPO / "configs" / "simulator" / "exchange-sim.toml")
    settings = load_settings(None, env(bot_env_lines(config, "127.0.0.1", 4321))).settings
    assert settings.mode == "paper" and settings.exchange.adapter == "btcturk"
    assert settings.exchange.base_url == settings.exchange.graph_base_url == "http://127.0.0.1:4321"
    assert settings.market_data.feed == "websocket" and settings.market_data.ws_url == "ws://127.0.0.1:4321/"
    assert settings.exchange.api_key is not None
    assert settings.exchange.api_key.get_secret_value() == config.accounts[0].api_key


def test_without_an_account_the_bot_keeps_a_paper_account_on_its_prices():
    lines = bot_env_lines(SimConfig(), "127.0.0.1", 4321)
    settings = load_settings(None, env(lines)).settings
    assert settings.exchange.adapter == "paper" and settings.exchange.api_key is None
    assert settings.market_data.source == "exchange"


def test_only_the_first_account_is_written():
    accounts = (
        SimAccount(api_key="a", api_secret="c2VjcmV0"),
        SimAccount(api_key="b", api_secret="c2VjcmV0"),
    )
    assert "BOT_EXCHANGE__API_KEY=a" in bot_env_lines(SimConfig(accounts=accounts), "127.0.0.1", 1)
