"""The ledger's hash chain: a rewritten, deleted or inserted record is named (issue 26, item 2).

The adversary's edits are made the way anyone with the file would: plain SQL on the database,
outside whodidthis.
"""

from __future__ import annotations

import sqlite3

from console.model import Outcome
from console.store.chain import Head, heads_in_log, keep_head, parse_head
from console.store.state import Store
from tests.store.test_ledger import record


def _filled(store: Store, count: int = 4) -> list[int]:
    ids = []
    for n in range(count):
        record_id = store.ledger_intent(record(operation=f"CreateThing{n}"))
        store.ledger_settle(record_id, outcome=Outcome.OK, request_id=f"req-{n}")
        ids.append(record_id)
    return ids


def _sql(store: Store, statement: str, *params) -> None:
    with sqlite3.connect(store.path) as conn:
        conn.execute(statement, params)


def test_an_untouched_ledger_verifies(store: Store):
    _filled(store)
    checked, problems = store.verify_ledger()
    assert (checked, problems) == (4, [])
    assert store.ledger_head().links == 8  # an intent and a settlement per record


def test_an_intent_left_unknown_verifies_too(store: Store):
    _filled(store, 2)
    store.ledger_intent(record(operation="CreateBucket"))  # the crash between intent and answer
    assert store.verify_ledger() == (3, [])


def test_a_rewritten_operator_names_the_record(store: Store):
    ids = _filled(store)
    _sql(store, "UPDATE ledger SET operator = 'mallory', principal_arn = 'x' WHERE id = ?", ids[1])
    _, problems = store.verify_ledger()
    assert problems and f"record {ids[1]} was changed" in problems[0]


def test_a_rewritten_outcome_names_the_record(store: Store):
    ids = _filled(store)
    _sql(store, "UPDATE ledger SET request_id = 'forged' WHERE id = ?", ids[2])
    _, problems = store.verify_ledger()
    assert f"record {ids[2]} was changed" in problems[0]


def test_a_deleted_record_is_named_missing(store: Store):
    ids = _filled(store)
    _sql(store, "DELETE FROM ledger WHERE id = ?", ids[1])
    _, problems = store.verify_ledger()
    assert problems[0] == f"record {ids[1]} is missing: it was deleted from the ledger"


def test_a_deleted_record_with_its_links_is_named_by_the_gap(store: Store):
    ids = _filled(store)
    _sql(store, "DELETE FROM ledger WHERE id = ?", ids[1])
    _sql(store, "DELETE FROM ledger_chain WHERE ledger_id = ?", ids[1])
    _, problems = store.verify_ledger()
    assert "are missing" in problems[0] and f"record {ids[0]} and record {ids[2]}" in problems[0]


def test_a_record_added_by_hand_is_not_in_the_chain(store: Store):
    _filled(store, 2)
    _sql(
        store,
        "INSERT INTO ledger (ts, course, trainee, account, service, operation, outcome)"
        " VALUES (1, 'dojo', 'alice', '111111111111', 'iam', 'DeleteUser', 'ok')",
    )
    _, problems = store.verify_ledger()
    assert problems == ["record 3 is not in the chain: it was added or settled by hand"]


def test_a_chain_recomputed_after_a_rewrite_fails_the_head_kept_outside(store: Store, tmp_path):
    """Whoever rewrites the database can recompute every digest; the head in engine.log (or a
    command's summary) was written before, and no longer matches."""
    ids = _filled(store)
    log = tmp_path / "engine.log"
    assert (
        keep_head(log, store.ledger_head(), "2026-12-06T12:00:00+00:00", "after command 1") is None
    )
    _sql(store, "UPDATE ledger SET operator = 'mallory' WHERE id = ?", ids[0])
    _sql(store, "DELETE FROM ledger_chain")
    with sqlite3.connect(store.path) as conn:  # the forger rebuilds the chain over the lie
        conn.row_factory = sqlite3.Row
        from console.store.chain import chain_existing

        chain_existing(conn)
    assert store.verify_ledger() == (4, [])  # the database alone now agrees with itself
    _, problems = store.verify_ledger(heads_in_log(log))
    assert problems and "does not match the head recorded (engine.log line 1)" in problems[0]


def test_the_newest_records_removed_with_their_links_fail_the_head(store: Store):
    _filled(store)
    kept = store.ledger_head()
    _sql(store, "DELETE FROM ledger WHERE id = 4")
    _sql(store, "DELETE FROM ledger_chain WHERE ledger_id = 4")
    _, problems = store.verify_ledger([Head(kept.links, kept.digest, "summary")])
    assert problems == [
        "the chain has 6 links but a head recorded (summary) says 8: the newest records "
        "were removed"
    ]


def test_a_head_from_a_summary_parses_and_a_bad_one_is_refused():
    digest = "a" * 64
    assert parse_head(f"12:{digest}") == Head(12, digest, "--head")
    for bad in ("12", f"x:{digest}", "3:abc"):
        try:
            parse_head(bad)
        except ValueError as exc:
            assert "LINKS:SHA256" in str(exc)
        else:
            raise AssertionError(f"{bad!r} was accepted")


def test_a_links_digest_is_the_one_earlier_versions_wrote():
    """Pinned: a store chained by an earlier whodidthis must still verify (the digest's text
    is sorted, compact JSON; an int timestamp counts as the float SQLite reads back)."""
    from console.store.chain import digest

    fields = {
        "ts": 1765000000,
        "course": "dojo",
        "trainee": "alice",
        "account": "200000000001",
        "region": "ap-northeast-1",
        "step": "iam_user:alice",
        "service": "iam",
        "operation": "CreateUser",
        "principal_arn": "arn:aws:sts::200000000001:assumed-role/ManageEnvRole/whodidthis-ops",
        "session_name": "whodidthis-ops",
        "source_identity": None,
        "operator": "ops",
        "operator_source": "flag",
        "operator_arn": None,
        "request_id": "req-1",
        "outcome": "ok",
        "error_code": None,
        "error_message": None,
        "resource_arn": None,
        "completed_at": 1765000001.5,
        "principal_id": "AROAEXAMPLE:whodidthis-ops",
        "assume_request_id": "req-0",
        "attempt_request_ids": '["req-1"]',
        "access_key_digest": "0123456789abcdef",
    }
    assert digest("", 1, "intent", fields) == (
        "54782ba6ab49c6b300e764c7e411b7bbfb55aaa428f7be3ca9fd79b2e3a9dcc6"
    )
    assert digest("ab" * 32, 1, "settle", fields) == (
        "d3fb7fec154340f15a1c39434daee08f6ba82c213dfeed705a555c94db2383a4"
    )


def test_nested_values_hash_and_print_as_the_flat_record_did(store: Store):
    """Issue 22.4 nested the acting identity and the operator in the record; the SQL, the
    chain and the JSON stay flat. The digest and the JSON below were taken from the flat
    record before that change, so a store written then still verifies and prints the same."""
    from dataclasses import replace

    from console.model import Acting, Operator
    from console.words import ledger_json

    operator = Operator(
        "ann", "ssm-session", "arn:aws:sts::999999999999:assumed-role/Ops/ann", ("sudo",),
        "ann-0123", ("ann-0abc",),
    )  # fmt: skip
    acting = Acting(
        "arn:aws:sts::111111111111:assumed-role/ManageEnvRole/ann@dojo", "ann@dojo", "ann",
        "AROAEXAMPLE:ann@dojo", "assume-1",
    )  # fmt: skip
    made = record(acting=acting, operator=operator, region="eu-west-1")
    record_id = store.ledger_intent(made)
    store.ledger_settle(
        record_id, outcome=Outcome.OK, request_id="req-1", attempt_request_ids=("req-0", "req-1"),
        resource_arn="arn:aws:iam::111111111111:user/alice", principal_id=acting.principal_id,
        assume_request_id="assume-2", access_key_digest="0123456789abcdef",
    )  # fmt: skip
    bob = record(
        "bob", "AssumeRole", ts=1_800_000_005.0, account="2" * 12, step=None, service="sts"
    )
    store.ledger_intent(replace(bob, acting=Acting()))
    assert store.ledger_head().digest == (
        "f8be7c726846f727e885452fd621a7629941302bbb229507eaf64947969542f0"
    )
    settled, unknown = store.ledger()
    signed = {"assume_request_id": "assume-2", "access_key_digest": "0123456789abcdef"}
    assert settled.acting == replace(acting, **signed)  # the signing filled in the settlement
    assert (settled.operator, unknown.operator) == (operator, None)
    assert ledger_json(settled) == {
        "ts": "2027-01-15T08:00:00.000+00:00", "course": "dojo", "trainee": "alice",
        "account": "111111111111", "step": "iam_user", "service": "iam",
        "operation": "CreateUser", "principal_arn": acting.principal_arn,
        "session_name": "ann@dojo", "source_identity": "ann", "request_id": "req-1",
        "outcome": "ok", "error_code": None, "error_message": None, "region": "eu-west-1",
        "principal_id": "AROAEXAMPLE:ann@dojo", "assume_request_id": "assume-2",
        "operator": "ann", "operator_source": "ssm-session", "operator_arn": operator.arn,
        "attempt_request_ids": ["req-0", "req-1"],
        "resource_arn": "arn:aws:iam::111111111111:user/alice",
        "operator_level": "ssm-session", "operator_forgeable": ["sudo"],
    }  # fmt: skip
    assert list(ledger_json(unknown))[7:13] == [
        "principal_arn", "session_name", "source_identity", "request_id", "outcome", "error_code",
    ]  # fmt: skip
