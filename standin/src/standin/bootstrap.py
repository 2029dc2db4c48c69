"""The story's topology, created the way an account factory would, with the user's own roles.

The admin account ``100000000000`` gets what the admin template (``admin-env-role.json``,
written by ``whodidthis iam-templates``) makes: ``AdminEnvRole`` and its instance profile.
Trainee ``i`` (1-based) owns account ``200000000000 + i`` with what the trainee template
(``manage-env-role.json``) makes, ``ManageEnvRole``, plus the stand-in's own ``EksClusterRole``.
Both templates go through moto's CloudFormation (``standin.roles``). The sandbox enforces
identity policies on every call, so these are the permissions the product really has.

"Before" states are the stand-in's own scenario, applied after deployment by editing the
trust policy: ``root-trust`` (trusts the admin account root), ``no-role``, ``other-account``
(trusts another account's AdminEnvRole), ``no-source-identity`` (trust lacks
sts:SetSourceIdentity) and ``wildcard`` (Principal ``*``); ``trusted`` is the template's own.

This talks to moto's backends in-process, bypassing the gateway: about 0.2 ms per trainee where the
same calls over HTTP cost about 20 ms (40 s for the benchmarks' 2,000 trainees).
"""

from __future__ import annotations

import json
from typing import Any

from standin import moto_state
from standin.roles import Deployment, install, install_role
from standin.topology import (
    ADMIN_ACCOUNT,
    BEFORE_STATES,
    HOST_ROLE,
    MANAGE_ROLE,
    NAMES,
    TRUSTED,
    host_role_arn,
    topology,
    trainee_account,
    trainee_name,
)

__all__ = [
    "ADMIN_ACCOUNT",
    "BEFORE_STATES",
    "HOST_ROLE",
    "MANAGE_ROLE",
    "NAMES",
    "TRUSTED",
    "host_role_arn",
    "topology",
    "trainee_account",
    "trainee_name",
]

EKS_ROLE = "EksClusterRole"
OTHER_ACCOUNT = "999999999999"
# The before-states' trust policies (the story's broken setups), not the template's.
MANAGE_ACTIONS = ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]


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


def _create_eks_role(account: str) -> None:
    """The role the course's EKS clusters run as: the stand-in's own, not the product's."""
    iam = moto_state.iam_backend(account, create=True)
    iam.create_role(
        role_name=EKS_ROLE,
        assume_role_policy_document=json.dumps(
            _trust({"Service": "eks.amazonaws.com"}, "sts:AssumeRole")
        ),
        path="/",
        permissions_boundary=None,
        description="The role EKS clusters of the course run as",
        tags=[],
        max_session_duration="3600",
    )
    moto_state.attach_managed_policy(account, EKS_ROLE, _policy_arn("AmazonEKSClusterPolicy"))


def create_admin(admin: Deployment, admin_account: str = ADMIN_ACCOUNT) -> None:
    """What the admin template made, in the admin account."""
    install(admin, admin_account)


def create_trainee(
    account: str,
    trainee: Deployment,
    state: str = TRUSTED,
    admin_account: str = ADMIN_ACCOUNT,
) -> None:
    """What the trainee template made, in ``account``, ManageEnvRole in the given before-state."""
    install(trainee, account, skip=(MANAGE_ROLE,) if state == "no-role" else ())
    if state not in (TRUSTED, "no-role"):
        set_trust_policy(account, MANAGE_ROLE, manage_role_trust(state, admin_account) or {})
    _create_eks_role(account)


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


def apply_state(
    account: str, state: str, trainee: Deployment, admin_account: str = ADMIN_ACCOUNT
) -> None:
    """Put an existing trainee account's ManageEnvRole into a before-state (``trusted``: the
    trainee template's own trust policy, the role deployed again if it was deleted)."""
    if state == "no-role":
        delete_role(account, MANAGE_ROLE)
        return
    trust = manage_role_trust(state, admin_account)
    deployed = trainee.role(MANAGE_ROLE)
    if deployed is None:
        raise LookupError(f"the trainee template deploys no role called {MANAGE_ROLE}")
    if moto_state.find_role(account, MANAGE_ROLE) is None:
        install_role(moto_state.iam_backend(account, create=True), account, deployed)
    if state == TRUSTED:
        trust = trainee.trust(MANAGE_ROLE, account)
    set_trust_policy(account, MANAGE_ROLE, trust or {})


def bootstrap(
    count: int,
    before: dict[str, str],
    admin: Deployment,
    trainee: Deployment,
    admin_account: str = ADMIN_ACCOUNT,
) -> None:
    """Create the admin account and ``count`` trainee accounts in moto, from the deployments
    of the admin and trainee templates."""
    trainees = topology(count)
    unknown = sorted(set(before) - {name for name, _ in trainees})
    if unknown:
        raise ValueError(f"before-states name unknown trainees: {', '.join(unknown)}")
    create_admin(admin, admin_account)
    for name, account in trainees:
        create_trainee(account, trainee, before.get(name, TRUSTED), admin_account)


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
