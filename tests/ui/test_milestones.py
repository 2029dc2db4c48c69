"""Lab milestones in the console: a column with ``1/2`` and the next milestone named, filled
from the store when the console opens and after each round of checks (``m``, and a timer);
the detail screen lists each milestone with when it was reached."""

from __future__ import annotations

from console.devtools.demo_scene import COURSE
from console.store.state import Store
from tests.ui.conftest import row_of, screen_lines, settle

CHECKS = """
[[check]]
name = "signed in"
kind = "signed_in"

[[check]]
name = "made the bucket"
kind = "resource_exists"
type = "AWS::S3::Bucket"
name_pattern = "{trainee}-*"
"""


def with_checks(scene) -> None:
    scene.course_path.write_text(scene.course_path.read_text() + CHECKS, encoding="utf-8")


async def test_m_checks_and_the_column_shows_where_each_trainee_is(scene, console):
    with_checks(scene)
    rounds: list[int] = []

    async def progress() -> None:
        rounds.append(1)
        store = Store.open(scene.state_dir, COURSE, clock=scene.clock)
        try:
            first = store.trainees()[0].name
            store.record_checks(
                first,
                [
                    ("signed in", True, scene.now - 600, "signed in"),
                    ("made the bucket", len(rounds) > 1, None, "bucket"),
                ],
            )
        finally:
            store.close()

    app = console(progress_provider=progress)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#trainees")
        first = table.visible_names[0]
        assert rounds == [1]  # one round when the console opens
        assert row_of(table, first)["milestone"] == "1/2 made the bucket"
        assert row_of(table, table.visible_names[1])["milestone"] == "0/2 signed in"

        await pilot.press("m")
        await settle(pilot)

        assert rounds == [1, 1]
        assert row_of(table, first)["milestone"] == "2/2 done"
        table.move_cursor(row=0)
        await pilot.press("enter")
        await settle(pilot)
        shown = "\n".join(screen_lines(app))
        assert "Lab milestones 2/2" in shown and "signed in" in shown


async def test_no_checks_no_column_and_no_rounds(scene, console):
    rounds: list[int] = []

    async def progress() -> None:
        rounds.append(1)

    app = console(progress_provider=progress)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#trainees")
        assert "milestone" not in {key.value for key in table.columns}
        assert rounds == []
