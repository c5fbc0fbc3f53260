"""Strategies: pure functions from snapshots and params to order intents."""
