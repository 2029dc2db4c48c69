"""The command line's conventions: --version, a misspelt command suggested, --json on every
command with machine output (report too, --format kept), ledger's header and filters,
status --watch, one progress line with counts and an ETA, and ISO 8601 times in JSON."""

from __future__ import annotations

import io
import json
import re

import pytest

from console.cli import _misspelt_command, main
from console.commands.views import Progress, ProgressLine, parse_since
from console.devtools.demo_scene import T0, write_scene
from console.errors import UsageError
from console.model import Event, TraineeState
from console.words import event_json, status_json

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")


@pytest.fixture
def scene(tmp_path):
    return write_scene(tmp_path / "scene")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert re.fullmatch(r"whodidthis \S+\n", out)


def test_a_misspelt_command_is_suggested_not_taken_for_a_course(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "stauts", "course.toml")
    assert code == 2
    assert "Did you mean `whodidthis status`?" in err and "does not exist" not in err


def test_a_word_that_is_a_file_or_far_from_any_command_is_a_course(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "stauts").write_text("")
    assert _misspelt_command(["stauts"]) is None  # a file: the console opens it
    assert _misspelt_command(["dojo-2026-12"]) is None
    assert _misspelt_command(["course.toml"]) is None
    assert _misspelt_command(["ledgr"]) == "ledger"


def test_report_json_and_its_format_alias_agree(capsys, scene):
    common = (str(scene.course_path), "--state-dir", str(scene.state_dir))
    code, by_flag, _ = run(capsys, "report", *common, "--json")
    assert code == 0
    code, by_format, _ = run(capsys, "report", *common, "--format", "json")
    assert code == 0 and json.loads(by_flag) == json.loads(by_format)


def test_ledger_has_a_header_and_tail_keeps_the_last(capsys, scene):
    common = (str(scene.course_path), "--state-dir", str(scene.state_dir))
    _, everything, _ = run(capsys, "ledger", *common)
    lines = everything.splitlines()
    assert lines[0].startswith("TIME (UTC)") and "PRINCIPAL" in lines[0]
    code, tail, _ = run(capsys, "ledger", *common, "--tail", "2")
    assert code == 0
    assert tail.splitlines() == [lines[0], *lines[-2:]]


def test_ledger_since_takes_an_iso_time_and_json_says_iso(capsys, scene):
    common = (str(scene.course_path), "--state-dir", str(scene.state_dir))
    _, all_json, _ = run(capsys, "ledger", *common, "--json")
    records = [json.loads(line) for line in all_json.splitlines()]
    assert records and all(ISO.match(r["ts"]) for r in records)
    cut = records[len(records) // 2]["ts"]
    _, later, _ = run(capsys, "ledger", *common, "--json", "--since", cut)
    kept = [json.loads(line) for line in later.splitlines()]
    assert kept and len(kept) < len(records) and all(r["ts"] >= cut for r in kept)


def test_ledger_of_one_command_and_of_one_that_does_not_exist(capsys, scene):
    common = (str(scene.course_path), "--state-dir", str(scene.state_dir))
    code, _, err = run(capsys, "ledger", *common, "--command", "99")
    assert code == 2 and "no command 99" in err
    code, out, _ = run(capsys, "ledger", *common, "--command", "1")
    assert code == 0 and out.splitlines()[0].startswith("TIME (UTC)")


def test_since_durations_and_nonsense():
    assert parse_since("30m", now=T0) == T0 - 1800
    assert parse_since("2027-01-15T08:00:00Z", now=0) == T0
    assert parse_since("2027-01-15T08:00:00", now=0) == T0  # UTC unless it says otherwise
    with pytest.raises(UsageError, match="neither a time nor a duration"):
        parse_since("yesterday", now=T0)


def test_status_watch_in_a_pipe_prints_once_and_gives_up_on_a_command_never_claimed(
    capsys, scene, monkeypatch
):
    from console.commands import follow

    monkeypatch.setattr(follow, "CLAIM_SECONDS", 0.5)
    monkeypatch.setattr(follow, "POLL_SECONDS", 0.1)
    common = (str(scene.course_path), "--state-dir", str(scene.state_dir))
    code, out, err = run(capsys, "status", *common, "--watch")
    assert code == 1  # the scene's apply was queued, and no engine ever claimed it
    assert out.count("TRAINEE") == 1  # unchanged: not printed again
    assert "queued but no engine has claimed it" in err


def test_progress_line_counts_and_eta():
    progress = Progress(total=4, started=100.0)
    states = [TraineeState.READY, TraineeState.FAILED, TraineeState.RUNNING, TraineeState.PENDING]
    line = progress.line(states, now=120.0)
    assert line.startswith("2/4 finished")
    assert "1 READY" in line and "1 FAILED" in line and "1 RUNNING" in line
    assert "ETA 20s" in line  # 2 finished in 20 s: 2 more in 20 s


def test_plain_progress_never_prints_the_same_line_twice():
    stream = io.StringIO()  # not a terminal
    line = ProgressLine(2, stream=stream)
    running = [TraineeState.RUNNING, TraineeState.RUNNING]
    for states in (running, running, [TraineeState.READY, TraineeState.RUNNING], running[:0]):
        line.show(states)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3 and "\r" not in stream.getvalue()


def test_json_times_are_iso_never_epoch(scene):
    event = Event(
        1, T0, "trainee", "alice", {"state": "READY", "started_at": T0, "finished_at": T0}
    )
    data = event_json(event)
    assert (
        ISO.match(data["ts"]) and ISO.match(data["started_at"]) and ISO.match(data["finished_at"])
    )
    from console.course.model import load_course

    holder = {"pid": 1, "host": "h", "started_at": T0, "engine_id": "e"}
    status = status_json(load_course(scene.course_path), [], holder)
    assert ISO.match(status["engine"]["started_at"])


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_progress_is_one_line_redrawn_in_place(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    stream = _Terminal()
    line = ProgressLine(2, stream=stream)
    line.show([TraineeState.RUNNING, TraineeState.RUNNING])
    line.show([TraineeState.READY, TraineeState.RUNNING])
    line.close()
    written = stream.getvalue()
    assert written.count("\r\x1b[2K") == 2 and written.count("\n") == 1
    assert "1/2 finished · 1 RUNNING · 1 READY" in written  # in the order of the states


def test_in_ci_a_terminal_still_gets_plain_lines(monkeypatch):
    monkeypatch.setenv("CI", "true")
    stream = _Terminal()
    ProgressLine(1, stream=stream).show([TraineeState.RUNNING])
    assert "\r" not in stream.getvalue() and "1 RUNNING" in stream.getvalue()


def test_plain_following_says_a_state_once_until_it_changes(tmp_path, capsys, monkeypatch):
    import asyncio

    from console.commands import headless
    from console.model import CommandKind
    from console.store.state import Store

    monkeypatch.setenv("CI", "true")  # plain lines, as in a pipeline
    store = Store.open(tmp_path, "dojo")
    store.sync_roster([("alice", "111111111111")], [("iam_user", "alice")])
    since = max((e.id for e in store.events_since(0)), default=0)
    command_id = store.enqueue(CommandKind.RETRY, ["alice"], None)
    assert store.claim_next("an-engine").id == command_id
    for action in ("assume", "step 1", "step 2"):
        store.set_trainee("alice", state=TraineeState.RUNNING, last_action=action)
    store.set_trainee("alice", state=TraineeState.READY, last_action="done")
    store.finish_command(command_id, "ok")
    asyncio.run(headless._follow(store, command_id, since, as_json=False, names={"alice"}))
    store.close()
    lines = [line.split(" ", 1)[1] for line in capsys.readouterr().out.splitlines()]
    assert [line.split()[-1] for line in lines] == ["RUNNING", "READY"]
