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


async def test_the_filter_keeps_who_is_stuck_on_which_milestone(scene, console):
    """``stuck>N`` in the filter line: on the next milestone for more than N minutes; the other
    words then match that milestone's name too; ``!`` shows everyone else."""
    with_checks(scene)

    async def progress() -> None:
        store = Store.open(scene.state_dir, COURSE, clock=scene.clock)
        try:
            first, second = (t.name for t in store.trainees()[:2])
            # first: signed in 30 minutes ago, on "made the bucket" since; second: first
            # looked at now, on "signed in" for no time yet
            store.record_checks(first, [("signed in", True, scene.now - 1800, "signed in")])
            store.record_checks(second, [("signed in", False, None, "not yet")])
        finally:
            store.close()

    app = console(progress_provider=progress)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#trainees")
        everyone = list(table.visible_names)
        first, second = everyone[0], everyone[1]

        async def shown(text: str) -> list[str]:
            table.set_view(filter_text=text)
            await settle(pilot)
            return list(table.visible_names)

        assert await shown("stuck>20") == [first]
        assert await shown("stuck>20 bucket") == [first]
        assert await shown("stuck>20 signed") == []  # first is past "signed in"
        assert await shown("stuck>0 signed") == []  # second only just started on it
        assert first not in await shown("!stuck>20")
        assert len(await shown("!stuck>20")) == len(everyone) - 1
        scene.now += 45 * 60  # three quarters of an hour later, still no round of checks
        assert set(await shown("stuck>20")) == {first, second}
        assert await shown("stuck>20 signed") == [second]
