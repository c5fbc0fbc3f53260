"""bot: a staged spot-trading daemon for BTCTurk with an append-only SQLite ledger."""

__version__ = "0.1.0"
