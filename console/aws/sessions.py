"""Assumed-role sessions: the only place in whodidthis that calls ``sts:AssumeRole``.

The host (``AdminEnvRole``) assumes the course's role in each trainee account. Each trainee gets
one aiobotocore session whose credentials live only in memory and refresh themselves before they
expire, through aiobotocore's deferred refreshable credentials with an assume-role fetcher (no
home-made timer, no re-assume per call). Right after assuming, ``GetCallerIdentity`` on the new
session confirms who it is; that ARN is the principal the ledger and the console show.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from console.aws.attribution import (
    LedgerContext,
    Recorder,
    current,
    install_ledger_hooks,
    update_context,
)
from console.aws.config import aio_client_config
from console.aws.identity import role_arn_of
from console.aws.names import session_name, source_identity, sts_name, tag_value
from console.aws.pacing import ASSUME_ROLE_RATE, observer, shared
from console.aws.sdk.session import acting_with, credentials_of, engine_session, utc_now
from console.errors import WhodidthisError
from console.model import Acting, Operator
from console.redaction import quiet_sdk_loggers

if TYPE_CHECKING:  # the client types are the dev group's (types-aiobotocore), not the product's
    from types_aiobotocore_sts import STSClient

MAX_DURATION = 3600  # role chaining caps sessions at one hour
__all__ = [
    "engine_session",
    "session_name",
    "sts_name",
    "tag_value",
]  # the naming rules, kept importable here


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


@dataclass(frozen=True)
class Issue:
    """What one AssumeRole answered about the session it issued (no credential value)."""

    request_id: str | None
    principal_id: str | None  # AssumedRoleUser.AssumedRoleId: ``AROA...:session``
    arn: str


@dataclass
class TraineeSession:
    """An identity acting in one trainee account for one operator. Holds no credential value
    in its fields; the aiobotocore session's credentials object keeps them in memory only.

    ``issue`` is the latest AssumeRole's answer (it changes when the credentials refresh).
    """

    trainee: str
    account: str
    role_arn: str
    session_name: str
    source_identity: str | None
    principal_arn: str
    # An AioSession with refreshable credentials. Left untyped: its clients are made for the
    # step kinds' services by name, which types-aiobotocore's overloads (one per literal) cannot type.
    session: Any
    operator: Operator | None = None
    issue: Issue | None = None

    @property
    def credentials(self):
        return credentials_of(self.session)  # the refreshable credentials object

    def acting(self) -> Acting:
        """Who AWS sees make the calls signed with this session's current credentials."""
        return Acting(
            principal_arn=self.principal_arn,
            session_name=self.session_name,
            source_identity=self.source_identity,
            principal_id=self.issue.principal_id if self.issue else None,
            assume_request_id=self.issue.request_id if self.issue else None,
        )

    def attribution(self) -> dict:
        """The ledger context's fields for calls made with this session."""
        return {"acting": self.acting(), "operator": self.operator or Operator("unknown")}


class SessionBroker:
    """Assumes the course's role in trainee accounts, for each operator with its own session.

    Use as ``async with SessionBroker(...) as broker: ts = await broker.session_for(name, acct,
    operator)``. One STS client (adaptive retries) serves every AssumeRole; sessions are cached
    per (trainee account, operator, source identity) for their lifetime (the refreshable
    credentials renew themselves), so one operator's session never acts for another's command.
    """

    _sts: STSClient  # the host's STS client, from __aenter__ (typed: types-aiobotocore)

    def __init__(
        self,
        host_session,
        *,
        region: str,
        role_name: str,
        course: str,
        operator: Operator | str,
        source_identity: bool,
        host_arn: str | None,
        recorder: Recorder,
        duration: int = MAX_DURATION,
        host_principal_id: str | None = None,
    ):
        self._host_session = host_session
        self.region, self.role_name, self.course = region, role_name, course
        self.operator = Operator.of(operator)  # for callers that name no operator
        self.host_arn, self.host_principal_id = host_arn, host_principal_id
        self._recorder = recorder
        self._source_identity = source_identity
        self.session_name = session_name(self.operator.name, course)
        self.source_identity = self.source_identity_of(self.operator)
        self.duration = min(duration, MAX_DURATION)
        self._stack = AsyncExitStack()
        # One config for every trainee client: botocore only reads it (our retries dict has
        # both keys, so botocore's fill-in never writes to it), and building one per client
        # was a tenth of a client's creation.
        self.client_config = aio_client_config(None)
        self._cache: dict[tuple[str, str, str | None], TraineeSession] = {}
        self._locks: dict[tuple[str, str, str | None], asyncio.Lock] = {}
        self._issued: dict[str, Issue] = {}  # access key id -> its AssumeRole (memory only)
        self.pace = shared("assume-role", ASSUME_ROLE_RATE)  # console.aws.pacing says why

    def source_identity_of(self, operator: Operator) -> str | None:
        """The SourceIdentity sessions for ``operator`` carry, when the course sets it."""
        return source_identity(operator.name) if self._source_identity else None

    async def __aenter__(self) -> SessionBroker:
        quiet_sdk_loggers()  # botocore's DEBUG output holds AssumeRole response bodies
        config = aio_client_config(self._host_session.get_scoped_config(), mode="adaptive")
        self._sts = await self._stack.enter_async_context(
            self._host_session.create_client("sts", region_name=self.region, config=config)
        )
        # AssumeRole records are attributed by the fetcher (see _acting_as_host).
        install_ledger_hooks(self._sts, self._recorder)
        # Every AssumeRole counts against the host's own account: one pace for the process,
        # told of each throttled attempt (first, so botocore's retry handler cannot hide it).
        self._sts.meta.events.register_first("needs-retry.sts.AssumeRole", observer(self.pace))
        return self

    async def warm(self, services) -> None:
        """Build (and close) one client per service before any trainee needs one
        (:func:`warm_clients`)."""
        await warm_clients(self._host_session, self.region, services, self.client_config)

    async def __aexit__(self, *exc) -> None:
        await self._stack.aclose()

    def role_arn(self, account: str) -> str:
        return f"arn:aws:iam::{account}:role/{self.role_name}"

    def issued(self, access_key_id: str) -> Issue | None:
        """The AssumeRole that issued ``access_key_id``, for the ledger's exact attribution."""
        return self._issued.get(access_key_id)

    def _key(self, account: str, operator: Operator) -> tuple[str, str, str | None]:
        return (account, operator.name, self.source_identity_of(operator))

    def forget(self, account: str, operator: Operator | str | None = None) -> None:
        """Drop the account's cached session of ``operator`` (default: every operator's)."""
        for key in list(self._cache):
            if key[0] == account and (operator is None or key[1] == Operator.of(operator).name):
                self._cache.pop(key, None)

    async def session_for(
        self, trainee: str, account: str, operator: Operator | str | None = None
    ) -> TraineeSession:
        """``operator``'s session in the trainee's account (default: the broker's operator),
        assuming the role the first time; raises AssumeRoleDenied.

        The task's ledger context then names that session: every record made with it carries
        its principal, session name, source identity, principal id and operator.
        """
        who = self.operator if operator is None else Operator.of(operator)
        key = self._key(account, who)
        if key not in self._cache:
            async with self._locks.setdefault(key, asyncio.Lock()):
                if key not in self._cache:
                    self._cache[key] = await self._assume(trainee, account, who)
        session = self._cache[key]
        update_context(region=self.region, **session.attribution())
        return session

    def host_client(self, service: str, region: str | None = None):
        """A client acting as the host itself (preflight's own checks, audit's CloudTrail in
        the admin account), in ``region`` or the course's; use with ``async with``."""
        return self._host_session.create_client(
            service, region_name=region or self.region, config=self.client_config
        )

    async def probe(
        self, trainee: str, account: str, *, source_identity: bool, tags: bool
    ) -> str | None:
        """One uncached AssumeRole with or without SourceIdentity and tags, for diagnosis;
        returns the AWS error code, or None when it was allowed. Changes nothing."""
        from botocore.exceptions import ClientError

        kwargs = self._assume_kwargs(trainee, self.role_arn(account), self.operator)
        if not source_identity:
            kwargs.pop("SourceIdentity", None)
        if not tags:
            kwargs.pop("Tags")
        try:
            await self.pace.wait()
            with self._acting_as_host(trainee, account, self.operator, kwargs):
                await self._sts.assume_role(**kwargs)
        except ClientError as exc:
            return exc.response.get("Error", {}).get("Code", "ClientError")
        return None

    async def _assume(self, trainee: str, account: str, operator: Operator) -> TraineeSession:
        from aiobotocore.credentials import AioDeferredRefreshableCredentials
        from botocore.exceptions import ClientError

        role_arn = self.role_arn(account)
        latest: dict[str, Any] = {}  # the latest Issue, and the session once made
        fetch = self._fetcher(trainee, account, role_arn, operator, latest)
        credentials = AioDeferredRefreshableCredentials(
            refresh_using=fetch, method="assume-role", time_fetcher=utc_now
        )
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
                    source_identity=self._source_identity,
                ) from None
            raise
        session = TraineeSession(
            trainee,
            account,
            role_arn,
            session_name(operator.name, self.course),
            self.source_identity_of(operator),
            latest["issue"].arn,
            self._trainee_session(credentials),
            operator,
        )
        session.issue = latest["issue"]
        update_context(region=self.region, **session.attribution())
        session.principal_arn = await self._confirm(session.session, account, session.principal_arn)
        latest["session"] = session  # a refresh updates session.issue from now on
        return session

    def _assume_kwargs(self, trainee: str, role_arn: str, operator: Operator) -> dict:
        kwargs = {
            "RoleArn": role_arn,
            "RoleSessionName": session_name(operator.name, self.course),
            "DurationSeconds": self.duration,
            "Tags": [
                {"Key": "course", "Value": tag_value(self.course)},
                {"Key": "trainee", "Value": tag_value(trainee)},
                {"Key": "operator", "Value": tag_value(operator.name)},
            ],
        }
        if identity := self.source_identity_of(operator):
            kwargs["SourceIdentity"] = identity
        return kwargs

    def _acting_as_host(self, trainee: str, account: str, operator: Operator, kwargs: dict):
        """The ledger context of one AssumeRole: the host is the caller (docs/contracts.md), the
        session is the new one's, the operator the command's. Restored afterwards, so a
        refresh in the middle of a trainee's call leaves that call's attribution alone."""
        base = current.get()
        if base is None:  # no trainee task is recording (a bare broker): nothing to attribute
            return contextlib.nullcontext()
        return _Context(
            replace(
                base,
                acting=Acting(
                    principal_arn=self.host_arn,
                    session_name=kwargs["RoleSessionName"],
                    source_identity=kwargs.get("SourceIdentity"),
                    principal_id=self.host_principal_id,
                    # no assume_request_id: the host's own credentials come from EC2, not STS
                ),
                region=self.region,
                operator=operator,
            )
        )

    def _trainee_session(self, credentials):
        """A session that acts with ``credentials`` and shares everything else with the host
        (``console.aws.sdk.session.acting_with`` says why a copy)."""
        return acting_with(self._host_session, credentials)

    def _fetcher(self, trainee: str, account: str, role_arn: str, operator: Operator, latest):
        """The assume-role fetcher the refreshable credentials call, now and at each refresh."""
        kwargs = self._assume_kwargs(trainee, role_arn, operator)

        async def fetch() -> dict:
            await self.pace.wait()
            with self._acting_as_host(trainee, account, operator, kwargs):
                answer = await self._sts.assume_role(**kwargs)
            creds, user = answer["Credentials"], answer["AssumedRoleUser"]
            issue = Issue(
                answer.get("ResponseMetadata", {}).get("RequestId"),
                user.get("AssumedRoleId"),
                user["Arn"],
            )
            self._issued[creds["AccessKeyId"]] = latest["issue"] = issue
            if "session" in latest:
                latest["session"].issue = issue
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
            install_ledger_hooks(sts, self._recorder, issued=self.issued)
            answer = await sts.get_caller_identity()
        if answer["Account"] != account:
            raise IdentityMismatch(
                f"Assuming the role for account {account} gave a session in account "
                f"{answer['Account']} ({answer['Arn']}); check the trainee's account id in the "
                "course file."
            )
        return answer["Arn"]


class _Context:
    """``with _Context(ctx):`` sets this task's ledger context, and puts the old one back."""

    def __init__(self, ctx: LedgerContext):
        self._ctx = ctx
        self._token: contextvars.Token[LedgerContext | None] | None = None

    def __enter__(self) -> LedgerContext:
        self._token = current.set(self._ctx)
        return self._ctx

    def __exit__(self, *exc) -> None:
        if self._token is not None:
            current.reset(self._token)


async def warm_clients(session, region: str, services, config=None) -> None:
    """Build (and close) one client per service (and STS) before any trainee needs one.

    Creating a client makes no AWS call, but the first one of each service loads its model,
    endpoint rules and class, which every later client of ``session`` shares once the engine
    has installed ``console.aws.sdk``'s caches.
    """
    config = config or aio_client_config(None)
    for service in sorted(set(services) | {"sts"}):
        async with session.create_client(service, region_name=region, config=config):
            pass


def broker_for(
    course, host, *, operator: Operator | str, recorder: Recorder, session=None
) -> SessionBroker:
    """A broker for ``course``, acting from the host's default-chain session (``session``, or
    a new :func:`engine_session`) as ``host`` (the
    :class:`~console.aws.identity.HostIdentity` whose ARN and principal id the ledger names)."""
    return SessionBroker(
        session or engine_session(),
        region=course.region,
        role_name=course.role_name,
        course=course.name,
        operator=operator,
        source_identity=course.source_identity,
        host_arn=host.arn,
        recorder=recorder,
        host_principal_id=host.user_id,
    )
