"""An AWS Organization in the sandbox: the admin account as management account, one OU of
trainee accounts, each made the way an account factory would (ManageEnvRole deployed as a
StackSet would deploy it), for ``[course] trainees_from_ou``.

moto serves Organizations as AWS does for these calls (CreateOrganization, CreateAccount,
MoveAccount, TagResource, ListAccountsForParent); accounts it creates get ids of its own
choosing, so the story's roles are bootstrapped into those ids afterwards.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from standin import bootstrap
from standin.roles import Deployment


@dataclass(frozen=True)
class SandboxOu:
    """The OU made: its id, and ``(account name, account id)`` of each account in it."""

    ou_id: str
    accounts: tuple[tuple[str, str], ...]

    def account_of(self, name: str) -> str:
        return dict(self.accounts)[name]


def create_ou(
    management,
    names: list[str],
    *,
    trainee: Deployment,
    ou_name: str = "trainees",
    tags: dict[str, dict[str, str]] | None = None,
    without_role: tuple[str, ...] = (),
    admin_account: str = bootstrap.ADMIN_ACCOUNT,
) -> SandboxOu:
    """Create the organization (if needed), an OU and one account per name in it.

    Args:
        management: a boto3 session acting in the management (admin) account.
        names: the accounts' names (AWS account names, not yet trainee names).
        trainee: what the trainee template deploys (``standin.roles``).
        ou_name: the OU's name.
        tags: account name -> tags to put on that account.
        without_role: account names whose ManageEnvRole is not deployed (a brand-new account
            the StackSet has not reached yet).
        admin_account: the account ManageEnvRole trusts.
    """
    organizations = management.client("organizations", region_name="us-east-1")
    with contextlib.suppress(organizations.exceptions.AlreadyInOrganizationException):
        organizations.create_organization(FeatureSet="ALL")
    root = organizations.list_roots()["Roots"][0]["Id"]
    ou = organizations.create_organizational_unit(ParentId=root, Name=ou_name)
    ou_id = ou["OrganizationalUnit"]["Id"]
    made = []
    for name in names:
        email = f"{name.lower().replace(' ', '.')}@example.com"
        status = organizations.create_account(Email=email, AccountName=name)
        account = status["CreateAccountStatus"]["AccountId"]
        organizations.move_account(
            AccountId=account, SourceParentId=root, DestinationParentId=ou_id
        )
        for key, value in (tags or {}).get(name, {}).items():
            organizations.tag_resource(ResourceId=account, Tags=[{"Key": key, "Value": value}])
        state = "no-role" if name in without_role else bootstrap.TRUSTED
        bootstrap.create_trainee(account, trainee, state, admin_account)
        made.append((name, account))
    return SandboxOu(ou_id, tuple(made))
