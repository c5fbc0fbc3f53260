"""Measuring the bot inside this process: settings from overrides alone, a stage run through the
real command path (`bot.app.commands.run_stage`), temporary attribute patches, and a timer that
charges each wrapped function only its own time (its wrapped callees are charged to them)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings, load_settings
from bot.cycle.portfolio.params import check_portfolio_settings


def settings_for(overrides: Mapping[str, str]) -> Settings:
    """The shipped defaults (no profile, no environment) with `overrides`, checked like `bot` does."""
    settings = load_settings(None, {}, dict(overrides)).settings
    check_portfolio_settings(settings)
    return settings


def run_stage_in_process(settings: Settings, stage: str, cycles: int) -> int:
    """`bot <stage> --loop --max-cycles N` as the CLI runs it, in this process; returns cycles run."""
    from bot.app import commands

    outcome = commands.run_stage(
        settings, stage, loop=True, max_cycles=cycles, cycle_seconds=settings.loop.cycle_seconds
    )
    return outcome.cycles.cycles


@contextmanager
def patch_attr(owner: object, name: str, value: object) -> Iterator[None]:
    """Set `owner.name` for the block; restores the original (a class's own descriptor included)."""
    own = vars(owner) if hasattr(owner, "__dict__") else {}
    original = own[name] if name in own else getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, original)


@dataclass(slots=True)
class _Frame:
    name: str
    started: float
    children_s: float = 0.0


@dataclass(slots=True)
class ExclusiveTimer:
    """Seconds and calls per name, each call charged only its own time: a wrapped call inside
    another wrapped call is subtracted from the outer one. Single-threaded use."""

    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    _stack: list[_Frame] = field(default_factory=list)

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            frame = _Frame(name, time.perf_counter())
            self._stack.append(frame)
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - frame.started
                self._stack.pop()
                if self._stack:
                    self._stack[-1].children_s += elapsed
                self.seconds[name] = self.seconds.get(name, 0.0) + elapsed - frame.children_s
                self.calls[name] = self.calls.get(name, 0) + 1

        return timed

    def patch(self, stack: ExitStack, owner: object, attribute: str, name: str) -> None:
        """Wrap `owner.attribute` for the life of `stack`, charging it to `name`."""
        own = vars(owner) if hasattr(owner, "__dict__") else {}
        current = own.get(attribute, getattr(owner, attribute))
        if isinstance(current, staticmethod | classmethod):
            raise TypeError(f"{attribute}: wrap the function, not a {type(current).__name__}")
        stack.enter_context(patch_attr(owner, attribute, self.wrap(name, current)))
