"""Assumed-role sessions: the only place in whodidthis that calls ``sts:AssumeRole``.

The host (``AdminEnvRole``) assumes the course's role in each trainee account. Each trainee gets
one aiobotocore session whose credentials live only in memory and refresh themselves before they
expire, through aiobotocore's deferred refreshable credentials with an assume-role fetcher (no
home-made timer, no re-assume per call). Right after assuming, ``GetCallerIdentity`` on the new
session confirms who it is; that ARN is the principal the ledger and the console show.
"""

from __future__ import annotations

import asyncio
import re
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

from console.aws.attribution import Recorder, install_ledger_hooks, update_context
from console.aws.config import aio_client_config
from console.aws.identity import role_arn_of
from console.aws.sdk.session import acting_with, credentials_of, engine_session
from console.errors import WhodidthisError
from console.redaction import quiet_sdk_loggers

MAX_DURATION = 3600  # role chaining caps sessions at one hour
_STS_NAME = re.compile(r"[^\w+=,.@-]")
_TAG_VALUE = re.compile(r"[^\w.:/=+\-@ ]")


def sts_name(text: str, *, filler: str = "x") -> str:
    """Make ``text`` a valid RoleSessionName / SourceIdentity: 2-64 chars of ``[\\w+=,.@-]``.

    ``\\w`` here is ASCII: STS rejects other letters.
    """
    cleaned = _STS_NAME.sub("-", text.encode("ascii", "replace").decode().replace("?", "-"))
    if cleaned.lower().startswith("aws:"):
        cleaned = "op-" + cleaned
    cleaned = cleaned[:64]
    return cleaned if len(cleaned) >= 2 else (cleaned + filler * 2)[:2]


def session_name(operator: str, course: str) -> str:
    """``<operator>@<course>``, trimmed to STS rules; the course part is kept when trimming."""
    operator, course = sts_name(operator), sts_name(course)
    room = 64 - len(course) - 1
    if room < 2:
        return sts_name(f"{operator}@{course}")
    return f"{operator[:room]}@{course}"


def tag_value(text: str) -> str:
    """A session tag value: at most 256 chars of the allowed set."""
    return _TAG_VALUE.sub("-", text)[:256]


class AssumeRoleDenied(WhodidthisError):
    """AssumeRole was refused: says who asked, for which role, and the likely causes."""

    def __init__(
        self, *, role_arn: str, host_arn: str | None, code: str, message: str, source_identity: bool
    ):
        self.role_arn, self.host_arn, self.code, self.aws_message = (
            role_arn,
            host_arn,
            code,
            message,
        )
        causes = [
            f"the trust policy of {role_arn} does not trust {role_arn_of(host_arn) or 'the host role'}",
            "the role does not exist in that account",
            "the host's own policy does not allow sts:AssumeRole on it",
        ]
        if source_identity:
            causes.insert(1, "the trust policy lacks sts:SetSourceIdentity (the course sets it)")
        self.causes = causes
        super().__init__(
            f"{code}: {message} Likely causes: " + "; ".join(causes) + ". "
            "Run `whodidthis preflight` for the exact finding and the policy to paste."
        )


class IdentityMismatch(WhodidthisError):
    """The assumed session is not in the trainee's account."""


@dataclass
class TraineeSession:
    """An identity acting in one trainee account. Holds no credential value in its fields;
    the aiobotocore session's credentials object keeps them in memory only."""

    trainee: str
    account: str
    role_arn: str
    session_name: str
    source_identity: str | None
    principal_arn: str
    session: object  # AioSession with refreshable credentials

    @property
    def credentials(self):
        return credentials_of(self.session)  # the refreshable credentials object


class SessionBroker:
    """Assumes the course's role in trainee accounts for one operator and course.

    Use as ``async with SessionBroker(...) as broker: ts = await broker.session_for(name, acct)``.
    One STS client (adaptive retries) serves every AssumeRole; sessions are cached per trainee
    for their lifetime (the refreshable credentials renew themselves).
    """

    def __init__(
        self,
        host_session,
        *,
        region: str,
        role_name: str,
        course: str,
        operator: str,
        source_identity: bool,
        host_arn: str | None,
        recorder: Recorder,
        duration: int = MAX_DURATION,
    ):
        self._host_session = host_session
        self.region, self.role_name, self.course = region, role_name, course
        self.operator, self.host_arn, self._recorder = operator, host_arn, recorder
        self.session_name = session_name(operator, course)
        self.source_identity = sts_name(operator) if source_identity else None
        self.duration = min(duration, MAX_DURATION)
        self._stack = AsyncExitStack()
        self._sts = None
        # One config for every trainee client: botocore only reads it (our retries dict has
        # both keys, so botocore's fill-in never writes to it), and building one per client
        # was a tenth of a client's creation.
        self.client_config = aio_client_config(None)
        self._cache: dict[str, TraineeSession] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def __aenter__(self) -> SessionBroker:
        quiet_sdk_loggers()  # botocore's DEBUG output holds AssumeRole response bodies
        config = aio_client_config(self._host_session.get_scoped_config(), mode="adaptive")
        self._sts = await self._stack.enter_async_context(
            self._host_session.create_client("sts", region_name=self.region, config=config)
        )
        # AssumeRole records name the host as principal and the new session by its name.
        install_ledger_hooks(
            self._sts,
            self._recorder,
            overrides={"principal_arn": self.host_arn, "source_identity": self.source_identity},
        )
        return self

    async def warm(self, services) -> None:
        """Build (and close) one client per service before any trainee needs one.

        Creating a client makes no AWS call, but the first one of each service loads its model,
        endpoint rules and class, which every later client shares once the engine has installed
        ``console.aws.sdk``'s caches.
        """
        for service in sorted(set(services) | {"sts"}):
            async with self._host_session.create_client(
                service, region_name=self.region, config=self.client_config
            ):
                pass

    async def __aexit__(self, *exc) -> None:
        await self._stack.aclose()

    def role_arn(self, account: str) -> str:
        return f"arn:aws:iam::{account}:role/{self.role_name}"

    def forget(self, trainee: str) -> None:
        """Drop a cached session (after a denial was fixed, or a retry)."""
        self._cache.pop(trainee, None)

    async def session_for(self, trainee: str, account: str) -> TraineeSession:
        """The trainee's session, assuming the role the first time; raises AssumeRoleDenied."""
        if trainee in self._cache:
            return self._cache[trainee]
        async with self._locks.setdefault(trainee, asyncio.Lock()):
            if trainee not in self._cache:
                self._cache[trainee] = await self._assume(trainee, account)
            return self._cache[trainee]

    async def probe(
        self, trainee: str, account: str, *, source_identity: bool, tags: bool
    ) -> str | None:
        """One uncached AssumeRole with or without SourceIdentity and tags, for diagnosis;
        returns the AWS error code, or None when it was allowed. Changes nothing."""
        from botocore.exceptions import ClientError

        kwargs = self._assume_kwargs(trainee, self.role_arn(account))
        if not source_identity:
            kwargs.pop("SourceIdentity", None)
        if not tags:
            kwargs.pop("Tags")
        update_context(session_name=self.session_name, source_identity=kwargs.get("SourceIdentity"))
        try:
            await self._sts.assume_role(**kwargs)
        except ClientError as exc:
            return exc.response.get("Error", {}).get("Code", "ClientError")
        return None

    async def _assume(self, trainee: str, account: str) -> TraineeSession:
        from aiobotocore.credentials import AioDeferredRefreshableCredentials
        from botocore.exceptions import ClientError

        role_arn = self.role_arn(account)
        assumed: dict[str, str] = {}
        fetch = self._fetcher(trainee, role_arn, assumed)
        credentials = AioDeferredRefreshableCredentials(
            refresh_using=fetch, method="assume-role", time_fetcher=_utc_now
        )
        update_context(session_name=self.session_name, source_identity=self.source_identity)
        try:
            await credentials.get_frozen_credentials()  # the first AssumeRole happens here
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if error.get("Code") in ("AccessDenied", "AccessDeniedException"):
                raise AssumeRoleDenied(
                    role_arn=role_arn,
                    host_arn=self.host_arn,
                    code=error["Code"],
                    message=error.get("Message", ""),
                    source_identity=self.source_identity is not None,
                ) from None
            raise
        session = self._trainee_session(credentials)
        update_context(principal_arn=assumed["arn"])
        principal = await self._confirm(session, account, assumed["arn"])
        return TraineeSession(
            trainee, account, role_arn, self.session_name, self.source_identity, principal, session
        )

    def _assume_kwargs(self, trainee: str, role_arn: str) -> dict:
        kwargs = {
            "RoleArn": role_arn,
            "RoleSessionName": self.session_name,
            "DurationSeconds": self.duration,
            "Tags": [
                {"Key": "course", "Value": tag_value(self.course)},
                {"Key": "trainee", "Value": tag_value(trainee)},
                {"Key": "operator", "Value": tag_value(self.operator)},
            ],
        }
        if self.source_identity:
            kwargs["SourceIdentity"] = self.source_identity
        return kwargs

    def _trainee_session(self, credentials):
        """A session that acts with ``credentials`` and shares everything else with the host
        (``console.aws.sdk.session.acting_with`` says why a copy)."""
        return acting_with(self._host_session, credentials)

    def _fetcher(self, trainee: str, role_arn: str, assumed: dict):
        """The assume-role fetcher the refreshable credentials call, now and at each refresh."""
        kwargs = self._assume_kwargs(trainee, role_arn)

        async def fetch() -> dict:
            answer = await self._sts.assume_role(**kwargs)
            assumed["arn"] = answer["AssumedRoleUser"]["Arn"]
            creds = answer["Credentials"]
            return {
                "access_key": creds["AccessKeyId"],
                "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"],
                "expiry_time": creds["Expiration"].isoformat(),
            }

        return fetch

    async def _confirm(self, session, account: str, expected_arn: str) -> str:
        """GetCallerIdentity on the new session: the principal the ledger will show."""
        async with session.create_client(
            "sts", region_name=self.region, config=self.client_config
        ) as sts:
            install_ledger_hooks(sts, self._recorder)
            answer = await sts.get_caller_identity()
        if answer["Account"] != account:
            raise IdentityMismatch(
                f"Assuming the role for account {account} gave a session in account "
                f"{answer['Account']} ({answer['Arn']}); check the trainee's account id in the "
                "course file."
            )
        return answer["Arn"]


def _utc_now() -> datetime:
    """The credentials' clock: botocore's default asks ``dateutil`` for the local zone on
    every signed request, only to compare with the expiry (an aware UTC time)."""
    return datetime.now(UTC)


def broker_for(course, *, host_arn: str | None, operator: str, recorder: Recorder) -> SessionBroker:
    """A broker for ``course``, acting from the host's default-chain session."""
    return SessionBroker(
        engine_session(),
        region=course.region,
        role_name=course.role_name,
        course=course.name,
        operator=operator,
        source_identity=course.source_identity,
        host_arn=host_arn,
        recorder=recorder,
    )
