"""The read-only view (``whodidthis view COURSE``, ``run --read-only``): everything visible, no
action key bound, nothing queued and no engine started, through the same ``make_app``."""

from __future__ import annotations

from console.cli import build_parser
from console.screens.detail import TraineeDetailScreen
from console.screens.overview import OverviewScreen
from widgets.trainee_table import TraineeTable

from .conftest import screen_lines, settle

SIZE = (80, 24)
ACTION_KEYS = ("a", "r", "t", "c", "A", "T", "C", "space", "y", "enter")


async def test_no_action_key_changes_anything_and_no_engine_starts(console, launcher):
    app = console(read_only=True)
    before = app.store.commands()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.query_one(TraineeTable).row_count == 12  # everything visible
        for key in ("a", "r", "t", "c", "A", "T", "C", "space", "y"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, OverviewScreen), key
        assert app.screen.query_one(TraineeTable).marked == set()
        await pilot.press(*["down"] * 7, "enter")  # the detail still opens: it only shows
        await settle(pilot)
        assert isinstance(app.screen, TraineeDetailScreen)
        for key in ("r", "c", "y"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, TraineeDetailScreen), key
    assert app.store.commands() == before
    assert launcher.calls == 0
    assert app.store.readonly


async def test_the_footer_of_the_view_shows_no_action(console):
    app = console(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = screen_lines(app)[-1]
        assert "? Help" in footer and "q Quit" in footer
        for word in ("Apply", "Retry", "Teardown", "Cancel", "Mark"):
            assert word not in footer, footer


async def test_the_identity_screen_of_the_view_runs_no_preflight(console, providers):
    app = console(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert providers.preflights == []
        assert "runs no preflight" in "\n".join(screen_lines(app))


def test_view_and_run_read_only_parse():
    parser = build_parser()
    assert parser.parse_args(["view", "c.toml"]).command == "view"
    assert parser.parse_args(["run", "--read-only", "c.toml"]).read_only is True


async def test_the_help_of_the_view_lists_no_action_key(console):
    app = console(read_only=True)
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert "Filter" in text and "Detail" in text
        for word in ("Apply", "Retry", "Teardown", "Cancel all"):
            assert word not in text, word


def test_viewing_a_course_never_run_says_where_to_point(scene, tmp_path):
    import pytest

    from console.errors import StateError
    from console.launch import make_app

    with pytest.raises(StateError, match="nothing to view: there is no state for course"):
        make_app(scene.course_path, tmp_path / "empty", "kenji", read_only=True)
    assert not (tmp_path / "empty").exists()  # a view creates nothing
