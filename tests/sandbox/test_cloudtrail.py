"""The sandbox's CloudTrail (LookupEvents) and Session Manager sessions (DescribeSessions), in
AWS's shapes, seen through boto3 as any SDK would."""

from __future__ import annotations

import json
import time

import botocore.exceptions
import pytest

from standin.ssm_sessions import new_session_id
from tests.aws_samples import (
    ASSUME_ROLE_CALLER_COPY,
    ASSUME_ROLE_ROLE_ACCOUNT_COPY,
    ASSUMED_ROLE_IDENTITY,
    IAM_GET_USER_POLICY,
    required_keys,
)
from tests.sandbox.aws import ADMIN, assume, host, manage_role, session_of

REGION = "ap-northeast-1"


def events(session, region=REGION, **kwargs):
    answer = session.client("cloudtrail", region_name=region).lookup_events(**kwargs)
    return [json.loads(e["CloudTrailEvent"]) for e in answer["Events"]], answer


def test_an_assume_role_is_in_both_accounts_and_ties_the_session_to_its_calls(sandbox):
    account = sandbox.trainees[0][1]
    answer = assume(host(), manage_role(account), SourceIdentity="ann")
    trainee = session_of(answer)
    trainee.client("iam", region_name=REGION).create_user(UserName="probe")
    key = answer["Credentials"]["AccessKeyId"]
    request_id = answer["ResponseMetadata"]["RequestId"]

    in_trainee = sandbox.cloudtrail_events(account)
    in_admin = sandbox.cloudtrail_events(ADMIN)
    [copy] = [e for e in in_trainee if e["eventName"] == "AssumeRole"]
    [caller] = [e for e in in_admin if e["requestID"] == request_id]
    # The role account's copy, as the IAM User Guide's cross-account sample shows it.
    assert set(copy["userIdentity"]) == set(ASSUME_ROLE_ROLE_ACCOUNT_COPY["userIdentity"])
    assert copy["userIdentity"]["type"] == "AWSAccount" and "arn" not in copy["userIdentity"]
    assert copy["userIdentity"]["accountId"] == ADMIN and "resources" not in copy
    assert required_keys(ASSUME_ROLE_ROLE_ACCOUNT_COPY) <= set(copy)
    assert copy["sharedEventID"] == caller["sharedEventID"] and copy["eventID"] != caller["eventID"]
    assert copy["responseElements"]["credentials"]["accessKeyId"] == key
    assert copy["requestParameters"]["sourceIdentity"] == "ann"
    assert caller["userIdentity"]["arn"].startswith(f"arn:aws:sts::{ADMIN}:assumed-role/")
    assert caller["resources"][0]["type"] == "AWS::IAM::Role"
    assert required_keys(ASSUME_ROLE_CALLER_COPY) <= set(caller)

    [created] = [e for e in in_trainee if e["eventName"] == "CreateUser"]
    identity = created["userIdentity"]
    assert set(ASSUMED_ROLE_IDENTITY) <= set(identity)
    assert identity["type"] == "AssumedRole" and identity["accessKeyId"] == key
    assert identity["principalId"] == answer["AssumedRoleUser"]["AssumedRoleId"]
    assert identity["principalId"].startswith("AROA") and identity["principalId"].endswith(
        ":operator@dojo-2026-12"
    )
    assert identity["sessionContext"]["sourceIdentity"] == "ann"
    assert created["eventSource"] == "iam.amazonaws.com" and created["readOnly"] is False
    # IAM's records: in us-east-1, without "resources" (the GetUserPolicy sample has none).
    assert created["awsRegion"] == "us-east-1" and "resources" not in created
    assert "resources" not in IAM_GET_USER_POLICY
    assert created["requestParameters"] == {"userName": "probe"}
    trail_ids = {r["request_id"] for r in sandbox.trail()}
    assert created["requestID"] in trail_ids

    found, raw = events(
        trainee,
        region="us-east-1",
        LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": "probe"}],
    )
    assert [e["eventName"] for e in found] == ["CreateUser"]
    assert raw["Events"][0]["Username"] == "operator@dojo-2026-12"
    assert raw["Events"][0]["Resources"] == [
        {"ResourceType": "AWS::IAM::User", "ResourceName": "probe"}
    ]
    in_course_region, _ = events(
        trainee, LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": "probe"}]
    )
    assert in_course_region == []  # IAM's events are not in the course's region
    by_key, _ = events(
        trainee,
        region="us-east-1",
        LookupAttributes=[{"AttributeKey": "AccessKeyId", "AttributeValue": key}],
    )
    # Every call of the session, its own LookupEvents included (read-only).
    assert [e["requestID"] for e in by_key if not e["readOnly"]] == [created["requestID"]]


def test_records_wait_for_their_delivery(sandbox):
    account = sandbox.trainees[0][1]
    sandbox.set_cloudtrail_delivery_delay(2.0)
    trainee = session_of(assume(host(), manage_role(account)))
    trainee.client("iam", region_name=REGION).create_user(UserName="late")
    lookup = [{"AttributeKey": "ResourceName", "AttributeValue": "late"}]
    assert events(trainee, region="us-east-1", LookupAttributes=lookup)[0] == []
    assert [e["eventName"] for e in sandbox.cloudtrail_events(account)].count("CreateUser") == 1
    time.sleep(2.1)
    found, _ = events(trainee, region="us-east-1", LookupAttributes=lookup)
    assert [e["eventName"] for e in found] == ["CreateUser"]


def test_lookup_events_allows_one_attribute_and_two_requests_a_second(sandbox):
    account = sandbox.trainees[0][1]
    trainee = session_of(assume(host(), manage_role(account)))
    client = trainee.client(
        "cloudtrail",
        region_name=REGION,
        config=botocore.config.Config(retries={"mode": "standard", "max_attempts": 1}),
    )
    with pytest.raises(botocore.exceptions.ClientError) as two:
        client.lookup_events(
            LookupAttributes=[
                {"AttributeKey": "EventName", "AttributeValue": "CreateUser"},
                {"AttributeKey": "ResourceName", "AttributeValue": "x"},
            ]
        )
    assert two.value.response["Error"]["Code"] == "InvalidLookupAttributesException"
    codes = []
    for _ in range(4):  # well within one second
        try:
            client.lookup_events(MaxResults=1)
            codes.append("ok")
        except botocore.exceptions.ClientError as exc:
            codes.append(exc.response["Error"]["Code"])
    assert "ThrottlingException" in codes and codes[0] == "ok"


def test_describe_sessions_lists_the_active_sessions_of_this_instance(sandbox):
    owner = "arn:aws:iam::100000000000:user/ben"
    session_id = sandbox.open_ssm_session(owner)
    ssm = host().client("ssm", region_name=REGION)
    active = ssm.describe_sessions(
        State="Active", Filters=[{"key": "Target", "value": sandbox.instance_id}]
    )["Sessions"]
    assert [(s["SessionId"], s["Owner"], s["Status"]) for s in active] == [
        (session_id, owner, "Connected")
    ]
    elsewhere = ssm.describe_sessions(
        State="Active", Filters=[{"key": "Target", "value": "i-0000000000000000f"}]
    )["Sessions"]
    assert elsewhere == []
    assert ssm.describe_sessions(State="History")["Sessions"] == []
    # SSM is regional: the instance's sessions are not listed in another region.
    other = host().client("ssm", region_name="us-east-1")
    assert other.describe_sessions(State="Active")["Sessions"] == []


def test_session_ids_have_todays_form_and_opening_one_is_a_start_session_record(sandbox):
    from console.aws.ssm_host import is_session_id

    owner = "arn:aws:iam::100000000000:user/bill.birch"
    session_id = sandbox.open_ssm_session(owner)
    name, _, suffix = session_id.rpartition("-")
    assert name == "bill.birch" and len(suffix) == 26 and suffix.isalnum() and suffix.islower()
    assert is_session_id(session_id) and len(new_session_id("x" * 200)) <= 96
    sandbox.terminate_ssm_session(session_id)
    records = [
        e
        for e in sandbox.cloudtrail_events("100000000000")
        if e["eventSource"] == "ssm.amazonaws.com"
    ]
    assert [e["eventName"] for e in records] == ["StartSession", "TerminateSession"]
    start = records[0]
    assert start["userIdentity"]["arn"] == owner and start["awsRegion"] == REGION
    assert start["requestParameters"]["target"] == sandbox.instance_id
    assert start["responseElements"]["sessionId"] == session_id
    assert start["responseElements"]["tokenValue"] == "Value hidden due to security reasons."
