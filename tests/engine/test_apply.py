"""The engine end to end: the real CLI against the sandbox over HTTP, nothing patched."""

import json

import pytest

from tests.engine.helpers import changing, cli, ledger, status

DECOY_USER, DECOY_REPO = "decoy-user", "decoy-repo"


def decoy_bucket(account):
    return f"decoy-{account}"


def plant_decoys(sandbox):
    for _, account in sandbox.trainees:
        session = sandbox.backdoor_session(account)
        session.client("iam").create_user(UserName=DECOY_USER)
        session.client("codecommit").create_repository(repositoryName=DECOY_REPO)
        session.client("s3").create_bucket(
            Bucket=decoy_bucket(account),
            CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"},
        )


def inventory(sandbox, account):
    session = sandbox.backdoor_session(account)
    users = {u["UserName"] for u in session.client("iam").list_users()["Users"]}
    repos = {
        r["repositoryName"]
        for r in session.client("codecommit").list_repositories()["repositories"]
    }
    buckets = {b["Name"] for b in session.client("s3").list_buckets()["Buckets"]}
    clusters = set(session.client("eks").list_clusters()["clusters"])
    stacks = {
        s["StackName"]
        for s in session.client("cloudformation").list_stacks()["StackSummaries"]
        if s["StackStatus"] != "DELETE_COMPLETE"
    }
    return users, repos, buckets, clusters, stacks


def test_apply_then_teardown_removes_ours_and_spares_decoys(sandbox, tmp_path):
    plant_decoys(sandbox)
    applied = cli(sandbox, tmp_path, "apply", "--json")
    assert applied.returncode == 0, applied.stderr
    # The engine closed its store on the way out: checkpointed, no write-ahead log left.
    assert list(tmp_path.glob("*/state.sqlite3")) and not list(tmp_path.glob("*/*-wal"))
    events = [json.loads(line) for line in applied.stdout.splitlines()]
    assert events[-1]["type"] == "summary"
    assert events[-1]["states"] == {"READY": len(sandbox.trainees)}
    assert {e["type"] for e in events} >= {"trainee", "step", "summary"}
    assert all(t["state"] == "READY" for t in status(sandbox, tmp_path).values())
    name, account = sandbox.trainees[0]
    users, repos, buckets, clusters, stacks = inventory(sandbox, account)
    assert users == {name, DECOY_USER} and repos == {"dojo-app", DECOY_REPO}
    assert clusters == {f"{name}-eks"} and stacks == {f"{name}-lab"}

    plan = cli(sandbox, tmp_path, "teardown")
    assert plan.returncode == 0 and "nothing has been changed" in plan.stdout
    assert inventory(sandbox, account)[0] == {name, DECOY_USER}  # the plan changed nothing

    torn = cli(sandbox, tmp_path, "teardown", "--yes")
    assert torn.returncode == 0, torn.stderr
    assert all(t["state"] == "TORN_DOWN" for t in status(sandbox, tmp_path).values())
    for _, account in sandbox.trainees:
        assert inventory(sandbox, account) == (
            {DECOY_USER},
            {DECOY_REPO},
            {decoy_bucket(account)},
            set(),
            set(),
        )


def test_apply_again_creates_nothing_new(sandbox, tmp_path):
    assert cli(sandbox, tmp_path, "apply").returncode == 0
    creates = [r for r in ledger(sandbox, tmp_path) if r["operation"].startswith("Create")]
    again = cli(sandbox, tmp_path, "apply")
    assert again.returncode == 0, again.stderr
    creates_after = [r for r in ledger(sandbox, tmp_path) if r["operation"].startswith("Create")]
    assert creates_after == creates
    assert all(t["state"] == "READY" for t in status(sandbox, tmp_path).values())


def test_a_denied_trainee_fails_alone_then_retry_brings_it_ready(sandbox, tmp_path):
    victim, account = sandbox.trainees[5]
    sandbox.apply_before_state(victim, "other-account")
    # A trust preflight calls an error (anyone may assume): apply refuses to build there.
    open_door, open_account = sandbox.trainees[6]
    sandbox.apply_before_state(open_door, "wildcard")
    applied = cli(sandbox, tmp_path, "apply", "--json")
    assert applied.returncode == 1
    states = status(sandbox, tmp_path)
    assert states[victim]["state"] == "FAILED"
    assert states[victim]["error_code"] == "AccessDenied"
    assert "AdminEnvRole" in states[victim]["error"]  # the principal that got the denial
    assert states[victim]["error"].startswith("AccessDenied: User: ")  # the code said once
    opened = states[open_door]
    assert (opened["state"], opened["error_code"]) == ("FAILED", "UnsafeTrustPolicy")
    assert "any AWS principal (*)" in opened["error"] and "whodidthis preflight" in opened["error"]
    assert f"--trainee {open_door}" in opened["error"]
    assert changing(sandbox.trail(), {open_account}) == []  # nothing built in the open account
    assert {n for n, t in states.items() if t["state"] != "READY"} == {victim, open_door}
    # The others' trust is only a warning (no SourceIdentity required): shown, not fatal.
    events = [json.loads(line) for line in applied.stdout.splitlines()]
    warned = {e["trainee"] for e in events if e["type"] == "trust"}
    assert warned == set(states) - {victim, open_door}
    assert all(e["severity"] == "warning" for e in events if e["type"] == "trust")

    sandbox.apply_before_state(victim, "trusted")  # the trust policies are fixed
    sandbox.apply_before_state(open_door, "trusted")
    retried = cli(sandbox, tmp_path, "retry", "--trainee", victim, "--trainee", open_door)
    assert retried.returncode == 0, retried.stderr
    assert "trust warning: The trust policy lets" in retried.stdout  # said in text too
    assert {status(sandbox, tmp_path)[n]["state"] for n in (victim, open_door)} == {"READY"}


def test_a_throttling_storm_of_30_percent_is_absorbed(sandbox, tmp_path):
    sandbox.faults.set_throttle(0.3)
    applied = cli(sandbox, tmp_path, "apply")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    throttled = [
        r
        for r in sandbox.trail()
        if r["error_code"] in ("Throttling", "ThrottlingException", "SlowDown")
    ]
    assert len(throttled) > 10  # the storm was real
    assert all(t["state"] == "READY" for t in status(sandbox, tmp_path).values())


def test_the_ledger_matches_the_trail(sandbox, tmp_path):
    assert cli(sandbox, tmp_path, "apply").returncode == 0
    accounts = {account for _, account in sandbox.trainees}
    trail = sandbox.trail()
    by_request = {r["request_id"]: r for r in trail}
    records = ledger(sandbox, tmp_path)
    for record in records:
        seen = by_request[record["request_id"]]
        assert seen["principal_arn"] == record["principal_arn"], record
        assert seen["operation"] == record["operation"]
    recorded = {r["request_id"] for r in records}
    missing = [
        r
        for r in changing(trail, accounts)
        if r["status"] < 300 and r["request_id"] not in recorded
    ]
    assert missing == []
    assume = [r for r in records if r["operation"] == "AssumeRole"]
    assert all(":assumed-role/AdminEnvRole/" in r["principal_arn"] for r in assume)
    assert {r["session_name"] for r in assume} == {"alice@dojo-2026-12"}
    assert {r["source_identity"] for r in records} == {"alice"}


def test_nothing_written_or_printed_holds_a_credential(sandbox, tmp_path):
    outputs = [
        cli(sandbox, tmp_path, "apply", "--json"),
        cli(sandbox, tmp_path, "status", "--json"),
        cli(sandbox, tmp_path, "ledger", "--json"),
        cli(sandbox, tmp_path, "report", "--format", "json"),
    ]
    text = "".join(o.stdout + o.stderr for o in outputs)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            text += path.read_bytes().decode("latin-1")
    secrets = sandbox.issued_secrets()
    assert secrets
    assert [s for s in secrets if s in text] == []


def test_failure_tolerance_cancels_the_rest(sandbox, tmp_path):
    course = sandbox.course_path.read_text().replace(
        "concurrency = 10", "concurrency = 1\nfailure_tolerance = 0"
    )
    path = sandbox.course_path.parent / "strict.toml"
    path.write_text(course)
    first = sandbox.trainees[0][0]
    sandbox.apply_before_state(first, "no-role")
    result = cli(sandbox, tmp_path, "apply", course=path)
    assert result.returncode == 1
    states = status(sandbox, tmp_path, course=path)
    assert states[first]["state"] == "FAILED"
    cancelled = [t for t in states.values() if t["state"] == "CANCELLED"]
    assert len(cancelled) == len(sandbox.trainees) - 1
    assert "failure tolerance exceeded" in cancelled[0]["error"]


def test_a_stranger_resource_is_never_overwritten(sandbox, tmp_path):
    name, account = sandbox.trainees[1]
    sandbox.backdoor_session(account).client("codecommit").create_repository(
        repositoryName="dojo-app", repositoryDescription="someone else's"
    )
    assert cli(sandbox, tmp_path, "apply").returncode == 1
    row = status(sandbox, tmp_path)[name]
    assert row["state"] == "FAILED" and "dojo-app" in row["error"] and "not ours" in row["error"]
    repo = (
        sandbox.backdoor_session(account)
        .client("codecommit")
        .get_repository(repositoryName="dojo-app")["repositoryMetadata"]
    )
    assert repo["repositoryDescription"] == "someone else's"


@pytest.mark.parametrize("args", [["apply"], ["teardown", "--yes"]])
def test_refused_identity_is_exit_3_before_any_trainee_call(sandbox, tmp_path, args):
    iam = sandbox.backdoor_session("100000000000").client("iam")
    iam.create_user(UserName="jenkins")
    key = iam.create_access_key(UserName="jenkins")["AccessKey"]
    result = cli(
        sandbox,
        tmp_path,
        *args,
        env_extra={
            "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        },
    )
    assert result.returncode == 3 and "long-term access key" in result.stderr
    accounts = {account for _, account in sandbox.trainees}
    assert [
        r for r in sandbox.trail() if r["account"] in accounts or r["operation"] == "AssumeRole"
    ] == []


def test_a_bad_course_file_is_exit_2_with_no_aws_call(sandbox, tmp_path):
    bad = sandbox.course_path.parent / "bad-account.toml"
    bad.write_text(
        sandbox.course_path.read_text().replace('account = "200000000001"', 'account = "2000"')
    )
    result = cli(sandbox, tmp_path / "state", "apply", course=bad)
    assert result.returncode == 2
    assert "trainee[1].account" in result.stderr and "not 12" in result.stderr
    assert "Traceback" not in result.stderr
    assert sandbox.trail() == []
