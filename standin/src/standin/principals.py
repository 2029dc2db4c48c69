"""Who holds an access key: the principal behind each request, resolved from moto's state.

An assumed-role key resolves to its session (``arn:aws:sts::A:assumed-role/ROLE/SESSION``, role
``arn:aws:iam::A:role/ROLE``), an IAM user's key to the user. A key moto never issued resolves to
nothing, and the gateway answers as AWS does for an invalid token. moto forgets what AssumeRole was
told about SourceIdentity and session tags, so the gateway records those facts here, keyed by the
new session's access key id (which is never logged or written anywhere).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from iampolicy import Caller, PrincipalFacts
from standin import moto_state


@dataclass(frozen=True)
class SessionFacts:
    """What the gateway learnt when a session was issued."""

    source_identity: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Principal:
    """The identity behind one access key.

    Attributes:
        account: the principal's account.
        arn: the session ARN (assumed role) or the user ARN.
        kind: ``assumed-role`` or ``user``.
        role_arn: the role's ARN for a session, else None.
        session_name: the role session name, else None.
        source_identity: the session's SourceIdentity, else None.
        expires_at: when the key stops working (aware UTC), None for a user's key.
    """

    account: str
    arn: str
    kind: str
    role_arn: str | None = None
    session_name: str | None = None
    source_identity: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    expires_at: datetime | None = None
    principal_tags: dict[str, str] = field(default_factory=dict)
    org_id: str | None = None
    # What the gateway checks each request's signature and token against (never shown).
    secret: str | None = field(default=None, repr=False, compare=False)
    session_token: str | None = field(default=None, repr=False, compare=False)

    @property
    def caller(self) -> Caller:
        """This principal as the policy evaluator sees it."""
        return Caller(self.arn, self.account, self.role_arn or self.arn)

    @property
    def facts(self) -> PrincipalFacts:
        """What AWS knows of this principal besides its ARN (for the request context)."""
        if self.kind == "assumed-role":
            return PrincipalFacts(
                principal_type="AssumedRole",
                tags={**self.principal_tags, **self.tags},  # session tags win, as on AWS
                org_id=self.org_id,
                mfa=False,
                source_identity=self.source_identity,
            )
        return PrincipalFacts(
            principal_type="User",
            user_name=self.arn.rsplit("/", 1)[-1],
            tags=dict(self.principal_tags),
            org_id=self.org_id,
        )

    @property
    def role_name(self) -> str | None:
        """The role's name (last path segment of its ARN), for a session."""
        return self.role_arn.rsplit("/", 1)[-1] if self.role_arn else None

    def expired(self, now: datetime | None = None) -> bool:
        """True once the key's session has expired."""
        if self.expires_at is None:
            return False
        return (now or datetime.now(UTC)) >= self.expires_at


class Principals:
    """Resolves access keys to principals; remembers facts moto drops (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._facts: dict[str, SessionFacts] = {}
        self._cache: dict[str, Principal] = {}

    def remember(self, access_key_id: str, facts: SessionFacts) -> None:
        """Record what AssumeRole set for the session holding ``access_key_id``."""
        with self._lock:
            self._facts[access_key_id] = facts
            self._cache.pop(access_key_id, None)

    def clear(self) -> None:
        """Forget everything (after moto was reset)."""
        with self._lock:
            self._facts.clear()
            self._cache.clear()

    def resolve(self, access_key_id: str | None) -> Principal | None:
        """The principal holding ``access_key_id``, or None if moto never issued it."""
        if not access_key_id:
            return None
        with self._lock:
            cached = self._cache.get(access_key_id)
            facts = self._facts.get(access_key_id, SessionFacts())
        if cached is not None:
            return cached
        principal = self._lookup(access_key_id, facts)
        if principal is not None:
            with self._lock:
                self._cache[access_key_id] = principal
        return principal

    @staticmethod
    def _lookup(access_key_id: str, facts: SessionFacts) -> Principal | None:
        account = moto_state.account_from_access_key(access_key_id)
        if account is None or not moto_state.access_key_exists(account, access_key_id):
            return None
        assumed = moto_state.find_assumed_role(account, access_key_id)
        if assumed is not None:
            role_name = assumed.role_arn.rsplit("/", 1)[-1]
            role = moto_state.find_role(account, role_name)
            return Principal(
                account=account,
                arn=assumed.arn,
                kind="assumed-role",
                role_arn=role.arn if role is not None else assumed.role_arn,
                session_name=assumed.session_name,
                source_identity=facts.source_identity,
                tags=dict(facts.tags),
                expires_at=facts.expires_at or moto_state.as_utc(assumed.expiration),
                principal_tags=moto_state.tags_of(role) if role is not None else {},
                secret=assumed.secret_access_key,
                session_token=assumed.session_token,
                org_id=moto_state.organization_of(account),
            )
        user = moto_state.find_user_by_key(account, access_key_id)
        if user is not None:
            key = next(k for k in user.access_keys if k.access_key_id == access_key_id)
            return Principal(
                account=account,
                arn=user.arn,
                kind="user",
                principal_tags=moto_state.tags_of(user),
                secret=key.secret_access_key,
                org_id=moto_state.organization_of(account),
            )
        return None
