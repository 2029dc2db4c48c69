"""Numbers on the command line have bounds (issue 26, items 7 and 10): a usage error, exit 2,
before anything is made or read."""

from __future__ import annotations

import pytest

from console.cli import MAX_SANDBOX_TRAINEES, main
from console.errors import EXIT_BAD_INPUT


@pytest.mark.parametrize("command", ["sandbox", "demo"])
@pytest.mark.parametrize("count", ["99999999999", str(MAX_SANDBOX_TRAINEES + 1), "0", "-3"])
def test_sandbox_trainees_beyond_the_bound_are_a_usage_error(command, count, capsys):
    assert main([command, "--trainees", count]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "--trainees" in err and "Traceback" not in err


def test_the_bound_itself_is_accepted_by_the_parser():
    from console.cli import build_parser

    args = build_parser().parse_args(["sandbox", "--trainees", str(MAX_SANDBOX_TRAINEES)])
    assert args.trainees == MAX_SANDBOX_TRAINEES


@pytest.mark.parametrize("tail", ["-5", "0", "x"])
def test_ledger_tail_must_be_positive(tail, capsys, tmp_path):
    assert main(["ledger", str(tmp_path / "c.toml"), "--tail", tail]) == EXIT_BAD_INPUT
    assert "--tail" in capsys.readouterr().err
