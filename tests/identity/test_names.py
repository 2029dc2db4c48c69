"""STS naming rules for session names, source identities and tag values."""

import re

import pytest

from console.aws.sessions import session_name, sts_name, tag_value

VALID = re.compile(r"^[\w+=,.@-]{2,64}$", re.ASCII)


@pytest.mark.parametrize(
    "operator,course",
    [
        ("alice", "dojo-2026-12"),
        ("Jean Dupont", "dojo"),
        ("ssm-user", "x" * 80),
        ("ö" * 70, "dojo-2026-12"),
        ("a", "b"),
        ("", ""),
        ("aws:admin", "c"),
        ("robert'); drop", "c"),
    ],
)
def test_session_names_are_always_valid(operator, course):
    assert VALID.match(session_name(operator, course))


def test_session_name_keeps_the_course_when_trimming():
    name = session_name("o" * 100, "dojo-2026-12")
    assert name.endswith("@dojo-2026-12") and len(name) == 64


def test_plain_names_are_kept():
    assert session_name("alice", "dojo-2026-12") == "alice@dojo-2026-12"


def test_source_identity_never_starts_with_aws_prefix():
    assert not sts_name("aws:root").lower().startswith("aws:")
    assert VALID.match(sts_name("x"))


def test_tag_values_are_cleaned_and_bounded():
    assert tag_value("a" * 300) == "a" * 256
    assert tag_value("alice;rm") == "alice-rm"


def test_the_role_arn_a_trust_policy_names():
    from console.aws.identity import role_arn_of

    assert role_arn_of("arn:aws:sts::100000000000:assumed-role/AdminEnvRole/i-0a1b") == (
        "arn:aws:iam::100000000000:role/AdminEnvRole"
    )
    assert role_arn_of("arn:aws:iam::1:user/x") == "arn:aws:iam::1:user/x"
    assert role_arn_of(None) is None
