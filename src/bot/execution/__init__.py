"""Execution: the only writer of order-state transitions and the only caller of side effects."""
