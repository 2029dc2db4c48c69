"""Trainees from an AWS Organizations OU: a course built from a sandbox OU, end to end.

The sandbox's admin account manages an organization; its OU holds new accounts (ids moto
chose) with ManageEnvRole deployed as a StackSet would. The real CLI lists them, names them,
builds them; bad names and a fresh account without its role are told apart clearly.
"""

from __future__ import annotations

import json

from tests.engine.helpers import cli, status

COURSE = "ou-course"
REGION = "ap-northeast-1"


def ou_course(tmp_path, ou_id: str, *, name_tag: str | None = None, trainees: str = ""):
    lines = [
        "[course]",
        f'name = "{COURSE}"',
        f'region = "{REGION}"',
        f'trainees_from_ou = "{ou_id}"',
    ]
    if name_tag:
        lines.append(f'trainee_name_tag = "{name_tag}"')
    lines += ["", trainees, "[[step]]", 'kind = "iam_user"', "", "[[step]]", 'kind = "s3_bucket"']
    lines.append('name = "{course}-{trainee}-{account}"')
    path = tmp_path / "course.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_course_builds_from_a_sandbox_ou(sandbox, tmp_path):
    ou = sandbox.create_ou(["Alice Smith", "Bob_Jones!", "carol"])
    course = ou_course(tmp_path, ou.ou_id)
    applied = cli(sandbox, tmp_path, "apply", "--json", course=course)
    assert applied.returncode == 0, applied.stderr
    assert json.loads(applied.stdout.splitlines()[-1])["states"] == {"READY": 3}
    trainees = status(sandbox, tmp_path, course)
    assert {name: t["account"] for name, t in trainees.items()} == {
        "alice-smith": ou.account_of("Alice Smith"),
        "bob-jones": ou.account_of("Bob_Jones!"),
        "carol": ou.account_of("carol"),
    }
    account = ou.account_of("Alice Smith")
    assert trainees["alice-smith"]["principal_arn"].startswith(
        f"arn:aws:sts::{account}:assumed-role/ManageEnvRole/"
    )
    iam = sandbox.backdoor_session(account).client("iam")
    tags = {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName="alice-smith")["Tags"]}
    assert tags["whodidthis:trainee"] == "alice-smith"
    torn = cli(sandbox, tmp_path, "teardown", "--yes", course=course)
    assert torn.returncode == 0, torn.stderr
    assert {t["state"] for t in status(sandbox, tmp_path, course).values()} == {"TORN_DOWN"}


def test_names_from_an_account_tag_and_only_active_accounts(sandbox, tmp_path):
    tags = {"Acct 1": {"trainee": "dana"}, "Acct 2": {"trainee": "eve"}}
    ou = sandbox.create_ou(["Acct 1", "Acct 2", "Closed"], tags=tags)
    management = sandbox.backdoor_session(sandbox.admin_account)
    management.client("organizations", region_name="us-east-1").close_account(
        AccountId=ou.account_of("Closed")
    )
    course = ou_course(tmp_path, ou.ou_id, name_tag="trainee")
    result = cli(sandbox, tmp_path, "preflight", "--json", course=course)
    assert result.returncode == 0, result.stderr
    rows = {row["trainee"]: row["account"] for row in json.loads(result.stdout)["trainees"]}
    assert rows == {"dana": ou.account_of("Acct 1"), "eve": ou.account_of("Acct 2")}


def test_names_two_accounts_would_share_are_a_course_error(sandbox, tmp_path):
    ou = sandbox.create_ou(["Alice", "alice!", "ok"])
    course = ou_course(tmp_path, ou.ou_id)
    result = cli(sandbox, tmp_path, "apply", course=course)
    assert result.returncode == 2
    line = next(i for i, text in enumerate(course.read_text().splitlines(), 1) if "_ou" in text)
    assert f"{course}:{line}: course.trainees_from_ou:" in result.stderr
    assert ou.account_of("Alice") in result.stderr and ou.account_of("alice!") in result.stderr
    assert 'both be trainee "alice"' in result.stderr
    assert not list(tmp_path.glob(f"{COURSE}/state.sqlite3"))  # nothing was started


def test_a_missing_name_tag_and_both_ways_of_naming_trainees_are_refused(sandbox, tmp_path):
    ou = sandbox.create_ou(["Tagged", "Untagged"], tags={"Tagged": {"trainee": "frank"}})
    course = ou_course(tmp_path, ou.ou_id, name_tag="trainee")
    result = cli(sandbox, tmp_path, "preflight", course=course)
    assert result.returncode == 2
    assert f"account {ou.account_of('Untagged')} (Untagged) has no tag" in result.stderr
    both = ou_course(
        tmp_path, ou.ou_id, trainees='[[trainee]]\nname = "x"\naccount = "111111111111"\n'
    )
    refused = cli(sandbox, tmp_path, "status", course=both)
    assert refused.returncode == 2 and "both name the trainees" in refused.stderr


def test_a_new_account_without_its_role_is_a_preflight_finding_not_a_failed_build(
    sandbox, tmp_path
):
    ou = sandbox.create_ou(["ready", "brand-new"], without_role=("brand-new",))
    course = ou_course(tmp_path, ou.ou_id)
    result = cli(sandbox, tmp_path, "preflight", "--json", course=course)
    assert result.returncode == 1
    rows = {row["trainee"]: row for row in json.loads(result.stdout)["trainees"]}
    assert rows["ready"]["ok"] and not rows["brand-new"]["ok"]
    assert "joined the organization" in rows["brand-new"]["diagnosis"]
    [finding] = rows["brand-new"]["findings"]
    assert finding["severity"] == "error" and "cannot be assumed yet" in finding["message"]
    applied = cli(sandbox, tmp_path, "apply", course=course)
    assert applied.returncode == 1
    trainees = status(sandbox, tmp_path, course)
    assert trainees["ready"]["state"] == "READY"
    assert trainees["brand-new"]["state"] == "FAILED"
    assert "joined the organization" in trainees["brand-new"]["error"]


def test_an_account_outside_any_organization_cannot_list_an_ou(sandbox, tmp_path):
    course = ou_course(tmp_path, "ou-ab12-cd34ef56")
    result = cli(sandbox, tmp_path, "preflight", course=course)
    assert result.returncode == 3
    assert "organizations:ListAccountsForParent" in result.stderr
    assert "delegated administrator" in result.stderr
