"""Drill: hypothesis-generated course files and command lines always get exit 2 with a
message, never a traceback, never an AWS call."""

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.cli import main

SUBCOMMANDS = ["run", "preflight", "apply", "retry", "teardown", "status", "ledger", "report"]
OPTIONS = [
    "--json",
    "--detach",
    "--yes",
    "--trainee",
    "--format",
    "--state-dir",
    "--operator",
    "--bogus",
    "-x",
    "--scan",
    "--course",
    "--latency",
    "--allow-long-term-keys",
    "--",
]
COURSE_TEXT = st.one_of(
    st.text(max_size=300),
    st.builds(lambda body: "[course]\n" + body, st.text(string.printable, max_size=200)),
    st.builds(
        lambda name, acct: (
            f'[course]\nname = "{name}"\nregion = "ap-northeast-1"\n'
            f'[[trainee]]\nname = "a"\naccount = "{acct}"\n[[step]]\nkind = "iam_user"\n'
        ),
        st.text(max_size=20),
        st.text(max_size=14),
    ),
)
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def quiet_trail(sandbox):
    yield sandbox
    accounts = {account for _, account in sandbox.trainees}
    assert [
        r for r in sandbox.trail() if r["account"] in accounts or r["operation"] == "AssumeRole"
    ] == []


@FUZZ
@given(text=COURSE_TEXT, command=st.sampled_from(["apply", "preflight", "status", "teardown"]))
def test_bad_course_files_exit_2_with_a_message(quiet_trail, tmp_path, capsys, text, command):
    path = tmp_path / "course.toml"
    path.write_text(text)
    code = main([command, str(path), "--state-dir", str(tmp_path / "state")])
    err = capsys.readouterr().err
    assert code == 2
    assert "course.toml" in err and "Traceback" not in err


@FUZZ
@given(
    argv=st.lists(st.one_of(st.sampled_from(OPTIONS), st.text(max_size=12)), max_size=5),
    command=st.sampled_from(SUBCOMMANDS),
)
def test_bad_command_lines_exit_2_with_a_message(quiet_trail, tmp_path, capsys, argv, command):
    missing = str(tmp_path / "no-such-course.toml")
    code = main([command, missing, *argv, "--state-dir", str(tmp_path / "state")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() and "Traceback" not in err
