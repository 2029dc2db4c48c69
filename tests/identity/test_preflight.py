"""``whodidthis preflight`` on each "before" state of the story, and the IAM templates."""

import json
import re
import subprocess
import sys

from console.commands.iam_templates import admin_template, trainee_template
from console.course.model import load_course

ADMIN = "100000000000"


def preflight(env, course, *args):
    result = subprocess.run(
        [sys.executable, "-m", "console", "preflight", str(course), "--json", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, (json.loads(result.stdout) if result.stdout else None), result


def by_name(data):
    return {row["trainee"]: row for row in data["trainees"]}


def test_the_after_state_the_templates_deploy_passes_with_no_findings(sandbox, tmp_path):
    """The sandbox's roles are what iam-templates writes: a trust policy pinned to the host.
    One trainee's role also holds an inline policy that brings it near IAM's 10,240 characters
    of inline policy per role: preflight warns (and the rest is still fine)."""
    env = sandbox.clean_env()
    env["WHODIDTHIS_STATE_DIR"] = str(tmp_path)
    first, account = sandbox.trainees[0]
    iam = sandbox.backdoor_session(account).client("iam")
    held = sum(  # the written inline policies' size, white space not counted
        len("".join(json.dumps(iam.get_role_policy(RoleName="ManageEnvRole", PolicyName=n)[
            "PolicyDocument"]).split()))
        for n in iam.list_role_policies(RoleName="ManageEnvRole")["PolicyNames"]
    )  # fmt: skip
    # Each action adds 25 characters ("ec2:Describe00000Thing" and its quotes and comma):
    # filled to about 9,700 of the 10,240.
    actions = [f"ec2:Describe{n:05d}Thing" for n in range((9700 - held - 70) // 25)]
    filler = {"Effect": "Allow", "Action": actions, "Resource": "*"}
    iam.put_role_policy(
        RoleName="ManageEnvRole",
        PolicyName="Filler",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [filler]}),
    )
    code, data, _ = preflight(env, sandbox.course_path)
    assert code == 0 and data["ok"] is True
    for name, account in sandbox.trainees:
        row = by_name(data)[name]
        assert row["principal_arn"] == (
            f"arn:aws:sts::{account}:assumed-role/ManageEnvRole/{row['principal_arn'].rsplit('/', 1)[1]}"
        )
        # The sandbox's trust allows but does not require a SourceIdentity (its trainees serve
        # courses with and without one); this course sets one, so preflight warns.
        warnings = [f["message"] for f in row["findings"] if f["severity"] == "warning"]
        assert len(row["findings"]) == len(warnings) == (2 if name == first else 1)
        assert "without a SourceIdentity" in warnings[0]
    [near] = [f for f in by_name(data)[first]["findings"] if "quota" in f["message"]]
    assert re.search(r"ManageEnvRole: its inline policies together: 9,[67]\d\d ", near["message"])
    assert "near IAM's 10,240 for a role's inline policies" in near["message"]
    assert "BuildTrainingEnvironment" in near["fix"]  # what iam-templates writes instead


def test_each_before_state_is_reported(sandbox_factory, tmp_path):
    sb = sandbox_factory(
        trainees=6,
        before={
            "alice": "root-trust",
            "bob": "no-role",
            "carol": "other-account",
            "dave": "no-source-identity",
            "erin": "wildcard",
        },
    )
    env = sb.clean_env()
    env["WHODIDTHIS_STATE_DIR"] = str(tmp_path)
    code, data, _ = preflight(env, sb.course_path)
    rows = by_name(data)
    assert code == 1 and data["ok"] is False
    alice = rows["alice"]
    assert alice["principal_arn"] and alice["ok"]  # root trust works, as on AWS
    assert alice["findings"][0]["severity"] == "warning"
    assert "whole admin account" in alice["findings"][0]["message"]
    fix = alice["findings"][0]["fix"]["Statement"][0]["Principal"]["AWS"]
    assert fix == f"arn:aws:iam::{ADMIN}:role/AdminEnvRole"
    for name in ("bob", "carol"):
        assert rows[name]["error_code"] == "AccessDenied"
        assert "is not authorized to perform: sts:AssumeRole" in rows[name]["error"]
        assert "does not exist" in rows[name]["diagnosis"]
    assert "sts:SetSourceIdentity" in rows["dave"]["diagnosis"]
    assert rows["erin"]["findings"][0]["severity"] == "error"
    assert "(*)" in rows["erin"]["findings"][0]["message"]
    assert rows["frank"]["ok"]


def test_a_bad_course_is_exit_2_and_calls_nothing(sandbox, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[course]\nname = "Bad Name"\nregion = "ap-northeast-1"\n')
    code, _, result = preflight(sandbox.clean_env(), bad)
    assert code == 2 and "bad.toml" in result.stderr
    assert sandbox.trail() == []


def test_iam_templates_deploy_and_pass_preflight(sandbox_factory, tmp_path):
    sb = sandbox_factory(
        trainees=3, before={"alice": "no-role", "bob": "no-role", "carol": "no-role"}
    )
    for _, account in sb.trainees:  # as a StackSet would, in every trainee account
        cfn = sb.backdoor_session(account).client("cloudformation")
        cfn.create_stack(
            StackName="whodidthis-manage-env-role",
            TemplateBody=json.dumps(trainee_template(ADMIN)),
            Capabilities=["CAPABILITY_NAMED_IAM"],
        )
    other_admin = "100000000099"
    cfn = sb.backdoor_session(other_admin).client("cloudformation")
    cfn.create_stack(
        StackName="whodidthis-admin",
        TemplateBody=json.dumps(admin_template()),
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    iam = sb.backdoor_session(other_admin).client("iam")
    profile = iam.get_instance_profile(InstanceProfileName="AdminEnvRole")["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == ["AdminEnvRole"]
    assert sorted(iam.list_role_policies(RoleName="AdminEnvRole")["PolicyNames"]) == [
        "AssumeManageEnvRole",
        "ListTraineeAccounts",
    ]
    env = sb.clean_env()
    env["WHODIDTHIS_STATE_DIR"] = str(tmp_path)
    # Without the course, ManageEnvRole may not build the lab template's queue and parameter:
    # preflight says so before any build (on AWS the stack would fail).
    code, data, _ = preflight(env, sb.course_path)
    assert code == 1
    for (_, account), row in zip(sb.trainees, data["trainees"], strict=True):
        messages = [f["message"] for f in row["findings"] if f["severity"] == "error"]
        assert len(messages) == 1, messages
        assert messages[0].startswith(f"ManageEnvRole in {account} lacks ")
        assert "sqs:CreateQueue" in messages[0] and "ssm:PutParameter" in messages[0]
        assert messages[0].split(" needed by ")[1].startswith("lab-template.yaml")
    course = load_course(sb.course_path)
    for _, account in sb.trainees:  # the templates given the course, redeployed
        cfn = sb.backdoor_session(account).client("cloudformation")
        cfn.delete_stack(StackName="whodidthis-manage-env-role")
        cfn.create_stack(
            StackName="whodidthis-manage-env-role-2",
            TemplateBody=json.dumps(trainee_template(ADMIN, course=course)),
            Capabilities=["CAPABILITY_NAMED_IAM"],
        )
    code, data, _ = preflight(env, sb.course_path)
    assert code == 0, data
    assert all(row["ok"] and row["findings"] == [] for row in data["trainees"])


def test_iam_templates_cli_writes_both_files(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "console",
            "iam-templates",
            "--admin-account",
            "111122223333",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    trust = json.loads((tmp_path / "manage-env-role.json").read_text())
    statement = trust["Resources"]["ManageEnvRole"]["Properties"]["AssumeRolePolicyDocument"][
        "Statement"
    ][0]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::111122223333:role/AdminEnvRole"}
    bad = subprocess.run(
        [sys.executable, "-m", "console", "iam-templates", "--admin-account", "12"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "12-digit" in bad.stderr


def test_iam_templates_grant_the_sweep_handout_and_organizations_calls():
    trainee = trainee_template(ADMIN)["Resources"]["ManageEnvRole"]["Properties"]
    granted = {
        action
        for policy in trainee["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        for action in statement["Action"]
    }
    assert {
        "tag:GetResources",
        "iam:CreateLoginProfile",
        "iam:UpdateLoginProfile",
        "iam:DeleteLoginProfile",
        "iam:GetAccountPasswordPolicy",
    } <= granted
    host = admin_template()["Resources"]["HostRole"]["Properties"]
    host_actions = {
        action
        for policy in host["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        for action in statement["Action"]
    }
    assert "organizations:ListAccountsForParent" in host_actions
    assert "delegated administrator" in admin_template()["Description"]


def test_iam_templates_course_and_host_role_arn(sandbox, tmp_path):
    host_arn = "arn:aws:iam::111122223333:role/automation/AdminEnvRole"
    args = [
        "--host-role-arn",
        host_arn,
        "--course",
        str(sandbox.course_path),
        "--out",
        str(tmp_path),
    ]
    result = subprocess.run(
        [sys.executable, "-m", "console", "iam-templates", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    role = json.loads((tmp_path / "manage-env-role.json").read_text())["Resources"]["ManageEnvRole"]
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"AWS": host_arn}
    assert trust["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": host_arn},
        "Null": {"sts:SourceIdentity": "false"},  # the sample course sets source_identity
    }
    actions = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]["Action"]
    assert {"sqs:CreateQueue", "ssm:PutParameter", "cloudtrail:LookupEvents"} <= set(actions)
    plain = trainee_template("111122223333")["Resources"]["ManageEnvRole"]["Properties"]
    plain_actions = plain["Policies"][0]["PolicyDocument"]["Statement"][0]["Action"]
    assert "sqs:CreateQueue" not in plain_actions
    admin = json.loads((tmp_path / "admin-env-role.json").read_text())
    host_policy = admin["Resources"]["HostRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    granted = {a for s in host_policy["Statement"] for a in s["Action"]}
    assert {"iam:SimulatePrincipalPolicy", "iam:GetRole", "iam:GetInstanceProfile"} <= granted
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "console",
            "iam-templates",
            "--host-role-arn",
            "arn:aws:iam::1:user/x",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "is not a role ARN" in bad.stderr


def test_iam_templates_require_a_source_identity_when_the_course_sets_one(sandbox, tmp_path):
    course = load_course(sandbox.course_path)  # the sample course: source_identity = true
    assert course.source_identity
    role = trainee_template(ADMIN, course=course)["Resources"]["ManageEnvRole"]
    [statement] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"]["Null"] == {"sts:SourceIdentity": "false"}
    assert "sts:SetSourceIdentity" in statement["Action"]
    plain = trainee_template(ADMIN)["Resources"]["ManageEnvRole"]["Properties"]
    [allowed] = plain["AssumeRolePolicyDocument"]["Statement"]
    assert "Null" not in allowed["Condition"]  # allowed, not required, without a course
