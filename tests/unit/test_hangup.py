"""A terminal that hung up answers no to ``isatty``: what the console and the watches ask."""

import os
import pty
import sys

from console.hangup import TerminalWatch, is_tty


def _pty():
    master, slave = pty.openpty()
    return master, os.fdopen(slave, "rb", buffering=0)


def test_a_terminal_whose_other_end_closed_is_no_longer_one():
    master, slave = _pty()
    try:
        assert is_tty(slave)
        os.close(master)  # what the SSM agent does to the session's pty, and tmux to a pane's
        assert not is_tty(slave)
    finally:
        slave.close()
    assert not is_tty(slave)  # closed: no file behind it
    assert not is_tty(None)


def test_the_watch_sees_the_hang_up_of_a_terminal_it_started_on(monkeypatch):
    master, slave = _pty()
    read_end, write_end = os.pipe()
    piped = os.fdopen(write_end, "wb", buffering=0)
    try:
        monkeypatch.setattr(sys, "__stdin__", slave)
        monkeypatch.setattr(sys, "__stdout__", piped)  # `whodidthis ledger --follow | tee log`
        watch = TerminalWatch()
        assert not watch.hung_up()
        os.close(master)
        assert watch.hung_up()
    finally:
        slave.close()
        piped.close()
        os.close(read_end)


def test_output_to_a_pipe_or_a_file_is_never_a_hang_up(monkeypatch, tmp_path):
    read_end, write_end = os.pipe()
    with open(tmp_path / "out", "wb") as file, os.fdopen(write_end, "wb") as piped:
        monkeypatch.setattr(sys, "__stdin__", piped)
        monkeypatch.setattr(sys, "__stdout__", file)
        watch = TerminalWatch()
        assert watch.streams == []
        assert not watch.hung_up()
    os.close(read_end)
