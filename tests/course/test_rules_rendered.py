"""Rendered names: valid for every trainee, and never shared by two steps or two trainees."""

from __future__ import annotations

import pytest

from .conftest import MINIMAL, line_of, the_problem


def _with_step(body: str) -> str:
    return MINIMAL + "\n[[step]]\n" + body


def test_a_bucket_name_too_long_for_one_trainee_names_that_trainee(files):
    text = _with_step(
        'kind = "s3_bucket"\nname = "dojo-data-of-trainee-{trainee}-in-account-{account}"\n'
    )
    text = text.replace('name = "bob"', 'name = "bob-with-a-long-name"')
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "dojo-data-of"),
        "step[2].name",
        'renders to "dojo-data-of-trainee-bob-with-a-long-name-in-account-222222222222"',
        'for trainee "bob-with-a-long-name", which is not an S3 bucket name',
        "it has 65 characters, not 3-63",
        "use 3-63 characters",
    )
    assert "(and" not in message, "only one trainee breaks it"


def test_a_name_broken_for_every_trainee_counts_them(files):
    text = _with_step('kind = "s3_bucket"\nname = "{trainee}_data"\n')
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "_data"),
        "step[2].name",
        'renders to "alice_data" for trainee "alice" (and 1 more)',
        'it contains "_"',
    )


@pytest.mark.parametrize(
    ("kind_and_name", "what", "reason"),
    [
        ('kind = "s3_bucket"\nname = "Dojo-{account}"', "an S3 bucket name", 'it contains "D"'),
        ('kind = "s3_bucket"\nname = "dojo..{account}"', "an S3 bucket name", "'..'"),
        ('kind = "s3_bucket"\nname = "{account}-"', "an S3 bucket name", 'it ends with "-"'),
        (
            'kind = "codecommit_repo"\nname = "{trainee}.git"',
            "a CodeCommit repository name",
            "ends with '.git'",
        ),
        (
            'kind = "codecommit_repo"\nname = "app {trainee}"',
            "a CodeCommit repository name",
            "a space",
        ),
        ('kind = "iam_user"\nname = "{trainee}/x"', "an IAM user name", '"/"'),
        (
            'kind = "eks_cluster"\nname = "-{trainee}"\nrole_arn = "arn:aws:iam::{account}:role/R"',
            "an EKS cluster name",
            "does not start with a letter or digit",
        ),
        (
            'kind = "cloudformation_stack"\nname = "{account}-net"\ntemplate = "t.yaml"',
            "a CloudFormation stack name",
            "does not start with a letter",
        ),
    ],
)
def test_rendered_names_must_be_valid_for_their_kind(files, kind_and_name, what, reason):
    files.write("Resources: {}\n", "t.yaml")
    text = _with_step(kind_and_name + "\n")
    (message,) = files.problems(text)
    the_problem(
        [message], line_of(text, "name =", 4), "step[2].name", f"which is not {what}", reason
    )


def test_a_static_name_is_reported_once_without_a_trainee(files):
    text = _with_step('kind = "codecommit_repo"\nname = "my app"\n')
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "my app"),
        "step[2].name",
        '"my app" is not a CodeCommit repository name: it contains a space',
    )
    assert "trainee" not in message.split(";")[0]


@pytest.mark.parametrize(
    ("line_text", "field", "reason"),
    [
        ('role_arn = "arn:aws:iam::{trainee}:role/R"', "role_arn", "it is not shaped like"),
        ('role_arn = "EksClusterRole"', "role_arn", "it is not shaped like"),
        ('version = "v1.31"', "version", 'it contains "v"'),
        ('subnet_ids = ["subnet-xyz"]', "subnet_ids[1]", "not subnet- and 8-17 hex digits"),
        ('nodegroup = "-workers"', "nodegroup", "does not start with a letter or digit"),
        ('node_role_arn = "arn:aws:iam::{account}:user/U"', "node_role_arn", "not shaped like"),
    ],
)
def test_other_eks_values_are_checked_after_rendering(files, line_text, field, reason):
    text = _with_step(
        'kind = "eks_cluster"\nname = "k-{trainee}"\n'
        'role_arn = "arn:aws:iam::{account}:role/R"\n' + line_text + "\n"
    )
    text = text.replace('role_arn = "arn:aws:iam::{account}:role/R"\nrole_arn', "role_arn")
    (message,) = files.problems(text)
    the_problem([message], line_of(text, line_text), f"step[2].{field}", reason)


def test_eks_with_placeholders_in_arns_and_defaults_loads(files):
    text = _with_step(
        'kind = "eks_cluster"\nname = "k-{trainee}"\n'
        'role_arn = "arn:aws:iam::{account}:role/R"\nnodegroup = "workers"\n'
        'subnet_ids = ["subnet-0123456789abcdef0"]\n'
    )
    course = files.load(text)
    rendered = course.steps[1].render(course, course.trainee("bob"))
    assert rendered["role_arn"] == "arn:aws:iam::222222222222:role/R"
    assert rendered["node_role_arn"] == ""


def test_policy_arns_are_checked_per_item(files):
    text = MINIMAL.replace(
        'kind = "iam_user"', 'kind = "iam_user"\npolicy_arns = ["ReadOnlyAccess"]'
    )
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "policy_arns"),
        "step[1].policy_arns[1]",
        '"ReadOnlyAccess" is not an IAM policy ARN',
        "arn:aws:iam::aws:policy/",
    )


def test_two_steps_of_a_kind_with_the_same_name_template(files):
    text = MINIMAL + '\n[[step]]\nkind = "iam_user"\n'
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "[[step]]", 2),
        "step[2].name",
        f'"{{trainee}}" is also the name of step[1] (line {line_of(text, "[[step]]")})',
        "two iam_user steps would fight over one resource",
    )


def test_two_steps_whose_names_collide_for_one_trainee(files):
    text = _with_step('kind = "codecommit_repo"\nname = "app-{trainee}"\n') + (
        '\n[[step]]\nkind = "codecommit_repo"\nname = "app-bob"\n'
    )
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, '"app-bob"'),
        "step[3].name",
        'renders to "app-bob" for trainee "bob", also the name of step[2]',
    )


def test_steps_of_different_kinds_may_share_a_name(files):
    text = _with_step('kind = "codecommit_repo"\nname = "{trainee}"\n')
    assert [s.name_template for s in files.load(text).steps] == ["{trainee}", "{trainee}"]


def test_a_bucket_name_shared_by_every_trainee(files):
    text = _with_step('kind = "s3_bucket"\nname = "dojo-data"\n')
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "dojo-data"),
        "step[2].name",
        '"dojo-data" is the same for every trainee',
        "S3 bucket names are global across all accounts",
        "{account}",
    )


def test_a_bucket_name_that_only_uses_the_course_is_shared(files):
    text = _with_step('kind = "s3_bucket"\nname = "{course}-data"\n')
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "-data"),
        "step[2].name",
        'renders to "dojo-data" for both trainee "alice" and trainee "bob"',
    )


def test_a_fixed_bucket_name_is_fine_for_a_single_trainee(files):
    text = _with_step('kind = "s3_bucket"\nname = "dojo-data"\n')
    text = text.replace('[[trainee]]\nname = "bob"\naccount = "222222222222"\n', "")
    assert files.load(text).steps[1].params["name"] == "dojo-data"


def test_rendered_checks_wait_for_valid_trainees(files):
    text = _with_step('kind = "s3_bucket"\nname = "{trainee}-{account}"\n')
    text = text.replace('name = "bob"', 'name = "Bob"')
    (message,) = files.problems(text)
    assert "trainee[2].name" in message, "only the trainee is reported, not its consequence"
