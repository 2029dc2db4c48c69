"""Output that cannot be written ends a command with a sentence, never a traceback (issue 26,
item 10): a full stdout (``/dev/full``), a closed one (``>&-``), an unwritable ``--out``."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

TEMPLATES = ["iam-templates", "--admin-account", "123456789012"]


def _run(args: list[str], stdout) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.mark.parametrize("args", [["--version"], TEMPLATES], ids=["version", "iam-templates"])
def test_a_full_stdout_is_a_sentence_and_exit_1(args):
    with open("/dev/full", "w") as full:
        result = _run(args, full)
    assert result.returncode == 1, result.stderr
    assert "cannot write the output: No space left on device" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["--version"], TEMPLATES], ids=["version", "iam-templates"])
def test_a_closed_stdout_is_a_sentence_and_exit_1(args):
    result = subprocess.run(
        [sys.executable, "-m", "console", *args],
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.close(1),  # as a shell's >&- leaves it
    )
    assert result.returncode == 1, result.stderr
    assert "stdout is closed" in result.stderr and "Traceback" not in result.stderr


def test_iam_templates_out_to_an_unwritable_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = _run([*TEMPLATES, "--out", str(blocker / "templates")], subprocess.PIPE)
    assert result.returncode == 2, result.stderr
    assert f"--out {blocker / 'templates'}: cannot write" in result.stderr
    assert "Traceback" not in result.stderr
