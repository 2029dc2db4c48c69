"""Lab milestones per trainee: when each was first reached, and when it was last checked.

A milestone once reached stays reached (a trainee who deletes their bucket after making it did
reach the step): ``reached_at`` is written once, from the time AWS gives (PasswordLastUsed, an
event's time, an object's LastModified) or else the time of the check that first saw it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from console.store.db import Database


@dataclass(frozen=True)
class MilestoneRow:
    """What the store knows of one trainee's milestone."""

    trainee: str
    name: str
    reached_at: float | None
    first_checked_at: float
    checked_at: float
    detail: str | None


class Milestones:
    """The part of :class:`console.store.state.Store` about lab milestones."""

    _db: Database
    _clock: Callable[[], float]

    def record_checks(
        self, trainee: str, results: Iterable[tuple[str, bool, float | None, str]]
    ) -> None:
        """Record one round of checks: ``(name, reached, at, detail)`` each; a reached
        milestone keeps its first ``reached_at``."""
        now = self._clock()
        with self._db.write() as conn:
            for name, reached, at, detail in results:
                reached_at = (at or now) if reached else None
                conn.execute(
                    "INSERT INTO milestones (trainee, name, reached_at, first_checked_at,"
                    " checked_at, detail) VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (trainee, name) DO UPDATE SET"
                    " reached_at = COALESCE(milestones.reached_at, excluded.reached_at),"
                    " checked_at = excluded.checked_at, detail = excluded.detail",
                    (trainee, name, reached_at, now, now, detail[:300]),
                )

    def milestones(self) -> dict[str, dict[str, MilestoneRow]]:
        """trainee -> milestone name -> what is known."""
        out: dict[str, dict[str, MilestoneRow]] = {}
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT trainee, name, reached_at, first_checked_at, checked_at, detail"
                " FROM milestones"
            ).fetchall()
        for row in rows:
            out.setdefault(row["trainee"], {})[row["name"]] = MilestoneRow(*tuple(row))
        return out
