"""What a trainee does by hand, as the stand-in records it: a console sign-in over the control
route, and the create events of calls made with the trainee's own access key, over HTTP."""

from __future__ import annotations

import json

import urllib3


def test_sign_in_sets_password_last_used_and_records_console_login(sandbox):
    alice, account = sandbox.trainees[0]
    iam = sandbox.backdoor_session(account).client("iam")
    iam.create_user(UserName=alice)
    assert "PasswordLastUsed" not in iam.get_user(UserName=alice)["User"]

    answer = urllib3.request(
        "POST",
        sandbox.gateway_url + "/_sandbox/sign-in",
        body=json.dumps({"account": account, "user": alice}),
    )

    assert answer.status == 200 and json.loads(answer.data)["eventName"] == "ConsoleLogin"
    assert iam.get_user(UserName=alice)["User"]["PasswordLastUsed"] is not None
    [login] = [e for e in sandbox.cloudtrail_events(account) if e["eventName"] == "ConsoleLogin"]
    assert login["eventSource"] == "signin.amazonaws.com"
    assert login["responseElements"] == {"ConsoleLogin": "Success"}
    assert login["userIdentity"]["type"] == "IAMUser" and login["userIdentity"]["userName"] == alice


def test_a_trainees_own_creates_carry_aws_fields_in_their_region(sandbox):
    alice, account = sandbox.trainees[0]
    sandbox.backdoor_session(account).client("iam").create_user(UserName=alice)
    mine = sandbox.user_session(account, alice)
    url = mine.client("sqs", region_name="ap-northeast-1").create_queue(QueueName="q")["QueueUrl"]
    ec2 = mine.client("ec2", region_name="eu-west-1")
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]
    regions = [r["RegionName"] for r in ec2.describe_regions()["Regions"]]

    events = {e["eventName"]: e for e in sandbox.cloudtrail_events(account)}
    queue, run = events["CreateQueue"], events["RunInstances"]
    assert queue["awsRegion"] == "ap-northeast-1" and queue["responseElements"]["queueUrl"] == url
    assert queue["requestParameters"] == {"queueName": "q"}
    assert run["awsRegion"] == "eu-west-1"
    items = run["responseElements"]["instancesSet"]["items"]
    assert items == [{"instanceId": instance["InstanceId"]}]
    assert queue["userIdentity"]["arn"].endswith(f":user/{alice}")
    assert len(regions) == 17 and "us-east-1" in regions
    assert not [r for r in regions if r.startswith(("cn-", "us-gov-"))]
