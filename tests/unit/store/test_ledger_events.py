"""Typed ledger events: every class writes a payload its own decoder reads back unchanged, the
stored text of each is pinned (ledgers written before must still read), and a bad field is
refused by name."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.orders import Fill, Side
from bot.store.errors import StoreError
from bot.store.ledger_events import (
    EVENT_CLASSES,
    BalanceDriftChanged,
    BalancesSeeded,
    CycleCompleted,
    CycleStarted,
    DecisionRecorded,
    ForeignOrderGone,
    ForeignOrderSeen,
    KillSwitchChanged,
    LedgerChecked,
    LedgerEvent,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRequested,
    OrderFilled,
    OrderMarkedUnknown,
    OrderMissingOnExchange,
    OrderRejected,
    OrderSubmitRequested,
    OrderSubmitUncertain,
    RiskModeChanged,
    StateChanged,
    StatePatched,
    UniverseChanged,
    decode,
    from_mapping,
)
from bot.store.payloads import dumps, loads

T = 1_700_000_000_000
FILL = Fill(
    trade_id="t-1",
    exchange_order_id="ex-1",
    client_order_id="b3-x-1-0",
    symbol="BTCTRY",
    side=Side.BUY,
    price=Decimal("1400000.50"),
    quantity=Decimal("0.00100"),
    fee=Decimal("0.126"),
    tax=Decimal("0"),
    fee_asset="TRY",
    ts_ms=T,
)

# One of each, with every optional field both set and unset somewhere, and the stored text pinned:
# a change to a key or a format breaks the ledgers already written, so it must fail here first.
EXAMPLES: list[tuple[LedgerEvent, str]] = [
    (
        BalancesSeeded(balances={"TRY": Decimal("10000.0"), "BTC": Decimal("0.5")}, ts_ms=T),
        '{"balances":{"BTC":"0.5","TRY":"10000"},"ts_ms":1700000000000}',
    ),
    (
        CycleStarted(cycle_id=7, stage="stage7", mode="paper", ts_ms=T),
        '{"cycle_id":7,"mode":"paper","stage":"stage7","ts_ms":1700000000000}',
    ),
    (
        CycleCompleted(
            cycle_id=7, status="ok", duration_ms=3, counters={"intents": 2}, max_data_age_ms=None, ts_ms=T
        ),
        '{"counters":{"intents":2},"cycle_id":7,"duration_ms":3,"max_data_age_ms":null,"status":"ok",'
        '"ts_ms":1700000000000}',
    ),
    (
        DecisionRecorded(
            cycle_id=7,
            action_key="0",
            symbol="BTCTRY",
            side="buy",
            kind="submit",
            verdict="approved",
            reason_code="OK",
            layer="risk",
            price=Decimal("1400000"),
            requested_quantity=Decimal("0.002"),
            final_quantity=Decimal("0.001"),
            client_order_id="b3-x-7-0",
            rationale="trend",
            details={"cap": Decimal("1.50"), "why": ["a", "b"]},
            ts_ms=T,
        ),
        '{"action_key":"0","client_order_id":"b3-x-7-0","cycle_id":7,"details":{"cap":"1.5","why":["a","b"]},'
        '"final_quantity":"0.001","kind":"submit","layer":"risk","price":"1400000","rationale":"trend",'
        '"reason_code":"OK","requested_quantity":"0.002","side":"buy","symbol":"BTCTRY","ts_ms":1700000000000,'
        '"verdict":"approved"}',
    ),
    (
        OrderSubmitRequested(
            client_order_id="b3-x-7-0",
            cycle_id=7,
            symbol="BTCTRY",
            side=Side.SELL,
            price=Decimal("1400000"),
            quantity=Decimal("0.001"),
            ts_ms=T,
        ),
        '{"client_order_id":"b3-x-7-0","cycle_id":7,"price":"1400000","quantity":"0.001","side":"sell",'
        '"symbol":"BTCTRY","ts_ms":1700000000000}',
    ),
    (
        OrderAccepted(client_order_id="c", exchange_order_id="e", ts_ms=T),
        '{"client_order_id":"c","exchange_order_id":"e","ts_ms":1700000000000}',
    ),
    (
        OrderRejected(client_order_id="c", code=1122, message="BALANCE_NOT_ENOUGH", ts_ms=T),
        '{"client_order_id":"c","code":1122,"message":"BALANCE_NOT_ENOUGH","ts_ms":1700000000000}',
    ),
    (
        OrderSubmitUncertain(client_order_id="c", message="timeout", ts_ms=T),
        '{"client_order_id":"c","message":"timeout","ts_ms":1700000000000}',
    ),
    (
        OrderMarkedUnknown(client_order_id="c", message="not found", ts_ms=T),
        '{"client_order_id":"c","message":"not found","ts_ms":1700000000000}',
    ),
    (
        OrderMissingOnExchange(client_order_id="c", message=None, ts_ms=T),
        '{"client_order_id":"c","message":null,"ts_ms":1700000000000}',
    ),
    (
        OrderCancelRequested(client_order_id="c", reason="stale", ts_ms=T),
        '{"client_order_id":"c","reason":"stale","ts_ms":1700000000000}',
    ),
    (OrderCanceled(client_order_id="c", ts_ms=T), '{"client_order_id":"c","ts_ms":1700000000000}'),
    (
        OrderFilled(fill=FILL, base="BTC", quote="TRY"),
        '{"base":"BTC","client_order_id":"b3-x-1-0","exchange_order_id":"ex-1","fee":"0.126","fee_asset":"TRY",'
        '"price":"1400000.5","quantity":"0.001","quote":"TRY","side":"buy","symbol":"BTCTRY","tax":"0",'
        '"trade_id":"t-1","ts_ms":1700000000000}',
    ),
    (
        StateChanged(key="replay.clock_ms", value="123", ts_ms=T),
        '{"key":"replay.clock_ms","ts_ms":1700000000000,"value":"123"}',
    ),
    (
        StatePatched(key="k", patch={"set": {"a": 1}}, ts_ms=T),
        '{"key":"k","patch":{"set":{"a":1}},"ts_ms":1700000000000}',
    ),
    (
        RiskModeChanged(
            source="budget", from_mode="NORMAL", to_mode="REDUCE", causes=("drawdown",), cycle_id=7, ts_ms=T
        ),
        '{"causes":["drawdown"],"cycle_id":7,"from_mode":"NORMAL","source":"budget","to_mode":"REDUCE",'
        '"ts_ms":1700000000000}',
    ),
    (
        KillSwitchChanged(switch={"engaged": True}, action="tripped", note="loss", ts_ms=T),
        '{"action":"tripped","note":"loss","switch":{"engaged":true},"ts_ms":1700000000000}',
    ),
    (
        UniverseChanged(
            added=("ETHTRY",),
            removed=(),
            reasons={"ETHTRY": "volume"},
            members=("BTCTRY", "ETHTRY"),
            cycle_id=7,
            ts_ms=T,
        ),
        '{"added":["ETHTRY"],"cycle_id":7,"members":["BTCTRY","ETHTRY"],"reasons":{"ETHTRY":"volume"},'
        '"removed":[],"ts_ms":1700000000000}',
    ),
    (
        ForeignOrderSeen(
            exchange_order_id="f1",
            client_order_id=None,
            symbol="BTCTRY",
            side=Side.BUY,
            price=Decimal("1"),
            quantity=Decimal("2"),
            ts_ms=T,
        ),
        '{"client_order_id":null,"exchange_order_id":"f1","price":"1","quantity":"2","side":"buy",'
        '"symbol":"BTCTRY","ts_ms":1700000000000}',
    ),
    (ForeignOrderGone(exchange_order_id="f1", ts_ms=T), '{"exchange_order_id":"f1","ts_ms":1700000000000}'),
    (
        BalanceDriftChanged(frozen=True, drift={"TRY": Decimal("-5.00")}, ts_ms=T),
        '{"drift":{"TRY":"-5"},"frozen":true,"ts_ms":1700000000000}',
    ),
    (
        LedgerChecked(through_seq=9, snapshot={"balances": [["TRY", "1"]]}, ts_ms=T),
        '{"snapshot":{"balances":[["TRY","1"]]},"through_seq":9,"ts_ms":1700000000000}',
    ),
    (  # a structured state value is an object in the payload, not JSON text inside it
        StateChanged(key="portfolio.equity", value={"peak": "2", "marks": {"BTCTRY": "1"}}, ts_ms=T),
        '{"key":"portfolio.equity","ts_ms":1700000000000,"value":{"marks":{"BTCTRY":"1"},"peak":"2"}}',
    ),
]


def test_there_is_an_example_of_every_event_class() -> None:
    assert {type(event).__name__ for event, _ in EXAMPLES} == {c.__name__ for c in EVENT_CLASSES}


@pytest.mark.parametrize(("event", "text"), EXAMPLES, ids=lambda value: type(value).__name__)
def test_the_stored_text_is_pinned_and_reads_back_to_the_same_event(event: LedgerEvent, text: object) -> None:
    assert dumps(event.payload()) == text
    again = decode(event.TYPE.value, loads(str(text)))
    assert type(again) is type(event)
    assert again.payload() == event.payload()


def test_decoded_decimals_are_decimals_and_enums_are_enums() -> None:
    filled = decode("OrderFilled", loads(dumps(OrderFilled(fill=FILL, base="BTC", quote="TRY").payload())))
    assert isinstance(filled, OrderFilled)
    assert filled.fill == FILL and isinstance(filled.fill.price, Decimal) and filled.fill.side is Side.BUY


decimals = st.decimals(allow_nan=False, allow_infinity=False, places=8, min_value=-(10**9), max_value=10**9)
names = st.text(min_size=1, max_size=12)


@given(
    balances=st.dictionaries(names, decimals, max_size=4),
    drift=st.dictionaries(names, decimals, max_size=4),
    frozen=st.booleans(),
    price=decimals.filter(lambda d: d > 0),
    client=st.none() | names,
    ts=st.integers(min_value=0, max_value=2**53),
)
def test_any_event_reads_back_as_it_was_written(
    balances: dict[str, Decimal],
    drift: dict[str, Decimal],
    frozen: bool,
    price: Decimal,
    client: str | None,
    ts: int,
) -> None:
    events: list[LedgerEvent] = [
        BalancesSeeded(balances=balances, ts_ms=ts),
        BalanceDriftChanged(frozen=frozen, drift=drift, ts_ms=ts),
        ForeignOrderSeen(
            exchange_order_id="f",
            client_order_id=client,
            symbol="S",
            side=Side.SELL,
            price=price,
            quantity=price,
            ts_ms=ts,
        ),
        OrderFilled.of(FILL, base="B", quote="Q", client_order_id=client),
    ]
    for event in events:
        again = decode(event.TYPE.value, loads(dumps(event.payload())))
        assert again == event  # Decimals compare by value; mappings and enums as written


@pytest.mark.parametrize(
    ("event_type", "payload", "message"),
    [
        ("OrderFilled", {**loads(EXAMPLES[12][1]), "side": "sideways"}, "'side' must be 'buy' or 'sell'"),
        ("OrderRejected", {**loads(EXAMPLES[6][1]), "code": "x"}, "'code' must be an integer or null"),
        ("CycleCompleted", {**loads(EXAMPLES[2][1]), "counters": {"a": "1"}}, "integer counters"),
        ("RiskModeChanged", {**loads(EXAMPLES[15][1]), "causes": "drawdown"}, "'causes' must be a list"),
        ("BalanceDriftChanged", {**loads(EXAMPLES[20][1]), "frozen": 1}, "'frozen' must be true or false"),
        ("OrderAccepted", {"client_order_id": "c", "ts_ms": T}, "'exchange_order_id' is missing"),
        ("StateChanged", {"key": "k", "ts_ms": T, "value": 5}, "'value' must be a string or an object"),
        ("NoSuchEvent", {"ts_ms": T}, "unknown event type 'NoSuchEvent'"),
    ],
)
def test_a_bad_field_is_refused_by_name(event_type: str, payload: dict[str, object], message: str) -> None:
    with pytest.raises(StoreError, match=message):
        decode(event_type, payload)  # type: ignore[arg-type]


def test_a_float_where_a_decimal_belongs_is_refused_when_recorded() -> None:
    event = OrderCanceled(client_order_id="c", ts_ms=T)
    assert from_mapping("OrderCanceled", {"client_order_id": "c", "ts_ms": T}) == event
    bad = BalancesSeeded(balances={"TRY": 1.5}, ts_ms=T)  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="float"):
        bad.payload()


def test_a_structured_state_value_reads_the_same_as_the_json_text_older_ledgers_hold() -> None:
    document = {"marks": {"BTCTRY": "1"}, "peak": "2"}
    now = StateChanged(key="portfolio.equity", value=document, ts_ms=T)
    older = decode(
        "StateChanged",
        loads(
            '{"key":"portfolio.equity","ts_ms":1,"value":"{\\"marks\\":{\\"BTCTRY\\":\\"1\\"},\\"peak\\":\\"2\\"}"}'
        ),
    )
    assert isinstance(older, StateChanged) and isinstance(older.value, str)
    assert now.text() == older.text() == '{"marks":{"BTCTRY":"1"},"peak":"2"}'  # the same `state` row
    assert now.document() == older.document() == document
