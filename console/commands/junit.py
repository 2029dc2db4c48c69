"""``--junit FILE``: a command's end as JUnit XML, one test case per trainee.

Jenkins (the JUnit plugin), GitLab and most CI read this shape: ``testsuites`` holding one
``testsuite`` whose ``testcase`` elements each pass or carry a ``failure`` with a message and
a type. A trainee passes when it reached the command's goal (READY, or TORN_DOWN for a
teardown); otherwise its failure says why, as ``status`` would.
"""

from __future__ import annotations

import os
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from console.model import CommandKind, TraineeState, TraineeStatus
from console.words import iso


def junit_xml(
    suite: str, kind: CommandKind, trainees: list[TraineeStatus], now: float | None = None
) -> bytes:
    """The report for ``trainees`` as they are now, ``suite`` naming the course."""
    goal = TraineeState.TORN_DOWN if kind == CommandKind.TEARDOWN else TraineeState.READY
    cases = [_case(suite, kind, t, goal) for t in trainees]
    failures = sum(1 for case in cases if case.find("failure") is not None)
    total = sum(float(case.get("time", "0")) for case in cases)
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": "0"}
    root = ET.Element(
        "testsuites", {"name": f"whodidthis {kind.value}", "time": f"{total:.3f}", **counts}
    )
    when = iso(time.time() if now is None else now) or ""
    element = ET.SubElement(
        root,
        "testsuite",
        {
            "name": f"{suite} {kind.value}",
            "timestamp": when,
            "time": f"{total:.3f}",
            "skipped": "0",
            **counts,
        },
    )
    element.extend(cases)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _case(suite: str, kind: CommandKind, trainee: TraineeStatus, goal: TraineeState):
    took = 0.0
    if trainee.started_at and trainee.finished_at:
        took = max(0.0, trainee.finished_at - trainee.started_at)
    case = ET.Element(
        "testcase", classname=f"{suite}.{kind.value}", name=trainee.name, time=f"{took:.3f}"
    )
    if trainee.state != goal:
        reason = failure_reason(trainee, goal)
        failure = ET.SubElement(
            case, "failure", message=reason, type=trainee.error_code or trainee.state.value
        )
        failure.text = "\n".join(
            [reason, *(f"left behind: {item.arn}" for item in trainee.leftovers)]
        )
    return case


def failure_reason(trainee: TraineeStatus, goal: TraineeState) -> str:
    """Why ``trainee`` missed ``goal``, in the words ``status`` uses."""
    reason = trainee.error or f"ended {trainee.state.value}, not {goal.value}"
    if trainee.error_code and trainee.error_code not in reason:
        reason = f"{trainee.error_code}: {reason}"
    if trainee.leftovers:
        reason += f" ({len(trainee.leftovers)} resource(s) left behind)"
    return reason


def write_junit(path: Path, opened, kind: CommandKind, command_id: int) -> None:
    """Write the report of command ``command_id`` to ``path`` (replaced whole, never half)."""
    command = next(c for c in opened.store.commands() if c.id == command_id)
    names = list(command.trainees) or [t.name for t in opened.course.trainees]
    trainees = opened.store.trainees_named(names)
    data = junit_xml(opened.course.name, kind, trainees)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)
