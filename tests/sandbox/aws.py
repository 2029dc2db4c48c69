"""Small helpers for the sandbox tests: sessions, assuming roles, catching AWS errors."""

from __future__ import annotations

import boto3
import botocore.exceptions
from botocore.config import Config

ADMIN = "100000000000"
HOST_ROLE_ARN = f"arn:aws:iam::{ADMIN}:role/AdminEnvRole"
SESSION_NAME = "operator@dojo-2026-12"
TAGS = [{"Key": "course", "Value": "dojo-2026-12"}, {"Key": "operator", "Value": "operator"}]


def manage_role(account: str) -> str:
    return f"arn:aws:iam::{account}:role/ManageEnvRole"


def host() -> boto3.Session:
    """The host as the product sees it: botocore's default chain (IMDS, via the test env)."""
    return boto3.Session()


def assume(session: boto3.Session, role_arn: str, **kwargs) -> dict:
    """AssumeRole's whole response."""
    kwargs.setdefault("RoleSessionName", SESSION_NAME)
    return session.client("sts").assume_role(RoleArn=role_arn, **kwargs)


def session_of(response: dict) -> boto3.Session:
    """A session holding the credentials of an AssumeRole response."""
    creds = response["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def trainee_session(account: str, **kwargs) -> boto3.Session:
    """The host's session in a trainee account (with SourceIdentity and tags by default)."""
    kwargs.setdefault("SourceIdentity", "operator")
    kwargs.setdefault("Tags", TAGS)
    return session_of(assume(host(), manage_role(account), **kwargs))


def aws_error(call, *args, **kwargs) -> dict:
    """The error response of a call that must fail (botocore's parsed form)."""
    try:
        call(*args, **kwargs)
    except botocore.exceptions.ClientError as exc:
        return exc.response
    raise AssertionError(f"{call} succeeded where it should have failed")


def denied_message(caller_arn: str, role_arn: str, action: str = "sts:AssumeRole") -> str:
    return f"User: {caller_arn} is not authorized to perform: {action} on resource: {role_arn}"


def retrying(attempts: int) -> Config:
    """Standard retry mode with ``attempts`` attempts in all (the first one included)."""
    return Config(retries={"mode": "standard", "total_max_attempts": attempts})
