"""Checking a parsed course document: every problem at once, each with its line and a remedy.

``check_document`` walks the document ``tomllib`` returned against ``console.course.schema`` and
collects one message per problem, in the form
``course.toml:12: trainee[2].account: "12345" is not ...; use ...``. Array items are counted
from 1 in messages, the way a reader counts ``[[trainee]]`` tables in the file. The checks of
rendered names (which need the trainees) live in ``console.course.rendered``.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from console.course.lines import KeyPath, LineMap
from console.course.placeholders import placeholder_problems
from console.course.schema import COURSE_KEYS, STEP_KINDS, TOP_LEVEL_KEYS, TRAINEE_KEYS
from console.course.templates import TemplateRefused, parameter_problem, read_template
from console.kinds.params import ParamSpec
from console.rules import ACCOUNT_ID


class Problems:
    """The messages found so far, each placed at the line of the field it is about."""

    def __init__(self, source: str, lines: LineMap):
        self.source = source
        self.lines = lines
        self._found: list[tuple[int, int, str]] = []

    def add(self, path: KeyPath, what: str, todo: str) -> None:
        """Record that the field at ``path`` has a problem ``what``; ``todo`` says the remedy."""
        self.add_at(self.lines.line_of(path), f"{field_name(path)}: {what}", todo)

    def add_at(self, line: int, what: str, todo: str) -> None:
        """Record a problem at ``line`` that is not about one field (e.g. TOML syntax)."""
        self._found.append((line, len(self._found), f"{self.source}:{line}: {what}; {todo}"))

    def __len__(self) -> int:
        return len(self._found)

    def messages(self) -> list[str]:
        """The messages in file order (by line, then in the order they were found)."""
        return [message for _, _, message in sorted(self._found)]


@dataclass
class CheckedCourse:
    """The parts of a document that passed their checks, with defaults filled in.

    Each trainee is ``(name, account, line)``; each step ``(index, kind, params, line)``. A
    part that failed is left out, so this is complete only when no problem was found.
    """

    settings: dict[str, object] = field(default_factory=dict)
    trainees: list[tuple[str, str, int]] = field(default_factory=list)
    steps: list[tuple[int, str, dict, int]] = field(default_factory=list)
    trainees_ok: bool = False
    #: Each cloudformation_stack step's template text, read once (``course/templates.py``).
    templates: dict[int, str] = field(default_factory=dict)


def field_name(path: KeyPath) -> str:
    """``("trainee", 1, "account")`` as a reader writes it: ``trainee[2].account``."""
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key + 1}]"
        else:
            bare = key != "" and all(c.isascii() and (c.isalnum() or c in "_-") for c in key)
            shown = key if bare else json.dumps(key, ensure_ascii=False)
            out += f".{shown}" if out else shown
    return out or "(file)"


def quote(value: object) -> str:
    """A value as it would be written in TOML, shortened when long."""
    if isinstance(value, str):
        shown = value if len(value) <= 128 else value[:125] + "..."
        return json.dumps(shown, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value) if len(str(value)) <= 40 else str(value)[:37] + "..."
    return describe(value)


def describe(value: object) -> str:
    """What kind of TOML value ``value`` is, for "is X, not Y" messages."""
    if isinstance(value, bool):
        return f"the boolean {quote(value)}"
    if isinstance(value, str):
        return f"the string {quote(value)}"
    if isinstance(value, int | float):
        return f"the number {quote(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "a date or time"


def suggest(key: str, allowed: tuple[str, ...] | list[str]) -> str:
    """'did you mean "x"? allowed: ...' for an unknown ``key``."""
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f'did you mean "{close[0]}"? ' if close else ""
    return hint + "allowed: " + ", ".join(allowed)


_EXPECTED = {
    "str": "a string",
    "int": "a whole number",
    "bool": "true or false",
    "list[str]": "a list of strings",
    "table[str, str]": "a table of strings",
}


def _type_fix(value: object, spec: ParamSpec) -> str:
    """What to write instead of ``value`` where ``spec`` wants another type."""
    example = f"e.g. {spec.example}"
    if spec.type == "str" and isinstance(value, int | float) and not isinstance(value, bool):
        lost = " (a TOML number loses leading zeros)" if spec.rule is ACCOUNT_ID else ""
        return f"put it in double quotes{lost}, {example}"
    if spec.type == "int" and isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return f"write it without quotes: {spec.name} = {value.strip()}"
    if spec.type == "bool" and isinstance(value, str) and value.lower() in ("true", "false"):
        return f"write it without quotes: {spec.name} = {value.lower()}"
    return f"write {_EXPECTED[spec.type]}, {example}"


def _is_type(value: object, type_name: str) -> bool:
    if type_name == "str":
        return isinstance(value, str)
    if type_name == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "bool":
        return isinstance(value, bool)
    if type_name == "list[str]":
        return isinstance(value, list)
    return isinstance(value, dict)


def check_value(value: object, spec: ParamSpec, path: KeyPath, problems: Problems) -> bool:
    """Check one value against its spec (type, range, choices, rule, placeholders)."""
    if not _is_type(value, spec.type):
        problems.add(
            path, f"{describe(value)} is not {_EXPECTED[spec.type]}", _type_fix(value, spec)
        )
        return False
    if isinstance(value, int) and not isinstance(value, bool):
        return _check_range(value, spec, path, problems)
    if isinstance(value, list | dict):
        return _check_items(value, spec, path, problems)
    return _check_string(cast(str, value), spec, path, problems)  # _is_type said so


def _check_range(value: int, spec: ParamSpec, path: KeyPath, problems: Problems) -> bool:
    low = -math.inf if spec.minimum is None else spec.minimum
    high = math.inf if spec.maximum is None else spec.maximum
    if low <= value <= high:
        return True
    if spec.maximum is None:
        allowed = f"use {spec.minimum} or more"
    else:
        allowed = f"use a number from {spec.minimum} to {spec.maximum}"
    problems.add(path, f"{quote(value)} is out of range", allowed)
    return False


def _check_items(value: list | dict, spec: ParamSpec, path: KeyPath, problems: Problems) -> bool:
    """Each item of a list (or each value of a table) is a string that passes the spec."""
    ok = True
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if not isinstance(item, str):
            what = "value" if isinstance(value, dict) else "item"
            problems.add(
                path + (key,),
                f"{describe(item)} is not a string",
                f"every {what} of {spec.name} must be a string, e.g. {spec.example}",
            )
            ok = False
        elif spec.key_rule and (reason := spec.key_rule.problem(str(key))):
            problems.add(
                path + (key,),
                f"{quote(key)} is not {spec.key_rule.what}: {reason}",
                f"use {spec.key_rule.allowed}",
            )
            ok = False
        if isinstance(item, str):
            ok = _check_string(item, spec, path + (key,), problems) and ok
    return ok


def _check_string(value: str, spec: ParamSpec, path: KeyPath, problems: Problems) -> bool:
    """Choices and placeholders now; rules too unless placeholders must be rendered first."""
    if spec.choices and value not in spec.choices:
        problems.add(path, f"{quote(value)} is not allowed", suggest(value, spec.choices))
        return False
    if spec.placeholders:
        found = placeholder_problems(value)
        for what, todo in found:
            problems.add(path, f"{what} in {quote(value)}", todo)
        return not found
    if spec.rule and (reason := spec.rule.problem(value)):
        problems.add(
            path, f"{quote(value)} is not {spec.rule.what}: {reason}", f"use {spec.rule.allowed}"
        )
        return False
    return True


def check_table(
    table: dict, specs: dict[str, ParamSpec], path: KeyPath, problems: Problems, where: str
) -> dict[str, object]:
    """Check ``table``'s keys and values; return the good values with defaults filled in."""
    known = (["kind"] if path[0] in ("step", "check") else []) + list(specs)
    for key in table:
        if key not in known:
            problems.add(path + (key,), f'unknown key "{key}" in {where}', suggest(key, known))
    values: dict[str, object] = {}
    for name, spec in specs.items():
        if name not in table:
            if spec.required:
                problems.add(
                    path + (name,), f'missing key "{name}" in {where}', f"add it: {spec.example}"
                )
            else:
                values[name] = spec.fresh_default()
        elif check_value(table[name], spec, path + (name,), problems):
            values[name] = table[name]
    return values


def check_document(doc: dict, problems: Problems, base_dir: Path) -> CheckedCourse:
    """Check every part of ``doc``, adding to ``problems``; return the parts that passed."""
    checked = CheckedCourse()
    for key in doc:
        if key not in TOP_LEVEL_KEYS:
            problems.add((key,), f'unknown table "{key}"', suggest(key, TOP_LEVEL_KEYS))
    checked.settings = _check_course(doc.get("course"), problems)
    before = len(problems)
    if _trainees_from_ou(doc, checked.settings, problems):
        checked.trainees_ok = False  # listed from AWS later; their names are checked then
    else:
        checked.trainees = _check_trainees(doc.get("trainee"), problems)
        checked.trainees_ok = len(problems) == before and bool(checked.trainees)
    for index, table in _tables(doc.get("step"), "step", problems):
        step = _check_step(index, table, problems, base_dir, checked.templates)
        if step:
            checked.steps.append(step)
    return checked


def _trainees_from_ou(doc: dict, settings: dict, problems: Problems) -> bool:
    """True when the course takes its trainees from an OU (``[[trainee]]`` tables then are a
    problem); a name tag without an OU is a problem too."""
    found = doc.get("course")
    course: dict = found if isinstance(found, dict) else {}
    if "trainees_from_ou" not in course:
        if "trainee_name_tag" in course:
            problems.add(
                ("course", "trainee_name_tag"),
                "trainee_name_tag is only used with trainees_from_ou",
                'add trainees_from_ou = "ou-..." or remove trainee_name_tag',
            )
        return False
    if "trainee" in doc:
        problems.add(
            ("trainee",),
            "[[trainee]] tables and [course] trainees_from_ou both name the trainees",
            "keep one: the [[trainee]] tables, or trainees_from_ou (line "
            f"{problems.lines.line_of(('course', 'trainees_from_ou'))})",
        )
    return True


def _check_course(table: object, problems: Problems) -> dict[str, object]:
    if table is None:
        problems.add(
            ("course",),
            "missing [course] table",
            'add one: [course] with name = "dojo-2026-12" and region = "ap-northeast-1"',
        )
        return {}
    if isinstance(table, list):
        problems.add(
            ("course",), "written as [[course]]", "write [course], once, with single brackets"
        )
        return {}
    if not isinstance(table, dict):
        problems.add(
            ("course",),
            f"{describe(table)} is not a table",
            "write a [course] table with name and region",
        )
        return {}
    return check_table(table, COURSE_KEYS, ("course",), problems, "[course]")


def _tables(value: object, key: str, problems: Problems) -> list[tuple[int, dict]]:
    """The ``(index, table)`` pairs of ``[[key]]``, saying what is wrong with anything else."""
    need = f"add at least one [[{key}]] table"
    if value is None:
        problems.add((key,), f"no [[{key}]] tables", need)
        return []
    if isinstance(value, dict):
        problems.add(
            (key,),
            f"written as [{key}], a single table",
            f"write [[{key}]] with double brackets, one per {key}",
        )
        return []
    if not isinstance(value, list):
        problems.add((key,), f"{describe(value)} is not a list of tables", need)
        return []
    if not value:
        problems.add((key,), "is empty", need)
    tables = []
    for index, item in enumerate(value):
        if isinstance(item, dict):
            tables.append((index, item))
        else:
            problems.add(
                (key, index),
                f"{describe(item)} is not a table",
                f"write each {key} as a [[{key}]] table",
            )
    return tables


def _check_trainees(value: object, problems: Problems) -> list[tuple[str, str, int]]:
    trainees: list[tuple[str, str, int]] = []
    first: dict[tuple[str, object], int] = {}  # (key, value) -> index of the first trainee
    for index, table in _tables(value, "trainee", problems):
        path = ("trainee", index)
        values = check_table(table, TRAINEE_KEYS, path, problems, "a [[trainee]] table")
        for key in ("name", "account"):
            if key in values:
                _check_unique(key, values[key], index, first, problems)
        if "name" in values and "account" in values:
            name, account = str(values["name"]), str(values["account"])  # checked strings
            trainees.append((name, account, problems.lines.line_of(path)))
    return trainees


def _check_unique(
    key: str, value: object, index: int, first: dict[tuple[str, object], int], problems: Problems
) -> None:
    """Trainee names and accounts are each used once: a second use is a problem."""
    if (key, value) not in first:
        first[key, value] = index
        return
    other = ("trainee", first[key, value], key)
    problems.add(
        ("trainee", index, key),
        f"{quote(value)} is already the {key} of {field_name(other[:2])} "
        f"(line {problems.lines.line_of(other)})",
        f"give each trainee its own {key}",
    )


def _check_step(
    index: int, table: dict, problems: Problems, base_dir: Path, templates: dict[int, str]
) -> tuple[int, str, dict, int] | None:
    path = ("step", index)
    kinds = tuple(STEP_KINDS)
    kind = table.get("kind")
    if kind is None:
        problems.add(
            path + ("kind",),
            'missing key "kind"',
            'add it, e.g. kind = "iam_user"; one of ' + ", ".join(kinds),
        )
        return None
    if not isinstance(kind, str) or kind not in STEP_KINDS:
        what = (
            f"unknown step kind {quote(kind)}"
            if isinstance(kind, str)
            else (f"{describe(kind)} is not a step kind")
        )
        problems.add(path + ("kind",), what, suggest(str(kind), kinds).replace("allowed", "known"))
        return None
    before = len(problems)
    params = check_table(table, STEP_KINDS[kind].params, path, problems, f'a step of kind "{kind}"')
    template = STEP_KINDS[kind].template_param
    if template and template in params:
        body = _check_template(str(params[template]), path + (template,), problems, base_dir)
        if body is not None:
            templates[index] = body
        parameters = params.get("parameters")
        for name, value in (parameters if isinstance(parameters, dict) else {}).items():
            too_long = parameter_problem(value)
            if too_long:
                problems.add(
                    path + ("parameters", name),
                    f"the value {too_long}",
                    "pass less in the parameter (or put the data in the template or in S3)",
                )
    if len(problems) > before:
        return None
    return index, kind, params, problems.lines.line_of(path)


def _check_template(template: str, path: KeyPath, problems: Problems, base_dir: Path) -> str | None:
    """The template file's text, read once, when it is inside the course file's folder
    (symlinks resolved) and within CloudFormation's limits; None after adding the problem.

    The template's text is sent to every trainee account in CreateStack: a path that leaves the
    course's folder (``..``, an absolute path, a symlink pointing out) would upload a host file.
    """
    where = base_dir / template
    try:
        where = where.resolve()
        folder = base_dir.resolve()
        if not where.is_relative_to(folder):
            problems.add(
                path,
                f"{quote(template)} resolves to {where}, outside the course file's folder "
                f"{folder}; a template is sent to every trainee account",
                "put the template in the course file's folder (or below it) and name it "
                "relative to the course file",
            )
            return None
        if where.is_file():
            try:
                return read_template(where, folder)
            except TemplateRefused as refused:
                problems.add(path, f"{quote(template)} {refused.what}", refused.todo)
                return None
        if where.is_dir():
            what = "is a folder, not a file"
        else:
            what = "is not a regular file" if where.exists() else "does not exist"
    except (OSError, ValueError) as exc:  # a NUL byte or an over-long name
        what = f"cannot be used as a path ({exc})"
    note = " (placeholders are not rendered in template)" if "{" in template else ""
    problems.add(
        path,
        f"{quote(template)} {what}: looked for {where}{note}",
        "give the template file's path relative to the course file",
    )
    return None
