"""Following a course's state store from a console: what changed since the last look.

The engine writes every state change as an event and every changing AWS call to the ledger
(docs/architecture.md, "Data flow"). A console does not need each event: it needs the trainees whose
row changed and the ledger records completed since it last looked. :class:`StoreWatch` turns
the store's event log into exactly that, cheaply enough to run a few times a second with a
thousand trainees: an unchanged store costs one small query.

No Textual here: the console's App turns a :class:`Changes` into a Textual message, and the
benchmark and the tests use this class directly.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from console.model import LedgerRecord, TraineeStatus

# Ledger lines a console keeps when it attaches to a run already under way.
BACKLOG_RECORDS = 200


@dataclass
class Changes:
    """What changed in the store since the previous poll.

    Attributes:
        trainees: the changed trainees' rows, as the store holds them now.
        records: ledger records completed (or, on the first poll, the recent backlog), oldest
            first.
        roster_changed: trainees were added to or removed from the course.
        summary: True when a command finished (its ``summary`` event).
        engine: the engine lock's holder (pid, host, started_at), or None when none runs.
        run: the live run (``Store.current_run``), or None.
        first: True for the first poll, which reads everything.
    """

    trainees: list[TraineeStatus] = field(default_factory=list)
    records: list[LedgerRecord] = field(default_factory=list)
    roster_changed: bool = False
    summary: bool = False
    engine: dict | None = None
    run: dict | None = None
    first: bool = False

    def then(self, later: Changes) -> Changes:
        """These changes followed by ``later`` ones, as if read by one poll: each trainee's
        latest row, every record in order, the latest engine and run."""
        rows = {row.name: row for row in self.trainees}
        rows.update((row.name, row) for row in later.trainees)
        return Changes(
            trainees=list(rows.values()),
            records=self.records + later.records,
            roster_changed=self.roster_changed or later.roster_changed,
            summary=self.summary or later.summary,
            engine=later.engine,
            run=later.run,
            first=self.first or later.first,
        )


class StoreWatch:
    """Reads a store's changes since the previous call of :meth:`poll`.

    Thread-safe: a console may poll from a worker thread while a test polls directly.

    Example::

        watch = StoreWatch(store)
        changes = watch.poll()          # the first poll: every trainee and the recent ledger
        later = watch.poll()            # None when nothing was written since
    """

    def __init__(self, store):
        self.store = store
        self._lock = threading.Lock()
        self._last_event = 0
        self._version: int | None = None
        self._engine: dict | None = None

    def poll(self) -> Changes | None:
        """The changes since the previous poll, or None when the store did not change.

        The engine lock is looked at on every poll, since an engine that dies writes nothing.
        """
        with self._lock:
            if self._version is None:
                return self._first()
            version = self.store.data_version()
            engine = self.store.engine_holder()
            if version == self._version and engine == self._engine:
                return None
            self._version, self._engine = version, engine
            return self._since_last(engine)

    def _first(self) -> Changes:
        self._version = self.store.data_version()
        self._last_event = self.store.last_event_id()
        self._engine = self.store.engine_holder()
        records = self.store.ledger(since_id=max(0, self._last_ledger_id() - BACKLOG_RECORDS))
        return Changes(
            trainees=self.store.trainees(),
            records=records,
            roster_changed=True,
            engine=self._engine,
            run=self.store.current_run(),
            first=True,
        )

    def _since_last(self, engine: dict | None) -> Changes:
        changes = Changes(engine=engine, run=self.store.current_run())
        names: set[str] = set()
        completed: set[int] = set()
        while True:
            events = self.store.events_since(self._last_event)
            if not events:
                break
            self._last_event = events[-1].id
            for event in events:
                if event.type in ("trainee", "step") and event.trainee:
                    names.add(event.trainee)
                elif event.type == "action" and event.fields.get("phase") == "done":
                    completed.add(int(event.fields["ledger_id"]))
                elif event.type == "roster":
                    changes.roster_changed = True
                elif event.type == "summary":
                    changes.summary = True
        changes.trainees = self._read_trainees(names, changes.roster_changed)
        changes.records = self._read_records(completed)
        return changes

    def _read_trainees(self, names: set[str], everyone: bool) -> list[TraineeStatus]:
        """Only the changed rows (two queries), or every row when the roster changed."""
        if everyone:
            return self.store.trainees()
        return self.store.trainees_named(names) if names else []

    def _read_records(self, ids: set[int]) -> list[LedgerRecord]:
        if not ids:
            return []
        records = self.store.ledger(since_id=min(ids) - 1, limit=max(ids) - min(ids) + 1)
        return [record for record in records if record.id in ids]

    def _last_ledger_id(self) -> int:
        """The newest ledger record's id, by bisection on "is there a record after k?".

        The store answers that with one indexed query, so this costs about 20 small queries
        even for a million records, where reading the whole ledger would not.
        """
        low, high = 0, 1
        while self.store.ledger(since_id=high, limit=1):
            low, high = high, high * 2
        # Invariant: a record exists after ``low`` and none after ``high``.
        while high - low > 1:
            middle = (low + high) // 2
            if self.store.ledger(since_id=middle, limit=1):
                low = middle
            else:
                high = middle
        return high if self.store.ledger(since_id=low, limit=1) else 0
