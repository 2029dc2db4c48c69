"""Where toasts may go: over the identity panel, never down onto the trainee table.

The toasts stack at the top right (app.tcss), each below the last. The identity panel is what
they may cover (the operator knows who they are); the trainee table below it is not, above
all its Error column, which says why a trainee failed. Textual's rack would grow down over the
table as toasts pile up, so when a new toast would make the stack reach the table, the oldest
go (each was read, or said what the screen shows by now).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from textual.notifications import Notification

TOAST_WIDTH = 50  # Toast's max-width in app.tcss
TOAST_FRAME = 3  # its padding (1 each side) and its coloured left border
TOAST_GAP = 1  # Textual's Toast has margin-top 1
RACK_TOP = 1  # the rack's margin-top in app.tcss: under the context line


def toast_height(notification: Notification, screen_width: int) -> int:
    """Rows a toast takes on screen, its gap above included: the title's line, then its
    message wrapped at the toast's inner width as Textual wraps it, at word boundaries."""
    width = max(1, min(TOAST_WIDTH, screen_width) - TOAST_FRAME)
    lines = sum(
        len(textwrap.wrap(part, width, break_long_words=True) or [""])
        for part in notification.message.split("\n")
    )
    return TOAST_GAP + (1 if notification.title else 0) + lines


def crowded(shown: Sequence[Notification], room: int, screen_width: int) -> list[Notification]:
    """The oldest of ``shown`` (oldest first) that must go for the rest to fit in ``room``
    rows; the newest always stays, even alone too tall."""
    used, keep = 0, 0
    for notification in reversed(shown):
        used += toast_height(notification, screen_width)
        if keep and used > room:
            break
        keep += 1
    return list(shown[: len(shown) - keep])


def room_above_table(screen) -> int | None:
    """Rows from the rack's top to the identity panel's bottom (where the trainee table
    begins); None on a screen without the panel, where toasts go as Textual puts them."""
    from textual.css.query import NoMatches

    from widgets.identity_panel import IdentityPanel

    try:
        panel = screen.query_one(IdentityPanel)
    except NoMatches:
        return None
    return max(0, panel.region.bottom - RACK_TOP)


def dismiss(app, notification: Notification) -> None:
    """Take a toast off the screen (through the one door to Textual's private names)."""
    from widgets.datatable_cache import dismiss_toast

    dismiss_toast(app, notification)
