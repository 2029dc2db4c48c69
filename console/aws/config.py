"""How every AWS client is configured: retry mode, attempts, per-client retry budgets.

docs/contracts.md, "AWS settings and retries": retries default to standard or adaptive mode with 10 attempts, unless the operator's
own ``AWS_RETRY_MODE`` / ``AWS_MAX_ATTEMPTS`` or profile say otherwise. botocore's own default is
``legacy``, which a 30% throttling storm defeats, so the default is set explicitly here.
"""

from __future__ import annotations

import os
from typing import Literal, TypedDict, cast

from botocore.config import Config

from console.credentials import mask_key_id  # the one masking, kept importable from here

__all__ = ["aio_client_config", "client_config", "mask_key_id", "retry_settings"]

DEFAULT_RETRY_MODE = "standard"
DEFAULT_MAX_ATTEMPTS = 10

RetryMode = Literal["legacy", "standard", "adaptive"]


class Retries(TypedDict, total=False):
    """botocore's ``Config(retries=...)``: the mode and the attempts, the first one counted."""

    total_max_attempts: int
    max_attempts: int
    mode: RetryMode


def retry_settings(profile_config: dict | None = None, *, mode: str | None = None) -> Retries:
    """The ``retries`` dict for a client: the operator's settings win over ours.

    Args:
        profile_config: the active profile's scoped config (``session.get_scoped_config()``).
        mode: our preferred mode for this client (``adaptive`` for the host's STS client).
    """
    profile_config = profile_config or {}
    chosen_mode = (
        os.environ.get("AWS_RETRY_MODE")
        or profile_config.get("retry_mode")
        or mode
        or DEFAULT_RETRY_MODE
    )
    attempts = os.environ.get("AWS_MAX_ATTEMPTS") or profile_config.get("max_attempts")
    try:
        max_attempts = int(attempts) if attempts else DEFAULT_MAX_ATTEMPTS
    except ValueError:
        max_attempts = DEFAULT_MAX_ATTEMPTS
    # ``total_max_attempts`` counts the first attempt, as AWS_MAX_ATTEMPTS does; botocore's
    # ``max_attempts`` key would count retries only.
    # The operator's mode is passed as given: botocore refuses any other than RetryMode's when
    # the client is made (InvalidRetryModeError, naming it), which says more than we could.
    return {"mode": cast(RetryMode, chosen_mode), "total_max_attempts": max_attempts}


def client_config(
    profile_config: dict | None = None, *, mode: str | None = None, **extra
) -> Config:
    """A botocore ``Config`` with explicit retries (aiobotocore's AioConfig subclasses it)."""
    return Config(retries=retry_settings(profile_config, mode=mode), **extra)


def aio_client_config(profile_config: dict | None = None, *, mode: str | None = None, **extra):
    """An ``AioConfig`` with explicit retries, for aiobotocore clients; their connections share
    one verified TLS context (``console.aws.sdk.tls``)."""
    from aiobotocore.config import AioConfig

    from console.aws.sdk.tls import SharedTLSSession

    extra.setdefault("http_session_cls", SharedTLSSession)
    return AioConfig(retries=retry_settings(profile_config, mode=mode), **extra)
