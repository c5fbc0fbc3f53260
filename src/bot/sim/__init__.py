"""A BTCTurk-compatible exchange simulator served on loopback (`bot exchange-sim`).

It replays a dataset through the shared MatchingEngine and answers the REST protocol of
docs/btcturk-protocol.md §1-10: public v2 market data, signed v1 account endpoints, and an
unauthenticated loopback-only `/_sim/state` ledger for tests.
"""

from bot.sim.config import SimAccount, SimConfig, SimConfigError, SimFees, load_sim_config
from bot.sim.exchange import SimExchange
from bot.sim.market_clock import MarketClock
from bot.sim.server import WallClock, build_app, running_simulator, serve

__all__ = [
    "MarketClock",
    "SimAccount",
    "SimConfig",
    "SimConfigError",
    "SimExchange",
    "SimFees",
    "WallClock",
    "build_app",
    "load_sim_config",
    "running_simulator",
    "serve",
]
