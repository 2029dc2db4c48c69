"""Running the real CLI against the sandbox, and reading what it left behind."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

READ_ONLY = ("Get", "List", "Describe", "Head")


def cli_argv(sandbox, state_dir: Path, *args: str, course: Path | None = None) -> list[str]:
    """``whodidthis ARGS COURSE --state-dir DIR --operator alice``."""
    return [
        sys.executable,
        "-m",
        "console",
        *args,
        str(course or sandbox.course_path),
        "--state-dir",
        str(state_dir),
        "--operator",
        "alice",
    ]


def cli(
    sandbox,
    state_dir: Path,
    *args: str,
    course: Path | None = None,
    env_extra=None,
    timeout: float = 300,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess:
    """``whodidthis ARGS COURSE --state-dir DIR`` in a subprocess with the sandbox's env."""
    env = sandbox.clean_env()
    env.update(env_extra or {})
    argv = cli_argv(sandbox, state_dir, *args, course=course)
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd)


def cli_started(sandbox, state_dir: Path, *args: str, course: Path | None = None):
    """The same command started, not waited for: its output in pipes, as text."""
    return subprocess.Popen(
        cli_argv(sandbox, state_dir, *args, course=course),
        env=sandbox.clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def status(sandbox, state_dir: Path, course: Path | None = None) -> dict:
    result = cli(sandbox, state_dir, "status", "--json", course=course)
    assert result.returncode == 0, result.stderr
    return {t["name"]: t for t in json.loads(result.stdout)["trainees"]}


def ledger(sandbox, state_dir: Path) -> list[dict]:
    result = cli(sandbox, state_dir, "ledger", "--json", "--all")  # the reads too
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def changing(records, accounts):
    """Trail records of changing calls that landed in trainee accounts."""
    return [
        r for r in records if r["account"] in accounts and not r["operation"].startswith(READ_ONLY)
    ]
