"""Who did this, per command: two operators queue into one running engine, and the sandbox's
trail (its CloudTrail) shows every call made by the session of the operator who asked for it.
The ledger equals the trail on principal, session name and request id, after a crash and
resume and under throttling too."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from console.model import Outcome, operator_name
from console.store.state import Store

COURSE = "dojo-2026-12"
READ_ONLY = ("Get", "List", "Describe", "Head", "Lookup", "Simulate")  # Simulate*: IAM reads


def whodidthis(sandbox, state_dir, operator, *args, detach=False, wait=True):
    """``whodidthis ARGS COURSE --operator OPERATOR`` against the sandbox (``trace COURSE
    RESOURCE ...`` for trace, whose course comes first)."""
    argv = [sys.executable, "-m", "console", *args, str(sandbox.course_path)]
    if args and args[0] == "trace":
        argv = [sys.executable, "-m", "console", "trace", str(sandbox.course_path), *args[1:]]
    argv += ["--state-dir", str(state_dir), "--operator", operator]
    if detach:
        argv.append("--detach")
    process = subprocess.Popen(
        argv,
        env=sandbox.clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if not wait:
        return process
    out, err = process.communicate(timeout=300)
    return subprocess.CompletedProcess(argv, process.returncode, out, err)


def wait_for(predicate, timeout=120.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def trainee_flags(names):
    return [arg for name in names for arg in ("--trainee", name)]


def session_of(arn: str | None) -> str | None:
    return arn.rsplit("/", 1)[-1] if arn and ":assumed-role/" in arn else None


def assert_ledger_equals_trail(sandbox, store, operators: dict[str, set[str]]):
    """Every ledger record names a principal and equals the trail's record of its request;
    every changing call in a trainee account was made by the session of one operator whose
    command covered that trainee, and the ledger names that operator. A call AWS answered
    but whose record a killed engine never completed must match one of the ``unknown``
    records (same account, operation and session): the evidence of the crash."""
    trail = {r["request_id"]: r for r in sandbox.trail()}
    cloudtrail = sandbox.cloudtrail_events()
    signed_with = {e["requestID"]: e["userIdentity"].get("accessKeyId") for e in cloudtrail}
    issued_keys = {
        e["requestID"]: e["responseElements"]["credentials"]["accessKeyId"]
        for e in cloudtrail
        if e["eventName"] == "AssumeRole" and "responseElements" in e
    }
    records = store.ledger()
    assert records
    for record in records:
        assert record.acting.principal_arn, f"a ledger record names no principal: {record}"
        assert record.acting.session_name and record.operator and record.operator.source
        assert record.region == sandbox.options.region
        assert record.acting.principal_id and record.acting.principal_id.endswith(
            ":" + (session_of(record.acting.principal_arn) or "")
        )
        if record.outcome == Outcome.UNKNOWN:
            continue  # the evidence of a crash: no answer, no request id
        seen = trail[record.request_id]
        assert seen["principal_arn"] == record.acting.principal_arn, record
        if record.operation == "AssumeRole":  # the caller is the host; the session is the new one
            assert seen["account"] == sandbox.admin_account
            assert record.acting.session_name == f"{record.operator.name}@{COURSE}"
        else:
            assert seen["session_name"] == record.acting.session_name, record
            assert seen["account"] == record.account
            assert record.acting.session_name == f"{record.operator.name}@{COURSE}"
            assert record.trainee in operators[record.operator.name]
            assert record.acting.assume_request_id in trail
            assert trail[record.acting.assume_request_id]["operation"] == "AssumeRole"
            # CloudTrail ties the call to that AssumeRole: the key it was signed with is the
            # one that AssumeRole issued.
            issued = issued_keys[record.acting.assume_request_id]
            assert signed_with[record.request_id] == issued, record
        # every attempt AWS answered is kept, the answered one last
        assert record.attempt_request_ids[-1] == record.request_id
        assert all(rid in trail for rid in record.attempt_request_ids)
    accounts = {account: name for name, account in sandbox.trainees}
    by_request = {r.request_id: r for r in records}
    unknown = [
        (r.account, r.operation, r.acting.session_name)
        for r in records
        if r.outcome == Outcome.UNKNOWN
    ]
    for seen in sandbox.trail():
        name = accounts.get(seen["account"])
        if name is None or seen["operation"].startswith(READ_ONLY):
            continue
        operator = seen["session_name"].rsplit("@", 1)[0]
        assert name in operators[operator], f"{operator}'s session acted for {name}: {seen}"
        if seen["status"] < 300 and seen["request_id"] not in by_request:
            in_flight = (seen["account"], seen["operation"], seen["session_name"])
            assert in_flight in unknown, f"a call missing from the ledger: {seen}"
            unknown.remove(in_flight)


def test_two_operators_in_one_engine_each_act_with_their_own_session(sandbox, tmp_path):
    names = [name for name, _ in sandbox.trainees]
    ann, ben = names[:6], names[6:]
    sandbox.faults.set_latency(40)
    first = whodidthis(sandbox, tmp_path, "ann", "apply", *trainee_flags(ann), detach=True)
    assert first.returncode == 0 and "engine started" in first.stderr, first.stderr
    store = Store.open(tmp_path, COURSE)
    engine = wait_for(store.engine_holder, what="the detached engine")
    wait_for(
        lambda: any(operator_name(r.operator) == "ann" for r in store.ledger()),
        what="ann's first call",
    )
    # While ann's command runs, ben asks the same engine for other trainees, and tears one
    # of ann's down once hers is built.
    second = whodidthis(sandbox, tmp_path, "ben", "apply", *trainee_flags(ben))
    assert second.returncode == 0, second.stderr
    assert "attached to the running engine" in second.stderr
    third = whodidthis(sandbox, tmp_path, "ben", "teardown", "--yes", "--trainee", ann[0])
    assert third.returncode == 0, third.stderr
    assert store.engine_holder() in (None, engine) or store.engine_holder()["pid"] == engine["pid"]
    wait_for(lambda: not store.pending_commands(), what="every command done")

    assert {operator_name(c.operator) for c in store.commands()} == {"ann", "ben"}
    assert all(c.operator and c.operator.source == "flag" for c in store.commands())
    assert_ledger_equals_trail(sandbox, store, {"ann": set(ann), "ben": set(ben) | {ann[0]}})
    deleted = [r for r in store.ledger() if r.operation == "DeleteUser"]
    assert [operator_name(r.operator) for r in deleted] == ["ben"] and deleted[0].trainee == ann[0]
    sessions = {r["session_name"] for r in sandbox.trail() if r["account"] != "100000000000"}
    assert sessions == {f"ann@{COURSE}", f"ben@{COURSE}"}


def test_crash_and_resume_under_throttling_keep_the_ledger_equal_to_the_trail(sandbox, tmp_path):
    names = [name for name, _ in sandbox.trainees]
    sandbox.faults.set_latency(150)
    sandbox.faults.set_throttle(0.3)
    engine = whodidthis(sandbox, tmp_path, "ann", "apply", wait=False)
    store = wait_for(
        lambda: (tmp_path / COURSE / "state.sqlite3").exists() and Store.open(tmp_path, COURSE),
        what="the store",
    )
    wait_for(
        lambda: [r for r in store.ledger() if r.outcome == Outcome.UNKNOWN and r.step],
        what="a step's call in flight",
    )
    os.kill(engine.pid, signal.SIGKILL)
    engine.wait(timeout=10)
    cut = len(sandbox.trail())
    sandbox.faults.set_latency(0)
    again = whodidthis(sandbox, tmp_path, "ben", "apply")
    assert again.returncode == 0, again.stderr
    state = json.loads(whodidthis(sandbox, tmp_path, "ben", "status", "--json").stdout)
    assert {t["state"] for t in state["trainees"]} == {"READY"}

    assert any(len(r.attempt_request_ids) > 1 for r in store.ledger())  # throttled, retried
    assert any(r.outcome == Outcome.UNKNOWN for r in store.ledger())  # the crash's evidence
    assert_ledger_equals_trail(sandbox, store, {"ann": set(names), "ben": set(names)})
    # Every answered attempt after the crash is kept (those of the killed engine's calls in
    # flight died with it: their records stay unknown).
    after = sandbox.trail()[cut:]
    attempts = {
        r["request_id"]
        for r in after
        if r["status"] >= 400
        and r["account"] in {a for _, a in sandbox.trainees}
        and not r["operation"].startswith(READ_ONLY)
    }
    kept = {rid for r in store.ledger() for rid in r.attempt_request_ids}
    assert attempts and attempts <= kept


def test_no_command_leaves_a_record_without_a_principal(sandbox, tmp_path):
    """Preflight, a teardown plan, an apply, a retry and a trace with CloudTrail: every record
    they leave names its principal, session, principal id and operator."""
    trainee = sandbox.trainees[0][0]
    for operator, args in (
        ("ann", ["preflight"]),
        ("ben", ["apply", "--trainee", trainee]),
        ("ann", ["teardown", "--trainee", trainee]),  # the plan only
        ("ann", ["retry", "--trainee", trainee]),
        ("ben", ["trace", trainee, "--cloudtrail"]),
    ):
        done = whodidthis(sandbox, tmp_path, operator, *args)
        assert done.returncode == 0, done.stderr
    store = Store.open(tmp_path, COURSE)
    records = store.ledger()
    assert {operator_name(r.operator) for r in records} == {"ann", "ben"}
    missing = [
        r
        for r in records
        if not (
            r.acting.principal_arn
            and r.acting.session_name
            and r.acting.principal_id
            and r.operator
            and r.region
        )
    ]
    assert missing == []
    assert_ledger_equals_trail(
        sandbox, store, {"ann": {n for n, _ in sandbox.trainees}, "ben": {trainee}}
    )


def test_each_call_names_the_assume_role_whose_key_signed_it_across_refreshes(sandbox, tmp_path):
    """Sessions of 11 minutes sit inside botocore's refresh window: the credentials renew
    between calls, and every record still names the AssumeRole that issued its signing key."""
    trainee = sandbox.trainees[0][0]
    sandbox.faults.set_credential_lifetime(660)
    done = whodidthis(sandbox, tmp_path, "ann", "apply", "--trainee", trainee)
    assert done.returncode == 0, done.stderr
    store = Store.open(tmp_path, COURSE)
    used = {r.acting.assume_request_id for r in store.ledger() if r.operation != "AssumeRole"}
    assert len(used) > 1  # the session did refresh, and the records follow it
    assert_ledger_equals_trail(sandbox, store, {"ann": {trainee}})
