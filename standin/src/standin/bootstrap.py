"""The story's topology, created the way an account factory would: straight in moto.

The admin account ``100000000000`` holds ``AdminEnvRole`` (trusting EC2; PowerUserAccess,
AmazonSSMManagedInstanceCore and ``AssumeManageEnvRole``: what ``iam-templates`` writes) and its
instance profile. Trainee ``i`` (1-based) owns account ``200000000000 + i`` with ``ManageEnvRole``
(trusting only AdminEnvRole, for AssumeRole, SetSourceIdentity and TagSession; allowed what
``iam-templates --course`` writes for the sample course) and ``EksClusterRole``. The sandbox
enforces identity policies on every call, so these are the permissions the product really has.

"Before" states give a trainee the story's broken setups: ``root-trust`` (trusts the admin
account root), ``no-role``, ``other-account`` (trusts another account's AdminEnvRole),
``no-source-identity`` (trust lacks sts:SetSourceIdentity) and ``wildcard`` (Principal ``*``);
``trusted`` is the fixed state.

This talks to moto's backends in-process, bypassing the gateway: about 0.2 ms per trainee where the
same calls over HTTP cost about 20 ms (40 s for the benchmarks' 2,000 trainees).
"""

from __future__ import annotations

import json
from typing import Any

from console.aws.permissions import host_statements, manage_role_statements, template_actions
from standin import moto_state
from standin.sample_course import LAB_TEMPLATE

ADMIN_ACCOUNT = "100000000000"
HOST_ROLE = "AdminEnvRole"
MANAGE_ROLE = "ManageEnvRole"
EKS_ROLE = "EksClusterRole"
OTHER_ACCOUNT = "999999999999"
NAMES = (
    "alice", "bob", "carol", "dave", "erin", "frank",
    "grace", "heidi", "ivan", "judy", "mallory", "niaj",
)  # fmt: skip
TRUSTED = "trusted"
BEFORE_STATES = (
    TRUSTED,
    "root-trust",
    "no-role",
    "other-account",
    "no-source-identity",
    "wildcard",
)
MANAGE_ACTIONS = ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]


def trainee_name(index: int) -> str:
    """The story's name for trainee ``index`` (1-based)."""
    return NAMES[index - 1] if index <= len(NAMES) else f"trainee-{index:04d}"


def trainee_account(index: int) -> str:
    """The account id of trainee ``index`` (1-based)."""
    return str(200000000000 + index)


def topology(count: int) -> list[tuple[str, str]]:
    """``(name, account)`` of the first ``count`` trainees."""
    return [(trainee_name(i), trainee_account(i)) for i in range(1, count + 1)]


def host_role_arn(admin_account: str = ADMIN_ACCOUNT) -> str:
    """The ARN of the host's role."""
    return f"arn:aws:iam::{admin_account}:role/{HOST_ROLE}"


def _trust(principal: Any, actions: list[str] | str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": actions}],
    }


def manage_role_trust(state: str = TRUSTED, admin_account: str = ADMIN_ACCOUNT) -> dict | None:
    """ManageEnvRole's trust policy for a before-state (None for ``no-role``)."""
    if state not in BEFORE_STATES:
        raise ValueError(
            f"unknown before-state {state!r}; choose one of {', '.join(BEFORE_STATES)}"
        )
    if state == "no-role":
        return None
    principal: Any = {"AWS": host_role_arn(admin_account)}
    actions = list(MANAGE_ACTIONS)
    if state == "root-trust":
        principal = {"AWS": f"arn:aws:iam::{admin_account}:root"}
    elif state == "other-account":
        principal = {"AWS": host_role_arn(OTHER_ACCOUNT)}
    elif state == "wildcard":
        principal = "*"
    elif state == "no-source-identity":
        actions = ["sts:AssumeRole", "sts:TagSession"]
    return _trust(principal, actions)


def _policy_arn(name: str) -> str:
    return f"arn:aws:iam::aws:policy/{name}"


def manage_role_policy() -> dict:
    """ManageEnvRole's identity policy: the build services plus the sample template's needs."""
    statements = manage_role_statements()
    template = sorted(template_actions(LAB_TEMPLATE)[0])
    statements.append(
        {"Sid": "SampleCourseTemplate", "Effect": "Allow", "Action": template, "Resource": "*"}
    )
    return {"Version": "2012-10-17", "Statement": statements}


def _create_manage_role(iam: Any, trust: dict) -> Any:
    role = _create_role(
        iam, MANAGE_ROLE, trust, [], "Lets the whodidthis host build this trainee's environment"
    )
    iam.put_role_policy(MANAGE_ROLE, "BuildTrainingEnvironment", json.dumps(manage_role_policy()))
    return role


def _create_role(iam: Any, name: str, trust: dict, policies: list[str], description: str) -> Any:
    role = iam.create_role(
        role_name=name,
        assume_role_policy_document=json.dumps(trust),
        path="/",
        permissions_boundary=None,
        description=description,
        tags=[],
        max_session_duration="3600",
    )
    for arn in policies:
        moto_state.attach_managed_policy(iam.account_id, name, arn)
    return role


def create_admin(admin_account: str = ADMIN_ACCOUNT) -> None:
    """AdminEnvRole, its policies and its instance profile in the admin account."""
    iam = moto_state.iam_backend(admin_account, create=True)
    assume_manage = iam.create_policy(
        description="Lets the host assume ManageEnvRole in any trainee account",
        path="/",
        policy_document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": host_statements(MANAGE_ROLE),
            }
        ),
        policy_name="AssumeManageEnvRole",
        tags=[],
    )
    _create_role(
        iam,
        HOST_ROLE,
        _trust({"Service": "ec2.amazonaws.com"}, "sts:AssumeRole"),
        [
            _policy_arn("PowerUserAccess"),
            _policy_arn("AmazonSSMManagedInstanceCore"),
            assume_manage.arn,
        ],
        "The whodidthis host's instance-profile role",
    )
    iam.create_instance_profile(name=HOST_ROLE, path="/", role_names=[HOST_ROLE])


def create_trainee(account: str, state: str = TRUSTED, admin_account: str = ADMIN_ACCOUNT) -> None:
    """A trainee account's roles, ManageEnvRole in the given before-state."""
    iam = moto_state.iam_backend(account, create=True)
    trust = manage_role_trust(state, admin_account)
    if trust is not None:
        _create_manage_role(iam, trust)
    _create_role(
        iam,
        EKS_ROLE,
        _trust({"Service": "eks.amazonaws.com"}, "sts:AssumeRole"),
        [_policy_arn("AmazonEKSClusterPolicy")],
        "The role EKS clusters of the course run as",
    )


def delete_role(account: str, name: str) -> None:
    """Delete a role with its policies (no error if it does not exist)."""
    iam = moto_state.iam_backend(account, create=True)
    role = moto_state.find_role(account, name)
    if role is None:
        return
    for arn in list(role.managed_policies):
        iam.detach_role_policy(arn, name)
    for policy_name in list(role.policies):
        iam.delete_role_policy(name, policy_name)
    iam.delete_role(name)


def set_trust_policy(account: str, role_name: str, document: dict) -> None:
    """Replace a role's trust policy (the demo fixes a trainee while running)."""
    role = moto_state.find_role(account, role_name)
    if role is None:
        raise LookupError(f"no role {role_name} in account {account}")
    role.assume_role_policy_document = json.dumps(document)


def apply_state(account: str, state: str, admin_account: str = ADMIN_ACCOUNT) -> None:
    """Put an existing trainee account's ManageEnvRole into a before-state."""
    trust = manage_role_trust(state, admin_account)
    if trust is None:
        delete_role(account, MANAGE_ROLE)
    elif moto_state.find_role(account, MANAGE_ROLE) is None:
        _create_manage_role(moto_state.iam_backend(account, create=True), trust)
    else:
        set_trust_policy(account, MANAGE_ROLE, trust)


def bootstrap(count: int, before: dict[str, str], admin_account: str = ADMIN_ACCOUNT) -> None:
    """Create the admin account and ``count`` trainee accounts in moto."""
    trainees = topology(count)
    unknown = sorted(set(before) - {name for name, _ in trainees})
    if unknown:
        raise ValueError(f"before-states name unknown trainees: {', '.join(unknown)}")
    create_admin(admin_account)
    for name, account in trainees:
        create_trainee(account, before.get(name, TRUSTED), admin_account)


def issue_host_session(
    instance_id: str, duration: int, region: str, admin_account: str = ADMIN_ACCOUNT
) -> Any:
    """What EC2 does for an instance profile: assume AdminEnvRole as the instance, in moto."""
    sts = moto_state.sts_backends[admin_account][moto_state.PARTITION]
    return sts.assume_role(
        region_name=region,
        role_session_name=instance_id,
        role_arn=host_role_arn(admin_account),
        policy=None,
        duration=duration,
        external_id=None,
    )
