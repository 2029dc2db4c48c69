"""The ledger's hash chain: a record changed, removed or slipped in afterwards is found.

Every ledger write adds a *link* to ``ledger_chain``: the intent's link hashes the fields fixed
when the call is about to be made (who, where, what), the settlement's link hashes the whole
record as settled. Each link's digest is ``sha256(previous digest + the link's canonical
JSON)``, so changing one field of one record, deleting a record or inserting one breaks every
digest from there on. Anyone who can write the database can recompute the whole chain, so its
*head* (the number of links and the last digest) is also kept where a rewrite of the database
alone cannot move it: each command's summary (stdout, the CI log) and ``engine.log``. ``ledger
--verify`` recomputes the chain and checks it against every head it is given.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

#: What an intent fixes; the settlement fills in the rest (outcome, request ids, ...).
INTENT_FIELDS = (
    "ts",
    "course",
    "trainee",
    "account",
    "region",
    "step",
    "service",
    "operation",
    "principal_arn",
    "session_name",
    "source_identity",
    "operator",
    "operator_source",
    "operator_arn",
)
#: The whole record as settled (a column added later is left out: old links stay valid).
SETTLE_FIELDS = (
    *INTENT_FIELDS,
    "request_id",
    "outcome",
    "error_code",
    "error_message",
    "resource_arn",
    "completed_at",
    "principal_id",
    "assume_request_id",
    "attempt_request_ids",
    "access_key_digest",
)
_REAL = ("ts", "completed_at")
HEAD_LINE = re.compile(r"ledger head: (\d+) links, sha256 ([0-9a-f]{64})")


@dataclass(frozen=True)
class Head:
    """Where the chain stood: its number of links and the last link's digest."""

    links: int
    digest: str
    source: str = ""

    def text(self) -> str:
        """The form written to ``engine.log`` and read back by ``ledger --verify``."""
        return f"ledger head: {self.links} links, sha256 {self.digest}"

    def as_json(self) -> dict:
        return {"links": self.links, "sha256": self.digest}


#: ``json.dumps(..., sort_keys=True, separators=(",", ":"))`` made once: ``dumps`` with options
#: builds a new encoder for every call, and every ledger write digests a link.
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def digest(previous: str, ledger_id: int, phase: str, fields: Mapping[str, object]) -> str:
    """The digest of one link: the previous digest, the record id, the phase and its fields."""
    names = INTENT_FIELDS if phase == "intent" else SETTLE_FIELDS
    body = {name: fields.get(name) for name in names}
    for name in _REAL:
        value = body.get(name)
        if isinstance(value, int | float):
            body[name] = float(value)  # SQLite hands a REAL back as float whatever was written
    text = _CANONICAL_JSON.encode([previous, ledger_id, phase, body])
    return hashlib.sha256(text.encode()).hexdigest()


def append(conn: sqlite3.Connection, ledger_id: int, phase: str, fields: Mapping) -> Head:
    """Add a link for ``ledger_id`` inside the caller's write transaction; returns the head."""
    last = conn.execute("SELECT seq, digest FROM ledger_chain ORDER BY seq DESC LIMIT 1").fetchone()
    previous, count = (last[1], last[0]) if last else ("", 0)
    link = digest(previous, ledger_id, phase, fields)
    conn.execute(
        "INSERT INTO ledger_chain (seq, ledger_id, phase, digest) VALUES (?, ?, ?, ?)",
        (count + 1, ledger_id, phase, link),
    )
    return Head(count + 1, link)


def head(conn: sqlite3.Connection) -> Head:
    """The chain's head as the database has it now."""
    last = conn.execute("SELECT seq, digest FROM ledger_chain ORDER BY seq DESC LIMIT 1").fetchone()
    return Head(last[0], last[1]) if last else Head(0, "")


def chain_existing(conn: sqlite3.Connection) -> None:
    """Link every record already in the ledger, oldest first (the migration that adds it)."""
    rows = conn.execute("SELECT * FROM ledger ORDER BY id").fetchall()
    names = [d[0] for d in conn.execute("SELECT * FROM ledger LIMIT 0").description]
    for row in rows:
        fields = dict(zip(names, row, strict=True))
        append(conn, fields["id"], "intent", fields)
        if fields.get("completed_at") is not None:
            append(conn, fields["id"], "settle", fields)


def verify(conn: sqlite3.Connection, heads: Iterable[Head] = ()) -> tuple[int, list[str]]:
    """Recompute the chain; returns the records checked and the problems, first break first.

    Each problem names the record (by id) and what happened to it: changed after it was
    written, missing, or never chained (inserted by hand), and any head the chain no longer
    reaches or no longer matches.
    """
    rows = {row["id"]: dict(row) for row in conn.execute("SELECT * FROM ledger ORDER BY id")}
    links = conn.execute("SELECT seq, ledger_id, phase, digest FROM ledger_chain ORDER BY seq")
    problems: list[str] = []
    previous, expected, last_id = "", 1, None
    chained: dict[int, set[str]] = {}
    digests: dict[int, str] = {}
    for seq, ledger_id, phase, stored in links:
        if seq != expected:
            problems.append(
                f"chain links {expected}..{seq - 1} are missing: the records written between "
                f"record {last_id} and record {ledger_id} were removed"
            )
        expected = seq + 1
        chained.setdefault(ledger_id, set()).add(phase)
        row = rows.get(ledger_id)
        if row is None:
            problems.append(f"record {ledger_id} is missing: it was deleted from the ledger")
        elif digest(previous, ledger_id, phase, row) != stored:
            what = "who, where and what" if phase == "intent" else "outcome or attribution"
            problems.append(
                f"record {ledger_id} was changed after it was written: its {what} no longer "
                f"match its chain link {seq}"
            )
        digests[seq], previous, last_id = stored, stored, ledger_id
    for ledger_id, row in rows.items():
        phases = chained.get(ledger_id, set())
        settled = row.get("completed_at") is not None
        if "intent" not in phases or (settled and "settle" not in phases):
            problems.append(
                f"record {ledger_id} is not in the chain: it was added or settled by hand"
            )
    problems += _against_heads(digests, expected - 1, heads)
    return len(rows), problems


def _against_heads(digests: dict[int, str], count: int, heads: Iterable[Head]) -> list[str]:
    problems = []
    for known in heads:
        where = f" ({known.source})" if known.source else ""
        if known.links > count:
            problems.append(
                f"the chain has {count} links but a head recorded{where} says "
                f"{known.links}: the newest records were removed"
            )
        elif known.links and digests.get(known.links) != known.digest:
            problems.append(
                f"chain link {known.links} does not match the head recorded{where}: the "
                "ledger was rewritten up to there (every digest was recomputed)"
            )
    return problems


def keep_head(log: Path, found: Head, when: str, what: str) -> str | None:
    """Append the head to ``log`` (``engine.log``), outside the database; the problem, if any.

    A log that cannot be written (a planted symlink, a full disk) does not stop the command:
    the summary still carries the head, and the problem is returned for the caller to say.
    """
    from console.redaction import open_private_log

    line = f"{when} {what}: {found.text()}\n"
    try:
        fd = open_private_log(log)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
    except OSError as exc:
        return f"the ledger head could not be kept in {log}: {exc.strerror or exc}"
    return None


def heads_in_log(path: Path) -> list[Head]:
    """Every head ``engine.log`` recorded, each naming its line; none when there is no log."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        match = HEAD_LINE.search(line)
        if match:
            found.append(Head(int(match[1]), match[2], f"{path.name} line {number}"))
    return found


def parse_head(text: str) -> Head:
    """``N:DIGEST`` (as a command's summary prints it) as a head.

    Raises:
        ValueError: not that form.
    """
    links, _, value = text.partition(":")
    if not (links.isdigit() and re.fullmatch(r"[0-9a-f]{64}", value)):
        raise ValueError(f"{text!r} is not a ledger head: give LINKS:SHA256 from a summary")
    return Head(int(links), value, "--head")
