"""Click commands only: parse, call app, print, choose the exit code.

A command imports what it calls in its body: `bot --help` loads click and these modules only, and
each command loads only its own part of the bot (a paper run no simulator, `ledger show` no
HTTP or metrics stack)."""
