"""``trace --cloudtrail``'s session marks: for each command that made one of the traced calls,
whether its operator had an SSM ``StartSession`` to this instance overlapping it. The check is
``audit``'s own (``console.aws.cloudtrail.session_mark``); this module only joins it to the
traced rows and says it.
"""

from __future__ import annotations

from console.model import Command, operator_name
from console.words import iso, printable


def commands_of(commands, records, now: float) -> list:
    """The commands that made one of ``records`` (``audit``'s rule: its operator, its
    trainees, while it ran)."""
    from console.commands.audit import command_records

    return [c for c in commands if command_records(c, records, now)]


def command_marks(commands: list[Command], records, trail, now: float, window: float) -> list[dict]:
    """Each command that made one of ``records``: its SSM session mark (``audit``'s check,
    ``console.aws.cloudtrail.session_mark``) and the records it made."""
    from console.aws.cloudtrail import session_mark
    from console.commands.audit import command_records

    marks = []
    for command in commands:
        made = command_records(command, records, now)
        if not made:
            continue
        mark, evidence = session_mark(command, trail.sessions, trail.instance_id, now, window)
        operator = command.operator
        marks.append(
            {
                "command": command.id,
                "kind": command.kind.value,
                "operator": operator_name(operator),
                "level": operator.level if operator else None,
                "ssm_session": mark,
                "evidence": evidence,
                "records": made,
            }
        )
    return marks


def marked(rows: list[dict], marks: list[dict]) -> list[dict]:
    """``rows`` with each ledger row's command and that command's SSM session mark."""
    by_call = {
        (iso(r.ts), r.request_id, f"{r.service}:{r.operation}"): m
        for m in marks
        for r in m["records"]
    }
    for row in rows:
        mark = by_call.get((row["ts"], row["request_id"], row["operation"]))
        if mark is not None and row.get("operator"):
            row["command"] = mark["command"]
            row["ssm_session"] = mark["ssm_session"]
            row["ssm_session_evidence"] = mark["evidence"]
    return rows


def mark_line(mark: dict) -> str:
    """One command's SSM session mark for people."""
    head = (
        f"command {mark['command']} {mark['kind']} by {mark['operator'] or '-'} "
        f"({mark['level'] or '-'}): SSM session {mark['ssm_session']}"
    )
    return "\n".join(printable(line) for line in [head, *(f"  - {e}" for e in mark["evidence"])])
