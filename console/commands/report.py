"""``whodidthis report``: per trainee, the resources, who created each, when, with which
request id; built from the step states and the ledger."""

from __future__ import annotations

from console.course.model import Course
from console.model import LedgerRecord, Outcome, TraineeStatus
from console.words import iso, short_principal


def _creations(ledger: list[LedgerRecord]) -> dict[tuple[str, str], LedgerRecord]:
    """The latest successful create call per (trainee, step)."""
    found: dict[tuple[str, str], LedgerRecord] = {}
    for record in ledger:
        if record.step and record.outcome == Outcome.OK and record.operation.startswith("Create"):
            found.setdefault((record.trainee, record.step), record)
    return found


def report_json(course: Course, trainees: list[TraineeStatus], ledger: list[LedgerRecord]) -> dict:
    """The report as one JSON object."""
    created = _creations(ledger)
    out = []
    for t in trainees:
        resources = []
        for step in t.steps:
            label = f"{step.kind}:{step.name}"
            record = created.get((t.name, label))
            resources.append(
                {
                    "step": label,
                    "state": step.state.value,
                    "resource_arn": step.resource_arn,
                    "created_by": record.principal_arn if record else None,
                    "session_name": record.session_name if record else None,
                    "source_identity": record.source_identity if record else None,
                    "created_at": iso(record.ts) if record else None,
                    "request_id": record.request_id if record else None,
                    "operation": f"{record.service}:{record.operation}" if record else None,
                }
            )
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
    return {"course": course.name, "trainees": out}


def report_markdown(
    course: Course, trainees: list[TraineeStatus], ledger: list[LedgerRecord]
) -> str:
    """The report as Markdown: one table per trainee."""
    data = report_json(course, trainees, ledger)
    lines = [f"# {course.name}: who created what", ""]
    for t in data["trainees"]:
        lines += [
            f"## {t['name']} ({t['account']}): {t['state']}",
            "",
            "| step | resource | created by | when | request id |",
            "|---|---|---|---|---|",
        ]
        for r in t["resources"]:
            lines.append(
                f"| {r['step']} | {r['resource_arn'] or '-'} | "
                f"{short_principal(r['created_by']) or '-'} | {r['created_at'] or '-'} "
                f"| {r['request_id'] or '-'} |"
            )
        lines += _sweep_lines(t)
        lines.append("")
    return "\n".join(lines)


def _sweep_lines(trainee: dict) -> list[str]:
    """What the last teardown's sweep found: the receipt, or each leftover named."""
    if trainee["leftovers"]:
        lines = ["", f"Leftovers after teardown ({len(trainee['leftovers'])}):", ""]
        return lines + [f"- {item['arn']} ({item['type']})" for item in trainee["leftovers"]]
    if trainee["receipt"]:
        return ["", f"Teardown sweep: {trainee['receipt']}"]
    return []
