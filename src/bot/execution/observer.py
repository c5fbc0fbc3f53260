"""What execution reports as it goes. The app adapts this to metrics; tests record it."""

from __future__ import annotations

from typing import Protocol


class ExecutionObserver(Protocol):
    def order_submitted(self, symbol: str, side: str) -> None: ...

    def order_filled(self, symbol: str, side: str) -> None: ...

    def order_canceled(self, symbol: str, reason: str) -> None: ...

    def submit_uncertain(self) -> None: ...

    def exchange_error(self, endpoint: str, error_class: str) -> None: ...


class NullObserver:
    def order_submitted(self, symbol: str, side: str) -> None:
        pass

    def order_filled(self, symbol: str, side: str) -> None:
        pass

    def order_canceled(self, symbol: str, reason: str) -> None:
        pass

    def submit_uncertain(self) -> None:
        pass

    def exchange_error(self, endpoint: str, error_class: str) -> None:
        pass
