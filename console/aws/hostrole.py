"""The host role's ARN as IAM names it, path included, never rebuilt from the session ARN.

A role session's ARN (``arn:aws:sts::A:assumed-role/AdminEnvRole/i-0...``) drops the role's
path; a trust policy must name the role with it (``arn:aws:iam::A:role/automation/
AdminEnvRole``), or IAM refuses the policy as naming no such role. So the ARN comes from IAM:
``iam:GetRole`` on the role's name, else ``iam:GetInstanceProfile`` on the instance profile IMDS
reports (``iam/info``). Both are granted by the host policy ``iam-templates`` writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from console.aws.identity import role_of

IMDS_INFO = "latest/meta-data/iam/info"


@dataclass(frozen=True)
class HostRole:
    """The host role's ARN and how it was found.

    Attributes:
        arn: the role's ARN with its path; None when IAM could not tell.
        source: ``iam:GetRole``, ``iam:GetInstanceProfile`` or None.
        problem: why IAM could not tell (the calls' errors), else None.
    """

    arn: str | None
    source: str | None
    problem: str | None = None


def _error_text(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    error = response.get("Error", {})
    return f"{error.get('Code')}: {error.get('Message')}" if error else str(exc)


def _instance_profile_name(botocore_session) -> str | None:
    """The instance profile's name from IMDSv2 (``iam/info``), or None off EC2."""
    import urllib.request

    endpoint = (
        botocore_session.get_config_variable("ec2_metadata_service_endpoint")
        or "http://169.254.169.254/"
    ).rstrip("/")
    try:
        put = urllib.request.Request(
            f"{endpoint}/latest/api/token",
            method="PUT",
            headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"},
        )
        with urllib.request.urlopen(put, timeout=1) as answer:
            token = answer.read().decode()
        get = urllib.request.Request(
            f"{endpoint}/{IMDS_INFO}", headers={"X-aws-ec2-metadata-token": token}
        )
        with urllib.request.urlopen(get, timeout=1) as answer:
            info = json.loads(answer.read())
    except (OSError, ValueError):
        return None  # not on EC2, or IMDS unreachable
    arn = info.get("InstanceProfileArn") or ""
    return arn.rsplit("/", 1)[-1] or None


def lookup_host_role(session_arn: str | None, botocore_session=None, region=None) -> HostRole:
    """Ask IAM for the ARN of the role behind ``session_arn`` (the host's caller identity)."""
    import botocore.session

    name = role_of(session_arn)
    if name is None:
        return HostRole(None, None, "the host is not acting as a role")
    session = botocore_session or botocore.session.get_session()
    # botocore's own (not aio) client: types-aiobotocore types only aiobotocore's.
    iam: Any = session.create_client("iam", region_name=region or "us-east-1")
    problems = []
    try:
        return HostRole(iam.get_role(RoleName=name)["Role"]["Arn"], "iam:GetRole")
    except Exception as exc:
        problems.append(f"iam:GetRole: {_error_text(exc)}")
    profile = _instance_profile_name(session)
    if profile is not None:
        try:
            roles = iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]
            for role in roles["Roles"]:
                if role["RoleName"] == name:
                    return HostRole(role["Arn"], "iam:GetInstanceProfile")
        except Exception as exc:
            problems.append(f"iam:GetInstanceProfile: {_error_text(exc)}")
    return HostRole(None, None, "; ".join(problems) or "no instance profile found")
