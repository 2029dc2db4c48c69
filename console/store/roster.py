"""Roster sync: the trainee and step rows follow the course file, keeping states that apply.

Both functions run inside the caller's write transaction (``Store.sync_roster``), so a console
never sees a roster half-synced.
"""

from __future__ import annotations

import sqlite3


def sync_trainees(conn: sqlite3.Connection, roster: dict[str, str]) -> dict[str, int]:
    """Insert, revive, re-account and retire trainee rows; returns what changed, by kind."""
    counts = {"added": 0, "removed": 0, "restored": 0, "account_changed": 0}
    rows = conn.execute("SELECT name, account, removed FROM trainees")
    known = {row["name"]: row for row in rows}
    for name, account in roster.items():
        row = known.get(name)
        if row is None:
            conn.execute("INSERT INTO trainees (name, account) VALUES (?, ?)", (name, account))
            counts["added"] += 1
            continue
        if row["account"] != account:
            conn.execute(
                "UPDATE trainees SET account = ?, state = 'PENDING', step_index = NULL,"
                " principal_arn = NULL, session_name = NULL, source_identity = NULL,"
                " error = NULL, error_code = NULL, finished_at = NULL, leftovers = '[]',"
                " receipt = NULL WHERE name = ?",
                (account, name),
            )
            conn.execute("DELETE FROM steps WHERE trainee = ?", (name,))
            counts["account_changed"] += 1
        if row["removed"]:
            conn.execute("UPDATE trainees SET removed = 0 WHERE name = ?", (name,))
            counts["restored"] += 1
    for name, row in known.items():
        if name not in roster and not row["removed"]:
            conn.execute("UPDATE trainees SET removed = 1 WHERE name = ?", (name,))
            counts["removed"] += 1
    return counts


def sync_steps(conn: sqlite3.Connection, names: list[str], steps: list[tuple[str, str]]) -> None:
    """Give each listed trainee exactly the course's steps, keeping states that still apply."""
    existing: dict[tuple[str, int], tuple[str, str]] = {
        (row["trainee"], row["idx"]): (row["kind"], row["name_template"])
        for row in conn.execute("SELECT trainee, idx, kind, name_template FROM steps")
    }
    inserts, resets = [], []
    for name in names:
        for index, (kind, template) in enumerate(steps):
            found = existing.get((name, index))
            if found is None:
                inserts.append((name, index, kind, template))
            elif found != (kind, template):
                resets.append((kind, template, name, index))
    conn.executemany(
        "INSERT INTO steps (trainee, idx, kind, name_template) VALUES (?, ?, ?, ?)", inserts
    )
    conn.executemany(
        "UPDATE steps SET kind = ?, name_template = ?, name = NULL, state = 'PENDING',"
        " error = NULL, resource_arn = NULL WHERE trainee = ? AND idx = ?",
        resets,
    )
    conn.executemany(
        "DELETE FROM steps WHERE trainee = ? AND idx >= ?", [(name, len(steps)) for name in names]
    )
