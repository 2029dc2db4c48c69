"""One key of a course table or step: its type, whether it is required, its default and rule.

It lives below the course package because the step kinds (``console.kinds``) declare their
parameters with it, and the course file's own keys (``console.course.schema``) do too.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from console.rules import ValueRule

TYPES = ("str", "int", "bool", "list[str]", "table[str, str]")


@dataclass(frozen=True)
class ParamSpec:
    """One key of a course table or step: its type, whether it is required, and its default.

    Attributes:
        name: the TOML key.
        type: one of ``TYPES``.
        required: whether the key must be present.
        default: the value used when the key is absent (copied, never shared).
        doc: one line for the reference.
        example: a TOML line to show in messages, e.g. ``concurrency = 10``.
        rule: what a string (or each string of a list) must look like, if checked.
        choices: the only allowed strings (for a str, or each item of a list), if limited.
        minimum: the smallest allowed int, if limited.
        maximum: the largest allowed int, if limited.
        placeholders: whether ``{trainee}``, ``{course}`` and ``{account}`` are rendered in it.
        key_rule: what each key of a table must look like, if checked.
    """

    name: str
    type: str
    required: bool = False
    default: object = None
    doc: str = ""
    example: str = ""
    rule: ValueRule | None = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    placeholders: bool = False
    key_rule: ValueRule | None = None

    def fresh_default(self) -> object:
        """A copy of the default, so no two steps share one list or table."""
        return copy.deepcopy(self.default)


def params(*specs: ParamSpec) -> dict[str, ParamSpec]:
    """The specs by key, in the order given (the order the reference lists them)."""
    return {p.name: p for p in specs}


def name_param(rule: ValueRule, example: str, default: str | None = None) -> ParamSpec:
    """The ``name`` parameter every step kind has: required unless it has a default."""
    return ParamSpec(
        "name",
        "str",
        required=default is None,
        default=default,
        doc=f"{rule.what} (placeholders allowed)",
        example=f'name = "{example}"',
        rule=rule,
        placeholders=True,
    )
