"""The one exception the config package raises."""

from __future__ import annotations

from collections.abc import Iterable


class ConfigError(Exception):
    """The configuration cannot be used. `problems` lists every issue found, each naming the key
    (dotted, e.g. `risk.max_orders_per_cycle`), where the value came from, and the fix."""

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems = (problems,) if isinstance(problems, str) else tuple(problems)
        if len(self.problems) == 1:
            message = f"invalid configuration: {self.problems[0]}"
        else:
            listed = "\n".join(f"  - {p}" for p in self.problems)
            message = f"invalid configuration ({len(self.problems)} problems):\n{listed}"
        super().__init__(message)
