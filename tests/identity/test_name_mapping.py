"""Operator names to STS names: valid for STS, distinct per operator, readable, reversible."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from console.aws.names import (
    DIGEST_HEX,
    operator_from_sts_name,
    session_name,
    source_identity,
    sts_name,
)

VALID = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
COURSE = "dojo-2026-12"
courses = st.from_regex(r"[a-z0-9-]{1,80}", fullmatch=True)
names = st.text(max_size=90)


@given(names)
@settings(max_examples=400)
def test_every_name_becomes_a_valid_source_identity(operator):
    identity = source_identity(operator)
    assert VALID.fullmatch(identity)
    assert not identity.lower().startswith("aws:")


@given(names, courses)
@settings(max_examples=400)
def test_every_session_name_is_valid_and_ends_with_the_course(operator, course):
    name = session_name(operator, course)
    assert VALID.fullmatch(name)
    assert name.rsplit("@", 1)[1] == course[: len(name.rsplit("@", 1)[1])]


@given(names, names)
@settings(max_examples=600)
def test_two_operators_never_share_a_session_name_or_source_identity(first, second):
    if first == second:
        return
    assert session_name(first, COURSE) != session_name(second, COURSE)
    assert source_identity(first) != source_identity(second)


@given(names)
@settings(max_examples=400)
def test_the_name_reads_back_unless_it_had_to_be_shortened(operator):
    form = sts_name(operator)
    back = operator_from_sts_name(form)
    if back is None:
        assert form.endswith(form[-DIGEST_HEX:]) and "=-" in form and len(form) <= 64
    else:
        assert back == operator


def test_the_cases_people_meet():
    assert sts_name("alice") == "alice"
    assert sts_name("élodie") == "=C3=A9lodie"
    assert sts_name("Jean Dupont") == "Jean=20Dupont"
    assert sts_name("aws:admin") == "aws=3Aadmin"
    assert sts_name("a") == "a="
    assert sts_name("") == "=="
    assert session_name("élodie", COURSE) == f"=C3=A9lodie@{COURSE}"
    # A name made only of allowed characters but holding the escape character is escaped,
    # so it cannot pose as someone else's escaped name.
    assert sts_name("=C3=A9lodie") != sts_name("élodie")
    assert operator_from_sts_name(sts_name("=C3=A9lodie")) == "=C3=A9lodie"
    assert operator_from_sts_name(f"=C3=A9lodie@{COURSE}".rsplit("@", 1)[0]) == "élodie"
