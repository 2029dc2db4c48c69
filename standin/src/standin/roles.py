"""The story's roles, from the CloudFormation templates a user deploys.

The stand-in holds no belief of its own about what the host role or ``ManageEnvRole`` may do: it
is given the two templates ``whodidthis iam-templates --course COURSE --out DIR`` writes
(``admin-env-role.json`` for the admin account, ``manage-env-role.json`` for every trainee
account) and deploys them through moto's CloudFormation, as a user deploys them on AWS.

Like a StackSet, each distinct template is deployed through CloudFormation once (in a staging
account of its own, then the stack is deleted) and what it made (roles with their inline
policies, attached managed policies and instance profiles) is copied into every account it is
meant for; customer managed policies the template attaches are created in each account. A test's reset then costs IAM writes only (about 0.2 ms per trainee), not a stack
per account (about 9 ms). The staging account's id in the documents becomes each account's id.

moto's CloudFormation keeps a role's inline policies as dicts (IAM keeps JSON text) and ignores
``ManagedPolicyArns``: the copy stores text and attaches the managed policies itself, as AWS
does.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from standin import moto_state

ADMIN_FILE = "admin-env-role.json"
TRAINEE_FILE = "manage-env-role.json"
STAGING_ACCOUNT = "300000000000"  # no trainee or admin account of the stand-in's topology


@dataclass(frozen=True)
class RoleTemplates:
    """The two CloudFormation templates of the story's roles (``whodidthis iam-templates``).

    Attributes:
        admin: the admin account's template (the host role and its instance profile).
        trainee: every trainee account's template (``ManageEnvRole``).
    """

    admin: dict
    trainee: dict

    @classmethod
    def from_dir(cls, path: str | Path) -> RoleTemplates:
        """Read ``admin-env-role.json`` and ``manage-env-role.json`` from ``path``.

        Raises:
            ValueError: a file is missing or is not a JSON template.
        """
        folder = Path(path)
        documents = []
        for name in (ADMIN_FILE, TRAINEE_FILE):
            file = folder / name
            try:
                document = json.loads(file.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise ValueError(
                    f"{file}: no such file; write the role templates with "
                    f"`whodidthis iam-templates --course COURSE --out {folder}`"
                ) from None
            except ValueError as exc:
                raise ValueError(f"{file}: not a JSON CloudFormation template ({exc})") from None
            if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
                raise ValueError(f"{file}: not a CloudFormation template (no Resources)")
            documents.append(document)
        return cls(admin=documents[0], trainee=documents[1])


@dataclass(frozen=True)
class DeployedRole:
    """A role as CloudFormation made it; documents name the staging account."""

    name: str
    path: str
    trust: str
    description: str
    max_session_duration: int
    tags: tuple[tuple[str, str], ...]
    inline: tuple[tuple[str, str], ...]
    managed: tuple[str, ...]
    # customer managed policies the template made and attached: (name, path, document)
    customer: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class DeployedProfile:
    """An instance profile as CloudFormation made it."""

    name: str
    path: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Deployment:
    """What one template made: copy it into an account with ``install``."""

    roles: tuple[DeployedRole, ...]
    profiles: tuple[DeployedProfile, ...]

    def role(self, name: str) -> DeployedRole | None:
        """The deployed role called ``name``, or None."""
        return next((role for role in self.roles if role.name == name), None)

    def trust(self, name: str, account: str) -> dict | None:
        """Role ``name``'s trust policy as deployed in ``account``, or None."""
        role = self.role(name)
        return None if role is None else json.loads(_in_account(role.trust, account))


_lock = threading.Lock()
_deployed: dict[tuple[str, str], Deployment] = {}
_stack_numbers = itertools.count(1)


def deploy(template: dict, region: str) -> Deployment:
    """What ``template`` makes, deployed through moto's CloudFormation once per process."""
    key = (json.dumps(template, sort_keys=True), region)
    with _lock:
        found = _deployed.get(key)
        if found is None:
            found = _deployed[key] = _deploy(template, region)
        return found


def _deploy(template: dict, region: str) -> Deployment:
    backend = moto_state.cloudformation_backend(STAGING_ACCOUNT, region)
    stack = backend.create_stack(
        name=f"standin-roles-{next(_stack_numbers)}", template=json.dumps(template), parameters={}
    )
    try:
        if stack.status != "CREATE_COMPLETE":
            raise ValueError(f"the role template did not deploy: {stack.status}")
        iam = moto_state.iam_backend(STAGING_ACCOUNT, create=True)
        managed = _managed_policy_arns(template)
        roles = tuple(
            DeployedRole(
                name=role.name,
                path=role.path,
                trust=_text(role.assume_role_policy_document),
                description=role.description or "",
                max_session_duration=int(role.max_session_duration or 3600),
                tags=tuple(moto_state.tags_of(role).items()),
                inline=tuple((name, _text(doc)) for name, doc in role.policies.items()),
                managed=managed.get(role.name, ()),
                customer=_customer_policies(role),
            )
            for role in iam.roles.values()
        )
        profiles = tuple(
            DeployedProfile(p.name, p.path, tuple(r.name for r in p.roles))
            for p in iam.instance_profiles.values()
        )
    finally:
        _detach_customer_policies(STAGING_ACCOUNT)
        backend.delete_stack(stack.stack_id)
    return Deployment(roles, profiles)


def _detach_customer_policies(account: str) -> None:
    """Detach the staged roles' customer managed policies: moto's DeleteStack deletes the
    role before the policy attached to it, which IAM (and moto) refuse."""
    iam = moto_state.iam_backend(account, create=True)
    for role in list(iam.roles.values()):
        for arn in list(role.managed_policies):
            if ":aws:policy/" not in arn:
                iam.detach_role_policy(arn, role.name)


def _managed_policy_arns(template: dict) -> dict[str, tuple[str, ...]]:
    """Role name -> the ``ManagedPolicyArns`` its resource names (moto ignores them)."""
    found = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::IAM::Role":
            continue
        properties = resource.get("Properties", {})
        arns = properties.get("ManagedPolicyArns", [])
        if any(not isinstance(arn, str) for arn in arns):
            raise ValueError(f"{logical_id}: the stand-in takes ManagedPolicyArns as plain ARNs")
        found[str(properties.get("RoleName", logical_id))] = tuple(arns)
    return found


def _customer_policies(role: Any) -> tuple[tuple[str, str, str], ...]:
    """The customer managed policies attached to a staged role (``AWS::IAM::ManagedPolicy``
    resources naming it in ``Roles``: ``iam-templates`` writes them past IAM's inline quota)."""
    found = []
    for arn, policy in list(role.managed_policies.items()):
        if ":aws:policy/" in arn:
            continue  # AWS managed: attached by ARN (``ManagedPolicyArns``)
        default = next(v for v in policy.versions if v.is_default)
        found.append((policy.name, policy.path, _text(default.document)))
    return tuple(found)


def _text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def _in_account(text: str, account: str) -> str:
    return text.replace(STAGING_ACCOUNT, account)


def install(deployment: Deployment, account: str, skip: tuple[str, ...] = ()) -> None:
    """Copy ``deployment`` into ``account``, leaving out the roles named in ``skip``."""
    iam = moto_state.iam_backend(account, create=True)
    for role in deployment.roles:
        if role.name not in skip:
            install_role(iam, account, role)
    for profile in deployment.profiles:
        iam.create_instance_profile(
            name=profile.name,
            path=profile.path,
            role_names=[name for name in profile.roles if name not in skip],
        )


def install_role(iam: Any, account: str, role: DeployedRole) -> None:
    """Create one deployed role in ``account``'s IAM backend ``iam``."""
    iam.create_role(
        role_name=role.name,
        assume_role_policy_document=_in_account(role.trust, account),
        path=role.path,
        permissions_boundary=None,
        description=role.description,
        tags=[{"Key": key, "Value": value} for key, value in role.tags],
        max_session_duration=str(role.max_session_duration),
    )
    created = iam.get_role(role.name)
    for name, text in role.inline:
        created.put_policy(name, _in_account(text, account))
    for arn in role.managed:
        moto_state.attach_managed_policy(account, role.name, _in_account(arn, account))
    for name, path, text in role.customer:
        policy = iam.create_policy(
            description="",
            path=path,
            policy_document=_in_account(text, account),
            policy_name=name,
            tags=[],
        )
        moto_state.attach_managed_policy(account, role.name, policy.arn)
