"""The state folder: where it is, who may write it, and a course's database file created whole.

The ledger says who did what, for the operator only: a directory created here is 0700 and its
database 0600; an existing one that others can write is tightened (ours) or refused (not
ours). A database file is created with its schema and linked into place in one step, so an
empty file at its name is a truncated ledger, refused rather than started over.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

from console.errors import StateError, StateRefused
from console.store.db import Database


def resolve_state_dir(
    arg: str | None, environ: Mapping[str, str] | None = None, *, create: bool = True
) -> Path:
    """Where state lives: ``arg``, else ``$WHODIDTHIS_STATE_DIR``, else the XDG state dir.

    The XDG state dir is ``$XDG_STATE_HOME/whodidthis`` when that variable holds an absolute
    path (the XDG spec says to ignore a relative one), else ``~/.local/state/whodidthis``. A
    directory created here gets mode 0700: the ledger says who did what, for the operator only.

    ``create=False`` only names it (a read-only view creates nothing).

    Raises:
        StateError: the directory does not exist and cannot be created.
    """
    env = os.environ if environ is None else environ
    if arg:
        state_dir = Path(arg).expanduser()
    elif env.get("WHODIDTHIS_STATE_DIR"):
        state_dir = Path(env["WHODIDTHIS_STATE_DIR"]).expanduser()
    elif env.get("XDG_STATE_HOME") and os.path.isabs(env["XDG_STATE_HOME"]):
        state_dir = Path(env["XDG_STATE_HOME"]) / "whodidthis"
    else:
        home = Path(env["HOME"]) if env.get("HOME") else Path.home()
        state_dir = home / ".local" / "state" / "whodidthis"
    if create:
        _make_private_dir(state_dir)
    return state_dir


def course_state_dir(state_dir: Path, course_name: str) -> Path:
    """The directory of one course's state under ``state_dir``: its store, lock and engine log."""
    return Path(state_dir) / course_name


def _make_private_dir(path: Path) -> None:
    """Create ``path`` with mode 0700 if it is missing; an existing directory is left alone.

    Raises:
        StateError: it cannot be created (naming the directory and what to do).
    """
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StateError(
            f"cannot create the state directory {path}: {exc.strerror}; pass --state-dir DIR "
            "or set WHODIDTHIS_STATE_DIR to a directory you can write"
        ) from exc
    _refuse_shared_dir(path)


def _refuse_shared_dir(path: Path) -> None:
    """A state directory others can write is tightened to 0700 if ours, refused otherwise.

    Whoever can write the directory can replace the ledger or plant a symlink for the
    engine's log: the record of who did what would no longer be the operator's.

    Raises:
        StateRefused: it is writable by group or others and owned by another user.
    """
    try:
        info = path.stat()
        if not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return
        shared = bool(info.st_mode & stat.S_ISVTX)  # /tmp and the like: shared by design
        if info.st_uid == os.geteuid() and not shared:
            path.chmod(0o700)
            return
    except OSError as exc:
        raise StateError(f"cannot check the state directory {path}: {exc.strerror}") from exc
    whose = (
        "a folder shared by design (sticky, like /tmp)"
        if shared
        else (f"belongs to uid {info.st_uid}, not to you")
    )
    raise StateRefused(
        f"the state directory {path} is writable by other users (mode "
        f"{stat.S_IMODE(info.st_mode):04o}) and {whose}: anyone could change the ledger "
        "there; pass --state-dir DIR (a directory of your own)"
        + ("" if shared else f", or have its owner run chmod 700 {path}")
    )


def prepare_writable(course_dir: Path, path: Path) -> bool:
    """Create the course directory and an empty database file (mode 0600) if we may.

    Returns False when this user cannot write there, so the store opens read-only.
    """
    try:
        _make_private_dir(course_dir)
        if not os.access(course_dir, os.W_OK):
            return False
        if path.exists():
            # Never open and close an existing database file outside SQLite: closing any
            # descriptor of it drops every POSIX lock this process holds on it, including
            # those of a store already open here (an engine could then checkpoint and delete
            # the WAL under that store). Check writability without opening it.
            return os.access(path, os.W_OK)
        _create_database(path)
    except FileExistsError:
        return os.access(path, os.W_OK)
    except StateRefused:
        raise
    except (StateError, OSError):
        return False
    return True


def _create_database(path: Path) -> None:
    """Build a new store's database beside ``path`` and link it into place whole.

    So a database file at ``path`` always has its schema: an empty one is never ours, it is a
    truncated ledger (refused, see :func:`refuse_empty_database`). The file is created 0600;
    SQLite gives -wal and -shm the same mode.

    Raises:
        FileExistsError: another process created the store meanwhile (theirs is kept).
    """
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    os.close(fd)
    fresh = Path(name)
    try:
        Database(fresh, readonly=False).close()  # the last close checkpoints and drops the WAL
        _put_in_place(fresh, path)
    finally:
        for leftover in (
            fresh,
            fresh.with_name(fresh.name + "-wal"),
            fresh.with_name(fresh.name + "-shm"),
        ):
            leftover.unlink(missing_ok=True)


def _put_in_place(fresh: Path, path: Path) -> None:
    """Link ``fresh`` at ``path`` unless something is there already (FileExistsError).

    A file system without hard links (some network and FUSE ones) gets a rename instead,
    after checking that ``path`` is still free: two processes opening a new store there in
    the same instant could then race, which the link rules out elsewhere.
    """
    try:
        os.link(fresh, path)
    except FileExistsError:
        raise
    except OSError:
        if path.exists():
            raise FileExistsError(errno.EEXIST, "exists", str(path)) from None
        os.rename(fresh, path)


def refuse_untrusted_contents(course_dir: Path, path: Path) -> None:
    """What is in a course folder is not trusted for being there: a folder that was once
    writable by others (tightened since) may hold what someone planted.

    The course folder and the database (and its ``-wal``/``-shm``) must be what they say:
    not a symlink (the ledger would go into the planter's file), not a file with another
    name elsewhere (a hard link: whoever holds that name reads and rewrites the ledger), and
    ours. A database of ours that others may read or write is brought back to 0600.

    Raises:
        StateRefused: naming the file, what is wrong and what to do.
    """
    _refuse_link_or_stranger(course_dir, "course folder", directory=True)
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        _refuse_link_or_stranger(path.with_name(name), "state store file")


def _refuse_link_or_stranger(path: Path, what: str, *, directory: bool = False) -> None:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StateError(f"cannot check the {what} {path}: {exc.strerror}") from exc
    kind = stat.S_ISDIR if directory else stat.S_ISREG
    problem = None
    if stat.S_ISLNK(info.st_mode):
        problem = f"is a symlink (to {os.readlink(path)}): whodidthis never writes through one"
    elif not kind(info.st_mode):
        problem = "is not a " + ("folder" if directory else "regular file")
    elif info.st_uid != os.geteuid():
        problem = f"belongs to uid {info.st_uid}, not to you"
    elif not directory and info.st_nlink > 1 and not _being_created(path, info):
        problem = (
            f"has {info.st_nlink} names (hard links): another name elsewhere reaches the same "
            "ledger"
        )
    if problem:
        raise StateRefused(
            f"the {what} {path} {problem}; nothing was changed. Move the course's state aside "
            f"(mv {path.parent if not directory else path} <elsewhere>) and run the command "
            "again: a new store is created, and resources in AWS carry their tags and are "
            "adopted, not duplicated"
        )
    if not directory and stat.S_IMODE(info.st_mode) & 0o077:
        path.chmod(0o600)  # ours, one name: tighten rather than refuse


def _being_created(path: Path, info: os.stat_result) -> bool:
    """The second name is the new store another process is linking into place this instant
    (:func:`_create_database`: ``.state.sqlite3.*.new`` beside it, the same file)."""
    prefix = f".{path.name}."
    for sibling in path.parent.glob(f"{prefix}*.new"):
        with contextlib.suppress(OSError):
            if sibling.lstat().st_ino == info.st_ino and info.st_nlink == 2:
                return True
    return False


def refuse_empty_database(path: Path) -> None:
    """A zero-length database file is a ledger lost (truncated), never a store to start over.

    Raises:
        StateRefused: saying how to keep the file and start a new store.
    """
    try:
        empty = path.stat().st_size == 0 and stat.S_ISREG(path.stat().st_mode)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StateError(f"cannot check the state store {path}: {exc.strerror}") from exc
    if empty:
        raise StateRefused(
            f"the state store {path} is empty (0 bytes): its ledger was truncated, and "
            f"whodidthis will not start over on top of it; to keep it, move it aside "
            f"(mv {path.parent} {path.parent}.empty) and run the command again: a new store is "
            "created, and resources in AWS carry their tags and are adopted, not duplicated"
        )
