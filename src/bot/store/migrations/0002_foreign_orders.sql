-- 0002: open orders on the account that this ledger did not place (ForeignOrderSeen / ForeignOrderGone).
-- A row stays after the order is gone (gone_ms set): the log of what was seen beside the bot.

CREATE TABLE foreign_orders (
    exchange_order_id TEXT PRIMARY KEY,
    client_order_id TEXT,
    symbol TEXT NOT NULL,
    side TEXT NOT NULL,
    price TEXT NOT NULL,
    quantity TEXT NOT NULL,
    seen_ms INTEGER NOT NULL,
    gone_ms INTEGER
) STRICT;

CREATE INDEX foreign_orders_open ON foreign_orders (gone_ms);
