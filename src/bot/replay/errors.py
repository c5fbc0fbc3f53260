"""The one error a replay dataset raises when it cannot be read, written or imported."""

from __future__ import annotations

from pathlib import Path

QUOTE_LIMIT = 200  # characters of the input a message quotes, at most


def quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """`text` for an error message: whole when short, else its first `limit` characters and how
    many more there were (a one-line file of 775 KB must not become a 775 KB message)."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text) - limit:,} more characters)"


class DatasetError(ValueError):
    """A dataset (or a file being imported into one) is malformed.

    The message always names the file, the line when there is one (1-based, the header is
    line 1), what is wrong and how to fix it, e.g.
    ``replays/x/BTCTRY.csv:17: bid 101 is above ask 100. Fix: ...``.
    """

    def __init__(self, path: Path | str, problem: str, fix: str, *, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        self.fix = fix
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {problem}. Fix: {fix}")
