"""botocore's default chain as the host walks it: loading the credentials, saying in one sentence
why a link failed, and which IMDS version handed out the instance profile's keys.

A profile in ``~/.aws/config`` can point the chain at IAM Identity Center, a
``credential_process`` or a role to assume; each fails in its own way (no token, no program,
AccessDenied) and botocore raises each as its own exception, some of them not its own
(``FileNotFoundError`` from the process). Whatever the link, the operator gets one sentence
saying what to do, and the command exits 3.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request

#: What a link of the chain raises when it cannot produce credentials. ``OSError``: a
#: ``credential_process`` program that is missing or not executable; ``ValueError``: one that
#: prints something other than the JSON botocore expects.
UNLOADABLE = (OSError, ValueError)

IMDS_V4_ENDPOINT = "http://169.254.169.254/"
IMDS_V6_ENDPOINT = "http://[fd00:ec2::254]/"
IMDS_TOKEN_TTL = "21600"


def load_credentials(session, *, freeze: bool = True):
    """The session's credentials and their frozen keys, or ``(None, None)`` when there are none.

    Deferred credentials (SSO, assume-role) are fetched here when ``freeze`` (else the frozen
    keys are None and :func:`freeze_credentials` fetches them), so every failure surfaces here.

    Raises:
        CredentialsUnloadable: a link of the chain failed; ``str()`` is the sentence to print.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        creds = session.get_credentials()
        if creds is None:
            return None, None
        return creds, (creds.get_frozen_credentials() if freeze else None)
    except (BotoCoreError, ClientError, *UNLOADABLE) as exc:
        raise CredentialsUnloadable(unloadable_sentence(exc, session)) from None


def freeze_credentials(creds, session):
    """``creds``' keys, fetched now for deferred credentials (an assume-role profile calls
    AssumeRole here); a failure is :class:`CredentialsUnloadable` with the sentence to print."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return creds.get_frozen_credentials()
    except (BotoCoreError, ClientError, *UNLOADABLE) as exc:
        raise CredentialsUnloadable(unloadable_sentence(exc, session)) from None


class CredentialsUnloadable(Exception):
    """The default chain found a source but could not get keys from it (the message says why)."""


def profile_of(session) -> tuple[str | None, dict]:
    """The profile the session uses (None: the default) and its settings ({} if unreadable)."""
    from botocore.exceptions import BotoCoreError

    name = session.profile or os.environ.get("AWS_PROFILE") or None
    try:
        return name, dict(session.get_scoped_config())
    except BotoCoreError:
        return name, {}


def unloadable_sentence(exc: Exception, session) -> str:
    """One sentence: which link of the chain failed, why, and what to do."""
    from botocore.exceptions import ClientError, ProfileNotFound

    profile, config = profile_of(session)
    which = f"profile {profile}" if profile else "default profile"
    config_file = os.environ.get("AWS_CONFIG_FILE", "~/.aws/config")
    instead = "or unset AWS_PROFILE on the automation host to use its instance profile"
    if isinstance(exc, ProfileNotFound):
        return (
            f"The AWS profile {profile} is not in {config_file} ({_one_line(exc)}): fix "
            f"AWS_PROFILE, {instead}."
        )
    if config.get("role_arn"):
        why = _client_error(exc) if isinstance(exc, ClientError) else _one_line(exc)
        return (
            f"The {which} assumes {config['role_arn']} and that failed ({why}): make that "
            f"role trust the profile's source identity, {instead}."
        )
    if config.get("sso_start_url") or config.get("sso_session"):
        return (
            f"The {which} signs in with IAM Identity Center (SSO) and has no valid token "
            f"({_one_line(exc)}): run `aws sso login --profile {profile or 'default'}`, "
            f"{instead}."
        )
    if config.get("credential_process"):
        return (
            f"The credential_process of the {which} could not give credentials "
            f"({_one_line(exc)}): install that program or fix credential_process in "
            f"{config_file}, {instead}."
        )
    return (
        f"AWS credentials could not be loaded ({_one_line(exc)}): check AWS_PROFILE and "
        f"{config_file}, or run on the automation host with its instance profile."
    )


def _client_error(exc) -> str:
    error = exc.response.get("Error", {})
    return f"{error.get('Code')}: {error.get('Message')}"


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def imds_version(session) -> int:
    """2 when the instance metadata service hands out a session token, else 1.

    botocore asks for a token first and, when the request is refused (403, 404, 405) or times
    out, reads the credentials without one: IMDSv1. The same request, made here moments after,
    says which of the two it was. Never through a proxy (IMDS refuses proxied requests).
    """
    base = session.get_config_variable("ec2_metadata_service_endpoint")
    if not base:
        mode = (session.get_config_variable("ec2_metadata_service_endpoint_mode") or "").lower()
        base = IMDS_V6_ENDPOINT if mode == "ipv6" else IMDS_V4_ENDPOINT
    timeout = float(session.get_config_variable("metadata_service_timeout") or 1)
    request = urllib.request.Request(
        base.rstrip("/") + "/latest/api/token",
        method="PUT",
        headers={"x-aws-ec2-metadata-token-ttl-seconds": IMDS_TOKEN_TTL},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as answer:
            return 2 if answer.status == 200 and answer.read().strip() else 1
    except (urllib.error.URLError, OSError, ValueError):
        return 1


IMDS_V1_PROBLEM = (
    "warning: the instance profile's keys came over IMDSv1: the metadata service refused the IMDSv2 "
    "token request, so any process on this host (or a request forged through it) can read "
    "them without a token; require IMDSv2 on the instance (aws ec2 "
    "modify-instance-metadata-options --instance-id ID --http-tokens required "
    "--http-put-response-hop-limit 2) and make sure no proxy sits in front of 169.254.169.254."
)
