"""Who made a call, from a CloudTrail event's ``userIdentity`` (CloudTrail user guide,
"CloudTrail userIdentity element": ``type`` IAMUser, AssumedRole, Root, AWSService, ...;
an assumed role's ``sessionContext.sessionIssuer.userName`` is the role's name; a console
session of an IAM user is that user's identity, with ``sessionContext.attributes``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Creator:
    """Who made a call, in words an instructor reads.

    Attributes:
        kind: ``iam-user``, ``assumed-role``, ``root``, ``aws-service`` or ``whodidthis``.
        name: the user's name, ``role/session``, or the service's name.
        arn: the principal's ARN, when the event names one.
    """

    kind: str
    name: str
    arn: str | None = None

    @property
    def text(self) -> str:
        """``alice (IAM user)``, ``LabRole/alice (assumed role)``..."""
        what = {"iam-user": "IAM user", "assumed-role": "assumed role", "root": "root user"}
        return f"{self.name} ({what.get(self.kind, self.kind)})"


def creator_of(identity: dict, course_role: str) -> Creator:
    """The creator named by ``userIdentity``; ``whodidthis`` when it is a session of the
    course's role (``course_role``, e.g. ManageEnvRole), which is how whodidthis acts."""
    kind = identity.get("type")
    arn = identity.get("arn")
    if kind == "IAMUser":
        return Creator("iam-user", identity.get("userName") or (arn or "").rsplit("/", 1)[-1], arn)
    if kind == "AssumedRole":
        issuer = (identity.get("sessionContext") or {}).get("sessionIssuer") or {}
        role = issuer.get("userName") or (arn or "/").split("/")[-2]
        session = (arn or "").rsplit("/", 1)[-1]
        if role == course_role:
            return Creator("whodidthis", f"{role}/{session}", arn)
        return Creator("assumed-role", f"{role}/{session}", arn)
    if kind == "Root":
        return Creator("root", "root", arn)
    if kind == "AWSService":
        return Creator("aws-service", identity.get("invokedBy") or "AWS", arn)
    return Creator(str(kind or "unknown").lower(), arn or "unknown", arn)


def is_trainee(creator: Creator, trainee_users: set[str]) -> bool:
    """True when ``creator`` is the trainee: their IAM user (one of ``trainee_users``; any
    IAM user when the course names none), or a role session that user started (CloudTrail
    names such a session by the role; its session name is the user's, as the console's
    "switch role" and ``aws sts assume-role`` conventions make it)."""
    if creator.kind == "iam-user":
        return not trainee_users or creator.name in trainee_users
    if creator.kind == "assumed-role":
        session = creator.name.rsplit("/", 1)[-1]
        return session in trainee_users
    return False
