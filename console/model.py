"""The domain's plain records: what the engine writes, the store keeps and the console renders.

These dataclasses are the contract between the core and the UI. They carry no behaviour that
touches AWS, and no field ever holds a credential value.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from typing import Any, Protocol


class TraineeState(enum.StrEnum):
    """A trainee's state (docs/contracts.md, "Trainee states"; StackSets-like)."""

    PENDING = "PENDING"
    ASSUMING = "ASSUMING"
    RUNNING = "RUNNING"
    READY = "READY"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    TEARING_DOWN = "TEARING_DOWN"
    TORN_DOWN = "TORN_DOWN"

    @property
    def is_active(self) -> bool:
        """True while a worker is acting on the trainee."""
        return self in (TraineeState.ASSUMING, TraineeState.RUNNING, TraineeState.TEARING_DOWN)

    @property
    def is_final(self) -> bool:
        """True when no worker will touch the trainee again without a new command."""
        return self in (
            TraineeState.READY,
            TraineeState.FAILED,
            TraineeState.CANCELLED,
            TraineeState.TORN_DOWN,
        )


class StepState(enum.StrEnum):
    """A step's state within one trainee's pipeline."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    TORN_DOWN = "TORN_DOWN"


class Outcome(enum.StrEnum):
    """A ledger record's outcome. ``unknown`` is an intent never completed: a crash in between."""

    OK = "ok"
    ERROR = "error"
    UNKNOWN = "unknown"


class CommandKind(enum.StrEnum):
    """What a console or the CLI can ask the engine to do, through the store's command queue."""

    APPLY = "apply"
    RETRY = "retry"
    TEARDOWN = "teardown"
    CANCEL = "cancel"
    #: Delete what the named trainees made by hand (``teardown --trainee-made``'s first half;
    #: ``console.engine.trainee_made``); their environments are left as they are.
    TRAINEE_MADE = "trainee-made"


def operator_level(source: str | None) -> str | None:
    """The level of an operator recorded with ``source``: ``ssm-session`` or ``claimed``."""
    if source is None:
        return None
    return "ssm-session" if source == "ssm-session" else "claimed"


#: The words of a forgeability reason that may or may not be a forgery: an assumed-role SSM
#: session owner, whose ARN cannot say whether SAML or its caller chose the session name.
OWNER_NAME_UNSETTLED = "cannot tell SAML from the ARN"


def is_unsettled(reason: str) -> bool:
    """True for a reason that may or may not be a forgery (an assumed-role owner, whose ARN
    cannot say whether SAML or its caller named it); False for a way to forge for certain."""
    return OWNER_NAME_UNSETTLED in reason


def forgeable_words(reasons) -> str:
    """``forgeable`` when any reason is a certain way to forge, ``unsettled`` when every one
    waits for CloudTrail to settle it, ``""`` for none."""
    reasons = list(reasons)
    if not reasons:
        return ""
    return "unsettled" if all(is_unsettled(r) for r in reasons) else "forgeable"


def forgeable_of(evidence: str | None) -> list[str]:
    """The forgeability reasons in a stored ``operator_evidence`` (JSON), oldest form first."""
    import json

    return list(json.loads(evidence).get("forgeable") or []) if evidence else []


@dataclass(frozen=True, slots=True)
class Operator:
    """The human a command acts for, and how whodidthis knows it.

    ``source`` is ``ssm-session`` (the owner of the SSM Session Manager session the command was
    typed in, verified through ``ssm:DescribeSessions``), ``flag`` (``--operator``) or ``login``
    (the login user). ``arn`` is the SSM session owner's ARN, else None. ``level`` says how far
    it is known: ``claimed`` or ``ssm-session``; ``forgeable`` says why even that could be false.
    """

    name: str
    source: str = "login"
    arn: str | None = None
    #: Why the local evidence could be forged here (sudo, an endpoint override, a session name
    #: its caller chose, a worker inside another session's); empty when nothing was found.
    forgeable: tuple[str, ...] = ()
    #: The SSM session the operator was read from, and the sessions whose workers enclose it.
    session_id: str | None = None
    outer_sessions: tuple[str, ...] = ()

    @property
    def level(self) -> str:
        """``ssm-session`` (process evidence plus DescribeSessions) or ``claimed`` (a flag or
        the login). ``confirmed`` is CloudTrail's word, given by ``whodidthis audit``."""
        return operator_level(self.source) or "claimed"

    def evidence(self) -> str | None:
        """The SSM evidence as the store keeps it (JSON), or None when there is none."""
        if not (self.forgeable or self.session_id or self.outer_sessions):
            return None
        import json

        return json.dumps(
            {
                "session_id": self.session_id,
                "outer_sessions": list(self.outer_sessions),
                "forgeable": list(self.forgeable),
            }
        )

    @classmethod
    def stored(
        cls, name: str, source: str | None, arn: str | None, evidence: str | None
    ) -> Operator:
        """The operator as a store row keeps it (``evidence`` as :meth:`evidence` wrote it)."""
        import json

        found = json.loads(evidence) if evidence else {}
        return cls(
            name,
            source or "flag",
            arn,
            tuple(found.get("forgeable") or ()),
            found.get("session_id"),
            tuple(found.get("outer_sessions") or ()),
        )

    @classmethod
    def of(cls, value: Operator | str | None, fallback: str = "unknown") -> Operator:
        """``value`` as an Operator: a bare name (older callers, old store rows) is a flag."""
        if isinstance(value, Operator):
            return value
        return cls(value or fallback, "flag" if value else "login")


@dataclass(frozen=True, slots=True)
class StepStatus:
    """One step of one trainee: ``index`` is 0-based in course order."""

    index: int
    kind: str
    name: str
    state: StepState = StepState.PENDING
    error: str | None = None
    resource_arn: str | None = None


@dataclass(frozen=True, slots=True)
class Leftover:
    """A resource the teardown sweep found still carrying the trainee's ownership tags.

    ``type`` is ``service:resource-type`` as the ARN names it (``sqs:queue``, ``iam:role``).
    """

    arn: str
    type: str


@dataclass(frozen=True, slots=True)
class TraineeStatus:
    """One trainee row as the store holds it.

    ``principal_arn`` is the assumed-role ARN confirmed by GetCallerIdentity on the session that
    acts in the account; ``error_code`` is the AWS error code of the last failure, if any.
    ``leftovers`` are what the last teardown's sweep found still tagged for the trainee;
    ``receipt`` is the clean sweep's proof (``0 leftovers, checked at <ISO time>``).
    """

    name: str
    account: str
    state: TraineeState = TraineeState.PENDING
    step_index: int | None = None
    step_count: int = 0
    principal_arn: str | None = None
    session_name: str | None = None
    source_identity: str | None = None
    last_action: str | None = None
    error: str | None = None
    error_code: str | None = None
    started_at: float | None = None
    updated_at: float | None = None
    finished_at: float | None = None
    steps: tuple[StepStatus, ...] = ()
    leftovers: tuple[Leftover, ...] = ()
    receipt: str | None = None
    #: An OU trainee whose account the OU's listing lost or names otherwise (``ou_pins``).
    ou_note: str | None = None


@dataclass(frozen=True, slots=True)
class Acting:
    """Who AWS saw make a call: the identity a ledger record attributes it to.

    ``principal_arn`` is the caller's ARN (the assumed-role session, or the host for its own
    AssumeRole); ``principal_id`` is CloudTrail's ``userIdentity.principalId``
    (``AROA...:session``); ``assume_request_id`` is the request id of the AssumeRole that
    issued the credentials the call was signed with; ``access_key_digest`` is the sha256 of
    that access key id, first 16 hex digits: compared with CloudTrail's
    ``userIdentity.accessKeyId`` without the store holding a key id.
    """

    principal_arn: str | None = None
    session_name: str | None = None
    source_identity: str | None = None
    principal_id: str | None = None
    assume_request_id: str | None = None
    access_key_digest: str | None = None


#: The ledger columns (and flat JSON keys) an :class:`Acting` is kept in, by the same names.
ACTING_COLUMNS = tuple(f.name for f in fields(Acting))
#: The columns an operator is kept in (ledger and command queue alike).
OPERATOR_COLUMNS = ("operator", "operator_source", "operator_arn", "operator_evidence")


def operator_columns(operator: Operator | None) -> dict[str, str | None]:
    """``operator`` as the store's flat columns (and the JSON's keys); all None without one."""
    if operator is None:
        return dict.fromkeys(OPERATOR_COLUMNS)
    return {
        "operator": operator.name,
        "operator_source": operator.source,
        "operator_arn": operator.arn,
        "operator_evidence": operator.evidence(),
    }


def operator_name(operator: Operator | None) -> str | None:
    """The operator's name, or None when a record or command names no operator."""
    return None if operator is None else operator.name


class Columns(Protocol):
    """A store row by column name: a ``sqlite3.Row`` or a dict."""

    def __getitem__(self, name: str, /) -> Any: ...


def operator_of(columns: Columns) -> Operator | None:
    """The operator kept in ``columns`` (a store row), or None when the row names none."""
    name = columns["operator"]
    if name is None:
        return None
    return Operator.stored(
        str(name),
        _text(columns["operator_source"]),
        _text(columns["operator_arn"]),
        _text(columns["operator_evidence"]),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    """One attributed AWS call (docs/contracts.md, "Ledger record"). Never holds a credential.

    ``acting`` is who AWS saw, ``operator`` the human the command acted for (None in records
    written before operators were kept). The store and the JSON keep both flat
    (:meth:`flat`, :meth:`from_flat`), with the column names docs/contracts.md gives.
    """

    id: int | None
    ts: float
    course: str
    trainee: str
    account: str
    step: str | None
    service: str
    operation: str
    acting: Acting = Acting()
    request_id: str | None = None
    outcome: Outcome = Outcome.UNKNOWN
    error_code: str | None = None
    error_message: str | None = None
    resource_arn: str | None = None
    region: str | None = None
    operator: Operator | None = None
    #: Every attempt's request id, oldest first (retries); ``request_id`` is the answered one.
    attempt_request_ids: tuple[str, ...] = ()

    def flat(self) -> dict[str, object]:
        """The record as the ledger's columns: ``acting`` and ``operator`` spread out."""
        values: dict[str, object] = {name: getattr(self, name) for name in _RECORD_OWN}
        values.update((name, getattr(self.acting, name)) for name in ACTING_COLUMNS)
        values.update(operator_columns(self.operator))
        return values

    @classmethod
    def from_flat(cls, columns: Columns) -> LedgerRecord:
        """The record kept in ``columns`` (every name of :data:`LEDGER_COLUMNS`), as typed
        values: ``outcome`` an :class:`Outcome`, ``attempt_request_ids`` a tuple."""
        own: dict[str, Any] = {name: columns[name] for name in _RECORD_OWN}
        own["outcome"] = Outcome(own["outcome"])
        own["attempt_request_ids"] = tuple(own["attempt_request_ids"] or ())
        acting = Acting(**{name: _text(columns[name]) for name in ACTING_COLUMNS})
        return cls(**own, acting=acting, operator=operator_of(columns))


#: LedgerRecord's own scalar fields, kept in columns of the same names.
_RECORD_OWN = tuple(f.name for f in fields(LedgerRecord) if f.name not in ("acting", "operator"))
#: Every column of the ledger a record is kept in.
LEDGER_COLUMNS = (*_RECORD_OWN, *ACTING_COLUMNS, *OPERATOR_COLUMNS)


@dataclass(frozen=True, slots=True)
class Event:
    """A progress event as the engine writes it and ``apply --json`` prints it.

    ``type`` is ``trainee``, ``step``, ``action`` or ``summary``; ``fields`` holds that type's
    fields (state, step, operation, counts, ...).
    """

    id: int | None
    ts: float
    type: str
    trainee: str | None
    fields: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Command:
    """A request in the command queue, executed exactly once by the engine that claims it.

    ``id`` is its place in the queue (a command exists only once queued); ``operator`` is who
    the command acts for, or None when it was queued without one.
    """

    id: int
    kind: CommandKind
    trainees: tuple[str, ...] = ()
    operator: Operator | None = None
    created_at: float | None = None
    claimed_by: str | None = None
    claimed_at: float | None = None
    done_at: float | None = None
    result: str | None = None
