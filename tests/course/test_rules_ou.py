"""``trainees_from_ou``, ``trainee_name_tag`` and ``console_login``: checked like any course key,
each problem naming the file, line and field; an OU course loads with no trainees yet (they are
listed from AWS when a command runs) and no AWS call."""

from pathlib import Path

import pytest

from console.course.model import parse_course
from console.errors import CourseError

HEAD = '[course]\nname = "dojo"\nregion = "ap-northeast-1"\n'
STEP = '\n[[step]]\nkind = "iam_user"\n'
TRAINEE = '\n[[trainee]]\nname = "alice"\naccount = "111111111111"\n'


def problems(text: str) -> list[str]:
    with pytest.raises(CourseError) as caught:
        parse_course(text, Path("/courses/c.toml"))
    return caught.value.problems


def test_an_ou_course_loads_without_trainee_tables():
    course = parse_course(
        HEAD + 'trainees_from_ou = "ou-ab12-cd34ef56"\ntrainee_name_tag = "trainee"\n' + STEP,
        Path("/courses/c.toml"),
    )
    assert course.trainees_from_ou == "ou-ab12-cd34ef56" and course.trainee_name_tag == "trainee"
    assert course.trainees == ()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('trainees_from_ou = "ou-bad"', '/courses/c.toml:4: course.trainees_from_ou: "ou-bad"'),
        ('trainees_from_ou = "r-ab12"', "/courses/c.toml:4: course.trainees_from_ou:"),
        ("trainees_from_ou = 12", "/courses/c.toml:4: course.trainees_from_ou:"),
    ],
)
def test_a_bad_ou_id_is_named_with_file_line_and_field(line, expected):
    [problem] = problems(HEAD + line + "\n" + STEP)
    assert problem.startswith(expected) and "ou-ab12-cd34ef56" in problem


def test_both_ways_of_naming_trainees_and_a_lone_name_tag_are_problems():
    both = problems(HEAD + 'trainees_from_ou = "ou-ab12-cd34ef56"\n' + TRAINEE + STEP)
    assert any(p.startswith("/courses/c.toml:6: trainee:") and "(line 4)" in p for p in both)
    lone = problems(HEAD + 'trainee_name_tag = "trainee"\n' + TRAINEE + STEP)
    assert lone[0].startswith("/courses/c.toml:4: course.trainee_name_tag:")
    assert "trainees_from_ou" in lone[0]


def test_a_reserved_name_tag_is_refused():
    [problem] = problems(
        HEAD + 'trainees_from_ou = "ou-ab12-cd34ef56"\ntrainee_name_tag = "aws:name"\n' + STEP
    )
    assert problem.startswith("/courses/c.toml:5: course.trainee_name_tag:") and "aws:" in problem


def test_console_login_must_be_a_boolean():
    [problem] = problems(HEAD + TRAINEE + STEP + 'console_login = "yes"\n')
    assert problem.startswith("/courses/c.toml:11: step[1].console_login:")
    course = parse_course(HEAD + TRAINEE + STEP + "console_login = true\n", Path("/c.toml"))
    assert course.steps[0].params["console_login"] is True
