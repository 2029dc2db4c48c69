"""Validation of [[check]] tables (lab milestones): kinds, parameters, names; and the
evaluator knows every kind the course file may name."""

from __future__ import annotations

from console.classroom.milestone_kinds import KINDS
from console.course.milestones import CHECK_KINDS

from .conftest import MINIMAL, line_of, the_problem

GOOD = """
[[check]]
name = "signed in"
kind = "signed_in"

[[check]]
name = "made the bucket"
kind = "resource_exists"
type = "AWS::S3::Bucket"
name_pattern = "{trainee}-lab-*"

[[check]]
name = "pushed three commits"
kind = "codecommit_commits"
repository = "dojo-app"
at_least = 3
"""


def test_checks_are_loaded_in_order_and_rendered_per_trainee(files):
    course = files.load(MINIMAL + GOOD)
    assert [c.name for c in course.checks] == [
        "signed in",
        "made the bucket",
        "pushed three commits",
    ]
    alice = course.trainee("alice")
    assert course.checks[0].render(course, alice) == {"user": "alice"}
    assert course.checks[1].render(course, alice)["name_pattern"] == "alice-lab-*"
    assert course.checks[2].render(course, alice)["branch"] == "main"


def test_a_course_without_checks_has_no_milestones(files):
    assert files.load(MINIMAL).checks == ()


def test_unknown_check_kind_names_the_known_ones(files):
    text = MINIMAL + '\n[[check]]\nname = "x"\nkind = "signed_on"\n'
    messages = files.problems(text)
    the_problem(
        messages,
        line_of(text, 'kind = "signed_on"'),
        "check[1].kind",
        'unknown check kind "signed_on"',
        'did you mean "signed_in"?',
    )


def test_bad_parameters_are_each_named_with_line_and_field(files):
    text = MINIMAL + (
        '\n[[check]]\nname = "obj"\nkind = "s3_object"\nbucket = "b"\n'
        '\n[[check]]\nname = "did"\nkind = "did"\nevent = "CreateNodegroup"\n'
        '\n[[check]]\nname = "out"\nkind = "stack_output"\nstack = "s"\noutput = "O"\n'
        'matches = "(("\ncolour = 1\n'
    )
    messages = files.problems(text)
    assert len(messages) == 4, messages
    the_problem(messages, line_of(text, "[[check]]", 1), "check[1].key", "exactly one of key")
    the_problem(
        messages, line_of(text, "CreateNodegroup"), "check[2].event", 'like "eks:CreateNodegroup"'
    )
    the_problem(messages, line_of(text, 'matches = "(("'), "check[3].matches", "not a regular")
    the_problem(messages, line_of(text, "colour"), "check[3].colour", 'unknown key "colour"')


def test_two_milestones_cannot_share_a_name(files):
    text = MINIMAL + '\n[[check]]\nname = "a"\nkind = "signed_in"\n' * 2
    messages = files.problems(text)
    the_problem(messages, line_of(text, 'name = "a"', 2), "check[2].name", "already the name")


def test_every_check_kind_has_an_evaluator():
    assert set(KINDS) == set(CHECK_KINDS)
