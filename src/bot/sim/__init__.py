"""A BTCTurk-compatible exchange simulator served on loopback (`bot exchange-sim`).

It replays a dataset through the shared MatchingEngine and answers the REST protocol of
docs/btcturk-protocol.md §1-10: public v2 market data, signed v1 account endpoints, graph-api
candles, and unauthenticated loopback-only `/_sim/state`, `/_sim/freeze` and `/_sim/faults` for
tests. Faults (latency, 429s and real rate limits, 5xx, lost and dropped submits, hidden orders,
frozen feed, clock skew, malformed bodies) follow a seeded `FaultProfile`.
"""

from bot.sim.config import SimAccount, SimConfig, SimConfigError, SimFees, load_sim_config
from bot.sim.exchange import SimExchange
from bot.sim.fault_profile import FaultProfile, FaultProfileError, apply_assignments, load_fault_profile
from bot.sim.market_clock import MarketClock
from bot.sim.server import WallClock, build_app, running_simulator, serve

__all__ = [
    "FaultProfile",
    "FaultProfileError",
    "MarketClock",
    "SimAccount",
    "SimConfig",
    "SimConfigError",
    "SimExchange",
    "SimFees",
    "WallClock",
    "apply_assignments",
    "build_app",
    "load_fault_profile",
    "load_sim_config",
    "running_simulator",
    "serve",
]
