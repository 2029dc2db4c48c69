"""Every use of Textual's private names, behind one door: DataTable's render caches, the
screen's text and the toasts on screen.

DataTable's ``update_cell`` bumps one update counter that is part of every cached cell, row and
line, so one changed cell made every visible row render again through Rich: measured with
py-spy during a 1,000-trainee build, that was most of the console's time, and the reason a
keypress waited up to 140 ms behind a repaint. :class:`RowCachedTable` stores the cell, drops
only the changed row's cache entries (in ``render_lines``, once per frame) and repaints only
its line; the rest stay warm.

``PRIVATE_NAMES`` lists the Textual internals this relies on (the DataTable's, and the
compositor call ``screen_text`` shares with ``App.export_screenshot``). ``pyproject.toml`` bounds
Textual to the minor version they were checked against, ``tests/unit/test_sdk_compat.py``
fails naming the patch when one is gone, and the UI tests and snapshots pin the behaviour.
Nothing else under ``widgets/`` or ``console/`` touches a Textual private name
(``tests/unit/test_private_doors.py``).
"""

from __future__ import annotations

from collections.abc import Collection, KeysView
from typing import Any, Protocol

from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey

PRIVATE_NAMES: dict[str, tuple[str, ...]] = {
    "RowCachedTable.update_cell: store a cell without the table-wide cache flush": (
        "textual.widgets:DataTable._row_locations",
        "textual.widgets:DataTable._column_locations",
        "textual.widgets:DataTable._data",
    ),
    "RowCachedTable.render_lines: drop only the changed rows' cached renders": (
        "textual.widgets:DataTable._row_locations",
        "textual.widgets:DataTable._cell_render_cache",
        "textual.widgets:DataTable._row_render_cache",
        "textual.widgets:DataTable._row_renderable_cache",
        "textual.widgets:DataTable._line_cache",
    ),
    "screen_text: the screen as the terminal shows it, every screen, modals over the others": (
        "textual.screen:Screen._compositor",
        "textual.app:App._background_screens",
    ),
    "shown_notifications, dismiss_toast: toasts kept off the trainee table": (
        "textual.app:App._notifications",
        "textual.app:App._unnotify",
        "textual.widgets:_toast",
        "textual.widgets._toast:ToastRack._toast_id",
    ),
}


def shown_notifications(app) -> list:
    """The notifications on screen, oldest first (Textual keeps no public list of them)."""
    return list(app._notifications)


def dismiss_toast(app, notification) -> None:
    """Take a toast off the screen as its own timer does: forget the notification and remove
    its holder (Textual's rack, dropping a forgotten toast itself, leaves its holder behind:
    an empty row that pushes the next toasts down)."""
    from textual.css.query import NoMatches
    from textual.widgets._toast import ToastRack

    app._unnotify(notification, refresh=False)
    try:
        rack = app.screen.get_child_by_type(ToastRack)
        rack.get_child_by_id(ToastRack._toast_id(notification)).remove()
    except NoMatches:
        pass  # not on screen yet: forgetting it is enough


def screen_text(app) -> str:
    """The screen as plain text, as the terminal shows it (what ``export_screenshot`` renders
    as SVG, through the same compositor call, without colours)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, color_system=None
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"


class RowCachedTable(DataTable):
    """A DataTable whose ``update_cell`` (without ``update_width``) repaints one row only."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._dirty_rows: set[RowKey] = set()

    def update_cell(self, row_key, column_key, value, *, update_width: bool = False) -> None:
        """DataTable's ``update_cell`` without its table-wide cache flush."""
        if update_width:
            super().update_cell(row_key, column_key, value, update_width=True)
            return
        row_key = RowKey(row_key) if isinstance(row_key, str) else row_key
        column_key = ColumnKey(column_key) if isinstance(column_key, str) else column_key
        row_index = self._row_locations.get(row_key)
        if row_index is None or column_key not in self._column_locations:
            raise CellDoesNotExist(
                f"No cell exists for row_key={row_key!r}, column_key={column_key!r}."
            )
        self._data[row_key][column_key] = value
        self._dirty_rows.add(row_key)
        self.refresh_row(row_index)  # that line, not the whole table

    def render_lines(self, crop) -> list[Strip]:
        self._forget_dirty_rows()
        return super().render_lines(crop)

    def _forget_dirty_rows(self) -> None:
        """Drop the cached renders of the rows whose cells changed since the last frame."""
        if not self._dirty_rows:
            return
        dirty, self._dirty_rows = self._dirty_rows, set()
        indexes = {self._row_locations.get(key) for key in dirty}
        _discard(self._cell_render_cache, 0, dirty)
        _discard(self._row_render_cache, 0, dirty)
        _discard(self._row_renderable_cache, 1, indexes)
        self._line_cache.clear()  # by screen line; rebuilt cheaply from the row caches


class _Cache(Protocol):
    """What :func:`_discard` uses of Textual's LRU caches (each keyed by its own tuple)."""

    def keys(self) -> KeysView[Any]: ...

    def discard(self, key: Any, /) -> None: ...


def _discard(cache: _Cache, position: int, wanted: Collection[object]) -> None:
    """Drop the entries of ``cache`` whose key holds one of ``wanted`` at ``position``."""
    for key in [k for k in cache.keys() if k[position] in wanted]:  # noqa: SIM118 - LRUCache has no __iter__
        cache.discard(key)
