"""``whodidthis report``: per trainee, the resources, who created each, when, with which
request id; built from the step states and the ledger."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from console.commands.options import CourseOptions, add_common, add_course, add_output, new_parser
from console.commands.output import emit
from console.course.model import Course
from console.errors import EXIT_OK
from console.kinds import KINDS
from console.model import (
    Acting,
    LedgerRecord,
    Outcome,
    TraineeStatus,
    forgeable_of,
    forgeable_words,
    operator_columns,
    operator_level,
)
from console.words import cell, iso, printable, short_principal

#: The call that creates each step kind's resource: the one that names its creator.
PRIMARY_CREATE = {kind: spec.create for kind, spec in KINDS.items()}
#: Identity calls are in the ledger too, but they change no resource.
NOT_A_CHANGE = {"AssumeRole", "GetCallerIdentity"}
#: ``--format``, the older spelling of ``-o``: its values as ``-o``'s.
OLD_FORMATS = {"md": "table", "json": "json"}


def _creations(ledger: list[LedgerRecord]) -> dict[tuple[str, str], LedgerRecord]:
    """The LATEST successful create of each (trainee, step)'s resource: after a teardown and a
    rebuild it is the rebuild's, not the deleted resource's."""
    found: dict[tuple[str, str], LedgerRecord] = {}
    for record in ledger:
        if not record.step or record.outcome != Outcome.OK:
            continue
        primary = PRIMARY_CREATE.get(record.step.split(":", 1)[0])
        if record.operation == primary or (
            primary is None and record.operation.startswith("Create")
        ):
            found[(record.trainee, record.step)] = record
    return found


def history(ledger: list[LedgerRecord]) -> dict[tuple[str, str], list[LedgerRecord]]:
    """Every create, change and delete per (trainee, step), oldest first."""
    found: dict[tuple[str, str], list[LedgerRecord]] = {}
    for record in ledger:
        if record.step and record.operation not in NOT_A_CHANGE:
            found.setdefault((record.trainee, record.step), []).append(record)
    return found


def history_json(record: LedgerRecord) -> dict:
    """One event of a resource's history (``report --history``, ``trace``)."""
    acting, who = record.acting, operator_columns(record.operator)
    return {
        "ts": iso(record.ts),
        "operation": f"{record.service}:{record.operation}",
        "principal_arn": acting.principal_arn,
        "session_name": acting.session_name,
        "source_identity": acting.source_identity,
        "operator": who["operator"],
        "operator_source": who["operator_source"],
        "operator_level": operator_level(who["operator_source"]),
        "operator_forgeable": forgeable_of(who["operator_evidence"]),
        "operator_arn": who["operator_arn"],
        "request_id": record.request_id,
        "outcome": record.outcome.value,
        "error_code": record.error_code,
    }


def _resource(label: str, step, record: LedgerRecord | None) -> dict:
    # No record (nothing created yet): every attribution field is null.
    acting = record.acting if record else Acting()
    who = operator_columns(record.operator if record else None)
    return {
        "step": label,
        "state": step.state.value,
        "resource_arn": step.resource_arn,
        "created_by": acting.principal_arn,
        "session_name": acting.session_name,
        "source_identity": acting.source_identity,
        "operator": who["operator"],
        "operator_source": who["operator_source"],
        "operator_level": operator_level(who["operator_source"]),
        "operator_arn": who["operator_arn"],
        "created_at": iso(record.ts) if record else None,
        "request_id": record.request_id if record else None,
        "operation": f"{record.service}:{record.operation}" if record else None,
    }


def report_json(
    course: Course,
    trainees: list[TraineeStatus],
    ledger: list[LedgerRecord],
    with_history: bool = False,
    milestones: dict[str, dict] | None = None,
) -> dict:
    """The report as one JSON object; ``with_history`` adds each resource's ``history``;
    ``milestones`` (trainee -> ``milestone_words.summary``) adds each trainee's lab progress."""
    created = _creations(ledger)
    events = history(ledger) if with_history else {}
    out: list[dict] = []
    for t in trainees:
        resources = []
        for step in t.steps:
            label = f"{step.kind}:{step.name}"
            resource = _resource(label, step, created.get((t.name, label)))
            if with_history:
                resource["history"] = [history_json(r) for r in events.get((t.name, label), [])]
            resources.append(resource)
        out.append(
            {
                "name": t.name,
                "account": t.account,
                "state": t.state.value,
                "principal_arn": t.principal_arn,
                "resources": resources,
                "leftovers": [{"arn": item.arn, "type": item.type} for item in t.leftovers],
                "receipt": t.receipt,
            }
        )
        if milestones is not None:
            out[-1]["milestones"] = milestones.get(t.name)
    return {"course": course.name, "trainees": out}


def report_markdown(
    course: Course,
    trainees: list[TraineeStatus],
    ledger: list[LedgerRecord],
    with_history: bool = False,
    milestones: dict[str, dict] | None = None,
) -> str:
    """The report as Markdown: one table per trainee (and each resource's history)."""
    data = report_json(course, trainees, ledger, with_history, milestones)
    lines = [f"# {course.name}: who created what", ""]
    for t in data["trainees"]:
        lines += [
            printable(f"## {t['name']} ({t['account']}): {t['state']}"),
            "",
            "| step | resource | created by | operator | when | request id |",
            "|---|---|---|---|---|---|",
        ]
        for r in t["resources"]:
            cells = (
                r["step"],
                r["resource_arn"] or "-",
                short_principal(r["created_by"]) or "-",
                r["operator"] or "-",
                r["created_at"] or "-",
                r["request_id"] or "-",
            )
            lines.append("| " + " | ".join(cell(value) for value in cells) + " |")
        if with_history:
            lines += _history_lines(t)
        lines += _sweep_lines(t)
        lines += _milestone_lines(t.get("milestones"))
        lines.append("")
    return "\n".join(lines)


def _history_lines(trainee: dict) -> list[str]:
    """Each resource's creates, changes and deletes, oldest first."""
    lines: list[str] = []
    for r in trainee["resources"]:
        lines += ["", f"History of {r['step']}:", ""]
        for e in r["history"] or [{"operation": None}]:
            if e["operation"] is None:
                lines.append("- nothing recorded")
                continue
            outcome = e["outcome"] + (f" {e['error_code']}" if e["error_code"] else "")
            lines.append(
                printable(
                    f"- {e['ts']} {e['operation']} {outcome} by "
                    f"{short_principal(e['principal_arn']) or '-'} for {e['operator'] or '-'} "
                    f"({e['operator_level'] or '-'}"
                    f"{', ' + forgeable_words(e['operator_forgeable']) if e['operator_forgeable'] else ''}), "
                    f"request {e['request_id'] or '-'}"
                )
            )
    return lines


def _sweep_lines(trainee: dict) -> list[str]:
    """What the last teardown's sweep found: the receipt, or each leftover named."""
    if trainee["leftovers"]:
        lines = ["", f"Leftovers after teardown ({len(trainee['leftovers'])}):", ""]
        return lines + [
            printable(f"- {item['arn']} ({item['type']})") for item in trainee["leftovers"]
        ]
    if trainee["receipt"]:
        return ["", printable(f"Teardown sweep: {trainee['receipt']}")]
    return []


def _milestone_lines(found: dict | None) -> list[str]:
    """The trainee's lab milestones: how many, and when each was reached."""
    if not found or not found["total"]:
        return []
    lines = ["", f"Lab milestones: {found['reached']}/{found['total']}", ""]
    for item in found["items"]:
        when = item["reached_at"] or "not reached"
        lines.append(f"- {item['name']}: {when}")
    return lines


EXAMPLES = """examples:
  whodidthis report dojo.toml              Markdown: per trainee, each resource and its creator
  whodidthis report dojo.toml -o json      one JSON object (as --json, --format json)
  whodidthis report dojo.toml --history    also every create, change and delete"""


@dataclass(frozen=True, kw_only=True)
class ReportOptions(CourseOptions):
    output: str = "table"
    history: bool = False


def add_parser(sub, name: str, summary: str | None):
    p = new_parser(sub, name, summary, epilog=EXAMPLES)
    add_course(p)
    add_output(p, json_help="one JSON object (as -o json; -o table is the Markdown)")
    p.add_argument(
        "--format",
        choices=tuple(OLD_FORMATS),
        dest="output",
        action=_OldFormat,
        help="md or json: the older spelling of -o table|json",
    )
    p.add_argument(
        "--history",
        action="store_true",
        help="also every create, change and delete of each resource, oldest first",
    )
    add_common(p, aws=False)
    p.set_defaults(handler=cli_report, options=ReportOptions)
    return p


class _OldFormat(argparse.Action):
    """``--format md|json``, stored as ``-o``'s value. argparse checks ``choices`` after
    ``type``, so a ``type`` turning ``md`` into ``table`` made ``md`` itself refused."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, OLD_FORMATS[str(values)])


def cli_report(options: ReportOptions) -> int:
    from console.commands.headless import milestones_by_trainee, open_course, roster_view

    opened = open_course(options, sync=False)
    trainees = roster_view(opened)
    ledger = opened.store.ledger()
    found = milestones_by_trainee(opened)
    emit(
        options.output,
        lambda: report_json(opened.course, trainees, ledger, options.history, found),
        lambda: report_markdown(opened.course, trainees, ledger, options.history, found),
        indent=2,
    )
    return EXIT_OK
