"""The credential guard: nothing that looks like a credential reaches the store."""

from __future__ import annotations

import base64
import dataclasses
import random
import string

import pytest

from console.model import Acting, LedgerRecord, TraineeState
from console.store.guard import CredentialRefused, mask_key_id, refuse_credentials
from console.store.state import Store
from tests.credentials_cases import (
    HARMLESS,
    ISSUE_SHAPES,
    VALUES,
    credential_lines,
    issue_shape_text,
)

ALPHABET = string.ascii_letters + string.digits
# Shaped like the sandbox's (moto) and AWS's: key ids, a 40-character secret, a long token. A
# seeded generator: pytest-xdist needs every worker to collect the same parameters.
_random = random.Random(4)
KEY_ID = "ASIA" + "".join(_random.choice(string.ascii_uppercase + string.digits) for _ in range(16))
LONG_TERM_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
RANDOM_SECRET = "Ab1" + "".join(_random.choice(ALPHABET) for _ in range(37))
TOKEN = "FQoGZXIvYXdzEBYaD" + base64.b64encode(_random.randbytes(266)).decode()[17:]
CREDENTIALS = [KEY_ID, LONG_TERM_KEY_ID, SECRET, RANDOM_SECRET, TOKEN]
CREDENTIAL_IDS = [
    "temporary-key-id",
    "long-term-key-id",
    "example-secret",
    "random-secret",
    "session-token",
]


@pytest.mark.parametrize("secret", CREDENTIALS, ids=CREDENTIAL_IDS)
def test_every_write_path_refuses_a_credential(roster_store: Store, secret: str):
    before = roster_store.last_event_id()
    attempts = [
        lambda: roster_store.set_trainee("alice", error=f"failed with {secret} in it"),
        lambda: roster_store.set_step("alice", 0, error=secret),
        lambda: roster_store.add_event("note", "alice", detail={"nested": [secret]}),
        lambda: roster_store.ledger_intent(_record(acting=Acting(principal_arn=secret))),
        lambda: roster_store.enqueue("retry", [secret]),
        lambda: roster_store.begin_run("apply", secret, 1, []),
    ]
    for attempt in attempts:
        with pytest.raises(CredentialRefused) as refused:
            attempt()
        assert secret not in str(refused.value)
    assert roster_store.last_event_id() == before
    assert roster_store.trainee("alice").error is None
    assert roster_store.ledger() == [] and roster_store.pending_commands() == []


def test_completion_and_summary_are_guarded_too(roster_store: Store):
    record_id = roster_store.ledger_intent(_record())
    with pytest.raises(CredentialRefused):
        roster_store.ledger_settle(
            record_id, outcome="error", request_id="r", error_message=f"token {TOKEN}"
        )
    assert roster_store.ledger()[0].outcome == "unknown"
    run_id = roster_store.begin_run("apply", "op", 1, [])
    with pytest.raises(CredentialRefused):
        roster_store.finish_run(run_id, {"credentials": {"SessionToken": "x"}})
    assert roster_store.runs()[0]["finished_at"] is None


def test_the_message_masks_a_key_id_and_names_where(roster_store: Store):
    with pytest.raises(CredentialRefused) as refused:
        roster_store.set_trainee("alice", last_action=f"used {LONG_TERM_KEY_ID}")
    message = str(refused.value)
    assert "AKIA****MPLE" in message and "trainees.last_action" in message
    assert mask_key_id(KEY_ID) == KEY_ID[:4] + "****" + KEY_ID[-4:]


@pytest.mark.parametrize("field", ["SecretAccessKey", "aws_session_token", "session-token"])
def test_a_field_named_like_a_secret_is_refused_whatever_its_value(field: str):
    with pytest.raises(CredentialRefused, match=field):
        refuse_credentials({field: "short"}, "events.note")
    refuse_credentials({field: None}, "events.note")  # an empty one says nothing


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:sts::111111111111:assumed-role/ManageEnvRole/op@dojo-2026-12",
        "AROA3X42LBCDEXAMPLE12:op@dojo",  # a role id, not a key
        "AKIA****MPLE",  # already masked
        "0123456789abcdef0123456789abcdef01234567",  # a git commit id (hex)
        "c7a7f8e2-5d1b-4c4e-9f0a-1b2c3d4e5f60",  # a request id
        "ZXhhbXBsZSBleHRlbmRlZCBzMyByZXF1ZXN0IGlkIHRoYXQgaXMgbG9uZyBidXQgbm90IHRoYXQ=",
        "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: iam:CreateUser",
        "/home/ssm-user/courses/dojo-2026-12/templates/cluster-stack.yaml",
    ],
)
def test_ordinary_values_pass(roster_store: Store, value: str):
    event = roster_store.set_trainee("alice", state=TraineeState.FAILED, error=value)
    assert event.fields["error"] == value


def test_no_credential_bytes_in_the_files_after_refusals(roster_store: Store):
    for secret in CREDENTIALS:
        with pytest.raises(CredentialRefused):
            roster_store.add_event("note", None, text=secret)
    roster_store.add_event("note", None, text="fine")
    for path in roster_store.course_dir.iterdir():
        data = path.read_bytes()
        assert not any(secret.encode() in data for secret in CREDENTIALS), path


def _record(**changes) -> LedgerRecord:
    base = LedgerRecord(
        id=None,
        ts=1.0,
        course="dojo",
        trainee="alice",
        account="111111111111",
        step="iam_user",
        service="iam",
        operation="CreateUser",
        acting=Acting(
            principal_arn="arn:aws:sts::1:assumed-role/R/s",
            session_name="op@dojo",
            source_identity="op",
        ),
    )
    return dataclasses.replace(base, **changes)


def test_a_bare_key_id_is_refused_and_shorter_text_is_not_scanned():
    key_id = "ASIA" + "".join(random.choices(string.ascii_uppercase + string.digits, k=16))
    with pytest.raises(CredentialRefused):
        refuse_credentials(key_id, "trainees.last_action")  # exactly 20 characters
    refuse_credentials(key_id[:19], "trainees.last_action")  # 19 cannot be a credential


# The shared table: every line of every format the scan finds, and the issue's shapes.
CASES = credential_lines()


@pytest.mark.parametrize("line", [line for _, line in CASES], ids=[name for name, _ in CASES])
def test_the_guard_refuses_every_shape_the_scan_finds(line: str):
    with pytest.raises(CredentialRefused) as refused:
        refuse_credentials({"error": line}, "trainees")
    message = str(refused.value)
    assert "trainees.error" in message
    for value in VALUES.secrets():
        assert not any(value[i : i + 8] in message for i in range(len(value) - 7))


@pytest.mark.parametrize("value", HARMLESS)
def test_identifiers_and_digests_are_storable(value: str):
    refuse_credentials({"principal_id": value, "error": f"failed: {value}"}, "ledger")


def test_a_principal_id_stays_storable(roster_store: Store):
    principal_id = "AROA" + "".join(_random.choice(string.ascii_uppercase) for _ in range(17))
    roster_store.ledger_intent(_record(acting=Acting(principal_id=f"{principal_id}:op@dojo")))
    assert roster_store.ledger()[0].acting.principal_id == f"{principal_id}:op@dojo"
    event = roster_store.set_trainee("alice", error=f"denied to {principal_id}:op@dojo")
    assert event.fields["error"] == f"denied to {principal_id}:op@dojo"


@pytest.mark.parametrize("shape", sorted(ISSUE_SHAPES))
def test_the_issue_shapes_never_reach_a_trainee_row(roster_store: Store, shape: str):
    value = issue_shape_text(ISSUE_SHAPES[shape], VALUES)
    before = roster_store.last_event_id()
    with pytest.raises(CredentialRefused):
        roster_store.set_trainee("alice", error=f"TagResource failed: {value}")
    assert roster_store.trainee("alice").error is None
    assert roster_store.last_event_id() == before
