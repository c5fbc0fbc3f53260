"""Log lines a pure function decides on and its shell emits, after the events they tell of are committed."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Notice:
    """One log line: `level` is a `logging` level, `fields` the structured context."""

    level: int
    message: str
    fields: Mapping[str, object] = field(default_factory=dict)


def emit(log: logging.Logger, notices: Iterable[Notice]) -> None:
    for notice in notices:
        if notice.fields:
            log.log(notice.level, notice.message, extra={"fields": dict(notice.fields)})
        else:
            log.log(notice.level, notice.message)
