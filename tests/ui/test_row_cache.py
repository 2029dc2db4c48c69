"""RowCachedTable draws exactly what Textual's DataTable draws, with less work.

A plain DataTable and a RowCachedTable, given the same rows, are driven side by side through
what the console does to its table (cursor moves that scroll, a jump to the end, cells
changed on and off screen, a sort, a row removed, rows of other heights) and every line
each draws is compared, styles and all. Its own arithmetic (where a row is, which renders
stay cached) is checked against DataTable's.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import DataTable

from widgets.datatable_cache import RowCachedTable

ROWS = 40
SIZE = (60, 14)


class Pair(App):
    """The two tables, one above the other, the same size; neither focused (both look alike)."""

    CSS = "DataTable { height: 6; }"
    AUTO_FOCUS = None

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row", id="plain")
        yield RowCachedTable(cursor_type="row", id="cached")

    def on_mount(self) -> None:
        for table in self.tables():
            table.add_column("name", key="name")
            table.add_column("state", key="state")
            table.add_column("note", key="note")
            for i in range(ROWS):
                state = Text("READY" if i % 3 else "FAILED", style="bold red" if i % 3 else "")
                table.add_row(f"t-{i:02d}", state, Text(f"note {i}", style="italic"), key=f"t{i}")

    def tables(self) -> tuple[DataTable, RowCachedTable]:
        return self.query_one("#plain", DataTable), self.query_one("#cached", RowCachedTable)


def lines(table: DataTable) -> list[list]:
    return [list(strip) for strip in table.render_lines(Region(0, 0, *table.size))]


async def same(pilot) -> None:
    await pilot.pause()
    plain, cached = pilot.app.tables()
    assert cached.cursor_row == plain.cursor_row and cached.scroll_y == plain.scroll_y
    assert lines(cached) == lines(plain)
    for index in range(cached.row_count):
        assert cached._get_row_region(index) == DataTable._get_row_region(cached, index)
    for column in range(len(cached.columns)):
        cell = (cached.cursor_row, column)
        assert cached._get_cell_region(cell) == DataTable._get_cell_region(cached, cell)


async def test_a_row_cached_table_draws_what_a_datatable_draws(monkeypatch):
    app = Pair()
    async with app.run_test(size=SIZE) as pilot:
        plain, cached = app.tables()
        both = (plain, cached)
        await same(pilot)
        for table in both:
            table.action_scroll_bottom()
        await same(pilot)
        for _ in range(8):  # up from the last row: the last presses scroll the table by one
            for table in both:
                table.action_cursor_up()
            await same(pilot)
        # The next move finds the rows it draws anew rendered between the keys (after the
        # last key's frame): its own frame renders no cell.
        await pilot.pause()
        rendered: list[int] = []
        render_cell = cached._render_cell

        def counting(row, *args, **kwargs):
            rendered.append(row)
            return render_cell(row, *args, **kwargs)

        monkeypatch.setattr(cached, "_render_cell", counting)
        for table in both:
            table.action_cursor_up()
        lines(cached)  # the key's frame
        monkeypatch.undo()
        assert not [row for row in rendered if row >= 0], rendered
        await same(pilot)
        # A cell on screen and one off screen change, then the off-screen one is reached.
        for table in both:
            table.update_cell("t33", "note", Text("changed on screen", style="bold"))
            table.update_cell("t2", "state", Text("RUNNING", style="cyan"))
        await same(pilot)
        for table in both:
            table.move_cursor(row=2)
        await same(pilot)
        for table in both:
            table.sort("name", reverse=True)
        await same(pilot)
        for table in both:
            table.remove_row("t5")
            table.add_row("tall", Text("two\nlines"), "x", height=2, key="tall")
            table.add_row("auto", Text("one\ntwo\nthree"), "y", height=None, key="auto")
            table.action_scroll_bottom()
        await same(pilot)
        for _ in range(4):  # through the taller rows, where the region falls back to the sum
            for table in both:
                table.action_cursor_up()
            await same(pilot)
        for table in both:
            table.show_header = False
            table.move_cursor(row=10)
        await same(pilot)
