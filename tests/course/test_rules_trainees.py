"""Validation of [[trainee]] tables: names, accounts, duplicates, and at least one trainee."""

from __future__ import annotations

import pytest

from .conftest import MINIMAL, line_of, the_problem

COURSE_AND_STEP = """\
[course]
name = "dojo"
region = "eu-west-1"

[[step]]
kind = "iam_user"
"""


def test_account_that_is_not_12_digits(files):
    text = MINIMAL.replace('"222222222222"', '"12345"')
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, '"12345"'),
        "trainee[2].account",
        '"12345" is not an AWS account id',
        "it has 5 characters, not 12",
        'e.g. "111111111111"',
    )


@pytest.mark.parametrize(
    ("account", "reason"),
    [
        ("11111111111a", 'it contains "a"'),
        ("1111 1111 1111", "a space"),
        ("1111111111111", "13 characters"),
        ("١١١١١١١١١١١١", "it contains"),
    ],
)
def test_accounts_must_be_ascii_digits(files, account, reason):
    text = MINIMAL.replace('"111111111111"', f'"{account}"')
    (message,) = files.problems(text)
    the_problem([message], line_of(text, account), "trainee[1].account", reason)


def test_account_written_as_a_toml_integer_says_to_quote_it(files):
    text = MINIMAL.replace('"222222222222"', "012345678901".lstrip("0"))
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "12345678901"),
        "trainee[2].account",
        "the number 12345678901 is not a string",
        "double quotes",
        "loses leading zeros",
    )


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Alice", 'it contains "A"'),
        ("al ice", "a space"),
        ("-al", 'starts with "-"'),
        ("", "0 characters"),
        ("a" * 33, "33 characters"),
        ("al_ice", '"_"'),
    ],
)
def test_trainee_name_outside_the_allowed_characters(files, name, reason):
    text = MINIMAL.replace('name = "bob"', f'name = "{name}"')
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, f'name = "{name}"'),
        "trainee[2].name",
        reason,
        "lowercase letters, digits and '-'",
    )


def test_duplicate_trainee_names_point_at_both(files):
    text = MINIMAL.replace('name = "bob"', 'name = "alice"')
    (message,) = files.problems(text)
    first, second = line_of(text, 'name = "alice"', 1), line_of(text, 'name = "alice"', 2)
    the_problem(
        [message],
        second,
        "trainee[2].name",
        '"alice" is already the name of trainee[1]',
        f"(line {first})",
        "give each trainee its own name",
    )


def test_duplicate_accounts_point_at_both(files):
    text = MINIMAL.replace('"222222222222"', '"111111111111"')
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, '"111111111111"', 2),
        "trainee[2].account",
        "already the account of trainee[1]",
        f"(line {line_of(text, '111111111111', 1)})",
    )


def test_missing_trainee_keys(files):
    text = MINIMAL.replace('account = "222222222222"\n', "")
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "[[trainee]]", 2),
        "trainee[2].account",
        'missing key "account"',
        'add it: account = "111111111111"',
    )


def test_unknown_trainee_key(files):
    text = MINIMAL.replace('name = "bob"', 'name = "bob"\nemail = "bob@example.com"')
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "email"),
        "trainee[2].email",
        'unknown key "email"',
        "allowed: name, account",
    )


def test_no_trainees_at_all(files):
    (message,) = files.problems(COURSE_AND_STEP)
    the_problem([message], 1, "trainee", "no [[trainee]] tables", "add at least one")


def test_an_empty_trainee_list(files):
    text = COURSE_AND_STEP.replace("[course]", "trainee = []\n[course]")
    (message,) = files.problems(text)
    the_problem([message], 1, "trainee", "is empty", "add at least one [[trainee]]")


def test_trainee_written_as_a_single_table(files):
    text = COURSE_AND_STEP + '[trainee]\nname = "alice"\naccount = "111111111111"\n'
    (message,) = files.problems(text)
    the_problem(
        [message], line_of(text, "[trainee]"), "trainee", "written as [trainee]", "double brackets"
    )


def test_a_trainee_that_is_not_a_table(files):
    text = COURSE_AND_STEP.replace("[course]", 'trainee = [\n  "alice",\n]\n[course]')
    (message,) = files.problems(text)
    the_problem([message], 2, "trainee[1]", 'the string "alice" is not a table')


def test_trainees_as_inline_tables_are_allowed_and_lined(files):
    text = COURSE_AND_STEP.replace(
        "[course]",
        """trainee = [
  { name = "alice", account = "111111111111" },
  { name = "bob", account = "22" },
]
[course]""",
    )
    (message,) = files.problems(text)
    the_problem([message], 3, "trainee[2].account", '"22" is not an AWS account id')
