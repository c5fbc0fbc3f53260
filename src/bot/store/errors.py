"""The store's exception tree: everything it raises on purpose is a `StoreError`."""

from __future__ import annotations


class StoreError(Exception):
    """The ledger cannot be opened, read or written as asked. The message says what and where."""


class DatabaseTooNew(StoreError):
    """The ledger file was written by a newer bot (its schema version is above what this code knows)."""
