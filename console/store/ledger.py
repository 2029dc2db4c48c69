"""The ledger: who did what, one record per AWS call made for a trainee
(docs/contracts.md, "Ledger record").

A record is written as an *intent* (outcome ``unknown``) before the call and *settled* with
the outcome and the AWS request id after it, each in its own transaction. A record still
``unknown`` after its run is the evidence of a crash between the two: the call may or may not
have reached AWS, and the sandbox trail or CloudTrail says which.
"""

from __future__ import annotations

import json

from console.errors import StateError
from console.model import LEDGER_COLUMNS, LedgerRecord, Outcome
from console.store import chain
from console.store.events import EventLog
from console.store.guard import refuse_credentials

# The SQL is flat: a record's acting identity and operator are spread over columns named as
# docs/contracts.md names them (LedgerRecord.flat and from_flat are the one mapping).
_COLUMNS = LEDGER_COLUMNS
_WRITTEN = tuple(name for name in _COLUMNS if name != "id")
_INSERT = f"INSERT INTO ledger ({', '.join(_WRITTEN)}) VALUES ({', '.join('?' for _ in _WRITTEN)})"


class Ledger(EventLog):
    """The part of :class:`console.store.state.Store` that keeps the ledger."""

    def ledger_intent(self, record: LedgerRecord) -> int:
        """Record a call about to be made; returns the record id to settle it with.

        The record is stored with outcome ``unknown`` whatever ``record.outcome`` says, and an
        ``action`` event (``phase: intent``) is written in the same transaction.
        """
        ts = record.ts or self._clock()
        values = record.flat()
        # What only the answer can tell is left empty until ledger_settle.
        values.update(id=None, ts=ts, outcome=Outcome.UNKNOWN.value, request_id=None)
        values.update(error_code=None, error_message=None)
        refuse_credentials(values, "ledger")
        with self._db.write() as conn:
            cursor = conn.execute(_INSERT, [_plain(values[name]) for name in _WRITTEN])
            record_id = int(cursor.lastrowid or 0)  # an INSERT always sets it
            chain.append(conn, record_id, "intent", values)
            self._insert_event(
                conn,
                "action",
                record.trainee,
                {
                    "phase": "intent",
                    "ledger_id": record_id,
                    "step": record.step,
                    "service": record.service,
                    "operation": record.operation,
                    "principal_arn": record.acting.principal_arn,
                    "session_name": record.acting.session_name,
                    "outcome": Outcome.UNKNOWN.value,
                },
                ts,
            )
        return record_id

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
    ) -> None:
        """Settle an intent with what AWS answered; writes an ``action`` event (``phase: done``).

        ``attempt_request_ids`` are the request ids of every attempt (retries included);
        ``principal_id`` and ``assume_request_id``, when given, replace the intent's: they are
        known exactly only once the request was signed (credentials may refresh in between).

        ``unknown`` completes a call that got no answer after it may have reached AWS (the
        connection closed, the read timed out): the record stays ``unknown``, as after a
        crash, but says why in ``error_code`` and ``error_message``.

        Raises:
            ValueError: ``outcome`` is ``unknown`` without an ``error_code`` saying why.
            StateError: no such record, or it was already completed.
        """
        outcome = Outcome(outcome)
        if outcome is Outcome.UNKNOWN and not error_code:
            raise ValueError("a ledger record completed as unknown needs the error that says why")
        values = {
            "outcome": outcome.value,
            "request_id": request_id,
            "error_code": error_code,
            "error_message": error_message,
            "resource_arn": resource_arn,
        }
        refuse_credentials(values, "ledger")
        values["access_key_digest"] = access_key_digest  # a digest: never a key id
        attempts = json.dumps(list(attempt_request_ids))
        now = self._clock()
        with self._db.write() as conn:
            row = conn.execute(
                "UPDATE ledger SET outcome = ?, request_id = ?, error_code = ?, error_message = ?,"
                " resource_arn = coalesce(?, resource_arn), completed_at = ?,"
                " attempt_request_ids = ?, principal_id = coalesce(?, principal_id),"
                " assume_request_id = coalesce(?, assume_request_id),"
                " access_key_digest = ?"
                " WHERE id = ? AND outcome = 'unknown' AND completed_at IS NULL"
                " RETURNING *",
                (*list(values.values())[:-1], now, attempts, principal_id, assume_request_id)
                + (access_key_digest, record_id),
            ).fetchone()
            if row is None:
                raise StateError(f"ledger record {record_id} does not exist or is already complete")
            chain.append(conn, record_id, "settle", dict(row))
            values.pop("access_key_digest")
            fields = {"phase": "done", "ledger_id": record_id, "step": row["step"]}
            fields |= {"service": row["service"], "operation": row["operation"]}
            fields |= {k: v for k, v in values.items() if k != "error_message"}
            self._insert_event(conn, "action", row["trainee"], fields, now)

    def ledger_head(self) -> chain.Head:
        """The ledger chain's head now (its links and last digest)."""
        with self._db.read() as conn:
            return chain.head(conn)

    def verify_ledger(self, heads=()) -> tuple[int, list[str]]:
        """Recompute the ledger's chain against ``heads``; (records checked, problems)."""
        with self._db.read() as conn:
            return chain.verify(conn, heads)

    def ledger(
        self, trainee: str | None = None, since_id: int = 0, limit: int | None = None
    ) -> list[LedgerRecord]:
        """Ledger records after ``since_id``, oldest first; only ``trainee``'s when given."""
        sql = f"SELECT {', '.join(_COLUMNS)} FROM ledger WHERE id > ?"
        params: list[object] = [since_id]
        if trainee is not None:
            sql += " AND trainee = ?"
            params.append(trainee)
        sql += " ORDER BY id LIMIT ?"
        params.append(-1 if limit is None else limit)
        with self._db.read() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [_record(row) for row in rows]


def _record(row) -> LedgerRecord:
    values = {name: row[name] for name in _COLUMNS}
    values["attempt_request_ids"] = json.loads(values["attempt_request_ids"] or "[]")
    return LedgerRecord.from_flat(values)


def _plain(value: object) -> object:
    """Enums as their value; SQLite would store a StrEnum fine, but keep the column plain."""
    if value is None or type(value) in (str, float):  # most columns: nothing to convert
        return value
    if isinstance(value, tuple):
        return json.dumps(list(value))
    return value.value if isinstance(value, Outcome) else value
