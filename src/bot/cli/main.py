"""The `bot` command line.

Exit codes: 0 success; 1 the command ran and found a problem (e.g. ledger verify failed);
2 bad usage or configuration; 3 another instance holds the ledger (or took it over: fencing);
4 the ledger cannot be used or trusted (runbooks/ledger-refused-at-start.md); 5 the exchange
refused the API keys; 130 `bot drill run` interrupted by a signal (no verdict).
"""

from __future__ import annotations

import click

from bot.cli.backtest import backtest
from bot.cli.capture import replay_capture, replay_download
from bot.cli.doctor import doctor
from bot.cli.drill import drill
from bot.cli.kill_switch import kill_switch
from bot.cli.ledger import ledger
from bot.cli.orders import orders
from bot.cli.parity import parity
from bot.cli.replay import replay_import, replay_init
from bot.cli.run import run, stage4_run, stage7_run
from bot.cli.settings import config
from bot.cli.sim import exchange_sim


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bot")
def cli() -> None:
    """bot: a staged spot-trading daemon for BTCTurk (paper by default)."""


cli.add_command(run)
cli.add_command(stage4_run)
cli.add_command(stage7_run)
cli.add_command(config)
cli.add_command(ledger)
cli.add_command(doctor)
cli.add_command(backtest)
cli.add_command(drill)
cli.add_command(orders)
cli.add_command(parity)
cli.add_command(kill_switch)
cli.add_command(exchange_sim)
cli.add_command(replay_init)
cli.add_command(replay_import)
cli.add_command(replay_download)
cli.add_command(replay_capture)


def main() -> None:
    cli(prog_name="bot")
