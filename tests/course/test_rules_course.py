"""Validation of the file as a whole and of [course]: each message names line, field and remedy."""

from __future__ import annotations

import pytest

from console.course.model import load_course
from console.errors import CourseError

from .conftest import MINIMAL, line_of, the_problem


def test_toml_syntax_error_names_line_and_column(files):
    text = MINIMAL.replace('name = "alice"', "name = alice")
    (message,) = files.problems(text)
    line = line_of(text, "name = alice")
    assert message.startswith(f"course.toml:{line}: column 8: not valid TOML: invalid value")
    assert 'double quotes, e.g. name = "alice"' in message


def test_toml_error_at_the_end_of_the_file_names_the_last_line(files):
    text = MINIMAL + 'kind = "iam_user"'  # the last [[step]] now has kind twice
    (message,) = files.problems(text)
    assert message.startswith(f"course.toml:{text.count(chr(10)) + 1}: end of file: not valid TOML")
    assert "written twice" in message


def test_a_file_that_is_not_utf8_is_rejected_with_its_line(files):
    path = files.write(MINIMAL)
    path.write_bytes(MINIMAL.encode() + b"\n# caf\xe9\n")
    with pytest.raises(CourseError) as caught:
        load_course(path)
    (message,) = caught.value.problems
    assert message.startswith(f"{path}:{MINIMAL.count(chr(10)) + 2}: the file is not UTF-8")
    assert "0xe9" in message


def test_a_utf8_bom_is_accepted(files):
    path = files.write(MINIMAL)
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_course(path).name == "dojo"


def test_unreadable_file_is_a_course_error(files):
    with pytest.raises(CourseError, match="cannot read the course file"):
        load_course(files.root / "nope.toml")


def test_missing_required_key_points_at_its_table(files):
    text = MINIMAL.replace('region = "eu-west-1"\n', "")
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "[course]"),
        "course.region",
        'missing key "region"',
        'add it: region = "ap-northeast-1"',
    )


def test_missing_course_table(files):
    text = MINIMAL.replace('[course]\nname = "dojo"\nregion = "eu-west-1"\n', "")
    messages = files.problems(text)
    the_problem(messages, 1, "course", "missing [course] table", "add one")


def test_course_written_as_an_array_of_tables(files):
    text = MINIMAL.replace("[course]", "[[course]]")
    the_problem(files.problems(text), 1, "course", "[[course]]", "single brackets")


def test_unknown_key_suggests_the_nearest(files):
    text = MINIMAL.replace('region = "eu-west-1"', 'region = "eu-west-1"\nconcurency = 4')
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "concurency"),
        "course.concurency",
        'unknown key "concurency" in [course]',
        'did you mean "concurrency"?',
    )


def test_unknown_top_level_table_suggests_the_nearest(files):
    text = MINIMAL + '\n[[steps]]\nkind = "iam_user"\n'
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "[[steps]]"),
        "steps",
        'unknown table "steps"',
        'did you mean "step"?',
    )


@pytest.mark.parametrize(
    ("line_text", "field", "words"),
    [
        (
            'concurrency = "10"',
            "concurrency",
            ('the string "10" is not a whole number', "without quotes: concurrency = 10"),
        ),
        (
            'source_identity = "true"',
            "source_identity",
            ('the string "true" is not true or false', "without quotes: source_identity = true"),
        ),
        ("source_identity = 1", "source_identity", ("the number 1 is not true or false",)),
        ("concurrency = true", "concurrency", ("the boolean true is not a whole number",)),
        ("concurrency = 2.5", "concurrency", ("the number 2.5 is not a whole number",)),
        ('host_role = ["AdminEnvRole"]', "host_role", ("a list is not a string",)),
        ("role_name = 7", "role_name", ("the number 7 is not a string", "double quotes")),
        ("failure_tolerance = 1979-05-27", "failure_tolerance", ("a date or time",)),
    ],
)
def test_wrong_types_say_what_was_given_and_what_to_write(files, line_text, field, words):
    text = MINIMAL.replace('region = "eu-west-1"', f'region = "eu-west-1"\n{line_text}')
    (message,) = files.problems(text)
    the_problem([message], line_of(text, line_text), f"course.{field}", *words)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Dojo", 'it contains "D"'),
        ("dojo_2026", 'it contains "_"'),
        ("dojo 2026", "it contains a space"),
        ("", "it has 0 characters, not 1-32"),
        ("a" * 33, "it has 33 characters, not 1-32"),
        ("-dojo", 'it starts with "-"'),
        ("dojo-", 'it ends with "-"'),
        ("dōjo", 'it contains "ō"'),
    ],
)
def test_course_name_outside_the_allowed_characters(files, name, reason):
    text = MINIMAL.replace('name = "dojo"', f'name = "{name}"')
    (message,) = files.problems(text)
    the_problem([message], 2, "course.name", reason, "lowercase letters, digits and '-'")


@pytest.mark.parametrize("name", ["a", "dojo-2026-12", "0", "a" * 32, "a-b-c"])
def test_course_names_that_are_allowed(files, name):
    assert files.load(MINIMAL.replace('name = "dojo"', f'name = "{name}"')).name == name


@pytest.mark.parametrize(
    "region", ["tokyo", "us-east", "US-EAST-1", "us-east-12", "u-east-1", "us_east_1"]
)
def test_region_must_look_like_an_aws_region(files, region):
    text = MINIMAL.replace("eu-west-1", region)
    (message,) = files.problems(text)
    the_problem([message], 3, "course.region", f'"{region}" is not an AWS region', "ap-northeast-1")


@pytest.mark.parametrize("region", ["us-east-1", "ap-northeast-1", "us-gov-west-1", "eu-central-2"])
def test_regions_that_are_allowed(files, region):
    assert files.load(MINIMAL.replace("eu-west-1", region)).region == region


@pytest.mark.parametrize(
    ("line_text", "words"),
    [
        ("concurrency = 0", ("0 is out of range", "from 1 to 256")),
        ("concurrency = 257", ("257 is out of range", "from 1 to 256")),
        ("failure_tolerance = -1", ("-1 is out of range", "0 or more")),
    ],
)
def test_numbers_out_of_range(files, line_text, words):
    text = MINIMAL.replace('region = "eu-west-1"', f'region = "eu-west-1"\n{line_text}')
    (message,) = files.problems(text)
    the_problem([message], 4, f"course.{line_text.split()[0]}", *words)


@pytest.mark.parametrize(
    "line_text", ["concurrency = 1", "concurrency = 256", "failure_tolerance = 0"]
)
def test_numbers_at_the_edges_are_allowed(files, line_text):
    files.load(MINIMAL.replace('region = "eu-west-1"', f'region = "eu-west-1"\n{line_text}'))


@pytest.mark.parametrize("key", ["role_name", "host_role"])
@pytest.mark.parametrize(
    ("value", "reason"),
    [("Manage Env", "a space"), ("", "0 characters"), ("r" * 65, "65 characters"), ("a/b", '"/"')],
)
def test_role_names_must_be_iam_role_names(files, key, value, reason):
    text = MINIMAL.replace('region = "eu-west-1"', f'region = "eu-west-1"\n{key} = "{value}"')
    (message,) = files.problems(text)
    the_problem([message], 4, f"course.{key}", "is not an IAM role name", reason, "1-64 characters")


def test_role_names_with_iam_punctuation_are_allowed(files):
    text = MINIMAL.replace(
        'region = "eu-west-1"', 'region = "eu-west-1"\nrole_name = "a_b+c=d,e.f@g-h"'
    )
    assert files.load(text).role_name == "a_b+c=d,e.f@g-h"


def test_every_problem_is_reported_at_once_in_file_order(files):
    text = (
        MINIMAL.replace('"dojo"', '"Dojo"')
        .replace("eu-west-1", "x")
        .replace('"222222222222"', '"2"')
    )
    messages = files.problems(text)
    assert [m.split(": ")[1] for m in messages] == [
        "course.name",
        "course.region",
        "trainee[2].account",
    ]
    lines = [int(m.split(":")[1]) for m in messages]
    assert lines == sorted(lines)


@pytest.mark.parametrize("where", ["folder", "nul"])
def test_a_folder_or_an_impossible_path_is_a_course_error(files, where):
    path = files.root if where == "folder" else files.root / "a\0b.toml"
    with pytest.raises(CourseError) as caught:
        load_course(path)
    (message,) = caught.value.problems
    assert message.startswith(f"{path}: cannot read the course file: ")
