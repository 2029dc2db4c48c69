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
from dataclasses import dataclass, replace
from itertools import chain
from typing import Any, Protocol, cast

from rich.style import Style
from textual._segment_tools import line_crop
from textual.coordinate import Coordinate
from textual.geometry import Region
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
        "textual.widgets:DataTable._render_cell",
        "textual.widgets:DataTable._update_count",
        "textual.widgets:DataTable._row_locations",
        "textual.widgets:DataTable._cell_render_cache",
        "textual.widgets:DataTable._row_render_cache",
        "textual.widgets:DataTable._row_renderable_cache",
        "textual.widgets:DataTable._line_cache",
    ),
    "RowCachedTable._render_line: a row cursor's lines cached by row, not by screen line": (
        "textual.widgets:DataTable._render_line",
        "textual.widgets:DataTable._get_offsets",
        "textual.widgets:DataTable._row_locations",
        "textual.widgets:DataTable._render_line_in_row",
        "textual.widgets:DataTable._show_hover_cursor",
        "textual.widgets:DataTable._update_count",
        "textual.widgets:DataTable._pseudo_class_state",
        "textual.widgets:DataTable._line_cache",
        "textual:_segment_tools",
        "textual._segment_tools:line_crop",
    ),
    "RowCachedTable._get_row_region, _get_cell_region: a row's place without an O(n) sum": (
        "textual.widgets:DataTable._get_row_region",
        "textual.widgets:DataTable._get_cell_region",
        "textual.widgets:DataTable._y_offsets",
        "textual.widgets:DataTable._row_locations",
        "textual.widgets:DataTable._row_label_column_width",
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
        self._dirty_cells: set[tuple[RowKey, ColumnKey]] = set()
        self._drawn_rows: set[RowKey] = set()  # rows whose renders may be in the caches
        self._lines_by_screen = False  # DataTable's own line cache entries may be there
        self._frame: _Frame | None = None  # while render_lines runs

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
        self._dirty_cells.add((row_key, column_key))
        self.refresh_row(row_index)  # that line, not the whole table

    def render_lines(self, crop) -> list[Strip]:
        self._forget_dirty_rows()
        if self.cursor_type != "row":
            return super().render_lines(crop)
        self._frame = self._frame_now()
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def render_line(self, y: int) -> Strip:
        """DataTable's, with what every line of a frame asks (the widget's style, its size and
        scroll offset) read once per frame: ``rich_style`` alone walks the widget's
        ancestors, and was a fifth of a scrolled table's render."""
        frame = self._frame
        if frame is None:
            return super().render_line(y)
        if y >= frame.fixed_height:
            y += frame.scroll_y
        return self._render_line(y, frame.scroll_x, frame.scroll_x + frame.width, frame.style)

    def _frame_now(self) -> _Frame:
        """What every line of this frame is rendered with."""
        fixed = sum(row.height for row in self.ordered_rows[: self.fixed_rows])
        scroll_x, scroll_y = self.scroll_offset
        return _Frame(
            style=self.rich_style,
            width=self.size.width,
            scroll_x=scroll_x,
            scroll_y=scroll_y,
            fixed_height=fixed + (self.header_height if self.show_header else 0),
            cursor_row=self.cursor_coordinate.row,
            hover_row=self.hover_coordinate.row,
            keyed=(
                self.show_cursor,
                self._show_hover_cursor,
                self._update_count,
                self.get_pseudo_class_state(),
            ),
        )

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        """DataTable's line of the table, cached by its row instead of by where it is on the
        screen and where the cursor is, for a row cursor.

        DataTable keys each cached line by its ``y`` and the cursor's coordinate, and each
        row's cached render by the cursor's coordinate: a cursor move, and above all a move
        that scrolls the table by a row, rendered every visible row again through Rich
        (measured: about 20 ms of a keypress at 120x40 with 5,000 rows). What a row's line
        looks like depends only on whether the cursor (and the mouse) is on that row, so that
        is all the key says, and the rows the cursor neither leaves nor reaches stay cached
        however the table scrolls.
        """
        if self.cursor_type != "row":
            self._lines_by_screen = True
            return super()._render_line(y, x1, x2, base_style)
        frame = self._frame or self._frame_now()
        try:
            row_key, line_no = self._get_offsets(y)
        except LookupError:
            return Strip.blank(frame.width, base_style)
        return self._row_line(row_key, line_no, x1, x2, base_style, frame)

    def _row_line(
        self, row_key: RowKey, line_no: int, x1: int, x2: int, base_style: Style, frame: _Frame
    ) -> Strip:
        """Line ``line_no`` of the row ``row_key`` (columns ``x1`` to ``x2``) in ``frame``."""
        width = frame.width
        index = self._row_locations.get(row_key)
        index = -1 if index is None else index  # the header's row, as DataTable numbers it
        cursor, hover = frame.cursor_row == index, frame.hover_row == index
        key = (_BY_ROW, row_key, line_no, x1, x2, width, cursor, hover, base_style, *frame.keyed)
        lines: Any = self._line_cache  # DataTable's, which these keys by row share
        if key in lines:
            return lines[key]
        here, elsewhere = Coordinate(index, 0), Coordinate(_NO_ROW, 0)
        fixed, scrollable = self._render_line_in_row(
            row_key,
            line_no,
            base_style,
            cursor_location=here if cursor else elsewhere,
            hover_location=here if hover else elsewhere,
        )
        fixed_width = sum(
            column.get_render_width(self) for column in self.ordered_columns[: self.fixed_columns]
        )
        segments = list(chain.from_iterable(fixed)) + line_crop(
            list(chain.from_iterable(scrollable)), x1 + fixed_width, x2, width
        )
        strip = Strip(segments).adjust_cell_length(width, base_style).simplify()
        lines[key] = strip
        return strip

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        if old != new and self.cursor_type == "row":
            self.call_after_refresh(self._warm_next_moves)

    def _warm_next_moves(self) -> None:
        """Render, between keys, what the next cursor move up or down draws anew: the row
        under the cursor without it, the rows above and below with it.

        Each of those is a row rendered through Rich, cell by cell, in the key's own frame
        otherwise (the larger part of a keypress that scrolls the table, measured at 120x40
        with 5,000 rows); done after the frame, the next key finds them all cached.
        """
        if not self.is_attached or self.cursor_type != "row":
            return
        self._forget_dirty_rows()
        frame = self._frame_now()
        row = frame.cursor_row
        x1, x2 = frame.scroll_x, frame.scroll_x + frame.width
        for index, cursor_row in ((row, row + 1), (row - 1, row - 1), (row + 1, row + 1)):
            if self.is_valid_row_index(index):
                key = self._key_of(index)
                moved = replace(frame, cursor_row=cursor_row)
                for line_no in range(self.rows[key].height):
                    self._row_line(key, line_no, x1, x2, frame.style, moved)

    def _get_row_region(self, row_index: int) -> Region:
        """DataTable's, without summing the height of every row above (see :meth:`_row_top`)."""
        top = self._row_top(row_index)
        if top is None:
            return super()._get_row_region(row_index)
        row = self.rows[self._key_of(row_index)]
        width = sum(column.get_render_width(self) for column in self.columns.values())
        width = max(self.size.width, width + self._row_label_column_width)
        return Region(0, top, width, row.height)

    def _get_cell_region(self, coordinate: Coordinate) -> Region:
        """DataTable's, without summing the height of every row above (see :meth:`_row_top`)."""
        row_index, column_index = coordinate
        top = self._row_top(row_index) if self.is_valid_coordinate(coordinate) else None
        if top is None:
            return super()._get_cell_region(coordinate)
        row = self.rows[self._key_of(row_index)]
        x = self._row_label_column_width + sum(
            column.get_render_width(self) for column in self.ordered_columns[:column_index]
        )
        width = self.ordered_columns[column_index].get_render_width(self)
        return Region(x, top, width, row.height)

    def _row_top(self, row_index: int) -> int | None:
        """Where the row at ``row_index`` starts (below the header), or None to let DataTable
        sum the heights of the rows above it.

        DataTable sums the height of every row above to place one, at each cursor move three
        times (the rows the cursor leaves and reaches, and scrolling to it): 5,000 rows deep
        that was about 2 ms of a keypress. Its cached list of screen lines (one entry per
        line, the row's key and the line within the row) says it at once: a row whose first
        line is at index ``i`` of that list starts at ``i``, whatever the heights of the rows
        above. Checked at the row's own index, which is right whenever every row above is one
        line high; otherwise DataTable sums, as before.
        """
        if not self.is_valid_row_index(row_index):
            return None
        offsets = self._y_offsets  # built once per change of the rows, as rendering uses it
        key = self._row_locations.get_key(row_index)
        if row_index >= len(offsets) or offsets[row_index] != (key, 0):
            return None
        return row_index + (self.header_height if self.show_header else 0)

    def _key_of(self, row_index: int) -> RowKey:
        """The key of the row at ``row_index`` (a valid one)."""
        return cast(RowKey, self._row_locations.get_key(row_index))

    def _render_cell(self, row_index: int, column_index: int, *args, **kwargs):
        """DataTable's, noting the row: only a row drawn since it last changed has renders in
        the caches that :meth:`_forget_dirty_rows` must look through."""
        if row_index >= 0:
            self._drawn_rows.add(self._key_of(row_index))
        return super()._render_cell(row_index, column_index, *args, **kwargs)

    def _forget_dirty_rows(self) -> None:
        """Drop the cached renders of the cells that changed since the last frame, and of
        their rows' lines (put together again from the cells' cached renders).

        The caches hold thousands of entries, looked through only for changed rows that were
        drawn: a row that changed off screen and is scrolled into view (each cursor move,
        during a build) has nothing cached but its renderables, dropped by their exact key.
        """
        if not self._dirty_rows:
            return
        dirty, self._dirty_rows = self._dirty_rows, set()
        cells, self._dirty_cells = self._dirty_cells, set()
        for row_key in dirty:
            index = self._row_locations.get(row_key)
            if index is not None:
                self._row_renderable_cache.discard((self._update_count, index))
        drawn = dirty & self._drawn_rows
        if self._lines_by_screen:  # DataTable's own lines, by screen line: all go
            self._lines_by_screen = False
            self._line_cache.clear()
        if not drawn:
            return
        rendered = self._cell_render_cache
        for cell in [k for k in rendered.keys() if (k[0], k[1]) in cells]:  # noqa: SIM118
            rendered.discard(cell)
        _discard(self._row_render_cache, 0, drawn)
        lines: Any = self._line_cache
        for line in [k for k in lines.keys() if k[0] is _BY_ROW and k[1] in drawn]:  # noqa: SIM118
            lines.discard(line)


@dataclass(frozen=True, slots=True)
class _Frame:
    """What each line of one frame of a row-cursor table is rendered with."""

    style: Style
    width: int
    scroll_x: int
    scroll_y: int
    fixed_height: int  # the header and the fixed rows, which do not scroll
    cursor_row: int
    hover_row: int
    #: The cursor shown, the hover cursor shown, DataTable's update count and pseudo-class
    #: state: the rest of what DataTable keys its cached lines by.
    keyed: tuple


#: Marks the line cache's keys that are by row (DataTable's own start with a screen line).
_BY_ROW = object()
#: A row index no row has (the header's is -1): "the cursor is on another row".
_NO_ROW = -2


class _Cache(Protocol):
    """What :func:`_discard` uses of Textual's LRU caches (each keyed by its own tuple)."""

    def keys(self) -> KeysView[Any]: ...

    def discard(self, key: Any, /) -> None: ...


def _discard(cache: _Cache, position: int, wanted: Collection[object]) -> None:
    """Drop the entries of ``cache`` whose key holds one of ``wanted`` at ``position``."""
    for key in [k for k in cache.keys() if k[position] in wanted]:  # noqa: SIM118 - LRUCache has no __iter__
        cache.discard(key)
