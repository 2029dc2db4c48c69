"""The command line's conventions of issue 24: ``-o json|yaml|table`` (``--json`` its
synonym), shell completion made from the parsers, ``help`` topics from the definitions, the
hidden ``engine``, lazy parsers, typed options, true step counts, ``in flight`` calls, a
watch's frame fitted to the screen, and JUnit XML."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest
import yaml

from console.cli import main
from console.commands.options import CourseOptions, Options, apply_environment
from console.commands.registry import COMMANDS, build_parser
from console.commands.screen import Row, fit, terminal_size
from console.devtools.demo_scene import T0, write_scene
from console.model import (
    Acting,
    CommandKind,
    LedgerRecord,
    Leftover,
    Outcome,
    StepState,
    StepStatus,
    TraineeState,
    TraineeStatus,
)
from console.words import LEDGER_FIELDS, clock, is_read, ledger_line, outcome_words, step_count


@pytest.fixture
def common(tmp_path):
    scene = write_scene(tmp_path / "scene")
    return (str(scene.course_path), "--state-dir", str(scene.state_dir))


#: The commands that print what they read (``whodidthis --help`` lists every command).
READING = (
    "whoami", "preflight", "status", "ledger", "report", "trace", "audit", "progress",
    "inventory", "iam-templates",
)  # fmt: skip


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _what_aws_answered(command: str, course: str, monkeypatch) -> None:
    """For the commands that read AWS, their one AWS read answers as AWS did (the stand-in's
    answers are their own tests'): what is tested here is how the answer is printed."""
    from console.classroom.creators import Creator
    from console.classroom.inventory import Inventory, Made
    from console.commands import audit, inventory, progress

    if command == "audit":
        monkeypatch.setattr(audit, "read_cloudtrail", lambda *_: audit.Evidence("i-0a1b2c3d4e"))
        monkeypatch.setattr(audit, "time", SimpleNamespace(time=lambda: T0 + 47))  # the scene's
    elif command == "progress":
        with open(course, "a", encoding="utf-8") as file:
            file.write('\n[[check]]\nname = "signed in"\nkind = "signed_in"\n')
        refused = {"heidi": "AccessDenied: not authorized to perform sts:AssumeRole"}
        monkeypatch.setattr(progress, "run_checks", lambda *_: refused)
    elif command == "inventory":
        alice = "arn:aws:iam::200000000001:user/alice"
        made = Made(
            "AWS::S3::Bucket", "alice-lab-1", "ap-northeast-1", "CreateBucket", T0,
            Creator("iam-user", "alice", alice), True, False, True, exists=True,
        )  # fmt: skip
        found = [Inventory("alice", "200000000001", ["ap-northeast-1"], [made])]
        monkeypatch.setattr(inventory, "take_inventory", lambda *_: found)


@pytest.mark.parametrize(
    ("command", "listing", "exit_code"),
    [
        ("status", False, 0),
        ("report", False, 0),
        ("progress", False, 0),
        ("inventory", False, 0),
        ("audit", True, 0),  # JSON Lines; the scene's command is too young to be in CloudTrail
    ],
)
def test_yaml_and_json_say_the_same_and_json_has_its_synonym(
    capsys, common, monkeypatch, command, listing, exit_code
):
    _what_aws_answered(command, common[0], monkeypatch)
    codes, outputs = set(), []
    for output in (("-o", "json"), ("--json",), ("-o", "yaml"), ("-o", "table")):
        code, out, _ = run(capsys, command, *common, *output)
        codes.add(code)
        outputs.append(out)
    as_json, synonym, as_yaml, table = outputs
    parse = (
        (lambda text: [json.loads(line) for line in text.splitlines()]) if listing else json.loads
    )
    assert codes == {exit_code}
    assert parse(as_json) == parse(synonym) == yaml.safe_load(as_yaml)
    assert parse(as_json) and table.strip() and table not in (as_json, as_yaml)


def test_every_reading_command_takes_o_and_json_as_its_synonym():
    commands = build_parser().commands
    for name in READING:
        actions = {flag: a for a in commands[name].arguments for flag in a.option_strings}
        assert tuple(actions["-o"].choices) == ("table", "json", "yaml"), name
        assert (actions["--json"].dest, actions["--json"].const) == ("output", "json"), name
    older = commands["report"].parse_args(["c.toml", "--format", "md"])
    assert older.output == "table"  # the older spelling still reads as -o table


def test_a_listing_in_yaml_is_one_sequence_of_the_json_lines(capsys, common):
    _, as_json, _ = run(capsys, "ledger", *common, "--all", "-o", "json")
    _, as_yaml, _ = run(capsys, "ledger", *common, "--all", "-o", "yaml")
    records = [json.loads(line) for line in as_json.splitlines()]
    assert records and yaml.safe_load(as_yaml) == records


def test_table_is_the_default_and_says_what_exists(capsys, common):
    code, table, _ = run(capsys, "status", *common)
    _, same, _ = run(capsys, "status", *common, "-o", "table")
    assert code == 0 and table == same
    assert "STEPS" in table.splitlines()[1] and " built" in table


def test_a_bad_output_is_refused(capsys, common):
    code, _, err = run(capsys, "status", *common, "-o", "xml")
    assert code == 2 and "invalid choice: 'xml'" in err


def test_engine_is_hidden_from_help_but_still_runs(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    listed = [
        line.split()[0]
        for line in capsys.readouterr().out.splitlines()
        if line[:4] == "    " and line[4] != " "
    ]
    assert "engine" not in listed and {"status", "completion", "help"} <= set(listed)
    assert build_parser().parse_args(["engine", "c.toml"]).command == "engine"


def test_help_for_the_command_list_imports_no_command():
    probe = (
        "import sys, contextlib, io\n"
        "from console.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('console.commands', "
        "'console.engine', 'console.store', 'textual'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout
    loaded = set(json.loads(out.replace("'", '"')))
    assert loaded == {"console.commands", "console.commands.registry"}  # the registry alone


@pytest.mark.parametrize("name", [n for n, e in COMMANDS.items() if e.summary])
def test_every_command_has_examples_and_exit_codes_in_its_help(name):
    text = build_parser().commands[name].format_help()
    assert "examples:" in text and "exit codes:" in text and "130" in text


def test_options_are_typed_dataclasses_built_from_the_namespace():
    args = build_parser().parse_args(["ledger", "c.toml", "--tail", "3", "--all", "-o", "yaml"])
    options = args.options.of(args)
    assert (options.course, options.tail, options.all, options.output) == (
        "c.toml",
        3,
        True,
        "yaml",
    )
    assert isinstance(options, CourseOptions) and not hasattr(options, "handler")
    with pytest.raises(AttributeError):
        options.tail = 4  # frozen


def test_region_and_profile_set_the_standard_variables_only(monkeypatch):
    import os

    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    monkeypatch.setattr(os, "environ", environment)  # this process's own stays as it was
    apply_environment(Options(region="eu-west-3", profile="ops"))
    assert environment["AWS_DEFAULT_REGION"] == "eu-west-3" and environment["AWS_PROFILE"] == "ops"
    assert {k for k in environment if k.startswith("AWS_")} == {"AWS_DEFAULT_REGION", "AWS_PROFILE"}


def _complete(script: str, *words: str, cwd=None) -> list[str]:
    """What bash offers after ``words`` (the last one being typed)."""
    line = " ".join(f"'{w}'" for w in words)
    probe = (
        f"{script}\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _whodidthis; "
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    result = subprocess.run(
        ["bash", "-c", probe], capture_output=True, text=True, check=True, cwd=cwd or "/"
    )
    return result.stdout.split()


def test_bash_completion_offers_commands_options_and_their_values(capsys):
    assert main(["completion", "bash"]) == 0
    script = capsys.readouterr().out
    assert _complete(script, "whodidthis", "st") == ["status"]
    assert "engine" not in _complete(script, "whodidthis", "")
    assert {"--watch", "--output", "-o", "--json"} <= set(
        _complete(script, "whodidthis", "status", "-")
    )
    for reading in ("ledger", "audit", "progress", "inventory"):
        assert _complete(script, "whodidthis", reading, "-o", "") == ["table", "json", "yaml"]
    assert _complete(script, "whodidthis", "report", "--format", "") == ["md", "json"]
    assert _complete(script, "whodidthis", "completion", "") == ["bash", "zsh", "fish"]
    assert "--junit" in _complete(script, "whodidthis", "apply", "--j")


def test_zsh_and_fish_completion_name_the_same_commands_and_options(capsys):
    assert main(["completion", "zsh"]) == 0
    zsh = capsys.readouterr().out
    assert zsh.startswith("#compdef whodidthis") and "bashcompinit" in zsh and "_whodidthis" in zsh
    assert main(["completion", "fish"]) == 0
    fish = capsys.readouterr().out
    assert "complete -c whodidthis -n __fish_use_subcommand -a status" in fish
    assert "-n '__fish_seen_subcommand_from ledger' -s o -l output -x -a 'table json yaml'" in fish
    assert "-a engine" not in fish


def test_help_topics_cover_every_state_field_and_code(capsys):
    assert main(["help"]) == 0
    topics = capsys.readouterr().out
    assert all(topic in topics for topic in ("course", "states", "exit-codes", "ledger"))
    assert main(["help", "states"]) == 0
    states = capsys.readouterr().out
    assert all(f"{s.value} " in states for s in TraineeState)
    assert main(["help", "ledger"]) == 0
    fields = capsys.readouterr().out
    assert all(f"\n{name} " in f"\n{fields}" for name in LEDGER_FIELDS)
    assert main(["help", "exit-codes"]) == 0
    codes = capsys.readouterr().out
    assert all(f"{code} " in codes for code in (0, 1, 2, 3, 130))
    assert main(["help", "course"]) == 0
    assert "[[step]]" in capsys.readouterr().out
    assert main(["help", "apply"]) == 0
    assert "--junit FILE" in capsys.readouterr().out
    assert main(["help", "nonsense"]) == 2


def _trainee(state: TraineeState, built: int, total: int = 5) -> TraineeStatus:
    steps = tuple(
        StepStatus(i, "s3_bucket", f"b{i}", StepState.DONE if i < built else StepState.PENDING)
        for i in range(total)
    )
    return TraineeStatus("alice", "1", state=state, step_count=total, steps=steps, step_index=4)


def test_the_step_column_counts_what_exists():
    assert step_count(_trainee(TraineeState.CANCELLED, 2)) == "2/5 built"
    assert step_count(_trainee(TraineeState.READY, 5)) == "5/5 built"
    assert step_count(_trainee(TraineeState.TEARING_DOWN, 3)) == "3/5 built"
    assert step_count(_trainee(TraineeState.TORN_DOWN, 0)) == "0/5 torn down"


def _record(ts: float, outcome: Outcome = Outcome.UNKNOWN) -> LedgerRecord:
    return LedgerRecord(
        1,
        ts,
        "c",
        "alice",
        "1",
        None,
        "s3",
        "CreateBucket",
        Acting("arn", "s", "s"),
        outcome=outcome,
    )


def test_an_unanswered_call_is_in_flight_only_while_its_engine_lives():
    holder = {"pid": 1, "host": "h", "started_at": T0}
    assert outcome_words(_record(T0 + 5), holder) == "in flight"
    assert outcome_words(_record(T0 + 5), None) == "unknown"  # no engine: lost
    assert outcome_words(_record(T0 - 5), holder) == "unknown"  # an older engine's, lost
    assert outcome_words(_record(T0 + 5, Outcome.OK), holder) == "ok"
    assert "in flight" in ledger_line(_record(T0 + 5), holder)


def test_event_times_are_utc_and_say_so():
    assert clock(T0) == "08:00:00Z"


def test_a_frame_taller_than_the_screen_keeps_the_urgent_rows_and_says_how_many_more():
    rows = [Row(f"row {i}", urgent=i in (3, 17)) for i in range(30)]
    lines = fit(["title", "header"], rows, height=10, width=12)
    assert len(lines) == 10
    assert "row 3" in lines and "row 17" in lines and lines[-1] == "… 23 more (`"
    assert all(len(line) <= 12 for line in lines)


def test_a_frame_is_fitted_to_the_terminal_it_is_drawn_on_not_to_a_stale_columns(monkeypatch):
    """CI runners export COLUMNS; a watch drawn on a 80-column pty must still cut at 80, or
    its rows wrap and push the header off the screen."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("LINES", "90")
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    with os.fdopen(follower, "w", closefd=True) as stream:
        assert terminal_size(stream) == (80, 24)
    os.close(leader)
    assert terminal_size(object()) == (200, 90)  # no terminal at all: the variables decide


def test_junit_xml_names_each_failure_and_what_was_left():
    from console.commands.junit import junit_xml

    ready = TraineeStatus("alice", "1", TraineeState.READY, started_at=T0, finished_at=T0 + 2)
    failed = TraineeStatus(
        "bob",
        "2",
        TraineeState.FAILED,
        error="a bucket <is> left & more",
        error_code="Leftovers",
        leftovers=(Leftover("arn:aws:s3:::b", "s3:bucket"),),
    )
    root = ET.fromstring(junit_xml("dojo", CommandKind.TEARDOWN, [ready, failed], now=T0))
    cases = root.findall("testsuite/testcase")
    assert [c.get("name") for c in cases] == ["alice", "bob"]
    assert cases[0].find("failure") is not None  # READY is not a teardown's goal
    failure = cases[1].find("failure")
    assert "a bucket <is> left & more" in failure.get("message")
    assert failure.get("type") == "Leftovers" and "arn:aws:s3:::b" in failure.text


def test_debug_adds_the_traceback_to_the_one_line_error(capsys, common):
    code, _, plain = run(capsys, "ledger", *common, "--command", "99")
    assert code == 2 and "Traceback" not in plain
    code, _, debug = run(capsys, "ledger", *common, "--command", "99", "--debug")
    assert code == 2 and "Traceback" in debug and "no command 99" in debug


def test_region_and_profile_are_offered_where_the_host_calls_aws_only():
    parser = build_parser()
    for name in ("whoami", "preflight", "apply", "teardown", "trace", "handout", "iam-templates"):
        assert "--region" in parser.commands[name].format_help(), name
    for name in ("status", "ledger", "report", "completion", "help"):
        assert "--region" not in parser.commands[name].format_help(), name


def test_follow_with_a_tail_cuts_the_first_screen_only_then_prints_every_new_record_once(
    capsys, common, monkeypatch
):
    """Seven records come between two polls of ``ledger --follow --tail 2``, one of them
    answered only a poll later: each is printed once, in order, none lost to the tail."""
    from console.commands import follow, ledger
    from console.devtools.demo_scene import COURSE
    from console.store.state import Store

    store = Store.open(common[2], COURSE)
    before = [r.request_id for r in store.ledger() if not is_read(r)]
    polls, in_flight = [], []

    def write(operation: str, answered: bool = True) -> int:
        record = LedgerRecord(None, T0 + 60, COURSE, "alice", "200000000001", "s3_bucket:2",
                              "s3", operation, Acting("arn", "kenji@dojo", "kenji"))  # fmt: skip
        record_id = store.ledger_intent(record)
        if answered:
            store.ledger_settle(record_id, outcome=Outcome.OK, request_id=f"req-{record_id}")
        return record_id

    def sleep(_seconds):  # the engine's work between two polls
        polls.append(len(polls))
        if len(polls) == 1:
            in_flight.append(write("PutBucketTagging", answered=False))
            for _ in range(6):
                write("PutObject")
        elif len(polls) == 2:
            store.ledger_settle(in_flight[0], outcome=Outcome.OK, request_id="req-late")

    class Polls:  # the run ends after the third poll
        def __init__(self, *_):
            self.count = 0

        def poll(self, *_):
            self.count += 1
            return 0 if self.count > 3 else None

    monkeypatch.setattr(follow, "Follower", Polls)
    monkeypatch.setattr(ledger, "time", SimpleNamespace(time=time.time, sleep=sleep))
    try:
        code, out, _ = run(capsys, "ledger", *common, "--follow", "--tail", "2", "-o", "json")
        new = [r.request_id for r in store.ledger()][-7:]
    finally:
        store.close()
    printed = [json.loads(line)["request_id"] for line in out.splitlines()]
    assert code == 0 and len(printed) == len(set(printed))
    first, later = printed[:-7], printed[-7:]
    assert first == before[-2:]  # the tail: the first screen only
    assert later == [*new[1:], new[0]]  # the call answered a poll later comes when answered
