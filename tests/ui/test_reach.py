"""What an operator at 80x24 can reach: the end of a long error (the line that says what to
do) by scrolling the detail, and the keys that matter in the footer."""

from __future__ import annotations

from console.model import TraineeState
from console.screens.detail import TraineeDetailScreen

from .conftest import screen_lines, settle

SIZE = (80, 24)
HEIDI = 7
LONG_ERROR = "\n".join(
    [f"AccessDenied: line {n} of a long explanation from AWS" for n in range(1, 31)]
)


async def test_the_detail_scrolls_to_the_line_that_says_what_to_do(console):
    app = console()
    app.store.set_trainee(
        "heidi", state=TraineeState.FAILED, error=LONG_ERROR, error_code="AccessDenied"
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*["down"] * HEIDI, "enter")
        await settle(pilot)
        assert isinstance(app.screen, TraineeDetailScreen)
        text = "\n".join(screen_lines(app))
        assert "line 1 of" in text and "What to do:" not in text  # below the fold at first
        await pilot.press(*["pagedown"] * 3)
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert "line 30 of" in text and "What to do: make the trainee's role trust" in text
        await pilot.press("home")
        await settle(pilot)
        assert (
            "heidi" in screen_lines(app)[1]
        )  # the head stays (under the context line); the top comes back
        assert "line 1 of" in "\n".join(screen_lines(app))


async def test_down_scrolls_the_detail_line_by_line(console):
    app = console()
    app.store.set_trainee(
        "heidi", state=TraineeState.FAILED, error=LONG_ERROR, error_code="AccessDenied"
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*["down"] * HEIDI, "enter")
        await settle(pilot)
        await pilot.press(*["down"] * 40)
        await settle(pilot)
        assert "What to do:" in "\n".join(screen_lines(app))


async def test_the_footer_at_80_columns_starts_with_help_and_the_action_keys(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = screen_lines(app)[-1]
        assert footer.lstrip().startswith("? Help")
        for word in ("a Apply", "r Retry", "t Teardown", "c Cancel", "/ Filter", "q Quit"):
            assert word in footer, footer
        positions = [footer.index(w) for w in ("? Help", "a Apply", "r Retry", "q Quit")]
        assert positions == sorted(positions)


async def test_the_detail_footer_at_80_columns_keeps_help_back_and_retry(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*["down"] * HEIDI, "enter")
        await settle(pilot)
        footer = screen_lines(app)[-1]
        for word in ("? Help", "Back", "r Retry", "c Cancel", "q Quit"):
            assert word in footer, footer


async def test_toasts_stay_off_the_trainee_table(console):
    from textual.widgets._toast import Toast

    from widgets.trainee_table import TraineeTable

    app = console()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press(*["down"] * HEIDI, "r", "y")  # two toasts: queued, engine started
        await settle(pilot)
        await pilot.pause(0.3)
        toasts = list(app.screen.query(Toast))
        assert len(toasts) == 2
        table = app.screen.query_one(TraineeTable).region
        for toast in toasts:
            assert toast.region.height <= 3  # one or two short lines
            assert not toast.region.overlaps(table), (toast.region, table)
