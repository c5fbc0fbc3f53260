-- 0001: the event log and its projections (docs/adr/0001-ledger-events.md).
-- Money, prices and quantities are canonical decimal TEXT (bot.domain.money.canonical), never REAL;
-- STRICT tables make SQLite refuse any other storage class.

CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    ts_ms INTEGER NOT NULL,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
) STRICT;

CREATE INDEX events_type ON events (type);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: UPDATE refused');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: DELETE refused');
END;

CREATE TABLE orders (
    client_order_id TEXT PRIMARY KEY,
    exchange_order_id TEXT,
    cycle_id INTEGER NOT NULL,
    symbol TEXT NOT NULL,
    side TEXT NOT NULL,
    price TEXT NOT NULL,
    quantity TEXT NOT NULL,
    filled_quantity TEXT NOT NULL,
    status TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    last_error TEXT
) STRICT;

CREATE INDEX orders_status ON orders (status);
CREATE INDEX orders_exchange_order_id ON orders (exchange_order_id);
CREATE INDEX orders_symbol_side_created ON orders (symbol, side, created_ms);

CREATE TABLE fills (
    trade_id TEXT PRIMARY KEY,
    client_order_id TEXT,
    exchange_order_id TEXT NOT NULL,
    symbol TEXT NOT NULL,
    side TEXT NOT NULL,
    price TEXT NOT NULL,
    quantity TEXT NOT NULL,
    fee TEXT NOT NULL,
    tax TEXT NOT NULL,
    fee_asset TEXT NOT NULL,
    ts_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX fills_client_order_id ON fills (client_order_id);

CREATE TABLE balances (
    asset TEXT PRIMARY KEY,
    total TEXT NOT NULL
) STRICT;

CREATE TABLE positions (
    symbol TEXT PRIMARY KEY,
    quantity TEXT NOT NULL,
    average_cost TEXT NOT NULL,
    realized_pnl TEXT NOT NULL,
    fees_paid TEXT NOT NULL
) STRICT;

CREATE TABLE cycles (
    cycle_id INTEGER PRIMARY KEY,
    stage TEXT,
    mode TEXT,
    started_ms INTEGER,
    completed_ms INTEGER,
    duration_ms INTEGER,
    status TEXT NOT NULL,
    counters TEXT,
    max_data_age_ms INTEGER
) STRICT;

CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    cycle_id INTEGER NOT NULL,
    ts_ms INTEGER NOT NULL,
    action_key TEXT NOT NULL,
    symbol TEXT NOT NULL,
    side TEXT,
    kind TEXT NOT NULL,
    verdict TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    layer TEXT NOT NULL,
    price TEXT,
    requested_quantity TEXT,
    final_quantity TEXT,
    client_order_id TEXT,
    rationale TEXT NOT NULL,
    details TEXT NOT NULL,
    UNIQUE (cycle_id, action_key)
) STRICT;

CREATE TABLE state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_ms INTEGER NOT NULL
) STRICT;
