"""Assumed-role sessions against the sandbox: naming, confirmation, refresh, retries, secrecy."""

import io
import logging

import pytest
from aiobotocore.session import AioSession

from console.aws.attribution import LedgerContext, MemoryRecorder, current
from console.aws.sessions import AssumeRoleDenied, SessionBroker
from console.model import Outcome

ADMIN = "100000000000"
HOST_PREFIX = f"arn:aws:sts::{ADMIN}:assumed-role/AdminEnvRole/"


def broker(sandbox, recorder, operator="alice", source_identity=True, course="dojo-2026-12"):
    return SessionBroker(
        AioSession(),
        region="ap-northeast-1",
        role_name="ManageEnvRole",
        course=course,
        operator=operator,
        source_identity=source_identity,
        host_arn=HOST_PREFIX + sandbox.instance_id,
        recorder=recorder,
    )


def trail_for(sandbox, operation, account=None):
    return [
        r
        for r in sandbox.trail()
        if r["operation"] == operation and (account is None or r["account"] == account)
    ]


async def test_session_acts_in_the_trainee_account_with_our_names(sandbox):
    name, account = sandbox.trainees[0]
    recorder = MemoryRecorder()
    current.set(LedgerContext("dojo-2026-12", name, account))
    async with broker(sandbox, recorder) as b:
        ts = await b.session_for(name, account)
        assert ts.principal_arn == (
            f"arn:aws:sts::{account}:assumed-role/ManageEnvRole/alice@dojo-2026-12"
        )
        assert ts.session_name == "alice@dojo-2026-12" and ts.source_identity == "alice"
        assert await b.session_for(name, account) is ts  # cached for its lifetime
        async with ts.session.create_client("s3", region_name="ap-northeast-1") as s3:
            await s3.create_bucket(
                Bucket="landed-here",
                CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"},
            )
    assume = trail_for(sandbox, "AssumeRole")
    assert len(assume) == 1 and assume[0]["principal_arn"].startswith(HOST_PREFIX)
    created = trail_for(sandbox, "CreateBucket")
    assert created[0]["account"] == account
    assert created[0]["principal_arn"] == ts.principal_arn
    assert created[0]["source_identity"] == "alice"
    other = sandbox.backdoor_session(sandbox.trainees[1][1]).client("s3")
    assert "landed-here" not in [b["Name"] for b in other.list_buckets()["Buckets"]]
    ops = [(r.operation, r.acting.principal_arn, r.outcome) for r in recorder.records]
    assert ops[0][0] == "AssumeRole" and ops[0][1].startswith(HOST_PREFIX)
    assert ops[1] == ("GetCallerIdentity", ts.principal_arn, Outcome.OK)
    assert recorder.records[0].request_id == assume[0]["request_id"]


async def test_denied_assume_is_reported_at_once_and_not_retried(sandbox):
    sandbox.apply_before_state(sandbox.trainees[2][0], "other-account")
    name, account = sandbox.trainees[2]
    current.set(LedgerContext("dojo-2026-12", name, account))
    async with broker(sandbox, MemoryRecorder()) as b:
        with pytest.raises(AssumeRoleDenied) as caught:
            await b.session_for(name, account)
    err = caught.value
    assert (
        err.code == "AccessDenied" and err.role_arn == f"arn:aws:iam::{account}:role/ManageEnvRole"
    )
    assert "is not authorized to perform: sts:AssumeRole" in str(err)
    assert "trust policy" in str(err) and "sts:SetSourceIdentity" in str(err)
    assert f"does not trust arn:aws:iam::{ADMIN}:role/AdminEnvRole" in str(err)
    assert len(trail_for(sandbox, "AssumeRole", ADMIN)) == 1  # no retry of AccessDenied


async def test_throttled_assume_is_retried(sandbox):
    name, account = sandbox.trainees[3]
    sandbox.faults.add_error(
        "Throttling", "Rate exceeded", 400, service="sts", operation="AssumeRole", first=2
    )
    current.set(LedgerContext("dojo-2026-12", name, account))
    async with broker(sandbox, MemoryRecorder()) as b:
        ts = await b.session_for(name, account)
    assert ts.principal_arn.startswith(f"arn:aws:sts::{account}:")
    statuses = [r["status"] for r in trail_for(sandbox, "AssumeRole")]
    assert statuses == [400, 400, 200]


async def test_credentials_refresh_before_they_expire(sandbox):
    name, account = sandbox.trainees[4]
    # 11 minutes: inside botocore's 15-minute advisory window, outside the 10-minute mandatory.
    sandbox.faults.set_credential_lifetime(660)
    current.set(LedgerContext("dojo-2026-12", name, account))
    async with broker(sandbox, MemoryRecorder()) as b:
        ts = await b.session_for(name, account)
        first = (await ts.credentials.get_frozen_credentials()).access_key
        async with ts.session.create_client("sts", region_name="ap-northeast-1") as sts:
            who = await sts.get_caller_identity()
        second = (await ts.credentials.get_frozen_credentials()).access_key
    assert who["Account"] == account
    assert first != second  # refreshed through the deferred assume-role fetcher
    assert len(trail_for(sandbox, "AssumeRole")) >= 2


async def test_no_credential_value_reaches_a_logger_or_the_records(sandbox, capsys):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    recorder = MemoryRecorder()
    try:
        for name, account in sandbox.trainees[:3]:
            current.set(LedgerContext("dojo-2026-12", name, account))
            async with broker(sandbox, recorder) as b:
                ts = await b.session_for(name, account)
                await ts.credentials.get_frozen_credentials()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    written = stream.getvalue() + repr(recorder.records) + "".join(capsys.readouterr())
    secrets = sandbox.issued_secrets()
    assert secrets  # the sandbox did issue some
    assert [s for s in secrets if s in written] == []
