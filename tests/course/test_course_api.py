"""The sample course loads with defaults filled, and the Course/Step API others code against."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.course.model import (
    STEP_KINDS,
    Course,
    Trainee,
    course_reference,
    format_problems,
    load_course,
    resolve_course_path,
)
from console.errors import EXIT_BAD_INPUT, CourseError, UsageError

from .conftest import MINIMAL, SAMPLE, line_of


def test_the_design_sample_loads_with_every_setting(files):
    course = files.load(SAMPLE)
    assert course.name == "dojo-2026-12"
    assert course.region == "ap-northeast-1"
    assert course.role_name == "ManageEnvRole"
    assert (course.concurrency, course.failure_tolerance) == (10, 3)
    assert course.host_role == "AdminEnvRole"
    assert course.source_identity is True
    assert course.trainees == (
        Trainee("alice", "111111111111", line_of(SAMPLE, "[[trainee]]", 1)),
        Trainee("bob", "222222222222", line_of(SAMPLE, "[[trainee]]", 2)),
    )
    assert [s.kind for s in course.steps] == ["iam_user", "codecommit_repo"]
    assert [s.index for s in course.steps] == [0, 1]
    assert [s.line for s in course.steps] == [line_of(SAMPLE, "[[step]]", n) for n in (1, 2)]


def test_the_sample_fills_step_defaults(files):
    user, repo = files.load(SAMPLE).steps
    assert user.params == {
        "name": "{trainee}",
        "policy_arns": [],
        "groups": [],
        "console_login": False,
    }
    assert repo.params == {"name": "dojo-app", "description": ""}


def test_course_defaults_when_only_the_required_keys_are_given(files):
    course = files.load(MINIMAL)
    assert course.role_name == "ManageEnvRole"
    assert course.concurrency == 10
    assert course.failure_tolerance is None
    assert course.host_role is None
    assert course.source_identity is False


def test_every_step_kind_fills_its_defaults(files):
    files.write("AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n", "net.yaml")
    course = files.load(
        MINIMAL
        + """
[[step]]
kind = "codecommit_repo"
name = "app"

[[step]]
kind = "s3_bucket"
name = "dojo-{account}"

[[step]]
kind = "eks_cluster"
name = "k8s-{trainee}"
role_arn = "arn:aws:iam::{account}:role/EksClusterRole"

[[step]]
kind = "cloudformation_stack"
name = "net-{trainee}"
template = "net.yaml"
"""
    )
    params = {step.kind: step.params for step in course.steps}
    assert params["s3_bucket"]["versioning"] is False
    assert params["eks_cluster"] == {
        "name": "k8s-{trainee}",
        "role_arn": "arn:aws:iam::{account}:role/EksClusterRole",
        "version": "1.31",
        "subnet_ids": [],
        "nodegroup": "",
        "node_role_arn": "",
    }
    assert params["cloudformation_stack"]["parameters"] == {}
    assert params["cloudformation_stack"]["capabilities"] == []
    assert set(params) == set(STEP_KINDS)


def test_defaults_are_not_shared_between_steps(files):
    course = files.load(MINIMAL + '[[step]]\nkind = "iam_user"\nname = "{trainee}-2"\n')
    first, second = course.steps
    first.params["policy_arns"].append("x")
    assert second.params["policy_arns"] == []
    assert STEP_KINDS["iam_user"].params["policy_arns"].default == []


def test_render_substitutes_placeholders_in_strings_lists_and_tables(files):
    files.write("Resources: {}\n", "t/net.yaml")
    course = files.load(
        MINIMAL
        + """
[[step]]
kind = "cloudformation_stack"
name = "net-{trainee}"
template = "t/net.yaml"
parameters = { Owner = "{trainee}@{course}", Account = "{account}", Raw = "{{literal}}" }
capabilities = ["CAPABILITY_IAM"]

[[step]]
kind = "iam_user"
name = "u-{trainee}"
policy_arns = ["arn:aws:iam::{account}:policy/Dojo-{course}"]
"""
    )
    bob = course.trainee("bob")
    stack, user = course.steps[1], course.steps[2]
    assert stack.render(course, bob) == {
        "name": "net-bob",
        "template": "t/net.yaml",
        "parameters": {"Owner": "bob@dojo", "Account": "222222222222", "Raw": "{literal}"},
        "capabilities": ["CAPABILITY_IAM"],
    }
    assert user.render(course, bob)["policy_arns"] == ["arn:aws:iam::222222222222:policy/Dojo-dojo"]
    assert user.name_template == "u-{trainee}"
    assert user.name_for(course, course.trainee("alice")) == "u-alice"
    assert stack.params["parameters"]["Owner"] == "{trainee}@{course}", "render must not mutate"


def test_render_returns_a_fresh_copy(files):
    course = files.load(MINIMAL)
    step, alice = course.steps[0], course.trainees[0]
    step.render(course, alice)["policy_arns"].append("x")
    assert step.params["policy_arns"] == []


def test_role_arn_uses_the_course_role_name(files):
    course = files.load(
        MINIMAL.replace('region = "eu-west-1"', 'region = "eu-west-1"\nrole_name = "Lab"')
    )
    assert course.role_arn(course.trainees[1]) == "arn:aws:iam::222222222222:role/Lab"


def test_unknown_trainee_is_a_usage_error_listing_the_valid_names(files):
    course = files.load(MINIMAL)
    with pytest.raises(UsageError) as caught:
        course.trainee("alcie")
    assert 'did you mean "alice"' in str(caught.value)
    assert "alice, bob" in str(caught.value)
    assert caught.value.exit_code == EXIT_BAD_INPUT


def test_template_path_is_relative_to_the_course_file_not_the_cwd(files, monkeypatch, tmp_path):
    template = files.write("Resources: {}\n", "sub/templates/net.yaml")
    course_text = (
        MINIMAL
        + '[[step]]\nkind = "cloudformation_stack"\nname = "n"\ntemplate = "templates/net.yaml"\n'
    )
    path = files.write(course_text, "sub/course.toml")
    monkeypatch.chdir(tmp_path)
    course = load_course(Path("sub/course.toml"))
    assert course.path == path.absolute()
    monkeypatch.chdir(template.parent)
    assert course.template_path(course.steps[1]).resolve() == template.resolve()


def test_course_objects_are_frozen_and_hashable(files):
    course = files.load(SAMPLE)
    with pytest.raises(AttributeError):
        course.name = "other"  # type: ignore[misc]
    assert isinstance(hash(course), int)
    assert course == files.load(SAMPLE)


def test_a_course_can_be_built_by_hand():
    course = Course(path=Path("/x/c.toml"), name="c", region="us-east-1")
    assert course.trainees == () and course.concurrency == 10


def test_resolve_course_path_prefers_the_argument(files, monkeypatch):
    given = files.write(MINIMAL, "a.toml")
    monkeypatch.setenv("WHODIDTHIS_COURSE", str(files.write(MINIMAL, "b.toml")))
    assert resolve_course_path(str(given)) == given


def test_resolve_course_path_falls_back_to_the_environment(files, monkeypatch):
    env_course = files.write(MINIMAL, "b.toml")
    monkeypatch.setenv("WHODIDTHIS_COURSE", str(env_course))
    assert resolve_course_path(None) == env_course


def test_resolve_course_path_without_any_says_what_to_do(monkeypatch):
    monkeypatch.delenv("WHODIDTHIS_COURSE", raising=False)
    with pytest.raises(UsageError) as caught:
        resolve_course_path(None)
    assert "WHODIDTHIS_COURSE" in str(caught.value)
    assert "whodidthis status course.toml" in str(caught.value)


@pytest.mark.parametrize("where", ["missing.toml", "."])
def test_resolve_course_path_refuses_a_missing_file_or_a_folder(files, monkeypatch, where):
    monkeypatch.chdir(files.root)
    with pytest.raises(UsageError) as caught:
        resolve_course_path(where)
    message = str(caught.value)
    assert ("does not exist" if where != "." else "is a folder") in message
    assert str(files.root) in message, "the message shows where it looked"


def test_resolve_course_path_names_the_variable_when_it_points_nowhere(files, monkeypatch):
    monkeypatch.setenv("WHODIDTHIS_COURSE", str(files.root / "gone.toml"))
    with pytest.raises(UsageError, match=r"\$WHODIDTHIS_COURSE"):
        resolve_course_path(None)


def test_format_problems_says_how_many_and_that_nothing_changed(files):
    with pytest.raises(CourseError) as caught:
        load_course(files.write(MINIMAL.replace('"dojo"', '"Dojo"').replace("eu-west-1", "x")))
    text = format_problems(caught.value)
    header, *rest = text.splitlines()
    assert "2 problems" in header and "nothing was changed" in header
    assert len(rest) == 2 and all(line.startswith("  ") for line in rest)
    assert caught.value.exit_code == EXIT_BAD_INPUT


def test_format_problems_singular(files):
    with pytest.raises(CourseError) as caught:
        load_course(files.write(MINIMAL.replace('"dojo"', '"Dojo"')))
    assert "1 problem in" in format_problems(caught.value).splitlines()[0]


def test_the_reference_lists_every_kind_and_parameter():
    text = course_reference()
    for kind, spec in STEP_KINDS.items():
        assert f'kind = "{kind}"' in text
        for name in spec.params:
            assert f"  {name} (" in text
    assert "{trainee}, {course}, {account}" in text


def test_step_kinds_describe_their_parameters():
    eks = STEP_KINDS["eks_cluster"].params
    assert eks["name"].required and eks["role_arn"].required
    assert eks["version"].default == "1.31" and not eks["version"].required
    assert STEP_KINDS["iam_user"].params["name"].default == "{trainee}"
    assert STEP_KINDS["cloudformation_stack"].params["capabilities"].choices == (
        "CAPABILITY_IAM",
        "CAPABILITY_NAMED_IAM",
        "CAPABILITY_AUTO_EXPAND",
    )
    assert all(p.doc for spec in STEP_KINDS.values() for p in spec.params.values())
