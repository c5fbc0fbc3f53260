"""Turning known failures into one clear line on stderr and an exit code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click


@contextmanager
def exit_on_known_errors() -> Iterator[None]:
    try:
        yield
    except Exception as error:
        from bot.app.errors import EXIT_CODES, classify

        kind = classify(error)
        if kind is None:
            raise
        click.echo(f"error: {error}", err=True)
        raise SystemExit(EXIT_CODES[kind]) from None
