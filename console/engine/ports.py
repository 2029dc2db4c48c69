"""The store as the engine sees it: the few methods of :class:`console.store.state.Store` each
piece of the engine uses, as Protocols.

A trainee's pipeline reads and writes its trainee's rows (:class:`TraineeRows`); the recorder
writes the ledger (:class:`LedgerWriter`); a teardown plan needs both (:class:`TraineeStore`);
the scheduler also claims commands and keeps runs (:class:`EngineStore`). Typed against these, the engine says what it needs of the store and
mypy checks that ``Store`` gives it; only the code that opens the store (``opening``,
``process``) names the SQLite class.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from console.model import Command, Event, LedgerRecord, Outcome, TraineeStatus
from console.store.chain import Head


class TraineeRows(Protocol):
    """A trainee's state, steps, events and ledger: what one pipeline reads and writes."""

    def trainee(self, name: str, *, include_removed: bool = False) -> TraineeStatus | None: ...

    def set_trainee(self, name: str, **fields: object) -> Event: ...

    def set_step(self, trainee: str, index: int, **fields: object) -> Event: ...

    def add_event(self, type: str, trainee: str | None, **fields: object) -> Event: ...

    def ledger(
        self, trainee: str | None = None, since_id: int = 0, limit: int | None = None
    ) -> list[LedgerRecord]: ...


class LedgerWriter(Protocol):
    """The ledger's two writes: the intent before a call, its settlement after."""

    def ledger_intent(self, record: LedgerRecord) -> int: ...

    def ledger_settle(
        self,
        record_id: int,
        *,
        outcome: Outcome,
        request_id: str | None,
        error_code: str | None = None,
        error_message: str | None = None,
        resource_arn: str | None = None,
        attempt_request_ids: tuple[str, ...] | list[str] = (),
        principal_id: str | None = None,
        assume_request_id: str | None = None,
        access_key_digest: str | None = None,
    ) -> None: ...


class TraineeStore(TraineeRows, LedgerWriter, Protocol):
    """A pipeline's rows and its recorder's ledger: what a teardown plan uses."""


class EngineStore(TraineeStore, Protocol):
    """Everything the scheduler uses: the trainees, their events and the ledger, the command
    queue and the runs, and where the engine's log goes."""

    @property
    def course_dir(self) -> Path: ...

    def claim_next(self, engine_id: str) -> Command | None: ...

    def finish_command(self, command_id: int, result: str) -> None: ...

    def begin_run(self, kind: str, operator: str, pid: int, trainees: Iterable[str]) -> int: ...

    def finish_run(self, run_id: int, summary: dict) -> None: ...

    def ledger_head(self) -> Head: ...
