"""The trainee table: one row per trainee, updated cell by cell as the store changes.

Built for a thousand rows over a slow SSH or SSM link: a change touches only the cells that
differ (``update_cell`` without ``update_width``), and the rows are rebuilt only when the set or
order of visible rows changes (filter, failures only, a failure pinned to the top) or when a
resize makes columns give way. Columns give way in a fixed order so that the trainee, its
state, its step and the acting principal always stay (docs/architecture.md, "Working in a terminal over SSM Session Manager").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from rich.text import Text
from textual import events, on
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

from console.model import TraineeState, TraineeStatus
from widgets.datatable_cache import RowCachedTable
from widgets.trainee_look import (
    elapsed_of,
    principal_text,
    progress_text,
    short_error,
    state_cell_text,
)
from widgets.trainee_order import matcher, sort_key

ATTENTION = (TraineeState.FAILED, TraineeState.CANCELLED)
CELL_PADDING = 2  # DataTable's cell_padding of 1 on each side
SCROLLBAR = 2


@dataclass(frozen=True)
class ColumnSpec:
    """A column: its key, header, width when shown, and when it gives way (0 stays longest)."""

    key: str
    label: str
    width: int
    priority: int
    grows_to: int = 0  # a column that takes spare width, up to this many cells
    floor: int = 0  # the narrowest it may be to fit at all (0: its width)


# In display order. Priorities 0-3 never give way; the others go from the highest number down.
# Elapsed before the error: at 80 columns both fit, the error shortened (enter shows it whole).
COLUMNS = (
    ColumnSpec("name", "Trainee", 8, 0),
    ColumnSpec("account", "Account", 12, 7),
    ColumnSpec("state", "State", 14, 1),
    ColumnSpec("step", "Steps built", 13, 2),
    ColumnSpec("action", "Last action", 14, 6, grows_to=30),
    ColumnSpec("principal", "Acting", 24, 3),
    ColumnSpec("elapsed", "Elapsed", 7, 4),
    ColumnSpec("error", "Error", 24, 5, grows_to=70, floor=14),
)
# Lab milestones (``3/5 made the bucket``), shown only when the course has ``[[check]]`` tables.
MILESTONE = ColumnSpec("milestone", "Lab", 16, 4, grows_to=24, floor=6)
KEPT = 3
FIRST_ROWS = 100  # more than a screenful, so the first frame is complete
MORE_ROWS = 300
NEXT_ROWS_AFTER = 0.02  # seconds: long enough for the frame with the first rows to be drawn


def needs_attention(status: TraineeStatus) -> bool:
    """Failed or cancelled: what ``f`` shows and what pinning puts on top."""
    return status.state in ATTENTION


def choose_columns(
    width: int, name_width: int, principal_width: int, columns: tuple[ColumnSpec, ...] = COLUMNS
) -> list[tuple[str, int]]:
    """The columns (of ``columns``) that fit in ``width`` cells, in display order, as
    ``(key, width)``.

    The kept columns are always there (the principal shrinks first when even they do not fit);
    the others join by priority while they fit, then the growing ones share what is left.
    """
    natural = {spec.key: spec.width for spec in columns}
    natural["name"] = max(natural["name"], name_width)
    natural["principal"] = principal_width
    budget = (
        width
        - SCROLLBAR
        - sum(natural[s.key] + CELL_PADDING for s in columns if s.priority <= KEPT)
    )
    if budget < 0:
        natural["principal"] = max(12, natural["principal"] + budget)
        budget = 0
    chosen = {spec.key for spec in columns if spec.priority <= KEPT}
    for spec in sorted((s for s in columns if s.priority > KEPT), key=lambda s: s.priority):
        if natural[spec.key] + CELL_PADDING > budget >= spec.floor + CELL_PADDING > CELL_PADDING:
            natural[spec.key] = budget - CELL_PADDING  # narrower, rather than not at all
        if natural[spec.key] + CELL_PADDING <= budget:
            chosen.add(spec.key)
            budget -= natural[spec.key] + CELL_PADDING
    for spec in sorted(columns, key=lambda s: s.priority):
        if spec.key in chosen and spec.grows_to:
            extra = min(budget, spec.grows_to - natural[spec.key])
            natural[spec.key] += extra
            budget -= extra
    return [(spec.key, natural[spec.key]) for spec in columns if spec.key in chosen]


class TraineeTable(RowCachedTable):
    """The trainees of a course, with marks, a filter, failures only and failures pinned."""

    DEFAULT_CSS = """
    TraineeTable { height: 4fr; }
    """

    # Rows, not columns, are what a thousand trainees need to jump across; ctrl+home/end may
    # not reach the host over Session Manager, so home/end and g/G move the cursor too.
    BINDINGS = [
        Binding("home,g", "scroll_top", "First", show=False),
        Binding("end,G", "scroll_bottom", "Last", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    class TraineeHighlighted(Message):
        """The cursor moved to a trainee (``name`` is None when the table is empty)."""

        def __init__(self, name: str | None) -> None:
            super().__init__()
            self.name = name

    class TraineeSelected(Message):
        """The operator chose a trainee (enter) to see its detail."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        principal_width: int = 32,
        role_name: str = "",
        course_name: str = "",
        milestones: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, cursor_type="row")
        at = next(i for i, spec in enumerate(COLUMNS) if spec.key == "step") + 1
        self._columns = COLUMNS[:at] + (MILESTONE,) + COLUMNS[at:] if milestones else COLUMNS
        self._milestones: dict[str, str] = {}
        #: When each trainee could start on its next milestone (None when all are reached).
        self._next_since: dict[str, tuple[float | None, str]] = {}
        self._clock = clock
        self._principal_width = principal_width
        # The course's own sessions are shown by their operator (what differs between rows).
        self._session_parts = (role_name, course_name)
        self._statuses: dict[str, TraineeStatus] = {}
        self._cells: dict[str, dict[str, Text]] = {}
        self._visible: list[str] = []
        self._layout: list[tuple[str, int]] = []
        self._generation = 0
        self._stale: set[str] = set()
        self.marked: set[str] = set()
        self.filter_text = ""
        self.failures_only = False
        self.pin_failures = False
        self.sort_by = "name"  # not `sort`: that is DataTable's own method
        self._keeps = matcher("")

    # -- what the screen asks ----------------------------------------------------------------

    @property
    def selected_name(self) -> str | None:
        """The trainee under the cursor, or None when no row is shown."""
        if not self._visible or not 0 <= self.cursor_row < len(self._visible):
            return None
        return self._visible[self.cursor_row]

    @property
    def rows_pending(self) -> int:
        """Visible rows not added to the table yet (they follow the first ones in chunks)."""
        return len(self._visible) - len(self._cells)

    @property
    def visible_names(self) -> list[str]:
        return list(self._visible)

    def status(self, name: str) -> TraineeStatus | None:
        return self._statuses.get(name)

    def statuses(self) -> list[TraineeStatus]:
        return list(self._statuses.values())

    def show_trainees(self, statuses: Iterable[TraineeStatus], *, replace: bool = False) -> None:
        """Take the latest rows: repaint changed cells, rebuild only when order or set changes.

        Args:
            statuses: changed trainees (or every trainee when ``replace``).
            replace: the roster itself changed; forget trainees not given.
        """
        statuses = list(statuses)
        before = dict(self._statuses)
        if replace:
            self._statuses = {}
        for status in statuses:
            self._statuses[status.name] = status
        if replace or self._order_changed(statuses, before):
            self.rebuild()
            return
        self._stale.update(status.name for status in statuses if status.name in self._cells)
        self._flush_stale()

    def tick(self) -> None:
        """Advance the elapsed column of the trainees being worked on (once a second)."""
        if "elapsed" in dict(self._layout):
            self._stale.update(name for name in self._cells if self._statuses[name].state.is_active)
        self._flush_stale()

    def _flush_stale(self) -> None:
        """Repaint the changed rows that are on screen; the others wait until they are.

        Any ``update_cell`` makes DataTable render every visible row again, so a change to a
        row nobody sees (most of a thousand) would cost a whole table's rendering.
        """
        if not self._stale:
            return
        top = int(self.scroll_y)
        bottom = top + self.scrollable_content_region.height + 2
        # By the rows on screen, not by the stale ones: thousands may be stale during a build,
        # and each cursor move that scrolls asks.
        for name in self._visible[max(0, top - 2) : bottom]:
            if name in self._stale:
                self._stale.discard(name)
                if name in self._cells:
                    self._repaint(name)

    def show_milestones(
        self, cells: dict[str, str], next_since: dict[str, tuple[float | None, str]] | None = None
    ) -> None:
        """Take each trainee's lab milestone cell (``3/5 made the bucket``) and, for the
        ``stuck>N`` filter, since when it could start on its next milestone and that
        milestone's name; repaint changes."""
        changed = {n for n, text in cells.items() if self._milestones.get(n) != text}
        self._milestones.update(cells)
        self._next_since.update(next_since or {})
        self._stale.update(changed & set(self._cells))
        self._flush_stale()
        if "stuck>" in self.filter_text.lower():
            self.set_view()  # minutes on the next milestone came with the new round

    def toggle_mark(self, name: str) -> None:
        """Mark or unmark a trainee for ``r`` (retry) and ``t`` (teardown)."""
        self.marked ^= {name}
        if name in self._cells:
            self._repaint(name, only=("name",))

    def clear_marks(self) -> None:
        names, self.marked = self.marked, set()
        for name in names & set(self._cells):
            self._repaint(name, only=("name",))

    def set_view(
        self,
        *,
        filter_text: str | None = None,
        failures_only: bool | None = None,
        pin_failures: bool | None = None,
        sort: str | None = None,
        keep: str | None = None,
    ) -> None:
        """Change what is shown and in which order; rebuilds the rows, the cursor staying on
        its trainee (or on ``keep`` when given and still shown)."""
        if filter_text is not None:
            self.filter_text = filter_text
            self._keeps = matcher(filter_text)
        if sort is not None:
            self.sort_by = sort
        if failures_only is not None:
            self.failures_only = failures_only
        if pin_failures is not None:
            self.pin_failures = pin_failures
        self.rebuild(keep)

    # -- building ----------------------------------------------------------------------------

    def rebuild(self, keep: str | None = None) -> None:
        """Lay out the columns for the current width and add the visible rows in order."""
        if keep is None or keep not in self._statuses:
            keep = self.selected_name
        layout = self._choose_layout()
        if layout != self._layout:
            self.clear(columns=True)
            for key, width in layout:
                label = next(spec.label for spec in self._columns if spec.key == key)
                self.add_column(label, width=width, key=key)
            self._layout = layout
        else:
            self.clear()
        self._visible = self._ordered_visible()
        self._cells = {}
        self._stale = set()
        self._generation += 1
        self._add_rows(0, FIRST_ROWS, keep, self._generation)
        self.post_message(self.TraineeHighlighted(self.selected_name))

    def _add_rows(self, start: int, count: int, keep: str | None, generation: int) -> None:
        """Add visible rows ``start`` to ``start + count``, then the rest after the next frame.

        DataTable measures every cell it is given (about 0.2 ms a row), so a thousand rows at
        once would hold the first frame (and each filter keystroke) for a fifth of a second.
        """
        if generation != self._generation:
            return  # a newer rebuild has replaced these rows
        keys = [key for key, _ in self._layout]
        for name in self._visible[start : start + count]:
            cells = self._cells[name] = self._render_row(self._statuses[name])
            self.add_row(*(cells[key] for key in keys), key=name)
        if keep in self._cells and start <= self._visible.index(keep) < start + count:
            self.move_cursor(row=self._visible.index(keep), animate=False)
        if start + count < len(self._visible):
            # A timer, not call_after_refresh: an idle screen may not refresh for a long time.
            self.set_timer(
                NEXT_ROWS_AFTER, partial(self._add_rows, start + count, MORE_ROWS, keep, generation)
            )

    def action_scroll_bottom(self) -> None:
        """To the last trainee, even while the rows are still being added."""
        added = len(self._cells)
        if added < len(self._visible):
            self._generation += 1  # the pending chunks stand down: the rest is added now
            self._add_rows(added, len(self._visible) - added, None, self._generation)
        super().action_scroll_bottom()

    def _choose_layout(self) -> list[tuple[str, int]]:
        name_width = max((len(name) for name in self._statuses), default=6) + 2
        return choose_columns(
            self.size.width or 80, name_width, self._principal_width, self._columns
        )

    def _kept(self, status: TraineeStatus, now: float) -> bool:
        """Whether the filter keeps ``status``'s row (``stuck>N`` reads its next milestone)."""
        since, milestone = self._next_since.get(status.name, (None, ""))
        stuck = None if since is None else (now - since) / 60.0
        return self._keeps(_haystack(status), stuck, milestone)

    def _ordered_visible(self) -> list[str]:
        now = self._clock()
        names = []
        for status in sorted(self._statuses.values(), key=lambda s: sort_key(self.sort_by, s, now)):
            if self.failures_only and not needs_attention(status):
                continue
            if not self._kept(status, now):
                continue
            names.append(status.name)
        if self.pin_failures:
            names.sort(key=lambda name: not needs_attention(self._statuses[name]))
        return names

    def _order_changed(
        self, statuses: list[TraineeStatus], before: dict[str, TraineeStatus]
    ) -> bool:
        """True when a change adds, removes or moves a visible row."""
        now = self._clock()
        for status in statuses:
            old = before.get(status.name)
            if old is None:
                return True
            flipped = needs_attention(status) != needs_attention(old)
            if flipped and (self.failures_only or self.pin_failures):
                return True
            if self.filter_text and (status.name in self._cells) != self._kept(status, now):
                return True
            if self.sort_by != "name" and sort_key(self.sort_by, status, now) != sort_key(
                self.sort_by, old, now
            ):
                return True
        return False

    def _render_row(self, status: TraineeStatus) -> dict[str, Text]:
        mark = ("● ", "bold yellow") if status.name in self.marked else "  "
        return {
            "name": Text.assemble(mark, (status.name, "bold")),
            "account": Text(status.account),
            "state": state_cell_text(status),
            "step": progress_text(status),
            "action": Text(
                status.last_action or "", style="italic" if status.state.is_active else ""
            ),
            "principal": principal_text(status.principal_arn, *self._session_parts),
            "elapsed": Text(elapsed_of(status, self._clock())),
            "error": short_error(status),
            "milestone": Text(self._milestones.get(status.name, "")),
        }

    def _repaint(self, name: str, only: tuple[str, ...] | None = None) -> None:
        cells = self._render_row(self._statuses[name])
        shown = self._cells[name]
        for key, _ in self._layout:
            if (only is None or key in only) and cells[key] != shown.get(key):
                self.update_cell(name, key, cells[key])
                shown[key] = cells[key]

    # -- events ------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        if self._statuses and self._choose_layout() != self._layout:
            self.rebuild()

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        """DataTable's, then the rows the move scrolled into view brought up to date before
        they are first drawn (not a frame later, which drew them twice)."""
        super().watch_cursor_coordinate(old, new)
        if self.row_count == len(self._cells):  # not while ``rebuild`` clears the rows
            self._flush_stale()

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.call_after_refresh(self._flush_stale)  # a scroll that waited for the rows' sizes
        self.post_message(self.TraineeHighlighted(self.selected_name))

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.selected_name:
            self.post_message(self.TraineeSelected(self.selected_name))


def _haystack(status: TraineeStatus) -> str:
    """The words a filter matches against: what the row shows of name, account and state.

    Not the error or the last action: "al" would match every row by "all steps done".
    """
    return " ".join((status.name, status.account, status.state.value)).lower()
