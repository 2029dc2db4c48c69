"""``iam_user``: the trainee's IAM user, its managed policies and its groups.

The user is created with its ownership tags in the CreateUser call itself, so there is no moment
when a user of ours exists untagged: an untagged user is always someone else's, even after a
crash, and is never adopted or deleted. Policies and groups are added after the user; a run that
crashed between the two simply adds what is missing when it runs again.

Deleting a user needs everything attached to it gone first (AWS answers DeleteConflict
otherwise): its console password, access keys, signing certificates, SSH keys,
service-specific credentials, MFA devices, inline and attached policies and group memberships.
``_blockers`` finds them all, so the teardown plan can name them and teardown can remove them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from console.credentials import mask_key_id
from console.steps import ownership
from console.steps.base import (
    ApplyResult,
    CheckResult,
    PlannedDeletion,
    StepContext,
    StepKind,
    resource_name,
)
from console.steps.calls import every, every_by_token, found_after_all, is_missing, wait_gone

MISSING = "NoSuchEntity"
EXISTS = ("EntityAlreadyExists",)


@dataclass(frozen=True)
class Removal:
    """One thing attached to the user that must go before the user can: a call to make."""

    label: str
    operation: str
    params: dict = field(default_factory=dict)


async def find_user(iam, name: str) -> tuple[str, dict[str, str]] | None:
    """The user's ARN and tags, or None when there is no such user."""
    try:
        user = (await iam.get_user(UserName=name))["User"]
    except ClientError as exc:
        if is_missing(exc, MISSING):
            return None
        raise
    tags = await every(iam, "list_user_tags", "Tags", UserName=name)
    return user["Arn"], ownership.tags_from_pairs(tags)


async def _policies(iam, name: str) -> set[str]:
    attached = await every(iam, "list_attached_user_policies", "AttachedPolicies", UserName=name)
    return {policy["PolicyArn"] for policy in attached}


async def _groups(iam, name: str) -> set[str]:
    return {
        group["GroupName"]
        for group in await every(iam, "list_groups_for_user", "Groups", UserName=name)
    }


async def _credentials(iam, name: str) -> list[Removal]:
    """The user's password, keys and certificates: the ways to sign in or sign requests."""
    found: list[Removal] = []
    try:
        await iam.get_login_profile(UserName=name)
        found.append(Removal("console password", "delete_login_profile", {"UserName": name}))
    except ClientError as exc:
        if not is_missing(exc, MISSING):
            raise
    for key in await every(iam, "list_access_keys", "AccessKeyMetadata", UserName=name):
        found.append(
            Removal(
                f"access key {mask_key_id(key['AccessKeyId'])}",
                "delete_access_key",
                {"UserName": name, "AccessKeyId": key["AccessKeyId"]},
            )
        )
    for cert in await every(iam, "list_signing_certificates", "Certificates", UserName=name):
        found.append(
            Removal(
                "signing certificate",
                "delete_signing_certificate",
                {"UserName": name, "CertificateId": cert["CertificateId"]},
            )
        )
    for key in await every(iam, "list_ssh_public_keys", "SSHPublicKeys", UserName=name):
        found.append(
            Removal(
                "SSH public key",
                "delete_ssh_public_key",
                {"UserName": name, "SSHPublicKeyId": key["SSHPublicKeyId"]},
            )
        )
    for cred in await every_by_token(
        iam,
        "list_service_specific_credentials",
        "ServiceSpecificCredentials",
        token="Marker",
        UserName=name,
    ):
        found.append(
            Removal(
                f"{cred['ServiceName']} credential",
                "delete_service_specific_credential",
                {
                    "UserName": name,
                    "ServiceSpecificCredentialId": cred["ServiceSpecificCredentialId"],
                },
            )
        )
    return found


async def _mfa_devices(iam, name: str) -> list[Removal]:
    """Deactivate each MFA device; a virtual one is deleted too, since it only served this user
    and would otherwise keep its name taken in the account."""
    found: list[Removal] = []
    for device in await every(iam, "list_mfa_devices", "MFADevices", UserName=name):
        serial = device["SerialNumber"]
        found.append(
            Removal(
                "MFA device", "deactivate_mfa_device", {"UserName": name, "SerialNumber": serial}
            )
        )
        if ":mfa/" in serial:
            found.append(
                Removal("virtual MFA device", "delete_virtual_mfa_device", {"SerialNumber": serial})
            )
    return found


async def _permissions(iam, name: str) -> list[Removal]:
    """Inline policies, attached policies and group memberships."""
    found = [
        Removal(
            f"inline policy {policy}",
            "delete_user_policy",
            {"UserName": name, "PolicyName": policy},
        )
        for policy in await every(iam, "list_user_policies", "PolicyNames", UserName=name)
    ]
    found += [
        Removal(
            f"attached policy {arn}", "detach_user_policy", {"UserName": name, "PolicyArn": arn}
        )
        for arn in sorted(await _policies(iam, name))
    ]
    found += [
        Removal(
            f"membership of group {group}",
            "remove_user_from_group",
            {"UserName": name, "GroupName": group},
        )
        for group in sorted(await _groups(iam, name))
    ]
    return found


async def _blockers(iam, name: str) -> list[Removal]:
    """Everything that makes DeleteUser fail with DeleteConflict, in a safe removal order."""
    return (
        await _credentials(iam, name)
        + await _mfa_devices(iam, name)
        + await _permissions(iam, name)
    )


def _summary(blockers: list[Removal]) -> str:
    if not blockers:
        return ""
    return "first removing its " + ", ".join(b.label for b in blockers)


class IamUser(StepKind):
    """The trainee's IAM user with its managed policies and group memberships."""

    kind = "iam_user"

    async def apply(self, ctx: StepContext) -> ApplyResult:
        """Create the user (tagged) or adopt ours, then attach policies and join groups."""
        iam, name = await ctx.client(self.service), resource_name(ctx)
        found = await find_user(iam, name)
        if found is None:
            ctx.progress(f"creating IAM user {name}")
            try:
                user = await iam.create_user(UserName=name, Tags=ctx.tag_list())
            except ClientError as exc:
                found = await found_after_all(exc, EXISTS, lambda: find_user(iam, name))
            else:
                arn, created = user["User"]["Arn"], True
        if found is not None:
            arn, tags = found
            ownership.refuse_unless_ours(ctx, self.resource(ctx), tags)
            created = False
        await self._converge(ctx, iam, name, fresh=created)
        return ApplyResult(arn, created)

    async def _converge(self, ctx: StepContext, iam, name: str, *, fresh: bool) -> None:
        """Attach the missing policies and join the missing groups; extra ones are left alone.

        Nothing is listed when the course asks for nothing, or when we just created the user
        (a new user has no policies and no groups): two calls fewer per trainee."""
        wanted = set(ctx.params.get("policy_arns") or ())
        for arn in sorted(wanted - (set() if fresh or not wanted else await _policies(iam, name))):
            ctx.progress(f"attaching {arn} to {name}")
            await iam.attach_user_policy(UserName=name, PolicyArn=arn)
        wanted = set(ctx.params.get("groups") or ())
        for group in sorted(wanted - (set() if fresh or not wanted else await _groups(iam, name))):
            ctx.progress(f"adding {name} to group {group}")
            await iam.add_user_to_group(GroupName=group, UserName=name)

    async def check(self, ctx: StepContext) -> CheckResult:
        """The user exists, is ours, has every policy attached and is in every group."""
        iam, name = await ctx.client(self.service), resource_name(ctx)
        found = await find_user(iam, name)
        if found is None:
            return CheckResult(False, None, (f"{self.resource(ctx)} does not exist",))
        arn, tags = found
        if not ctx.is_ours(tags):
            return CheckResult(False, arn, (f"{self.resource(ctx)} is not ours",))
        policies = set(ctx.params.get("policy_arns") or ())
        groups = set(ctx.params.get("groups") or ())
        problems = [
            f"policy {policy} is not attached"
            for policy in sorted(policies - (await _policies(iam, name) if policies else set()))
        ]
        problems += [
            f"not in group {group}"
            for group in sorted(groups - (await _groups(iam, name) if groups else set()))
        ]
        return CheckResult(not problems, arn, tuple(problems))

    async def _plan(self, ctx: StepContext, iam, name: str) -> tuple[PlannedDeletion, list]:
        """The plan line for the user, and what must be removed from it first."""
        found = await find_user(iam, name)
        if found is None:
            return ownership.gone(self.resource(ctx)), []
        arn, tags = found
        if not ctx.is_ours(tags):
            return ownership.kept(self.resource(ctx), arn, tags), []
        blockers = await _blockers(iam, name)
        return ownership.to_delete(self.resource(ctx), arn, _summary(blockers)), blockers

    async def plan_teardown(self, ctx: StepContext) -> list[PlannedDeletion]:
        """The user, with what would be removed from it first; or why it would be kept."""
        iam = await ctx.client(self.service)
        return [(await self._plan(ctx, iam, resource_name(ctx)))[0]]

    async def teardown(self, ctx: StepContext) -> list[PlannedDeletion]:
        """Remove what blocks the delete, delete the user, and confirm it is gone."""
        iam, name = await ctx.client(self.service), resource_name(ctx)
        line, blockers = await self._plan(ctx, iam, name)
        if not (line.ours and line.exists):
            return [line]
        await delete_user(iam, name, blockers, ctx.progress)
        await wait_gone(
            iam, "GetUser", MISSING, self.resource(ctx), progress=ctx.progress, UserName=name
        )
        return [ownership.deleted(line)]


async def delete_user(iam, name: str, blockers: list[Removal] | None = None, progress=None):
    """Remove what blocks DeleteUser (``_blockers``, found now unless given), then delete the
    user; each a call of ``iam`` (the ledger's, when it has the hooks). Gone already is fine."""
    say = progress or (lambda text: None)
    for blocker in await _blockers(iam, name) if blockers is None else blockers:
        say(f"removing {blocker.label} of {name}")
        await _remove(iam, blocker)
    say(f"deleting IAM user {name}")
    try:
        await iam.delete_user(UserName=name)
    except ClientError as exc:
        if not is_missing(exc, MISSING):
            raise


async def _remove(iam, blocker: Removal) -> None:
    """Make the removal call; already gone (a parallel or earlier teardown) is fine."""
    try:
        await getattr(iam, blocker.operation)(**blocker.params)
    except ClientError as exc:
        if not is_missing(exc, MISSING):
            raise
