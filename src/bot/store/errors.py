"""The store's exception tree: everything it raises on purpose is a `StoreError`."""

from __future__ import annotations


class StoreError(Exception):
    """The ledger cannot be opened, read or written as asked. The message says what and where."""


class DatabaseTooNew(StoreError):
    """The ledger file was written by a newer bot (its schema version is above what this code knows)."""


class LedgerRefused(StoreError):
    """The ledger exists but cannot be trusted or used: empty, damaged, rolled back, tampered with.

    Nothing was written. The message names the first problem and the command to inspect it.
    """


class LedgerBehindExchange(StoreError):
    """The exchange holds orders or trades this bot placed that the ledger does not know."""


class FencingLost(StoreError):
    """Another process took the ledger over (a newer fencing token); this one must stop writing."""
