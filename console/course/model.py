"""Course files: load, validate and hold the course, its trainees and its steps.

A course file (TOML, see docs/contracts.md, "Course file") is accepted whole or rejected whole, before
any AWS call: ``load_course`` raises ``CourseError`` with one message per problem, each naming
the file, line and field, what is wrong and what is allowed. What is allowed lives in
``console.course.schema``; ``STEP_KINDS`` is re-exported here for the engine. Messages count
array items from 1 (``trainee[2]`` is the second ``[[trainee]]``); ``Step.index`` counts from 0.

Example::

    course = load_course(resolve_course_path(args.course))
    for trainee in course.trainees:
        for step in course.steps:
            params = step.render(course, trainee)
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from console.course.checks import CheckedCourse, Problems, check_document
from console.course.lines import LineMap, find_lines
from console.course.milestones import CHECK_KINDS, check_milestones
from console.course.placeholders import render_text, render_value
from console.course.rendered import check_rendered
from console.course.schema import STEP_KINDS, course_reference
from console.course.template_checks import check_templates
from console.errors import CourseError, UsageError

__all__ = [
    "STEP_KINDS",
    "Course",
    "Milestone",
    "Step",
    "Trainee",
    "course_reference",
    "format_problems",
    "load_course",
    "parse_course",
    "resolve_course_path",
]

COURSE_ENV = "WHODIDTHIS_COURSE"


@dataclass(frozen=True)
class Trainee:
    """One trainee: a name (``[a-z0-9-]``) and the 12-digit account their environment lives in.

    ``line`` is where the file names the trainee (its ``[[trainee]]`` table, or
    ``trainees_from_ou``); ``joined_at`` is when an OU trainee's account joined the
    organization (None for ``[[trainee]]`` tables).
    """

    name: str
    account: str
    line: int
    joined_at: float | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Step:
    """One step of the course, as written: placeholders unrendered, defaults filled in.

    ``index`` is 0-based in course order; ``line`` is the line of its ``[[step]]`` header.
    """

    index: int
    kind: str
    params: dict = field(hash=False)
    line: int

    @property
    def name_template(self) -> str:
        """The ``name`` parameter before rendering, e.g. ``"{trainee}"``."""
        return self.params["name"]

    def render(self, course: Course, trainee: Trainee) -> dict:
        """The parameters for ``trainee``, with placeholders substituted (a fresh copy).

        Parameters that take no placeholders (``template``, ``capabilities``) are copied as
        written.
        """
        values = course.placeholders(trainee)
        spec = STEP_KINDS[self.kind]
        return {
            key: render_value(value, values) if spec.params[key].placeholders else _copy(value)
            for key, value in self.params.items()
        }

    def name_for(self, course: Course, trainee: Trainee) -> str:
        """The resource name this step uses for ``trainee``."""
        return render_text(self.name_template, course.placeholders(trainee))


@dataclass(frozen=True)
class Milestone:
    """One ``[[check]]``: a lab milestone, as written (placeholders unrendered).

    ``index`` is 0-based in course order; ``line`` is the line of its ``[[check]]`` header.
    """

    index: int
    name: str
    kind: str
    params: dict = field(hash=False)
    line: int

    def render(self, course: Course, trainee: Trainee) -> dict:
        """The parameters for ``trainee``, placeholders substituted (a fresh copy)."""
        values = course.placeholders(trainee)
        spec = CHECK_KINDS[self.kind]
        return {
            key: render_value(value, values) if spec.params[key].placeholders else _copy(value)
            for key, value in self.params.items()
        }


def _copy(value: object) -> object:
    """A list or table copied one level down, so a caller cannot change the course."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


@dataclass(frozen=True)
class Course:
    """A validated course: settings, trainees and steps. ``path`` is the file, absolute."""

    path: Path
    name: str
    region: str
    role_name: str = "ManageEnvRole"
    concurrency: int = 10
    failure_tolerance: int | None = None
    host_role: str | None = None
    source_identity: bool = False
    trainees_from_ou: str | None = None
    trainee_name_tag: str | None = None
    trainees: tuple[Trainee, ...] = ()
    steps: tuple[Step, ...] = ()
    checks: tuple[Milestone, ...] = ()
    # cfn-lint's warnings about the course's templates (shown, never fatal).
    warnings: tuple[str, ...] = ()
    #: Each cloudformation_stack step's template text by step index, read once at load
    #: (``course/templates.py``): what CreateStack sends, whatever the file becomes later.
    templates: Mapping[int, str] = field(default_factory=dict, compare=False, repr=False)

    def role_arn(self, trainee: Trainee) -> str:
        """The role assumed in ``trainee``'s account."""
        return f"arn:aws:iam::{trainee.account}:role/{self.role_name}"

    def trainees_in(self, names) -> list[Trainee]:
        """The trainees named in ``names``, in course order; every trainee when it is empty."""
        return [t for t in self.trainees if not names or t.name in names]

    def trainee(self, name: str) -> Trainee:
        """The trainee called ``name``; a ``UsageError`` naming the valid ones otherwise."""
        for trainee in self.trainees:
            if trainee.name == name:
                return trainee
        names = [t.name for t in self.trainees]
        close = difflib.get_close_matches(name, names, n=1)
        hint = f'did you mean "{close[0]}"? ' if close else ""
        raise UsageError(
            f'no trainee "{name}" in course {self.name} ({self.path}); {hint}'
            f"trainees: {', '.join(names)}"
        )

    def template_body(self, step: Step) -> str:
        """The template text of ``step`` as it was read when the course was loaded."""
        return self.templates[step.index]

    def template_path(self, step: Step) -> Path:
        """The template file ``step`` names, relative to the course file.

        Raises:
            ValueError: ``step``'s kind takes no template file (no ``template_param``).
        """
        param = STEP_KINDS[step.kind].template_param
        if param is None:
            raise ValueError(f"a {step.kind} step names no template file")
        return self.path.parent / step.params[param]

    def placeholders(self, trainee: Trainee) -> dict[str, str]:
        """The values of ``{trainee}``, ``{course}`` and ``{account}`` for ``trainee``."""
        return {"trainee": trainee.name, "course": self.name, "account": trainee.account}


def resolve_course_path(arg: str | None) -> Path:
    """The course file to use: ``arg``, else ``$WHODIDTHIS_COURSE``; it must exist.

    Raises:
        UsageError: no course was given, or the file is not there.
    """
    given = arg or os.environ.get(COURSE_ENV) or None
    if given is None:
        raise UsageError(
            f"no course file given; name one (e.g. whodidthis status course.toml) "
            f"or set {COURSE_ENV}=/path/to/course.toml"
        )
    path = Path(given).expanduser()
    source = "" if arg else f" (from ${COURSE_ENV})"
    try:
        if path.is_file():
            return path
        if path.is_dir():
            what = "is a folder, not a course file"
        elif path.exists():  # a FIFO, a device (/dev/null), a socket: never opened, never read
            what = "is not a regular file"
        else:
            what = "does not exist"
    except (OSError, ValueError) as exc:
        what = f"cannot be read ({exc})"
    raise UsageError(
        f"course file {given}{source} {what} (looked for {path.absolute()}); "
        "check the path, or run whodidthis sandbox for a sample course"
    )


def load_course(path: str | os.PathLike) -> Course:
    """Read and validate the course file at ``path``.

    Raises:
        CourseError: the file cannot be read or is not a valid course; one message per problem.
    """
    source = os.fspath(path)
    try:
        data = Path(path).read_bytes()
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        message = f"{source}: cannot read the course file: {reason}; check the path and its rights"
        raise CourseError(source, [message]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CourseError(
            source,
            [
                f"{source}:{line}: the file is not UTF-8 text "
                f"(byte 0x{data[exc.start]:02x}); save it as UTF-8"
            ],
        ) from None
    return parse_course(text, Path(path))


def parse_course(text: str, path: Path) -> Course:
    """Validate ``text`` as the course file at ``path`` (which names it and anchors templates).

    Raises:
        CourseError: one message per problem.
    """
    source = os.fspath(path)
    problems = Problems(source, LineMap({}))
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        _syntax_problem(str(exc), text, problems)
        raise CourseError(source, problems.messages()) from None
    except RecursionError:
        problems.add_at(1, "values are nested too deeply", "a course file needs no deep nesting")
        raise CourseError(source, problems.messages()) from None
    problems.lines = find_lines(text)
    checked = check_document(doc, problems, Path(path).absolute().parent)
    milestones = check_milestones(doc.get("check"), problems)
    check_rendered(checked, problems)
    warnings: list[str] = []
    if not len(problems):  # templates are linted once the course around them is sound
        warnings = check_templates(checked, problems, Path(path).absolute().parent)
    if len(problems):
        raise CourseError(source, problems.messages())
    course = _build(checked, Path(path).absolute(), tuple(warnings))
    return replace(course, checks=tuple(Milestone(*found) for found in milestones))


_SYNTAX = re.compile(
    r"(?P<what>.*) \(at (line (?P<line>\d+), column (?P<col>\d+)|end of document)\)"
)
_SYNTAX_HINTS = {
    "Invalid value": 'text values need double quotes, e.g. name = "alice"',
    "Cannot overwrite a value": "a key or table is written twice; keep one",
    "Cannot declare": "a table is written twice; keep one",
    "Unclosed array": 'close the list with "]"',
    "Unterminated string": "close the string with its quote on the same line",
}


def _syntax_problem(message: str, text: str, problems: Problems) -> None:
    """tomllib's message, placed at its line and column, with a hint for common mistakes."""
    match = _SYNTAX.fullmatch(message)
    what = match.group("what") if match else message
    if match and match.group("line"):
        line, where = int(match.group("line")), f"column {match.group('col')}: "
    else:
        line, where = text.count("\n") + 1, "end of file: "
    hint = next((h for key, h in _SYNTAX_HINTS.items() if what.startswith(key)), None)
    todo = hint or "fix the TOML syntax there (see https://toml.io)"
    problems.add_at(line, f"{where}not valid TOML: {what[:1].lower()}{what[1:]}", todo)


def _build(checked: CheckedCourse, path: Path, warnings: tuple[str, ...] = ()) -> Course:
    """The Course from a document that passed every check."""
    return Course(
        path=path,
        warnings=warnings,
        trainees=tuple(Trainee(name, account, line) for name, account, line in checked.trainees),
        steps=tuple(
            Step(index=index, kind=kind, params=params, line=line)
            for index, kind, params, line in checked.steps
        ),
        templates=dict(checked.templates),
        **checked.settings,  # type: ignore[arg-type]  # each setting was checked by its spec
    )


def format_problems(err: CourseError) -> str:
    """The CLI's text for a rejected course: a header line, then one problem per line."""
    count = len(err.problems)
    noun = "problem" if count == 1 else "problems"
    header = (
        f"{err.path}: {count} {noun} in the course file; nothing was changed (no AWS call made)"
    )
    return "\n".join([header, *(f"  {problem}" for problem in err.problems)]) + "\n"
