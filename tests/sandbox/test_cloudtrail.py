"""The sandbox's CloudTrail (LookupEvents) and Session Manager sessions (DescribeSessions), in
AWS's shapes, seen through boto3 as any SDK would."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

from tests.sandbox.aws import ADMIN, assume, host, manage_role, session_of

REGION = "ap-northeast-1"


def events(session, **kwargs):
    answer = session.client("cloudtrail", region_name=REGION).lookup_events(**kwargs)
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
    assumed = [e for e in in_trainee if e["eventName"] == "AssumeRole"]
    assert [e["requestID"] for e in assumed] == [request_id]
    assert request_id in {e["requestID"] for e in in_admin if e["eventName"] == "AssumeRole"}
    assert assumed[0]["responseElements"]["credentials"]["accessKeyId"] == key
    assert assumed[0]["requestParameters"]["sourceIdentity"] == "ann"
    assert assumed[0]["userIdentity"]["arn"].startswith(f"arn:aws:sts::{ADMIN}:assumed-role/")

    [created] = [e for e in in_trainee if e["eventName"] == "CreateUser"]
    identity = created["userIdentity"]
    assert identity["type"] == "AssumedRole" and identity["accessKeyId"] == key
    assert identity["principalId"] == answer["AssumedRoleUser"]["AssumedRoleId"]
    assert identity["principalId"].startswith("AROA") and identity["principalId"].endswith(
        ":operator@dojo-2026-12"
    )
    assert identity["sessionContext"]["sourceIdentity"] == "ann"
    assert created["eventSource"] == "iam.amazonaws.com" and created["readOnly"] is False
    assert created["resources"] == [
        {
            "ARN": f"arn:aws:iam::{account}:user/probe",
            "accountId": account,
            "type": "AWS::IAM::User",
        }
    ]
    trail_ids = {r["request_id"] for r in sandbox.trail()}
    assert created["requestID"] in trail_ids

    found, raw = events(
        trainee, LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": "probe"}]
    )
    assert [e["eventName"] for e in found] == ["CreateUser"]
    assert raw["Events"][0]["Username"] == "operator@dojo-2026-12"
    assert raw["Events"][0]["Resources"] == [
        {"ResourceType": "AWS::IAM::User", "ResourceName": "probe"}
    ]


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
