"""Printing `scripts/bench` results: a header, the settings and compact tables per section, a
closing summary; or one JSON document. Uses rich when it is installed, plain text otherwise."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from bench_common import SectionResult, Table


class Report:
    """Writes to stdout as each section finishes (progress goes to stderr)."""

    def __init__(self) -> None:
        self._console: Any = None
        try:
            from rich.console import Console

            self._console = Console(width=None if sys.stdout.isatty() else 160, highlight=False)
        except ImportError:
            self._console = None

    def header(self, context: Mapping[str, object]) -> None:
        self._rule("scripts/bench")
        for key, value in context.items():
            self.line(f"{key:<18} {value}")

    def section(self, result: SectionResult) -> None:
        self._rule(f"{result.name}: {result.title}")
        if result.error is not None:
            self.line(f"FAILED: {result.error}")
            return
        for key, value in result.settings.items():
            self.line(f"{key:<18} {value}")
        for table in result.tables:
            self.table(table)
        for note in result.notes:
            self.line(note)

    def summary(self, results: Sequence[SectionResult]) -> None:
        rows: list[tuple[str, ...]] = []
        for result in results:
            if result.error is not None:
                rows.append((result.name, "FAILED", result.error[:100]))
            rows.extend((result.name, figure, value) for figure, value in result.summary)
        self._rule("summary")
        self.table(Table(title="", columns=("section", "figure", "value"), rows=rows))

    def table(self, table: Table) -> None:
        if self._console is None:
            self._plain_table(table)
            return
        from rich import box
        from rich.table import Table as RichTable

        rich_table = RichTable(title=table.title or None, box=box.SIMPLE_HEAD, title_justify="left")
        for index, column in enumerate(table.columns):
            rich_table.add_column(column, justify="left" if index == 0 else "right")
        for row in table.rows:
            rich_table.add_row(*row)
        self._console.print(rich_table)

    def _plain_table(self, table: Table) -> None:
        cells = [table.columns, *table.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(table.columns))]
        if table.title:
            print(f"  {table.title}")
        for row in cells:
            print(
                "  "
                + "  ".join(
                    cell.rjust(w) if i else cell.ljust(w)
                    for i, (cell, w) in enumerate(zip(row, widths, strict=True))
                )
            )

    def _rule(self, title: str) -> None:
        if self._console is None:
            print(f"\n== {title} ==")
        else:
            self._console.rule(f"[bold]{title}", align="left")

    def line(self, text: str) -> None:
        if self._console is None:
            print(text)
        else:
            self._console.print(text, markup=False, soft_wrap=True)


def as_json(context: Mapping[str, object], results: Sequence[SectionResult]) -> str:
    document = {"context": dict(context), "sections": [asdict(result) for result in results]}
    return json.dumps(document, indent=2, default=str)
