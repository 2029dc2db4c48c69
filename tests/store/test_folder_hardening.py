"""State folder hardening (issue 14, item 12): a folder others can write, a symlinked engine
log, an empty or corrupt database. Each is tightened or refused with exit 2 and what to do;
none is used as it is, and none is silently replaced."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from console.errors import EXIT_BAD_INPUT, StateRefused
from console.store.state import Store, resolve_state_dir
from tests.engine.helpers import cli

COURSE = "dojo"
STRANGER = 54321  # a uid that is not ours


def test_a_world_writable_state_dir_of_ours_is_tightened_to_0700(tmp_path: Path):
    shared = tmp_path / "state"
    shared.mkdir()
    shared.chmod(0o777)
    assert resolve_state_dir(str(shared), {}) == shared
    assert shared.stat().st_mode & 0o777 == 0o700


def test_a_group_writable_course_dir_of_ours_is_tightened_too(tmp_path: Path):
    (tmp_path / COURSE).mkdir()
    (tmp_path / COURSE).chmod(0o775)
    Store.open(tmp_path, COURSE).close()
    assert (tmp_path / COURSE).stat().st_mode & 0o777 == 0o700


def test_a_world_writable_state_dir_of_another_user_is_refused(tmp_path: Path):
    if os.geteuid() != 0:
        pytest.skip("giving a folder to another user needs root")
    shared = tmp_path / "state"
    shared.mkdir()
    os.chown(shared, STRANGER, -1)
    shared.chmod(0o777)
    with pytest.raises(StateRefused) as refused:
        resolve_state_dir(str(shared), {})
    assert refused.value.exit_code == EXIT_BAD_INPUT
    message = str(refused.value)
    assert f"{shared} is writable by other users (mode 0777)" in message
    assert "--state-dir DIR" in message and f"chmod 700 {shared}" in message
    assert shared.stat().st_mode & 0o777 == 0o777 and not (shared / COURSE).exists()


def test_a_sticky_shared_folder_like_tmp_is_refused_never_tightened(tmp_path: Path):
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    with pytest.raises(StateRefused, match="shared by design"):
        resolve_state_dir(str(shared), {})
    assert shared.stat().st_mode & 0o7777 == 0o1777


def _empty_store(state_dir: Path, course: str = COURSE) -> Path:
    db = state_dir / course / "state.sqlite3"
    db.parent.mkdir(mode=0o700, parents=True)
    db.write_bytes(b"")
    return db


def test_an_empty_database_is_refused_not_recreated(tmp_path: Path):
    db = _empty_store(tmp_path)
    for readonly in (False, True):
        with pytest.raises(StateRefused) as refused:
            Store.open(tmp_path, COURSE, readonly=readonly)
        assert "is empty (0 bytes)" in str(refused.value)
        assert f"mv {db.parent} {db.parent}.empty" in str(refused.value)
    assert db.stat().st_size == 0 and sorted(p.name for p in db.parent.iterdir()) == [db.name]


def test_a_new_store_is_created_whole_and_private(tmp_path: Path):
    Store.open(tmp_path, COURSE).close()
    db = tmp_path / COURSE / "state.sqlite3"
    assert db.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in db.parent.iterdir()] == [db.name]  # no temporary file left
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert Store.open(tmp_path, COURSE).meta()["course"] == COURSE


def test_a_corrupt_database_is_refused_with_how_to_keep_it(tmp_path: Path):
    Store.open(tmp_path, COURSE).close()
    db = tmp_path / COURSE / "state.sqlite3"
    db.write_bytes(b"this was a ledger" * 300)
    with pytest.raises(StateRefused) as refused:
        Store.open(tmp_path, COURSE)
    assert refused.value.exit_code == EXIT_BAD_INPUT
    assert "is damaged" in str(refused.value)
    assert f"mv {db.parent} {db.parent}.damaged" in str(refused.value)
    assert db.read_bytes() == b"this was a ledger" * 300


SANDBOX_COURSE = "dojo-2026-12"


@pytest.mark.parametrize("command", ["status", "ledger", "apply"])
def test_the_commands_exit_2_on_an_empty_database_and_keep_it(sandbox, tmp_path, command):
    db = _empty_store(tmp_path, SANDBOX_COURSE)
    result = cli(sandbox, tmp_path, command)
    assert result.returncode == 2, result.stderr
    assert "is empty (0 bytes)" in result.stderr and "Traceback" not in result.stderr
    assert db.stat().st_size == 0
    assert [r for r in sandbox.trail() if r["operation"] != "GetCallerIdentity"] == []


def test_a_symlinked_engine_log_is_refused_and_not_followed(sandbox, tmp_path):
    Store.open(tmp_path, SANDBOX_COURSE).close()
    target = tmp_path / "victim"
    target.write_text("")
    (tmp_path / SANDBOX_COURSE / "engine.log").symlink_to(target)
    for argv in (["apply", "--detach"], ["engine"]):
        result = cli(sandbox, tmp_path, *argv)
        assert result.returncode == 2, result.stderr
        assert "engine.log is a symlink or not a regular file" in result.stderr
        assert "Traceback" not in result.stderr
    assert target.read_text() == ""


@pytest.mark.parametrize("command", ["status", "apply"])
def test_the_commands_exit_2_on_a_corrupt_database_and_keep_it(sandbox, tmp_path, command):
    db = _empty_store(tmp_path, SANDBOX_COURSE)
    db.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4080)  # a header, then garbage
    result = cli(sandbox, tmp_path, command)
    assert result.returncode == 2, result.stderr
    assert "is damaged" in result.stderr and "Traceback" not in result.stderr
    assert f"mv {db.parent} {db.parent}.damaged" in result.stderr
    assert db.read_bytes() == b"SQLite format 3\x00" + b"\xff" * 4080


# -- issue 26, item 6: the contents of a folder once writable by others are not trusted ------


def test_a_planted_symlink_for_the_database_is_refused_not_followed(tmp_path: Path):
    theirs = tmp_path / "attacker.sqlite3"
    Store.open(tmp_path / "elsewhere", COURSE).close()
    (tmp_path / "elsewhere" / COURSE / "state.sqlite3").rename(theirs)
    (tmp_path / COURSE).mkdir(mode=0o700)
    (tmp_path / COURSE / "state.sqlite3").symlink_to(theirs)
    before = theirs.read_bytes()
    with pytest.raises(StateRefused) as refused:
        Store.open(tmp_path, COURSE)
    assert refused.value.exit_code == EXIT_BAD_INPUT
    assert "is a symlink" in str(refused.value)
    assert theirs.read_bytes() == before  # the ledger never went into their file


def test_a_database_with_a_second_name_elsewhere_is_refused(tmp_path: Path):
    Store.open(tmp_path, COURSE).close()
    db = tmp_path / COURSE / "state.sqlite3"
    os.link(db, tmp_path / "their-copy")
    with pytest.raises(StateRefused, match="has 2 names"):
        Store.open(tmp_path, COURSE)


def test_a_world_writable_database_of_ours_is_brought_back_to_0600(tmp_path: Path):
    Store.open(tmp_path, COURSE).close()
    db = tmp_path / COURSE / "state.sqlite3"
    db.chmod(0o666)
    Store.open(tmp_path, COURSE).close()
    assert db.stat().st_mode & 0o777 == 0o600


def test_a_symlinked_course_folder_is_refused(tmp_path: Path):
    (tmp_path / "theirs").mkdir(mode=0o700)
    (tmp_path / COURSE).symlink_to(tmp_path / "theirs")
    with pytest.raises(StateRefused, match="course folder .* is a symlink"):
        Store.open(tmp_path, COURSE)
    assert not list((tmp_path / "theirs").iterdir())


# -- issue 26, item 9: a store damaged in the middle is refused at open ----------------------


def _damaged_in_the_middle(state_dir: Path, course: str = COURSE) -> Path:
    """A store with enough ledger to span many pages, one page in the middle overwritten."""
    from console.model import Acting, LedgerRecord

    with Store.open(state_dir, course) as store:
        for n in range(400):
            store.ledger_intent(
                LedgerRecord(None, 1.0, course, "alice", "111111111111", "s", "iam",
                             f"CreateUser{n}", Acting("arn:aws:sts::1:assumed-role/R/s", "s"))
            )  # fmt: skip
    db = state_dir / course / "state.sqlite3"
    page = sqlite3.connect(db).execute("PRAGMA page_size").fetchone()[0]
    pages = db.stat().st_size // page
    assert pages > 6
    with db.open("r+b") as handle:
        handle.seek(page * (pages // 2))
        handle.write(b"\xa5" * page)
    return db


def test_a_store_damaged_in_the_middle_is_refused_at_open(tmp_path: Path):
    db = _damaged_in_the_middle(tmp_path)
    damaged = db.read_bytes()
    for readonly in (False, True):
        with pytest.raises(StateRefused) as refused:
            Store.open(tmp_path, COURSE, readonly=readonly)
        assert "is damaged" in str(refused.value) and refused.value.exit_code == EXIT_BAD_INPUT
    assert db.read_bytes() == damaged  # nothing written into it


def test_status_and_apply_exit_2_on_a_store_damaged_in_the_middle(sandbox, tmp_path):
    course = "dojo-2026-12"
    db = _damaged_in_the_middle(tmp_path, course)
    before = len(sandbox.trail())
    for command in ("status", "apply"):
        result = cli(sandbox, tmp_path, command)
        assert result.returncode == EXIT_BAD_INPUT, result.stdout + result.stderr
        assert "is damaged" in result.stderr and "Traceback" not in result.stderr
    assert len(sandbox.trail()) == before  # no AWS call
    assert db.exists()
