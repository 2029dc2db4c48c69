"""Templates are checked when the course loads: before any AWS call, exit 2 with the reason."""

from __future__ import annotations

import subprocess
import sys

import pytest

from console.course.model import load_course
from console.errors import CourseError

NAMED_ROLE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  LabRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: lab-role
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
"""


def course(tmp_path, template: str, extra: str = "", account: str = "200000000001"):
    (tmp_path / "t.yaml").write_text(template)
    path = tmp_path / "course.toml"
    path.write_text(
        '[course]\nname = "dojo"\nregion = "ap-northeast-1"\n\n'
        f'[[trainee]]\nname = "alice"\naccount = "{account}"\n\n'
        f'[[step]]\nkind = "cloudformation_stack"\nname = "lab"\ntemplate = "t.yaml"\n{extra}'
    )
    return path


def test_a_named_iam_role_without_capabilities_is_exit_2_before_any_call(sandbox, tmp_path):
    path = course(tmp_path, NAMED_ROLE)
    env = sandbox.clean_env()
    env["WHODIDTHIS_STATE_DIR"] = str(tmp_path / "state")
    result = subprocess.run(
        [sys.executable, "-m", "console", "apply", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "t.yaml:3: the template needs CAPABILITY_NAMED_IAM (LabRole (RoleName))" in result.stderr
    assert 'capabilities = ["CAPABILITY_NAMED_IAM"]' in result.stderr
    assert sandbox.trail() == []  # no AWS call at all


@pytest.mark.parametrize(
    ("stated", "ok"),
    [
        ('capabilities = ["CAPABILITY_NAMED_IAM"]\n', True),
        ('capabilities = ["CAPABILITY_IAM"]\n', False),
    ],
)
def test_named_iam_needs_the_named_capability(tmp_path, stated, ok):
    path = course(tmp_path, NAMED_ROLE, stated)
    if ok:
        assert load_course(path).steps[0].params["capabilities"] == ["CAPABILITY_NAMED_IAM"]
    else:
        with pytest.raises(CourseError, match="CAPABILITY_NAMED_IAM"):
            load_course(path)


def test_an_unnamed_role_needs_iam_and_a_transform_needs_auto_expand(tmp_path):
    unnamed = NAMED_ROLE.replace("      RoleName: lab-role\n", "")
    with pytest.raises(CourseError, match=r"needs CAPABILITY_IAM \(LabRole \(AWS::IAM::Role\)\)"):
        load_course(course(tmp_path, unnamed))
    macro = "Transform: AWS::Serverless-2016-10-31\n" + NAMED_ROLE
    with pytest.raises(CourseError) as refused:
        load_course(course(tmp_path, macro, 'capabilities = ["CAPABILITY_NAMED_IAM"]\n'))
    assert "CAPABILITY_AUTO_EXPAND" in str(refused.value)


def test_cfn_lint_errors_name_file_line_and_rule_and_warnings_do_not_refuse(tmp_path):
    bad = (
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n"
        "      VisibilityTimeout: 5\n      Colour: blue\n"
    )
    with pytest.raises(CourseError) as refused:
        load_course(course(tmp_path, bad))
    [problem] = refused.value.problems
    assert "t.yaml:6: E3002" in problem and "'Colour' was unexpected" in problem
    warned = (
        "Parameters:\n  Unused:\n    Type: String\n    Default: x\n"
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n"
    )
    loaded = load_course(course(tmp_path, warned))
    assert any("t.yaml:2: W2001" in w for w in loaded.warnings), loaded.warnings


def test_an_unknown_resource_type_is_refused(tmp_path):
    with pytest.raises(CourseError, match=r"t.yaml:\d+: E3006"):
        load_course(course(tmp_path, "Resources:\n  X:\n    Type: AWS::SQS::Queueue\n"))
