"""What a trainee does by hand in their account, as AWS records it.

* **Console sign-in.** ``sign_in`` stands in for a trainee signing in to the console with their
  IAM user's password: IAM's ``PasswordLastUsed`` is set (``GetUser`` returns it) and CloudTrail
  gets a ``ConsoleLogin`` event shaped as the CloudTrail user guide's sample ("AWS Management
  Console sign-in events", example "IAM user, successful sign-in"): ``eventSource``
  ``signin.amazonaws.com``, ``responseElements {"ConsoleLogin": "Success"}``,
  ``additionalEventData`` with ``LoginTo``, ``MobileVersion`` and ``MFAUsed``.
* **Create events of a trainee's own calls.** ``create_fields`` gives the CloudTrail fields AWS
  writes for the create calls a trainee makes in a lab, from the CloudTrail user guide's record
  examples ("Amazon EC2 API calls in CloudTrail": RunInstances' ``responseElements.instancesSet
  .items[].instanceId``; "Logging Amazon SQS API calls": CreateQueue's ``requestParameters
  .queueName`` and ``responseElements.queueUrl``; "Amazon S3 CloudTrail events": CreateBucket's
  ``requestParameters.bucketName``; IAM's CreateUser ``requestParameters.userName`` and
  ``responseElements.user``). ``resources`` lists what LookupEvents shows in its ``Resources``.
* **Enabled regions.** ``describe_regions`` answers ``ec2:DescribeRegions`` with the regions
  enabled in a new account: moto lists 38, including GovCloud and China, which an account of the
  ``aws`` partition never sees. AWS's General Reference ("Specify which AWS Regions your account
  can use") says regions introduced after March 20, 2019 are disabled until opted in.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

from standin import moto_state
from standin.httpserver import HttpResponse
from standin.protocols import Call

# The aws partition's regions enabled by default (AWS General Reference, "Specify which AWS
# Regions your account can use": the regions that need no opt-in).
ENABLED_REGIONS = (
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
)
_INSTANCE_ID = re.compile(rb"<instanceId>([^<]+)</instanceId>")
EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sign_in(account: str, user_name: str, now: datetime | None = None) -> dict:
    """Record a console sign-in of IAM user ``user_name``; returns the ConsoleLogin event.

    Raises:
        KeyError: the account has no such user.
    """
    moment = now or datetime.now(UTC)
    backend = moto_state.iam_backend(account)
    user = backend.users.get(user_name) if backend is not None else None
    if user is None:
        raise KeyError(f"no IAM user {user_name!r} in account {account}")
    user.password_last_used = moment.replace(tzinfo=None)  # moto formats a naive UTC time
    return {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": user.id,
            "arn": user.arn,
            "accountId": account,
            "userName": user.name,
        },
        "eventTime": _iso(moment),
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "192.0.2.110",
        "userAgent": "Mozilla/5.0 (X11; Linux x86_64)",
        "requestParameters": None,
        "responseElements": {"ConsoleLogin": "Success"},
        "additionalEventData": {
            "LoginTo": "https://console.aws.amazon.com/console/home",
            "MobileVersion": "No",
            "MFAUsed": "No",
        },
        "eventID": str(uuid.uuid4()),
        "readOnly": False,
        "eventType": "AwsConsoleSignIn",
        "managementEvent": True,
        "recipientAccountId": account,
    }


def create_fields(call: Call, path: str, body: bytes, account: str) -> dict[str, Any] | None:
    """CloudTrail's ``requestParameters``, ``responseElements`` and ``resources`` of a create
    call to ``path`` that succeeded with answer ``body``; None for calls not covered here."""
    maker = _MAKERS.get((call.service or "", call.operation or ""))
    return maker(call, body, account, path) if maker else None


def _json_body(call: Call) -> dict:
    return call.json_body if isinstance(call.json_body, dict) else {}


def _create_queue(call: Call, body: bytes, account: str, path: str) -> dict[str, Any]:
    name = _json_body(call).get("QueueName") or call.params.get("QueueName") or ""
    try:
        url = json.loads(body or b"{}").get("QueueUrl")
    except ValueError:  # the query protocol answers XML
        found = re.search(rb"<QueueUrl>([^<]+)</QueueUrl>", body)
        url = found.group(1).decode() if found else None
    arn = f"arn:aws:sqs:{call.region}:{account}:{name}"
    return {
        "requestParameters": {"queueName": name},
        "responseElements": {"queueUrl": url},
        "resources": [{"ARN": arn, "accountId": account, "type": "AWS::SQS::Queue"}],
    }


def _run_instances(call: Call, body: bytes, account: str, path: str) -> dict[str, Any]:
    ids = [found.decode() for found in _INSTANCE_ID.findall(body)]
    return {
        "requestParameters": {
            "instancesSet": {"items": [{"imageId": call.params.get("ImageId")}]},
            "instanceType": call.params.get("InstanceType"),
        },
        "responseElements": {"instancesSet": {"items": [{"instanceId": i} for i in ids]}},
        "resources": [
            {
                "ARN": f"arn:aws:ec2:{call.region}:{account}:instance/{i}",
                "accountId": account,
                "type": "AWS::EC2::Instance",
            }
            for i in ids
        ],
    }


def _create_bucket(call: Call, body: bytes, account: str, path: str) -> dict[str, Any]:
    bucket = unquote(path).strip("/").split("/", 1)[0]
    return {
        "requestParameters": {"bucketName": bucket},
        "responseElements": None,
        "resources": [
            {"ARN": f"arn:aws:s3:::{bucket}", "accountId": account, "type": "AWS::S3::Bucket"}
        ],
    }


def _create_user(call: Call, body: bytes, account: str, path: str) -> dict[str, Any]:
    name = call.params.get("UserName") or ""
    arn = f"arn:aws:iam::{account}:user/{name}"
    return {
        "requestParameters": {"userName": name},
        "responseElements": {"user": {"userName": name, "arn": arn}},
        "resources": [{"ARN": arn, "accountId": account, "type": "AWS::IAM::User"}],
    }


_MAKERS = {
    ("sqs", "CreateQueue"): _create_queue,
    ("ec2", "RunInstances"): _run_instances,
    ("iam", "CreateUser"): _create_user,
    ("s3", "CreateBucket"): _create_bucket,
}


def describe_regions(call: Call, request_id: str) -> HttpResponse:
    """``ec2:DescribeRegions``: the regions enabled in the account (``RegionNames`` filters)."""
    wanted = [v for k, v in sorted(call.params.items()) if k.startswith("RegionName.")]
    names = [r for r in ENABLED_REGIONS if not wanted or r in wanted]
    items = "".join(
        f"<item><regionName>{escape(r)}</regionName>"
        f"<regionEndpoint>ec2.{escape(r)}.amazonaws.com</regionEndpoint>"
        "<optInStatus>opt-in-not-required</optInStatus></item>"
        for r in names
    )
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeRegionsResponse xmlns="{EC2_NAMESPACE}">'
        f"<requestId>{request_id}</requestId><regionInfo>{items}</regionInfo>"
        "</DescribeRegionsResponse>"
    )
    return HttpResponse(200, [("Content-Type", "text/xml;charset=UTF-8")], text.encode())
