"""Keys of the ledger's `state` table that the composition writes and the operator's commands read,
in a module light enough for `bot ledger show` (which must not load the runtime)."""

LEDGER_ID_KEY = "ledger.id"  # this ledger's id: the second part of every client order id it makes
REPLAY_CLOCK_KEY = "replay.clock_ms"  # a replay's dataset time, so a restart resumes there
