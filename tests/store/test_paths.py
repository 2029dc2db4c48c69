"""Where the state lives: --state-dir, $WHODIDTHIS_STATE_DIR, the XDG state dir, in that order."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.errors import StateError
from console.store.state import resolve_state_dir


def test_the_argument_wins(tmp_path: Path):
    env = {"WHODIDTHIS_STATE_DIR": str(tmp_path / "env"), "XDG_STATE_HOME": str(tmp_path / "x")}
    assert resolve_state_dir(str(tmp_path / "arg"), env) == tmp_path / "arg"
    assert (tmp_path / "arg").is_dir() and not (tmp_path / "env").exists()


def test_then_the_environment_variable(tmp_path: Path):
    env = {"WHODIDTHIS_STATE_DIR": str(tmp_path / "env"), "XDG_STATE_HOME": str(tmp_path / "x")}
    assert resolve_state_dir(None, env) == tmp_path / "env"


def test_then_xdg_state_home_when_absolute(tmp_path: Path):
    assert resolve_state_dir(None, {"XDG_STATE_HOME": str(tmp_path / "x")}) == (
        tmp_path / "x" / "whodidthis"
    )
    relative = {"XDG_STATE_HOME": "relative/state", "HOME": str(tmp_path / "home")}
    assert resolve_state_dir(None, relative) == (
        tmp_path / "home" / ".local" / "state" / "whodidthis"
    )


def test_then_the_home_folder(tmp_path: Path):
    state_dir = resolve_state_dir("", {"HOME": str(tmp_path)})
    assert state_dir == tmp_path / ".local" / "state" / "whodidthis"
    assert state_dir.stat().st_mode & 0o777 == 0o700


def test_an_existing_directory_is_left_as_it_is(tmp_path: Path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    assert resolve_state_dir(str(shared), {}) == shared
    assert shared.stat().st_mode & 0o777 == 0o755


def test_a_directory_that_cannot_be_created_is_a_clear_error(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StateError, match=f"cannot create the state directory {blocker}/state"):
        resolve_state_dir(str(blocker / "state"), {})


def test_the_engine_log_lives_beside_the_store_of_its_course(tmp_path: Path):
    """One function names the engine log; the spawner and the engine agree with the store."""
    from console.engine.process import engine_log_path
    from console.store.state import Store

    store = Store.open(tmp_path, "dojo-2026-12")
    try:
        assert engine_log_path(tmp_path, "dojo-2026-12") == store.course_dir / "engine.log"
        assert store.path.parent == store.course_dir
    finally:
        store.close()
