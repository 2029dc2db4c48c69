"""Operator names reach text output escaped (issue 26, item 4): an ESC sequence cannot drive
the reader's terminal, a newline cannot forge a ledger line, a ``|`` cannot add a column to
``report``'s table. JSON was and stays escaped by json.dumps."""

from __future__ import annotations

from pathlib import Path

from console.commands.report import report_markdown
from console.commands.trace import echoed, trace_json, trace_line
from console.course.model import Course, Trainee
from console.model import (
    Acting,
    Event,
    LedgerRecord,
    Operator,
    Outcome,
    StepState,
    StepStatus,
    TraineeState,
    TraineeStatus,
)
from console.words import cell, event_text, ledger_line, printable, status_table

EVIL = "\x1b]0;owned\x07\x1b[2J\nFORGED 2026-01-01 bob iam:DeleteUser ok | x | y"


def _record() -> LedgerRecord:
    return LedgerRecord(
        id=1, ts=1_800_000_000.0, course="dojo", trainee="alice", account="111111111111",
        step="iam_user:alice", service="iam", operation="CreateUser",
        acting=Acting("arn:aws:sts::111111111111:assumed-role/ManageEnvRole/x@dojo", "x@dojo"),
        request_id="req-1", outcome=Outcome.OK, operator=Operator(EVIL),
    )  # fmt: skip


def _clean(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\n" not in text


def test_printable_escapes_control_characters_and_keeps_the_rest():
    assert printable("élodie@dojo") == "élodie@dojo"
    assert printable("a\x1bb\nc\u202ed") == "a\\x1bb\\nc\\u202ed"
    assert cell("a|b") == "a\\|b"


def test_a_ledger_line_cannot_drive_the_terminal_or_forge_a_line():
    line = ledger_line(_record())
    _clean(line)
    assert "\\x1b]0;owned" in line and "\\nFORGED" in line


def test_trace_lines_are_escaped():
    _clean(trace_line(trace_json(_record())))


def test_event_and_status_lines_are_escaped():
    event = Event(1, 1_800_000_000.0, "trainee", "alice", {"state": "FAILED", "error": EVIL})
    _clean(event_text(event) or "")
    course = Course(Path("/c.toml"), "dojo", "ap-northeast-1")
    status = TraineeStatus("alice", "111111111111", state=TraineeState.FAILED, error=EVIL)
    for line in status_table(course, [status], None, now=0).splitlines()[1:]:
        _clean(line)


def test_a_pipe_in_an_operator_name_adds_no_column_to_the_report():
    course = Course(
        Path("/c.toml"), "dojo", "ap-northeast-1", trainees=(Trainee("alice", "111111111111", 1),)
    )
    step = StepStatus(0, "iam_user", "alice", StepState.DONE, resource_arn="arn:aws:iam::1:user/a")
    status = TraineeStatus("alice", "111111111111", state=TraineeState.READY, steps=(step,))
    text = report_markdown(course, [status], [_record()], with_history=True)
    rows = [line for line in text.splitlines() if line.startswith("| iam_user")]
    assert len(rows) == 1 and rows[0].replace("\\|", "").count("|") == 7  # six cells
    assert "\x1b" not in text and "\nFORGED" not in text


def test_a_huge_argument_is_cut_when_echoed():
    shown = echoed("x" * 100_000)
    assert len(shown) < 200 and shown.endswith("(100000 characters)")
