"""Checks that need every trainee: rendered names, and names that two steps or trainees share.

A parameter such as ``name = "{trainee}-data"`` is only known to be valid once it is rendered
for each trainee: a long trainee name can push a bucket name past 63 characters. These checks
render every templated string the course would send to AWS and say which trainee breaks it.
"""

from __future__ import annotations

from collections.abc import Iterator

from console.course.checks import CheckedCourse, Problems, field_name, quote
from console.course.lines import KeyPath
from console.course.placeholders import has_placeholders, render_text
from console.course.schema import STEP_KINDS
from console.rules import ValueRule

Context = tuple[str, dict[str, str]]  # (trainee name, placeholder values)


def _global_todo(kind: str) -> str:
    """What to do about a name every trainee shares, for a kind whose names are global."""
    spec = STEP_KINDS[kind]
    return (
        f"{spec.noun} names are global across all accounts: put {{trainee}} or {{account}} "
        f"in it, e.g. {spec.params['name'].example}"
    )


def check_rendered(checked: CheckedCourse, problems: Problems) -> None:
    """Add a problem for each rendered value AWS would refuse and each name two steps share."""
    contexts = _contexts(checked)
    for index, kind, params, _ in checked.steps:
        for name, spec in STEP_KINDS[kind].params.items():
            if spec.placeholders and spec.rule and name in params:
                for path, text in _leaves(params[name], ("step", index, name)):
                    _check_leaf(text, spec.rule, path, contexts, problems)
    _check_shared_names(checked, contexts, problems)
    _check_global_names(checked, contexts, problems)


def _contexts(checked: CheckedCourse) -> list[Context] | None:
    """Placeholder values per trainee, or None when the course or trainees are not valid."""
    course = checked.settings.get("name")
    if not checked.trainees_ok or not isinstance(course, str):
        return None
    return [
        (name, {"trainee": name, "course": course, "account": account})
        for name, account, _ in checked.trainees
    ]


def _leaves(value: object, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    """Every string in ``value`` with its path (list items and table values included)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, path + (index,))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, path + (key,))


def _check_leaf(
    text: str, rule: ValueRule, path: KeyPath, contexts: list[Context] | None, problems: Problems
) -> None:
    """One templated string: valid as written, or valid for every trainee once rendered."""
    if not has_placeholders(text):
        reason = rule.problem(render_text(text, {}))
        if reason:
            problems.add(path, f"{quote(text)} is not {rule.what}: {reason}", f"use {rule.allowed}")
        return
    if contexts is None:
        return  # said already: the course name or a trainee is not valid
    failures = []
    for trainee, values in contexts:
        rendered = render_text(text, values)
        reason = rule.problem(rendered)
        if reason:
            failures.append((trainee, rendered, reason))
    if failures:
        trainee, rendered, reason = failures[0]
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        problems.add(
            path,
            f"{quote(text)} renders to {quote(rendered)} for trainee {quote(trainee)}{more}, "
            f"which is not {rule.what}: {reason}",
            f"use {rule.allowed}",
        )


def _check_shared_names(
    checked: CheckedCourse, contexts: list[Context] | None, problems: Problems
) -> None:
    """Two steps of one kind must not name the same resource: they would fight over it."""
    named = [(i, kind, p["name"], line) for i, kind, p, line in checked.steps if "name" in p]
    for later, (index, kind, template, _) in enumerate(named):
        for other, other_kind, other_template, other_line in named[:later]:
            if other_kind != kind:
                continue
            clash = _clash(template, other_template, contexts)
            if clash is not None:
                problems.add(
                    ("step", index, "name"),
                    f"{clash} the name of {field_name(('step', other))} (line {other_line})",
                    f"two {kind} steps would fight over one resource; give each its own name",
                )
                break


def _clash(template: str, other: str, contexts: list[Context] | None) -> str | None:
    """How ``template`` names the same resource as ``other``, or None when it never does."""
    if template == other:
        return f"{quote(template)} is also"
    for trainee, values in contexts or ():
        rendered = render_text(template, values)
        if rendered == render_text(other, values):
            return (
                f"{quote(template)} renders to {quote(rendered)} for trainee {quote(trainee)}, also"
            )
    return None


def _check_global_names(
    checked: CheckedCourse, contexts: list[Context] | None, problems: Problems
) -> None:
    """Some names (S3 buckets') are global across accounts: each trainee needs one of its own."""
    for index, kind, params, _ in checked.steps:
        if not STEP_KINDS[kind].global_names or "name" not in params:
            continue
        if not has_placeholders(params["name"]) and len(checked.trainees) > 1:
            problems.add(
                ("step", index, "name"),
                f"{quote(params['name'])} is the same for every trainee",
                _global_todo(kind),
            )
            continue
        owner: dict[str, str] = {}
        for trainee, values in contexts or ():
            rendered = render_text(params["name"], values)
            if rendered in owner:
                problems.add(
                    ("step", index, "name"),
                    f"{quote(params['name'])} renders to {quote(rendered)} for both trainee "
                    f"{quote(owner[rendered])} and trainee {quote(trainee)}",
                    _global_todo(kind),
                )
                break
            owner[rendered] = trainee
