"""Fixtures for the state store tests: a fresh store per test, a fixed clock, worker processes."""

from __future__ import annotations

import itertools
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.store.state import Store

REPO = Path(__file__).resolve().parents[2]
COURSE = "dojo"
ROSTER = [("alice", "111111111111"), ("bob", "222222222222"), ("carol", "333333333333")]
STEPS = [
    ("iam_user", "{trainee}"),
    ("codecommit_repo", "dojo-app"),
    ("s3_bucket", "{course}-{account}"),
]


class FixedClock:
    """A clock that ticks one second per reading, from a fixed start: ordering is visible."""

    def __init__(self, start: float = 1_800_000_000.0):
        self._ticks = itertools.count()
        self.start = start

    def __call__(self) -> float:
        return self.start + next(self._ticks)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def store(state_dir: Path, clock: FixedClock) -> Iterator[Store]:
    opened = Store.open(state_dir, COURSE, clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def roster_store(store: Store) -> Store:
    store.sync_roster(ROSTER, STEPS)
    return store


@pytest.fixture
def workers() -> Iterator[callable]:
    """Start ``python -m tests.store.workers ...`` processes; kills any left at the end."""
    started: list[subprocess.Popen] = []

    def start(*args: str, **kwargs) -> subprocess.Popen:
        proc = subprocess.Popen(
            [*kwargs.pop("prefix", []), sys.executable, "-m", "tests.store.workers", *args],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            **kwargs,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def integrity(path: Path) -> str:
    """``PRAGMA integrity_check`` of a database file, from a fresh connection."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
