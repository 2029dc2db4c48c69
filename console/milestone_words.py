"""Lab milestones in words and JSON: ``3/5`` with the next one named, and since when a trainee
has been on it. Shared by ``progress``, ``status --json``, ``report`` and the console's column.

A row is anything with ``reached_at``, ``first_checked_at`` and ``detail`` (the store's
``MilestoneRow``); a milestone never checked has no row.
"""

from __future__ import annotations

from console.words import iso


def summary(names: list[str], rows: dict) -> dict:
    """``{"reached", "total", "next", "on_next_since", "items": [...]}`` for one trainee.

    ``on_next_since`` is when the trainee could start on the next milestone: the latest reach
    time so far, else when the checks first looked (the start of the lab for them).
    """
    items, reached_times, first_looks = [], [], []
    for name in names:
        row = rows.get(name)
        at = getattr(row, "reached_at", None)
        if at is not None:
            reached_times.append(at)
        if row is not None:
            first_looks.append(row.first_checked_at)
        items.append(
            {
                "name": name,
                "reached": at is not None,
                "reached_at": iso(at),
                "detail": getattr(row, "detail", None),
            }
        )
    nxt = next((item["name"] for item in items if not item["reached"]), None)
    since = max(reached_times) if reached_times else min(first_looks, default=None)
    return {
        "reached": len(reached_times),
        "total": len(names),
        "next": nxt,
        "on_next_since": iso(since) if nxt and since else None,
        "_since": since if nxt else None,
        "items": items,
    }


def public(found: dict) -> dict:
    """``summary`` without its private fields, for JSON output."""
    return {k: v for k, v in found.items() if not k.startswith("_")}


def cell(found: dict) -> str:
    """``3/5 next: made the bucket`` (``5/5 done``; ``-`` when the course has no milestones)."""
    if not found["total"]:
        return "-"
    if found["next"] is None:
        return f"{found['reached']}/{found['total']} done"
    return f"{found['reached']}/{found['total']} {found['next']}"


def stuck_minutes(found: dict, now: float) -> float | None:
    """How long the trainee has been on the next milestone, in minutes (None when done)."""
    since = found.get("_since")
    return None if since is None else (now - since) / 60.0
