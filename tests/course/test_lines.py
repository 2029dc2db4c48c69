"""The line finder: tomllib keeps no positions, so every message's line comes from here."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from console.course.lines import find_lines
from console.course.model import parse_course
from console.errors import CourseError

from .conftest import MINIMAL, line_of, the_problem

TRICKY = '''\
# [[step]] in a comment is not a table; nor is name = "x"
[course]   # trailing comment with ] and "
name = "dojo"
"region" = 'eu-west-1'
notes = """
[[trainee]]
name = "not-a-trainee"
"""
more = \'\'\'
account = "not an account" \'\'\'
quoted = "a \\" [[step]] # still a string"
ends = """x""\"\"

[[ trainee ]]
name = "alice"
account = "111111111111"

[[trainee]]
  name = "bob"
  account = "222222222222"

[[step]]
kind = "iam_user"
policy_arns = [
  # a comment inside the list
  "arn:aws:iam::aws:policy/A",   # and after an item

  "arn:aws:iam::aws:policy/B",
]
groups = [["nested"], "x"]

[[step]]
kind = "cloudformation_stack"

[step.parameters]
Owner = "{trainee}"
"Quoted Key" = "v"

[[step.extra]]
a = 1
[[step.extra]]
a = 2
'''


def test_the_tricky_document_is_valid_toml():
    doc = tomllib.loads(TRICKY)
    assert len(doc["trainee"]) == 2 and len(doc["step"]) == 2


def test_tables_keys_and_items_get_their_lines():
    lines = find_lines(TRICKY)
    expect = {
        ("course",): line_of(TRICKY, "[course]"),
        ("course", "name"): line_of(TRICKY, 'name = "dojo"'),
        ("course", "region"): line_of(TRICKY, '"region"'),
        ("course", "notes"): line_of(TRICKY, "notes ="),
        ("course", "more"): line_of(TRICKY, "more ="),
        ("course", "quoted"): line_of(TRICKY, "quoted ="),
        ("course", "ends"): line_of(TRICKY, "ends ="),
        ("trainee", 0): line_of(TRICKY, "[[ trainee ]]"),
        ("trainee", 0, "name"): line_of(TRICKY, 'name = "alice"'),
        ("trainee", 1): line_of(TRICKY, "[[trainee]]", 2),
        ("trainee", 1, "account"): line_of(TRICKY, '"222222222222"'),
        ("step", 0): line_of(TRICKY, "[[step]]", 3),  # after the comment and the string
        ("step", 0, "policy_arns", 0): line_of(TRICKY, "policy/A"),
        ("step", 0, "policy_arns", 1): line_of(TRICKY, "policy/B"),
        ("step", 0, "groups", 1): line_of(TRICKY, "groups ="),
        ("step", 1, "kind"): line_of(TRICKY, 'kind = "cloudformation_stack"'),
        ("step", 1, "parameters"): line_of(TRICKY, "[step.parameters]"),
        ("step", 1, "parameters", "Owner"): line_of(TRICKY, "Owner"),
        ("step", 1, "parameters", "Quoted Key"): line_of(TRICKY, '"Quoted Key"'),
        ("step", 1, "extra", 1, "a"): line_of(TRICKY, "a = 2"),
    }
    assert {path: lines.line_of(path) for path in expect} == expect


def test_a_missing_path_falls_back_to_its_nearest_ancestor():
    lines = find_lines(TRICKY)
    assert lines.line_of(("trainee", 1, "email")) == line_of(TRICKY, "[[trainee]]", 2)
    assert not lines.has(("trainee", 1, "email"))
    assert lines.line_of(("nothing", "here")) == 1


def test_dotted_keys_and_inline_tables():
    text = (
        'course.name = "dojo"\ncourse.region = "x"\nstep = [\n  { kind = "iam_user" },\n'
        '  { kind = "s3_bucket", name = "b" },\n]\n'
    )
    lines = find_lines(text)
    assert lines.line_of(("course", "region")) == 2
    assert lines.line_of(("step", 1, "name")) == 5
    assert lines.line_of(("step", 0)) == 4


def test_crlf_line_endings_count_like_newlines():
    text = MINIMAL.replace("\n", "\r\n").replace('"222222222222"', '"2"')
    (message,) = _problems_of(text)
    assert message.startswith(f"course.toml:{line_of(MINIMAL, '222222222222')}: trainee[2].account")


def test_a_document_the_scanner_does_not_follow_keeps_what_it_found():
    lines = find_lines("a = 1\nb = @@@\nc = 3\n")  # not TOML: the scanner must not raise
    assert lines.line_of(("a",)) == 1


def test_messages_in_the_tricky_document_land_on_the_right_lines(files):
    text = (
        TRICKY.replace('"111111111111"', '"1"')
        .replace('"arn:aws:iam::aws:policy/B"', '"arn:aws:iam::{acount}:policy/B"')
        .replace("region\" = 'eu-west-1'", 'region" = \'eu-west-1\'\nregoin = "x"')
    )
    messages = files.problems(text)
    the_problem(messages, line_of(text, '"1"'), "trainee[1].account", "12")
    the_problem(messages, line_of(text, "{acount}"), "step[1].policy_arns[2]", "{acount}")
    the_problem(messages, line_of(text, "regoin"), "course.regoin", 'did you mean "region"')
    the_problem(messages, line_of(text, "notes ="), "course.notes", "unknown key")
    the_problem(messages, line_of(text, "[[step.extra]]"), "step[2].extra", "unknown key")


def _problems_of(text: str) -> list[str]:
    with pytest.raises(CourseError) as caught:
        parse_course(text, Path("course.toml"))
    return caught.value.problems
