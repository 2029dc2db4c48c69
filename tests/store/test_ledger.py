"""The ledger: an intent is unknown until completed; completion is once; filters work."""

from __future__ import annotations

import dataclasses

import pytest

from console.errors import StateError
from console.model import Acting, LedgerRecord, Outcome
from console.store.state import Store

PRINCIPAL = "arn:aws:sts::111111111111:assumed-role/ManageEnvRole/op@dojo"


def record(trainee: str = "alice", operation: str = "CreateUser", **changes) -> LedgerRecord:
    base = LedgerRecord(
        id=None,
        ts=1_800_000_000.0,
        course="dojo",
        trainee=trainee,
        account="111111111111",
        step="iam_user",
        service="iam",
        operation=operation,
        acting=Acting(
            principal_arn=PRINCIPAL,
            session_name="op@dojo",
            source_identity="op",
        ),
    )
    return dataclasses.replace(base, **changes)


def test_intent_is_unknown_until_completed(store: Store):
    record_id = store.ledger_intent(record(outcome=Outcome.OK, request_id="made-up"))
    (intent,) = store.ledger()
    assert (intent.id, intent.outcome, intent.request_id) == (record_id, Outcome.UNKNOWN, None)
    assert intent.acting == Acting(PRINCIPAL, "op@dojo", "op")

    store.ledger_settle(
        record_id,
        outcome=Outcome.ERROR,
        request_id="req-1",
        error_code="AccessDenied",
        error_message="not authorized",
        resource_arn="arn:aws:iam::111111111111:user/alice",
    )
    (done,) = store.ledger()
    assert (done.outcome, done.request_id, done.error_code) == (
        Outcome.ERROR,
        "req-1",
        "AccessDenied",
    )
    assert done.error_message == "not authorized"
    assert done.resource_arn == "arn:aws:iam::111111111111:user/alice"


def test_intent_and_completion_are_action_events(store: Store):
    record_id = store.ledger_intent(record())
    store.ledger_settle(record_id, outcome=Outcome.OK, request_id="req-9")
    intent, done = store.events_since(0)
    assert (intent.type, intent.trainee, intent.fields["phase"]) == ("action", "alice", "intent")
    assert intent.fields["ledger_id"] == record_id and intent.fields["outcome"] == "unknown"
    assert (done.fields["phase"], done.fields["outcome"], done.fields["request_id"]) == (
        "done",
        "ok",
        "req-9",
    )
    assert done.fields["operation"] == "CreateUser"


def test_a_record_is_completed_once(store: Store):
    record_id = store.ledger_intent(record())
    store.ledger_settle(record_id, outcome=Outcome.OK, request_id="req-1")
    with pytest.raises(StateError, match="already complete"):
        store.ledger_settle(record_id, outcome=Outcome.ERROR, request_id="req-2")
    with pytest.raises(StateError, match="does not exist"):
        store.ledger_settle(record_id + 100, outcome=Outcome.OK, request_id=None)
    with pytest.raises(ValueError):
        store.ledger_settle(record_id, outcome=Outcome.UNKNOWN, request_id=None)
    assert store.ledger()[0].request_id == "req-1"


def test_ledger_filters_by_trainee_since_and_limit(store: Store):
    ids = [
        store.ledger_intent(record(trainee=name, operation=f"Op{n}"))
        for n, name in enumerate(["alice", "bob", "alice", "bob", "alice"])
    ]
    assert [r.operation for r in store.ledger(trainee="alice")] == ["Op0", "Op2", "Op4"]
    assert [r.id for r in store.ledger(since_id=ids[2])] == ids[3:]
    assert [r.id for r in store.ledger(limit=2)] == ids[:2]
    assert [r.operation for r in store.ledger(trainee="bob", since_id=ids[1])] == ["Op3"]


def test_intent_without_a_timestamp_takes_the_store_clock(store: Store, clock):
    store.ledger_intent(record(ts=0))
    assert store.ledger()[0].ts >= clock.start


def test_a_call_without_an_answer_stays_unknown_but_says_why(store: Store):
    """A read timeout after the request went out: AWS may have acted, so ``unknown`` stays,
    with the error kept beside it; a crash's record (no error) stays distinguishable."""
    timed_out = store.ledger_intent(record())
    crashed = store.ledger_intent(record(operation="CreateAccessKey"))
    store.ledger_settle(
        timed_out,
        outcome=Outcome.UNKNOWN,
        request_id=None,
        error_code="ReadTimeoutError",
        error_message='Read timeout on endpoint URL: "https://iam.amazonaws.com/"',
    )
    first, second = store.ledger()
    assert (first.outcome, first.error_code) == (Outcome.UNKNOWN, "ReadTimeoutError")
    assert (second.id, second.outcome, second.error_code) == (crashed, Outcome.UNKNOWN, None)
    with pytest.raises(StateError, match="already complete"):
        store.ledger_settle(timed_out, outcome=Outcome.OK, request_id="late")
