"""``trace`` and ``report --history`` on a build, a teardown and a rebuild by two operators, and
a change made with our role outside whodidthis that only CloudTrail saw."""

from __future__ import annotations

import json

import boto3
import pytest

from tests.engine.test_operators import whodidthis

COURSE = "dojo-2026-12"


@pytest.fixture
def rebuilt(sandbox, tmp_path):
    """alice built by ann, torn down by ben, built again by ben."""
    trainee, account = sandbox.trainees[0]
    for operator, args in (
        ("ann", ["apply", "--trainee", trainee]),
        ("ben", ["teardown", "--yes", "--trainee", trainee]),
        ("ben", ["apply", "--trainee", trainee]),
    ):
        done = whodidthis(sandbox, tmp_path, operator, *args)
        assert done.returncode == 0, done.stderr
    return trainee, account


def lines(result):
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_report_names_the_latest_creator_and_the_whole_history(sandbox, tmp_path, rebuilt):
    trainee, account = rebuilt
    result = whodidthis(sandbox, tmp_path, "ann", "report", "--format", "json", "--history")
    assert result.returncode == 0, result.stderr
    [row] = [t for t in json.loads(result.stdout)["trainees"] if t["name"] == trainee]
    user = next(r for r in row["resources"] if r["step"] == f"iam_user:{trainee}")
    creates = [r for r in sandbox.trail() if r["operation"] == "CreateUser"]
    assert len(creates) == 2
    assert user["operator"] == "ben" and user["session_name"] == f"ben@{COURSE}"
    assert user["request_id"] == creates[-1]["request_id"]  # the rebuild's, not the deleted one's
    history = [(e["operation"], e["operator"]) for e in user["history"]]
    assert history[0] == ("iam:CreateUser", "ann")
    assert ("iam:DeleteUser", "ben") in history
    assert history.index(("iam:DeleteUser", "ben")) < len(history) - history[::-1].index(
        ("iam:CreateUser", "ben")
    )
    markdown = whodidthis(sandbox, tmp_path, "ann", "report", "--history").stdout
    assert f"History of iam_user:{trainee}:" in markdown and "for ben (claimed)" in markdown


def test_trace_follows_a_resource_by_arn_and_by_name(sandbox, tmp_path, rebuilt):
    trainee, account = rebuilt
    by_arn = lines(
        whodidthis(
            sandbox, tmp_path, "ann", "trace", "--json", f"arn:aws:iam::{account}:user/{trainee}"
        )
    )
    by_name = lines(whodidthis(sandbox, tmp_path, "ann", "trace", "--json", trainee))
    assert by_arn == by_name
    assert [e["ts"] for e in by_arn] == sorted(e["ts"] for e in by_arn)
    ops = [(e["operation"], e["operator"]) for e in by_arn]
    assert ops[0] == ("iam:CreateUser", "ann") and ops[-1][1] == "ben"
    assert ("iam:DeleteUser", "ben") in ops
    fields = {"ts", "operation", "principal_arn", "session_name", "source_identity", "operator"}
    assert all(fields | {"request_id", "outcome"} <= set(e) for e in by_arn)
    assert all(e["session_name"] == f"{e['operator']}@{COURSE}" for e in by_arn)
    repo = lines(whodidthis(sandbox, tmp_path, "ann", "trace", "--json", f"{trainee}/dojo-app"))
    assert repo[0]["operation"] == "codecommit:CreateRepository"
    ambiguous = whodidthis(sandbox, tmp_path, "ann", "trace", "dojo-app")
    assert ambiguous.returncode == 2 and "say which" in ambiguous.stderr
    unknown = whodidthis(sandbox, tmp_path, "ann", "trace", "nobody-has-this")
    assert unknown.returncode == 2 and "no step of course" in unknown.stderr


def test_trace_with_cloudtrail_marks_what_each_side_saw(sandbox, tmp_path, rebuilt):
    trainee, account = rebuilt
    # A change with our role, outside whodidthis: only CloudTrail has it.
    sts = boto3.Session().client("sts")  # not the default session: it would outlive the reset
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/ManageEnvRole", RoleSessionName="by-hand"
    )["Credentials"]
    iam = boto3.Session().client(
        "iam",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    iam.tag_user(UserName=trainee, Tags=[{"Key": "note", "Value": "by hand"}])
    before = len([r for r in sandbox.trail() if r["operation"] == "LookupEvents"])

    result = whodidthis(sandbox, tmp_path, "ann", "trace", "--json", "--cloudtrail", trainee)
    rows = lines(result)
    assert "CloudTrail LookupEvents" in result.stderr  # the progress line
    by_hand = [
        r for r in rows if r["operation"] == "iam:TagUser" and r["seen"] == "cloudtrail only"
    ]
    assert len(by_hand) == 1 and by_hand[0]["session_name"] == "by-hand"
    ours = [r for r in rows if r["operator"]]
    assert ours and all(r["seen"] == "both" for r in ours)
    assert all(r["cloudtrail_identity"] == "same" for r in ours)
    assert [r["ts"] for r in rows] == sorted(r["ts"] for r in rows)
    lookups = [r for r in sandbox.trail() if r["operation"] == "LookupEvents"][before:]
    assert lookups and all(r["status"] == 200 for r in lookups)  # paced: never throttled
    # the trainee account's events; the admin account's StartSessions (the session check)
    assert {r["account"] for r in lookups} == {account, sandbox.admin_account}
    assert all(r["ssm_session"] in ("contradicted", "not yet delivered") for r in ours)


def test_a_trace_right_after_a_build_says_not_yet_delivered(sandbox, tmp_path, rebuilt):
    """CloudTrail delivers in about 5 minutes: a call it does not show yet, younger than the
    delivery window, is ``not yet delivered``, never ``ledger only``."""
    trainee, _ = rebuilt
    sandbox.set_cloudtrail_delivery_delay(600)
    teardown = whodidthis(sandbox, tmp_path, "ann", "teardown", "--yes", "--trainee", trainee)
    assert teardown.returncode == 0, teardown.stderr
    rows = lines(whodidthis(sandbox, tmp_path, "ann", "trace", "--json", "--cloudtrail", trainee))
    late = [r for r in rows if r["operation"] == "iam:DeleteUser" and r["operator"] == "ann"]
    assert late and all(r["seen"] == "not yet delivered" for r in late)
    earlier = [r for r in rows if r["operator"] == "ben"]
    assert earlier and all(r["seen"] == "both" for r in earlier)


def test_marks_for_old_records_and_the_role_accounts_copy():
    from console.commands.trace import cloudtrail_json, joined
    from console.model import LedgerRecord, Outcome
    from tests.aws_samples import ASSUME_ROLE_ROLE_ACCOUNT_COPY

    now = 1_800_000_000.0
    old = LedgerRecord(
        None,
        now - 91 * 86400,
        "c",
        "alice",
        "1",
        "iam_user:alice",
        "iam",
        "CreateUser",
        request_id="r-old",
        outcome=Outcome.OK,
    )
    recent = LedgerRecord(
        None,
        now - 20 * 60,
        "c",
        "alice",
        "1",
        "iam_user:alice",
        "iam",
        "TagUser",
        request_id="r-recent",
        outcome=Outcome.OK,
    )
    fresh = LedgerRecord(
        None,
        now - 60,
        "c",
        "alice",
        "1",
        "iam_user:alice",
        "iam",
        "UntagUser",
        request_id="r-fresh",
        outcome=Outcome.OK,
    )
    rows = joined([old, recent, fresh], [], now=now, window=15 * 60)
    assert [r["seen"] for r in rows] == ["beyond event history", "ledger only", "not yet delivered"]
    row = cloudtrail_json(ASSUME_ROLE_ROLE_ACCOUNT_COPY)  # no ARN: the caller's account
    assert row["principal_arn"] == "account 777788889999 (AIDAQRSTUVWXYZEXAMPLE)"
    assert row["operation"] == "sts:AssumeRole" and row["seen"] == "cloudtrail only"


def test_a_call_whose_cloudtrail_identity_differs_from_the_ledger_says_so():
    """The ledger says ann's session made the call; CloudTrail's record (the userIdentity shape
    of the CloudTrail User Guide's temporary-credentials example) names another session."""
    import copy

    from console.commands.trace import joined, trace_line
    from console.model import Acting, LedgerRecord, Outcome
    from tests.aws_samples import ASSUMED_ROLE_IDENTITY

    record = LedgerRecord(
        None,
        1_800_000_000.0,
        "c",
        "alice",
        "123456789012",
        "iam_user:alice",
        "iam",
        "CreateUser",
        Acting(session_name="ann@c", source_identity="ann"),
        request_id="r-1",
        outcome=Outcome.OK,
    )
    identity = copy.deepcopy(ASSUMED_ROLE_IDENTITY)
    identity["sessionContext"]["sourceIdentity"] = "ben"
    event = {"requestID": "r-1", "eventTime": "2027-01-15T08:00:00Z", "userIdentity": identity}
    [row] = joined([record], [event], now=1_800_000_100.0)
    assert row["seen"] == "contradicted"  # CloudTrail names another session than the record
    assert row["cloudtrail_says"]["session_name"] == "MySessionName"
    assert row["cloudtrail_identity"] == "differs: MySessionName / ben"
    assert "(CloudTrail differs: MySessionName / ben)" in trace_line(row)
    identity["arn"] = identity["arn"].rsplit("/", 1)[0] + "/ann@c"
    identity["sessionContext"]["sourceIdentity"] = "ann"
    assert joined([record], [event], now=1_800_000_100.0)[0]["cloudtrail_identity"] == "same"


def test_audit_says_what_to_do_when_cloudtrail_is_refused(sandbox, tmp_path):
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "cloudtrail:LookupEvents", "Resource": "*"}],
    }
    sandbox.backdoor_session(sandbox.admin_account).client("iam").put_role_policy(
        RoleName="AdminEnvRole", PolicyName="NoLookups", PolicyDocument=json.dumps(deny)
    )
    result = whodidthis(sandbox, tmp_path, "ann", "audit")
    assert result.returncode == 1
    assert "LookupEvents was refused (AccessDenied" in result.stderr
    assert "Traceback" not in result.stderr
