"""Tracing: a no-op by default, JSON spans on the given stream for "console"."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from bot.obs import configure_tracing, shutdown_tracing, span


def test_none_is_a_no_op() -> None:
    configure_tracing("none")
    with span("cycle", stage="stage3") as current:
        assert not current.is_recording()


def test_console_exports_spans_with_attributes() -> None:
    out = io.StringIO()
    configure_tracing("console", stream=out)
    try:
        with span("cycle", stage="stage3", notional=Decimal("12.50"), symbols=["BTCTRY"]), span("act"):
            pass
    finally:
        shutdown_tracing()
    text = out.getvalue()
    assert '"name": "cycle"' in text and '"name": "act"' in text
    assert '"notional": "12.50"' in text


def test_unknown_kind_refused() -> None:
    with pytest.raises(ValueError, match="unknown tracing kind"):
        configure_tracing("zipkin")  # type: ignore[arg-type]
