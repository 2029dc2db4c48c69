"""The sandbox's CloudTrail: one JSON line per request the gateway served.

Each record names who called (account, principal ARN, session name, source identity), what
(service, operation, and for AssumeRole the target role), and how it ended (HTTP status, error
code, request id). Records never carry a key id, secret or token: the fields are fixed here.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class TrailRecord:
    """One request, as the trail keeps it."""

    ts: str
    account: str | None
    principal_arn: str | None
    session_name: str | None
    source_identity: str | None
    service: str | None
    operation: str | None
    request_id: str | None
    status: int
    error_code: str | None
    region: str | None = None
    target_role_arn: str | None = None


def now_iso() -> str:
    """The current UTC time as ISO 8601 with milliseconds and ``Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Trail:
    """Appends records to ``path`` (JSON Lines) and keeps them in memory (thread-safe)."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._records: list[dict] = []
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")

    def record(self, record: TrailRecord) -> None:
        """Keep ``record`` and append it to the file."""
        data = {k: v for k, v in asdict(record).items() if v is not None or k != "target_role_arn"}
        line = json.dumps(data, separators=(",", ":"))
        with self._lock:
            self._records.append(data)
            if not self._file.closed:
                self._file.write(line + "\n")
                self._file.flush()

    def records(self) -> list[dict]:
        """A copy of every record so far, oldest first."""
        with self._lock:
            return [dict(r) for r in self._records]

    def clear(self) -> None:
        """Forget the records and empty the file."""
        with self._lock:
            self._records.clear()
            if not self._file.closed:
                self._file.seek(0)
                self._file.truncate()

    def close(self) -> None:
        """Close the file (records stay readable in memory)."""
        with self._lock:
            self._file.close()
