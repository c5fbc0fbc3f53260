"""The matching engine: a pure, deterministic market model shared by paper trading and the simulator."""

from bot.exchange.matching.book import price_step, synthetic_levels, synthetic_sides
from bot.exchange.matching.engine import MatchingEngine
from bot.exchange.matching.types import (
    REJECT_CODES,
    EngineOrder,
    EngineReject,
    EngineTrade,
    FeeSchedule,
    RejectToken,
)

__all__ = [
    "REJECT_CODES",
    "EngineOrder",
    "EngineReject",
    "EngineTrade",
    "FeeSchedule",
    "MatchingEngine",
    "RejectToken",
    "price_step",
    "synthetic_levels",
    "synthetic_sides",
]
