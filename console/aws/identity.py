"""The host's identity and the verdict on it: "who am I, and may I act?".

The host resolves credentials through botocore's default chain only (on EC2: the instance
profile via IMDSv2). This module says which principal that is, where its keys came from, and
whether the tool may act with them. Every command that touches AWS applies the same verdict
before its first call to a trainee account.

Kept light on purpose: ``whodidthis whoami`` imports this and botocore, nothing else.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import asdict, dataclass, field
from typing import Any

from console.aws.chain import (
    IMDS_V1_PROBLEM,
    CredentialsUnloadable,
    freeze_credentials,
    imds_version,
    load_credentials,
    unloadable_sentence,
)
from console.aws.config import client_config
from console.aws.sdk.session import expiry_of
from console.credentials import mask_key_id

# botocore's Credentials.method -> the source in words.
SOURCE_WORDS = {
    "iam-role": "instance profile via IMDSv2",
    "env": "environment variables",
    "shared-credentials-file": "shared credentials file on disk",
    "config-file": "AWS config file on disk",
    "sso": "IAM Identity Center (SSO) token",
    "assume-role": "role assumed through a config profile",
    "assume-role-with-web-identity": "web identity token",
    "container-role": "container credentials endpoint",
    "custom-process": "credential_process command",
    "boto-config": "boto2 config file on disk",
    "explicit": "keys passed in code",
    "login": "console login session",
}

# Methods whose keys were read from a file on the host: the story's mistake.
STORED_KEY_METHODS = {"shared-credentials-file", "config-file", "boto-config"}
OVERRIDE_NOTE = "WARNING: --allow-long-term-keys is set; stored or long-term keys accepted."


@dataclass(frozen=True)
class HostIdentity:
    """Who the host is acting as, and the verdict on it.

    ``problems`` make the verdict not ok (exit code 3); ``notes`` are worth saying but do not.
    No field ever holds a secret; the access key id is masked.
    """

    arn: str | None
    account: str | None
    user_id: str | None
    method: str | None
    key_id_masked: str | None
    key_type: str | None
    expires_at: dt.datetime | None
    region: str | None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    imds_version: int | None = None  # 1 or 2 for the instance profile, else None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def overridden(self) -> bool:
        """True when ``--allow-long-term-keys`` let stored or long-term keys through."""
        return OVERRIDE_NOTE in self.notes

    @property
    def source_words(self) -> str:
        if self.method is None:
            return "no credentials"
        if self.method == "iam-role" and self.imds_version == 1:
            return "instance profile via IMDSv1 (no session token)"
        return SOURCE_WORDS.get(self.method, self.method)

    @property
    def role_name(self) -> str | None:
        """The role of an ``assumed-role`` ARN (``.../assumed-role/ROLE/SESSION``)."""
        return role_of(self.arn)

    @property
    def session_name(self) -> str | None:
        if self.arn and ":assumed-role/" in self.arn:
            return self.arn.rsplit("/", 1)[-1]
        return None

    def seconds_left(self, now: dt.datetime | None = None) -> int | None:
        if self.expires_at is None:
            return None
        now = now or dt.datetime.now(dt.UTC)
        return int((self.expires_at - now).total_seconds())

    def to_json(self, now: dt.datetime | None = None) -> dict:
        """The ``whoami --json`` object (docs/contracts.md: arn, account, credential_source, key_type,
        expires_at, ok, problems; and more)."""
        data = asdict(self)
        data.pop("method")
        data["credential_source"] = self.method
        data["credential_source_words"] = self.source_words
        data["expires_at"] = self.expires_at.isoformat() if self.expires_at else None
        data["seconds_left"] = self.seconds_left(now)
        data["role_name"] = self.role_name
        data["ok"] = self.ok
        return data


def role_of(arn: str | None) -> str | None:
    """``arn:aws:sts::1:assumed-role/AdminEnvRole/i-0`` -> ``AdminEnvRole``; else None."""
    if arn and ":assumed-role/" in arn:
        return arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
    if arn and ":role/" in arn:
        return arn.rsplit("/", 1)[-1]
    return None


def role_arn_of(arn: str | None) -> str | None:
    """``arn:aws:sts::A:assumed-role/AdminEnvRole/i-0`` -> ``arn:aws:iam::A:role/AdminEnvRole``:
    the ARN a trust policy names (other ARNs are returned unchanged)."""
    if not arn or ":assumed-role/" not in arn:
        return arn
    prefix, rest = arn.split(":assumed-role/", 1)
    partition, account = prefix.split(":")[1], prefix.split(":")[4]
    return f"arn:{partition}:iam::{account}:role/{rest.split('/', 1)[0]}"


def key_type_of(access_key_id: str | None) -> str | None:
    """``AKIA`` keys are long-term, ``ASIA`` keys temporary (AWS's key id prefixes)."""
    if not access_key_id:
        return None
    if access_key_id.startswith("AKIA"):
        return "long-term"
    if access_key_id.startswith("ASIA"):
        return "temporary"
    return "unknown"


def stored_key_file(method: str | None) -> str:
    """The file botocore read keys from, for the messages that tell the operator to delete it."""
    if method == "config-file":
        return os.environ.get("AWS_CONFIG_FILE", "~/.aws/config")
    if method == "boto-config":
        return os.environ.get("BOTO_CONFIG", "~/.boto")
    return os.environ.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")


def verdict(
    *,
    arn: str | None,
    method: str | None,
    key_type: str | None,
    key_id_masked: str | None,
    expected_role: str | None,
    allow_long_term: bool,
    profile_config: dict | None = None,
    imds_version: int | None = None,
) -> tuple[list[str], list[str]]:
    """The problems (each one plain sentence saying what to do instead) and notes for a host."""
    problems: list[str] = []
    notes: list[str] = []
    if method is None:
        problems.append(
            "No AWS credentials were found. Run on the automation host with the instance "
            "profile carrying AdminEnvRole attached; do not create access keys."
        )
        return problems, notes
    if method == "iam-role" and imds_version == 1:
        notes.append(IMDS_V1_PROBLEM)  # a warning: the keys are the instance profile's still
    if key_type == "long-term":
        text = (
            f"The host is using a long-term access key ({key_id_masked}, from the "
            f"{SOURCE_WORDS.get(method, method)}). Use the instance profile (AdminEnvRole) "
            "instead, then deactivate and delete this key in IAM."
        )
        (notes if allow_long_term else problems).append(text)
    if method in STORED_KEY_METHODS:
        text = (
            f"Access keys are read from a file on disk ({stored_key_file(method)}). Delete "
            "them from that file and let the instance profile provide temporary credentials."
        )
        (notes if allow_long_term else problems).append(text)
    if method == "assume-role" and (profile_config or {}).get("source_profile"):
        text = (
            "The profile assumes a role with keys from another profile on disk "
            f"(source_profile = {(profile_config or {})['source_profile']}). Use "
            "credential_source = Ec2InstanceMetadata instead, and delete the stored keys."
        )
        (notes if allow_long_term else problems).append(text)
    if allow_long_term and notes:
        notes.insert(0, OVERRIDE_NOTE)
    if method == "env" and key_type == "temporary":
        notes.append(
            "Temporary keys come from environment variables (AWS_ACCESS_KEY_ID and "
            "AWS_SESSION_TOKEN); accepted, but they are not refreshed and will expire."
        )
    if expected_role and arn and role_of(arn) != expected_role:
        problems.append(
            f"The host acts as {arn}, but the course expects the host role {expected_role}. "
            f"Run on the host whose instance profile carries {expected_role}, or fix host_role "
            "in the course file."
        )
    return problems, notes


def resolve_host_identity(
    *,
    expected_role: str | None = None,
    allow_long_term: bool = False,
    botocore_session=None,
) -> HostIdentity:
    """Resolve the host's credentials through botocore's default chain and ask STS who it is.

    Args:
        expected_role: the course's ``host_role``; acting as any other role is a problem.
        allow_long_term: ``--allow-long-term-keys``: stored or long-term keys become notes.
        botocore_session: a botocore session to use (default: a new one).
    """
    import botocore.session
    from botocore.exceptions import BotoCoreError, ClientError

    session = botocore_session or botocore.session.get_session()
    try:
        region = session.get_config_variable("region")
        # Not fetched yet: an assume-role profile sourcing stored keys is refused below
        # before botocore calls AssumeRole with them.
        creds, _ = load_credentials(session, freeze=False)
    except BotoCoreError as exc:  # the profile named by AWS_PROFILE does not exist
        return _no_identity(None, unloadable_sentence(exc, session))
    except CredentialsUnloadable as exc:
        return _no_identity(region, str(exc))
    if creds is None:
        return _no_identity(region, None)
    method = creds.method
    profile_config = session.get_scoped_config()
    facts = {"method": method, "allow_long_term": allow_long_term, "profile_config": profile_config}
    # Refused from what is in hand, before any AWS call with these keys: an assume-role
    # profile sourcing stored keys (fetching would call AssumeRole with them), then the key
    # id's prefix and where botocore found the keys.
    if method == "assume-role" and not allow_long_term:
        early, notes = verdict(
            arn=None, key_type=None, key_id_masked=None, expected_role=None, **facts
        )
        if early:
            return HostIdentity(None, None, None, method, None, None, None, region, early, notes)
    try:
        frozen = freeze_credentials(creds, session)
    except CredentialsUnloadable as exc:
        return _no_identity(region, str(exc))
    key_type = key_type_of(frozen.access_key)
    masked = mask_key_id(frozen.access_key)
    expires_at = expiry_of(creds)
    imds = imds_version(session) if method == "iam-role" else None
    facts |= {"key_type": key_type, "key_id_masked": masked}
    early, notes = verdict(arn=None, expected_role=None, **facts)
    if early:
        return HostIdentity(
            None,
            None,
            None,
            method,
            masked,
            key_type,
            expires_at,
            region,
            early,
            notes,
            imds_version=imds,
        )
    arn = account = user_id = sts_problem = None
    try:
        # botocore's own (not aio) clients: types-aiobotocore types only aiobotocore's.
        sts: Any = session.create_client(
            "sts", region_name=region or "us-east-1", config=client_config(profile_config)
        )
        answer = sts.get_caller_identity()
        arn, account, user_id = answer["Arn"], answer["Account"], answer["UserId"]
    except ClientError as exc:
        err = exc.response.get("Error", {})
        sts_problem = (
            f"STS rejected the host's credentials ({err.get('Code')}: {err.get('Message')}). "
            "Check that the instance profile is attached and the clock is right."
        )
    except BotoCoreError as exc:
        sts_problem = f"STS could not be reached ({exc}). Check the network and the region."
    problems, notes = verdict(arn=arn, expected_role=expected_role, imds_version=imds, **facts)
    if sts_problem:
        problems.append(sts_problem)
    return HostIdentity(
        arn=arn,
        account=account,
        user_id=user_id,
        method=method,
        key_id_masked=masked,
        key_type=key_type,
        expires_at=expires_at,
        region=region,
        problems=problems,
        notes=notes,
        imds_version=imds,
    )


def _no_identity(region: str | None, reason: str | None) -> HostIdentity:
    """No identity: ``reason`` says why a source failed; None means the chain found nothing."""
    problems, notes = verdict(
        arn=None,
        method=None,
        key_type=None,
        key_id_masked=None,
        expected_role=None,
        allow_long_term=False,
    )
    if reason:
        problems = [reason]  # one sentence: what failed and what to do
    return HostIdentity(None, None, None, None, None, None, None, region, problems, notes)
