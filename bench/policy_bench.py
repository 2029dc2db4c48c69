"""What the evaluator costs the sandbox per call: prints microseconds, asserts nothing.

Run: ``.venv/bin/python bench/policy_bench.py``. Three numbers: one AssumeRole decision (trust
policy plus identity policies, three actions' worth of context), one ordinary call under
PowerUserAccess plus the host's inline policy, and one SigV4 check of a botocore-signed request.
"""

from __future__ import annotations

import json
import timeit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from standin.httpserver import HttpRequest
from standin.signing import signature_matches

from console.aws.permissions import host_statements
from iampolicy import (
    Caller,
    PrincipalFacts,
    assume_role_context,
    authorize,
    evaluate,
    request_context,
)

HOST = Caller(
    "arn:aws:sts::100000000000:assumed-role/AdminEnvRole/i-0",
    "100000000000",
    "arn:aws:iam::100000000000:role/AdminEnvRole",
)
POWER_USER = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "NotAction": ["iam:*", "organizations:*", "account:*"],
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Action": ["iam:ListRoles", "organizations:DescribeOrganization"],
                "Resource": "*",
            },
        ],
    }
)
INLINE = json.dumps({"Version": "2012-10-17", "Statement": host_statements()})
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": HOST.principal_arn},
                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
                "Condition": {"ArnEquals": {"aws:PrincipalArn": HOST.principal_arn}},
            }
        ],
    }
)


def _micro(call, number: int = 20000) -> float:
    return timeit.timeit(call, number=number) / number * 1e6


def main() -> None:
    role = "arn:aws:iam::200000000001:role/ManageEnvRole"
    base = request_context(HOST, PrincipalFacts(mfa=False))
    context = assume_role_context(
        base, role_session_name="ops@dojo", source_identity="ops", tags={"course": "dojo"}
    )
    identity = [POWER_USER, INLINE]

    def assume() -> None:
        for action in ("sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"):
            authorize(HOST, action, role, context, identity, TRUST, "200000000001")

    def ordinary() -> None:
        evaluate(identity, HOST, "sqs:CreateQueue", None, request_context(HOST, PrincipalFacts()))

    aws = AWSRequest(method="POST", url="http://127.0.0.1:5000/", data=b"Action=GetCallerIdentity")
    aws.headers["Host"] = "127.0.0.1:5000"
    SigV4Auth(Credentials("ASIAEXAMPLE", "secret", "token"), "sts", "us-east-1").add_auth(aws)
    signed = HttpRequest("POST", "/", "", list(aws.headers.items()), b"Action=GetCallerIdentity")

    print(f"AssumeRole decision (3 actions): {_micro(assume):7.1f} us")
    print(f"ordinary call, PowerUserAccess:  {_micro(ordinary):7.1f} us")
    print(
        f"SigV4 check:                     {_micro(lambda: signature_matches(signed, 'secret')):7.1f} us"
    )
    assert signature_matches(signed, "secret") and not signature_matches(signed, "wrong")


if __name__ == "__main__":
    main()
