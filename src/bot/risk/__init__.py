"""Risk: pure checks that turn intents into decisions (safety gate, policies, capital)."""
