"""Preflight's checks beyond the assume itself: why a refused AssumeRole was refused, and
whether each trainee's role may make every call the course will make.

A refused AssumeRole says only "not authorized"; the checks say only what they establish:

1. the host's own identity policy, asked of IAM (``iam:SimulatePrincipalPolicy`` on the host
   role, for the AssumeRole actions on the trainee's role): if it refuses, that is the cause;
2. if it allows, the refusal comes from the trainee account: a plainer AssumeRole (without
   SourceIdentity, without tags, without both) tells a missing ``sts:SetSourceIdentity``,
   ``sts:TagSession`` or both apart, naming every missing one at once; otherwise the role is missing or its trust policy (or an SCP)
   refuses, and the message names the conditions to look for.

The permission check simulates, as each trainee's role on itself, every action the course's
steps and CloudFormation templates need (``console.aws.permissions``).
"""

from __future__ import annotations

import json

from console.aws.permissions import manage_role_policies, manage_role_statements
from console.aws.policy_quotas import PolicyQuotaExceeded, document, quota_warnings
from console.aws.simulate import simulate
from console.aws.trustlint import ERROR, WARNING, Finding

TRUST_CONDITIONS = (
    "a Principal other than exactly {host} (a role's ARN includes its path)",
    "a condition on sts:ExternalId",
    "aws:MultiFactorAuthPresent or aws:MultiFactorAuthAge",
    "sts:SourceIdentity",
    "sts:RoleSessionName",
    "aws:RequestTag/* or aws:TagKeys",
    "aws:PrincipalTag/* (the host role's own tags)",
    "aws:PrincipalArn (must name exactly {host})",
    "an aws:CurrentTime date window",
    "an explicit Deny",
)


def assume_actions(source_identity: bool) -> list[str]:
    """The actions the product's AssumeRole needs."""
    actions = ["sts:AssumeRole", "sts:TagSession"]
    if source_identity:
        actions.insert(1, "sts:SetSourceIdentity")
    return actions


async def diagnose(broker, trainee, host_role_arn: str) -> str:
    """What is known about why the host may not assume the trainee's role."""
    role_arn = broker.role_arn(trainee.account)
    actions = assume_actions(bool(broker.source_identity))
    async with broker.host_client("iam") as iam:
        own = await simulate(iam, host_role_arn, actions, [role_arn])
    if own.refused:
        return (
            f"the host's own policy ({host_role_arn}) does not allow {', '.join(own.refused)} "
            f"on {role_arn} (iam:SimulatePrincipalPolicy): add it to the host role's policy "
            "(`whodidthis iam-templates` writes it)"
        )
    checked = (
        "the host's own policy allows it (checked with iam:SimulatePrincipalPolicy)"
        if own.error is None
        else f"the host's own policy could not be checked ({own.error}), and"
    )
    trust = await _trust_cause(broker, trainee)
    if trust is not None:
        return f"{checked}; {trust}"
    look_for = "; ".join(c.format(host=host_role_arn) for c in TRUST_CONDITIONS)
    return (
        f"{checked}; so account {trainee.account} refuses: {role_arn} does not exist, or its "
        f"trust policy (or an SCP) refuses {host_role_arn}. In the trust policy look for: "
        f"{look_for}. Paste the trust policy from `whodidthis iam-templates`."
    )


async def _trust_cause(broker, trainee) -> str | None:
    """Which of the session's extras the trust policy refuses, all of them named at once."""

    async def works(source_identity: bool, tags: bool) -> bool:
        found = await broker.probe(
            trainee.name, trainee.account, source_identity=source_identity, tags=tags
        )
        return found is None

    wants_si = bool(broker.source_identity)
    if not await works(False, False):
        return None  # even a plain AssumeRole is refused: not the extras
    missing = []
    if wants_si and not await works(True, False):
        missing.append(("sts:SetSourceIdentity", "sts:SourceIdentity"))
    if not await works(False, True):
        missing.append(("sts:TagSession", "aws:RequestTag/* or aws:TagKeys"))
    if not missing:
        return None
    actions = " and ".join(action for action, _ in missing)
    conditions = " or ".join(condition for _, condition in missing)
    asks_si = any(action == "sts:SetSourceIdentity" for action, _ in missing)
    why = " (the course sets source_identity = true)" if asks_si else ""
    return (
        f"the trust policy refuses {actions}{why}, or a condition on {conditions} stops it: "
        f"allow {actions} in the host role's statement"
    )


async def permission_findings(iam, course, role_arn: str, account: str, needs) -> list[Finding]:
    """Findings for the actions ``role_arn``'s policies do not allow, grouped by who needs them.

    Args:
        iam: an IAM client acting as the trainee's role.
        needs: ``{action: [reasons]}`` from ``console.aws.permissions.course_needs``.
    """
    result = await simulate(iam, role_arn, list(needs))
    fix = json.dumps(
        {"Version": "2012-10-17", "Statement": manage_role_statements(course)}, indent=2
    )
    if result.error is not None:
        return [
            Finding(
                WARNING,
                f"Could not check {course.role_name}'s permissions in {account} "
                f"(iam:SimulatePrincipalPolicy: {result.error}).",
                fix,
            )
        ]
    by_reason: dict[str, list[str]] = {}
    for action in result.refused:
        for reason in needs[action]:
            by_reason.setdefault(reason, []).append(action)
    return [
        Finding(
            ERROR,
            f"{course.role_name} in {account} lacks {', '.join(actions)}, needed by {reason}. "
            "Give it the policy `whodidthis iam-templates --course COURSE` writes.",
            fix,
        )
        for reason, actions in by_reason.items()
    ]


async def quota_findings(iam, course, role: dict) -> list[Finding]:
    """A warning when ``role``'s policies are near or past one of IAM's size quotas
    (``console.aws.policy_quotas``): a role past one cannot be given what a course adds.

    Reads its inline policies and its customer managed policies' default versions as the
    role itself (``iam:*`` is ManageEnvRole's); a read IAM refuses leaves the check unsaid.
    """
    from botocore.exceptions import ClientError

    name = role["RoleName"]
    try:
        inline = [
            _text((await iam.get_role_policy(RoleName=name, PolicyName=p))["PolicyDocument"])
            for p in (await iam.list_role_policies(RoleName=name))["PolicyNames"]
        ]
        attached = (await iam.list_attached_role_policies(RoleName=name))["AttachedPolicies"]
        managed = []
        for policy in attached:
            if ":aws:policy/" in policy["PolicyArn"]:
                continue  # AWS managed: its size is AWS's business
            found = (await iam.get_policy(PolicyArn=policy["PolicyArn"]))["Policy"]
            version = await iam.get_policy_version(
                PolicyArn=policy["PolicyArn"], VersionId=found["DefaultVersionId"]
            )
            managed.append(_text(version["PolicyVersion"]["Document"]))
    except ClientError:
        return []
    said = quota_warnings(_text(role["AssumeRolePolicyDocument"]), inline, managed, len(attached))
    return [
        Finding(
            WARNING,
            f"{name}: {line}. Write its policies again with `whodidthis iam-templates "
            "--course COURSE`, which keeps each within IAM's quotas.",
            _written_policies(course),
        )
        for line in said
    ]


def _written_policies(course) -> str:
    """The policies ``iam-templates --course`` writes for ``course``, by name, as JSON."""
    try:
        laid = manage_role_policies(course)
    except PolicyQuotaExceeded as exc:
        return json.dumps({"cannot be written": str(exc)})
    named = {"BuildTrainingEnvironment": document(laid.inline)}
    named |= {f"CourseNeeds{n}": document(s) for n, s in enumerate(laid.managed, 1)}
    return json.dumps(named, indent=2)


def _text(document) -> str:
    """A policy document as text (IAM answers URL-encoded JSON; botocore may decode it)."""
    return document if isinstance(document, str) else json.dumps(document)
