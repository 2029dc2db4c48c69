"""An OU course never forgets a built trainee (issue 26, item 3): an account moved out of the
OU, or two accounts' name tags swapped after ``apply``, is reported per trainee, and its
resources are still torn down through the account it was pinned to."""

from __future__ import annotations

from tests.engine.helpers import cli, status
from tests.engine.test_ou import ou_course


def _users(sandbox, account: str) -> set[str]:
    iam = sandbox.backdoor_session(account).client("iam")
    return {u["UserName"] for u in iam.list_users()["Users"]}


def test_moved_and_suspended_accounts_are_told_apart_and_the_moved_one_torn_down(sandbox, tmp_path):
    ou = sandbox.create_ou(["alice", "bob", "carol"])
    course = ou_course(tmp_path, ou.ou_id)
    assert cli(sandbox, tmp_path, "apply", course=course).returncode == 0
    bob, carol = ou.account_of("bob"), ou.account_of("carol")
    organizations = sandbox.backdoor_session(sandbox.admin_account).client(
        "organizations", region_name="us-east-1"
    )
    root = organizations.list_roots()["Roots"][0]["Id"]
    organizations.move_account(AccountId=bob, SourceParentId=ou.ou_id, DestinationParentId=root)
    organizations.close_account(AccountId=carol)  # SUSPENDED: its roles cannot be assumed

    again = cli(sandbox, tmp_path, "apply", course=course)
    assert again.returncode == 1, again.stdout + again.stderr
    assert f"trainee bob: account {bob} was moved out of {ou.ou_id} (it is now under {root})" in (
        again.stderr
    )
    assert f"trainee carol: account {carol} is SUSPENDED (suspended or closing)" in again.stderr
    shown = status(sandbox, tmp_path, course)
    assert shown["bob"]["account"] == bob and shown["bob"]["ou_code"] == "OuAccountMoved"
    assert shown["carol"]["ou_code"] == "OuAccountSuspended"
    assert "cannot be torn down from here" in shown["carol"]["ou_note"]
    assert shown["alice"]["ou_code"] is None

    before = len(sandbox.trail())
    torn = cli(sandbox, tmp_path, "teardown", "--yes", course=course)
    assert torn.returncode == 1, torn.stdout + torn.stderr  # the course lost trainees: say so
    assert "trainee bob" in torn.stderr
    assert "bob" not in _users(sandbox, bob)  # torn down through its pinned account
    states = status(sandbox, tmp_path, course)
    assert (states["alice"]["state"], states["bob"]["state"]) == ("TORN_DOWN", "TORN_DOWN")
    assert states["carol"]["state"] == "FAILED"
    assert states["carol"]["error_code"] == "OuAccountSuspended"
    assert "reinstate the account" in states["carol"]["error"]
    tried = [
        r
        for r in sandbox.trail()[before:]
        if r["account"] == carol or carol in (r.get("target_role_arn") or "")
    ]
    assert tried == []  # no AssumeRole into a suspended account, nothing attempted there


def test_swapped_name_tags_do_not_re_point_the_trainees(sandbox, tmp_path):
    tags = {"Acct 1": {"trainee": "dana"}, "Acct 2": {"trainee": "eve"}}
    ou = sandbox.create_ou(["Acct 1", "Acct 2"], tags=tags)
    course = ou_course(tmp_path, ou.ou_id, name_tag="trainee")
    assert cli(sandbox, tmp_path, "apply", course=course).returncode == 0
    first, second = ou.account_of("Acct 1"), ou.account_of("Acct 2")
    organizations = sandbox.backdoor_session(sandbox.admin_account).client(
        "organizations", region_name="us-east-1"
    )
    organizations.tag_resource(ResourceId=first, Tags=[{"Key": "trainee", "Value": "eve"}])
    organizations.tag_resource(ResourceId=second, Tags=[{"Key": "trainee", "Value": "dana"}])

    torn = cli(sandbox, tmp_path, "teardown", "--yes", course=course)
    assert torn.returncode == 0, torn.stdout + torn.stderr
    assert f"account {first} is now named 'eve'" in torn.stderr
    shown = status(sandbox, tmp_path, course)
    assert (shown["dana"]["account"], shown["eve"]["account"]) == (first, second)
    assert "dana" not in _users(sandbox, first) and "eve" not in _users(sandbox, second)


def test_child_ous_are_said_not_silently_skipped(sandbox, tmp_path):
    ou = sandbox.create_ou(["alice"])
    organizations = sandbox.backdoor_session(sandbox.admin_account).client(
        "organizations", region_name="us-east-1"
    )
    child = organizations.create_organizational_unit(ParentId=ou.ou_id, Name="late-joiners")
    child_id = child["OrganizationalUnit"]["Id"]
    course = ou_course(tmp_path, ou.ou_id)
    result = cli(sandbox, tmp_path, "preflight", course=course)
    assert f"{ou.ou_id} has child OUs ({child_id})" in result.stderr, result.stderr
