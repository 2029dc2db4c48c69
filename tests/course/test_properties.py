"""Property tests: no input crashes the course parser or gets past it half-valid.

``parse_course`` either returns a Course that satisfies every invariant (checked here again,
independently of the validator) or raises CourseError with at least one message that names the
file and a line. Inputs: arbitrary text, TOML-ish text, documents built from the schema, and
those documents mutated (keys dropped, renamed, added, values replaced, tables duplicated).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.course.checks import field_name
from console.course.model import Course, load_course, parse_course
from console.course.placeholders import placeholder_problems, render_text
from console.course.schema import CAPABILITIES, STEP_KINDS
from console.errors import CourseError

from .strategies import TEMPLATE, key_paths, mutate, valid_documents
from .toml_writer import to_toml

# COURSE_PROPERTY_EXAMPLES=5000 for a longer hunt; the default keeps the suite quick.
PROPERTY = settings(
    max_examples=int(os.environ.get("COURSE_PROPERTY_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

NAME_RULES = {  # written independently of console.course.schema, from the AWS docs
    "iam_user": lambda n: re.fullmatch(r"[A-Za-z0-9_+=,.@-]{1,64}", n),
    "codecommit_repo": lambda n: (
        re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", n) and not n.endswith(".git")
    ),
    "s3_bucket": lambda n: re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", n) and ".." not in n,
    "eks_cluster": lambda n: re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}", n),
    "cloudformation_stack": lambda n: re.fullmatch(r"[A-Za-z][A-Za-z0-9-]{0,127}", n),
}
PYTHON_TYPES = {"str": str, "bool": bool, "int": int, "list[str]": list, "table[str, str]": dict}


@pytest.fixture(scope="module")
def course_file(tmp_path_factory) -> Path:
    """Where the parsed courses claim to live: a folder of this test run holding the template."""
    root = tmp_path_factory.mktemp("course-props")
    (root / TEMPLATE).parent.mkdir(parents=True)
    (root / TEMPLATE).write_text("Resources: {}\n")
    return root / "course.toml"


def parse_or_problems(text: str, path: Path) -> Course | list[str]:
    """The Course, or the problems: any other exception fails the test."""
    try:
        return parse_course(text, path)
    except CourseError as exc:
        assert exc.problems, "a CourseError must carry at least one message"
        last = text.count("\n") + 1
        for message in exc.problems:
            match = re.match(rf"{re.escape(str(path))}:(\d+): \S", message)
            assert match, f"message does not start with file:line: {message!r}"
            assert 1 <= int(match.group(1)) <= last
            assert "; " in message, f"a message says what to do: {message!r}"
        return exc.problems


def assert_invariants(course: Course, text: str) -> None:
    """Every rule of the course file, checked again on the object that came out."""
    ident = r"[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?"
    role = r"[A-Za-z0-9_+=,.@-]{1,64}"
    assert re.fullmatch(ident, course.name)
    assert re.fullmatch(r"[a-z]{2}(-[a-z]+)+-[0-9]", course.region)
    assert re.fullmatch(role, course.role_name)
    assert course.host_role is None or re.fullmatch(role, course.host_role)
    assert type(course.concurrency) is int and 1 <= course.concurrency <= 256
    assert course.failure_tolerance is None or (
        type(course.failure_tolerance) is int and course.failure_tolerance >= 0
    )
    assert type(course.source_identity) is bool
    assert course.trainees and course.steps
    assert len({t.name for t in course.trainees}) == len(course.trainees)
    assert len({t.account for t in course.trainees}) == len(course.trainees)
    last = text.count("\n") + 1
    for trainee in course.trainees:
        assert re.fullmatch(ident, trainee.name) and re.fullmatch(r"[0-9]{12}", trainee.account)
        assert 1 <= trainee.line <= last
    for index, step in enumerate(course.steps):
        assert step.index == index and 1 <= step.line <= last
        _assert_step(course, step)
    _assert_names_unique(course)


def _assert_step(course: Course, step) -> None:
    spec = STEP_KINDS[step.kind]
    assert set(step.params) == set(spec.params)
    for name, param in spec.params.items():
        value = step.params[name]
        assert type(value) is PYTHON_TYPES[param.type], (name, value)
        if isinstance(value, list | dict):
            assert all(
                isinstance(v, str) for v in (value.values() if isinstance(value, dict) else value)
            )
    if step.kind == "cloudformation_stack":
        assert course.template_path(step).is_file()
        assert set(step.params["capabilities"]) <= set(CAPABILITIES)
    for trainee in course.trainees:
        values = course.placeholders(trainee)
        rendered = step.render(course, trainee)
        for name, param in spec.params.items():
            if param.placeholders and isinstance(step.params[name], str):
                assert placeholder_problems(step.params[name]) == []
                assert rendered[name] == step.params[name].format(**values)  # the oracle
        assert NAME_RULES[step.kind](rendered["name"]), rendered["name"]
        assert step.name_for(course, trainee) == rendered["name"]


def _assert_names_unique(course: Course) -> None:
    seen = set()
    for step in course.steps:
        for trainee in course.trainees:
            name = step.name_for(course, trainee)
            owner = None if step.kind == "s3_bucket" else trainee.account  # buckets are global
            assert (step.kind, owner, name) not in seen
            seen.add((step.kind, owner, name))


@PROPERTY
@given(st.text())
def test_arbitrary_text(course_file, text):
    result = parse_or_problems(text, course_file)
    if isinstance(result, Course):
        assert_invariants(result, text)


@PROPERTY
@given(st.text(alphabet="[]{}=\"'.#,\n \tabcdknrstiuepl0123-_", max_size=200))
def test_toml_ish_text(course_file, text):
    result = parse_or_problems(text, course_file)
    if isinstance(result, Course):
        assert_invariants(result, text)


@PROPERTY
@given(valid_documents())
def test_documents_built_from_the_schema_load(course_file, doc):
    text, _ = to_toml(doc)
    course = parse_or_problems(text, course_file)
    assert isinstance(course, Course), "\n".join(course)
    assert_invariants(course, text)
    assert course.name == doc["course"]["name"]
    assert [(t.name, t.account) for t in course.trainees] == [
        (t["name"], t["account"]) for t in doc["trainee"]
    ]
    for step, written in zip(course.steps, doc["step"], strict=True):
        assert {k: v for k, v in step.params.items() if k in written} == {
            k: v for k, v in written.items() if k != "kind"
        }


@PROPERTY
@given(valid_documents(), st.data(), st.integers(1, 3))
def test_mutated_documents(course_file, doc, data, count):
    text, _ = to_toml(mutate(doc, data, count))
    result = parse_or_problems(text, course_file)
    if isinstance(result, Course):
        assert_invariants(result, text)


@PROPERTY
@given(valid_documents(), st.data())
def test_a_dropped_required_key_is_always_reported(course_file, doc, data):
    required = (
        [("course", "name"), ("course", "region")]
        + [("trainee", i, k) for i in range(len(doc["trainee"])) for k in ("name", "account")]
        + [("step", i, "kind") for i in range(len(doc["step"]))]
    )
    path = data.draw(st.sampled_from(required))
    del _parent(doc, path)[path[-1]]
    text, _ = to_toml(doc)
    problems = parse_or_problems(text, course_file)
    assert isinstance(problems, list)
    assert any(f": {field_name(path)}: missing key" in p for p in problems), problems


@PROPERTY
@given(valid_documents(), st.data())
def test_a_wrong_type_is_reported_once_at_its_line(course_file, doc, data):
    leaves = [p for p in key_paths(doc) if len(p) in (2, 3) and isinstance(p[-1], str)]
    path = data.draw(st.sampled_from(leaves))
    _parent(doc, path)[path[-1]] = 1.5
    text, lines = to_toml(doc)
    problems = parse_or_problems(text, course_file)
    assert isinstance(problems, list) and len(problems) == 1, problems
    assert problems[0].startswith(f"{course_file}:{lines[path]}: {field_name(path)}: "), (
        problems[0],
        lines[path],
    )
    assert "the number 1.5" in problems[0]


def _parent(doc: dict, path: tuple) -> dict | list:
    for key in path[:-1]:
        doc = doc[key]
    return doc


@PROPERTY
@given(
    valid_documents(),
    st.lists(
        st.tuples(
            st.sampled_from(["delete", "double", "insert"]), st.integers(0, 10**6), st.characters()
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_text_edits_of_a_valid_file(course_file, doc, edits):
    text, _ = to_toml(doc)
    for edit, at, char in edits:
        lines = text.split("\n")
        n = at % len(lines)
        if edit == "delete":
            del lines[n]
        elif edit == "double":
            lines.insert(n, lines[n])
        else:
            position = at % (len(text) + 1)
            text = text[:position] + char + text[position:]
            continue
        text = "\n".join(lines)
    result = parse_or_problems(text, course_file)
    if isinstance(result, Course):
        assert_invariants(result, text)


@PROPERTY
@given(
    st.lists(
        st.sampled_from(
            [
                "{trainee}",
                "{course}",
                "{account}",
                "{",
                "}",
                "{{",
                "}}",
                "x",
                "{x}",
                "{}",
                "{0}",
                "{trainee!r}",
                "{course:>9}",
            ]
        )
    ).map("".join)
)
def test_rendering_matches_str_format_on_accepted_templates(text):
    values = {"trainee": "alice", "course": "dojo", "account": "111111111111"}
    if not placeholder_problems(text):
        assert render_text(text, values) == text.format(**values)
    else:
        with pytest.raises((ValueError, KeyError, IndexError)):
            # every template refused is one str.format refuses too, or uses a format spec
            text.replace("!r}", "!z}").replace(":>9}", ":%}").format(**values)


@PROPERTY
@given(st.binary(max_size=300))
def test_arbitrary_bytes_through_load_course(course_file, data):
    path = course_file.with_name("bytes.toml")
    path.write_bytes(data)
    try:
        course = load_course(path)
    except CourseError as exc:
        assert exc.problems and all(p.startswith(f"{path}") for p in exc.problems)
    else:
        assert_invariants(course, data.decode("utf-8-sig"))


@pytest.mark.parametrize(
    "text", ["a = " + "[" * 5000 + "]" * 5000, "a = " + "{b = " * 3000 + "1" + "}" * 3000]
)
def test_deep_nesting_is_a_problem_not_a_crash(course_file, text):
    problems = parse_or_problems(text, course_file)
    assert problems == [
        f"{course_file}:1: values are nested too deeply; a course file needs no deep nesting"
    ]
