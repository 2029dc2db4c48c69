"""The command queue: how consoles and the CLI ask the one engine of a course to do something.

Delivery is exactly-once while engines live: :meth:`CommandQueue.claim_next` picks the oldest
unclaimed command and marks it claimed inside one ``BEGIN IMMEDIATE`` transaction, and SQLite
lets one such transaction run at a time, so two engines racing can never claim the same command.

When an engine dies holding a command, the queue cannot know how far it got. The commands are
convergent (apply, retry and teardown run idempotent steps; cancel is idempotent), so running a
command again after its engine is proven dead (its lock is free) is safe: that is at-least-once
in effect, and never two executions at the same time. A command is handed out again only once:
one that kills its engine twice is closed as abandoned instead of crash-looping every engine.

A new request folded into an unfinished command renews that command's chance: its reclaim count
starts again from zero. Otherwise a command already reclaimed once, claimed by an engine that
then died, would absorb the operator's next ``apply`` and be closed as abandoned with it, and the
apply would vanish without running (issue 14, item 1). The bound on crash loops still holds:
each run after an engine's death is one the operator asked for.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable

from console.errors import StateError
from console.model import Command, CommandKind, Operator, operator_columns, operator_of
from console.store.db import Database
from console.store.guard import refuse_credentials
from console.store.lock import this_process

MAX_RECLAIMS = 1


class CommandQueue:
    """The part of :class:`console.store.state.Store` that keeps the command queue."""

    _db: Database
    _clock: Callable[[], float]

    def enqueue(
        self,
        kind: CommandKind,
        trainees: Iterable[str] = (),
        operator: Operator | str | None = None,
    ) -> int:
        """Queue a command for the engine; returns its id.

        ``operator`` is who the command acts for: the engine assumes every trainee role for it
        with that operator's own session (a bare name is taken as given by ``--operator``).

        An identical command (same kind, same trainees, same operator) that is queued or running
        absorbs this one, and its id is returned: two consoles pressing retry on one trainee at
        the same moment get one retry. Another operator's request is never folded into it: it
        runs as its own command under that operator's sessions, so CloudTrail names who asked. The absorbing command's reclaim count is reset, so a command whose
        engine died cannot take the new request down with it when it is closed as abandoned.
        The check and the insert share one write transaction.
        """
        kind = CommandKind(kind)
        names = list(trainees)
        who = None if operator is None else Operator.of(operator)
        kept = operator_columns(who)
        refuse_credentials({"trainees": names, "operator": kept["operator"]}, "commands")
        with self._db.write() as conn:
            for row in conn.execute(
                "SELECT id, trainees, operator, operator_source, operator_arn FROM commands"
                " WHERE done_at IS NULL AND kind = ?",
                (kind.value,),
            ):
                same_operator = (row["operator"], row["operator_source"], row["operator_arn"]) == (
                    kept["operator"],
                    kept["operator_source"],
                    kept["operator_arn"],
                )
                if same_operator and sorted(json.loads(row["trainees"])) == sorted(names):
                    conn.execute("UPDATE commands SET reclaims = 0 WHERE id = ?", (row["id"],))
                    return int(row["id"])
            cursor = conn.execute(
                f"INSERT INTO commands (kind, trainees, {', '.join(kept)}, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    kind.value,
                    json.dumps(names),
                    *kept.values(),
                    self._clock(),
                ),
            )
            return int(cursor.lastrowid or 0)  # an INSERT always sets it

    def claim_next(self, engine_id: str) -> Command | None:
        """Claim the oldest unclaimed command for ``engine_id``; None when the queue is empty.

        Atomic: the read and the claim happen in one ``BEGIN IMMEDIATE`` transaction, so a
        claimed command is never handed to anyone else, even when two engines race.
        """
        with self._db.write() as conn:
            row = conn.execute(
                "UPDATE commands SET claimed_by = ?, claimed_at = ? WHERE id = ("
                " SELECT id FROM commands WHERE done_at IS NULL AND claimed_by IS NULL"
                " ORDER BY id LIMIT 1) RETURNING *",
                (engine_id, self._clock()),
            ).fetchone()
        return None if row is None else _command(row)

    def finish_command(self, command_id: int, result: str) -> None:
        """Mark a claimed command done with a short result (``ok``, ``2 trainees failed``, ...).

        Raises:
            StateError: the command does not exist, was never claimed, or is already done.
        """
        refuse_credentials(result, "commands.result")
        with self._db.write() as conn:
            changed = conn.execute(
                "UPDATE commands SET done_at = ?, result = ?"
                " WHERE id = ? AND claimed_by IS NOT NULL AND done_at IS NULL",
                (self._clock(), result, command_id),
            ).rowcount
        if changed != 1:
            raise StateError(f"command {command_id} is not claimed, or is unknown or already done")

    def withdraw(self, command_id: int, result: str) -> bool:
        """Close a command no engine will run after all (its operator pressed Ctrl+C before
        it was followed): one still unclaimed, or one claimed by an engine of this process
        (``host:pid:...``), which stopped with the interrupt. False when another process's
        engine has it (it is running there), or when it is done."""
        refuse_credentials(result, "commands.result")
        ours = this_process()
        with self._db.write() as conn:
            changed = conn.execute(
                "UPDATE commands SET done_at = ?, result = ?,"
                " claimed_by = coalesce(claimed_by, 'withdrawn')"
                " WHERE id = ? AND done_at IS NULL"
                " AND (claimed_by IS NULL OR substr(claimed_by, 1, length(?)) = ?)",
                (self._clock(), result, command_id, ours, ours),
            ).rowcount
        return changed == 1

    def pending_commands(self) -> list[Command]:
        """Commands not done yet, oldest first: queued ones and those an engine is running."""
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT * FROM commands WHERE done_at IS NULL ORDER BY id"
            ).fetchall()
        return [_command(row) for row in rows]

    def commands(self) -> list[Command]:
        """Every command ever queued, oldest first (for status and the tests)."""
        with self._db.read() as conn:
            rows = conn.execute("SELECT * FROM commands ORDER BY id").fetchall()
        return [_command(row) for row in rows]

    def reclaim_abandoned(self, engine_alive: Callable[[str], bool]) -> int:
        """Give back to the queue the commands claimed by engines that are no longer alive.

        Each command goes back once (see the module docstring); a command already reclaimed
        whose engine died again is closed with an ``abandoned`` result instead.

        Args:
            engine_alive: tells whether an engine id still runs (``Store.engine_alive``).

        Returns:
            How many commands went back to the queue.
        """
        with self._db.read() as conn:
            claimers = [
                row[0]
                for row in conn.execute(
                    "SELECT DISTINCT claimed_by FROM commands"
                    " WHERE claimed_by IS NOT NULL AND done_at IS NULL"
                )
            ]
        # Ask about liveness outside the write transaction: it may read lock files.
        dead = [engine for engine in claimers if not engine_alive(engine)]
        if not dead:
            return 0
        with self._db.write() as conn:
            return sum(self._reclaim_from(conn, engine) for engine in dead)

    def _reclaim_from(self, conn: sqlite3.Connection, engine_id: str) -> int:
        result = f"abandoned: its engine died running it {MAX_RECLAIMS + 1} times ({engine_id})"
        conn.execute(
            "UPDATE commands SET done_at = ?, result = ?"
            " WHERE claimed_by = ? AND done_at IS NULL AND reclaims >= ?",
            (self._clock(), result, engine_id, MAX_RECLAIMS),
        )
        return conn.execute(
            "UPDATE commands SET claimed_by = NULL, claimed_at = NULL, reclaims = reclaims + 1"
            " WHERE claimed_by = ? AND done_at IS NULL",
            (engine_id,),
        ).rowcount


def _command(row: sqlite3.Row) -> Command:
    return Command(
        id=row["id"],
        kind=CommandKind(row["kind"]),
        trainees=tuple(json.loads(row["trainees"])),
        operator=operator_of(row),
        created_at=row["created_at"],
        claimed_by=row["claimed_by"],
        claimed_at=row["claimed_at"],
        done_at=row["done_at"],
        result=row["result"],
    )
