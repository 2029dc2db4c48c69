"""One scope rule for every action key, at 80x24: the visible marked trainees, else the one
under the cursor; marks hidden by the filter never count (and the confirmation says so); the
whole course only on its own keys (A, T, C). Each key's confirmation names its trainees, and
the teardown's typed word matches its scope."""

from __future__ import annotations

import pytest

from console.model import CommandKind
from console.screens.confirm import ConfirmScreen
from console.screens.overview import OverviewScreen
from console.screens.teardown import TeardownScreen
from widgets.trainee_table import TraineeTable

from .conftest import settle

SIZE = (80, 24)
HEIDI = 7
ASKING_KEYS = [
    pytest.param("a", CommandKind.APPLY, id="a-apply"),
    pytest.param("r", CommandKind.RETRY, id="r-retry"),
    pytest.param("c", CommandKind.CANCEL, id="c-cancel"),
]
WHOLE_COURSE_KEYS = [
    pytest.param("A", CommandKind.APPLY, id="A-apply-all"),
    pytest.param("C", CommandKind.CANCEL, id="C-cancel-all"),
]


def sent(app, kind: CommandKind) -> list[tuple[str, ...]]:
    """The trainees of each command of ``kind`` queued after the scene's own."""
    return [c.trainees for c in app.store.commands() if c.kind == kind and c.id > 1]


def table_of(app) -> TraineeTable:
    return app.screen.query_one(TraineeTable)


@pytest.mark.parametrize(("key", "kind"), ASKING_KEYS)
async def test_the_key_acts_on_the_selected_trainee_after_naming_it(console, key, kind):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*["down"] * HEIDI, key)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question.startswith(f"{'Cancel the work for' if key == 'c' else ''}")
        assert "heidi (1 trainee, course dojo-2026-12)?" in app.screen.question
        await pilot.press("n")
        assert sent(app, kind) == []
        await pilot.press(key, "y")
        await settle(pilot)
        assert sent(app, kind) == [("heidi",)]


@pytest.mark.parametrize(("key", "kind"), ASKING_KEYS)
async def test_the_key_acts_on_the_marked_trainees_not_the_cursor(console, key, kind):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "down", "space")  # alice, carol; the cursor moves on to dave
        assert table_of(app).selected_name == "dave"
        await pilot.press(key)
        assert "alice and carol (2 trainees" in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        assert sent(app, kind) == [("alice", "carol")]
        assert table_of(app).marked == set()


@pytest.mark.parametrize(("key", "kind"), ASKING_KEYS)
async def test_marks_the_filter_hides_are_ignored_and_the_question_says_so(console, key, kind):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "down", "space")  # alice and bob marked
        await pilot.press("slash", *"ali", "enter")  # only alice is shown
        await settle(pilot)
        assert table_of(app).visible_names == ["alice"]
        await pilot.press(key)
        assert "alice (1 trainee" in app.screen.question
        assert "1 mark on rows the filter hides is ignored" in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        assert sent(app, kind) == [("alice",)]


@pytest.mark.parametrize(("key", "kind"), WHOLE_COURSE_KEYS)
async def test_whole_course_keys_ignore_marks_and_cursor(console, key, kind):
    app = console()
    # The scene's own apply is finished, so that a new one is not absorbed by it.
    app.store.finish_command(app.store.claim_next("an-engine-long-gone").id, "ok")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", key)
        assert "all 12 trainees (the whole course dojo-2026-12)" in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        assert sent(app, kind) == [()]


async def test_cancel_goes_to_the_engine_through_the_queue(console, launcher):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*["down"] * HEIDI, "c", "y")
        await settle(pilot)
        cancels = [c for c in app.store.commands() if c.kind == CommandKind.CANCEL]
        assert [(c.trainees, c.operator and c.operator.name) for c in cancels] == [
            (("heidi",), "kenji")
        ]
        assert launcher.calls == 1  # an engine is made sure of, to serve it


async def test_teardown_of_the_selected_trainee_asks_for_her_name(console, providers):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*["down"] * HEIDI, "t")
        await settle(pilot)
        assert isinstance(app.screen, TeardownScreen)
        assert providers.plans == [["heidi"]]  # not the whole course, though nothing is marked
        title = str(app.screen.query_one("#plan-title").render())
        assert "Tear down heidi (1 trainee, course dojo-2026-12)" in title
        await pilot.press(*"dojo-2026-12", "enter")  # the course name is not her scope's word
        assert isinstance(app.screen, TeardownScreen)
        await pilot.press(*"heidi", "enter")
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)
        assert sent(app, CommandKind.TEARDOWN) == [("heidi",)]


async def test_teardown_of_marked_trainees_asks_for_their_number(console, providers):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", *["down"] * 6, "space", "down", "down", "space")
        assert table_of(app).marked == {"alice", "heidi", "mallory"}
        await pilot.press("f")  # failures only: heidi and mallory shown, alice hidden
        await settle(pilot)
        assert table_of(app).visible_names == ["heidi", "mallory"]
        await pilot.press("t")
        await settle(pilot)
        assert providers.plans == [["heidi", "mallory"]]
        title = str(app.screen.query_one("#plan-title").render())
        assert "heidi and mallory (2 trainees, course" in title
        assert "1 mark on rows the filter hides is ignored" in title
        await pilot.press("2", "enter")
        await settle(pilot)
        assert sent(app, CommandKind.TEARDOWN) == [("heidi", "mallory")]


async def test_teardown_all_is_the_course_whatever_is_marked(console, providers):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "T")
        await settle(pilot)
        assert providers.plans == [[]]
        assert "all 12 trainees (the whole course dojo-2026-12)" in str(
            app.screen.query_one("#plan-title").render()
        )
        await pilot.press(*"dojo-2026-12", "enter")
        await settle(pilot)
        assert sent(app, CommandKind.TEARDOWN) == [()]


async def test_with_no_row_shown_an_action_key_changes_nothing(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"nobody-has-this-name", "enter")
        await settle(pilot)
        for key in ("a", "r", "c", "t"):
            await pilot.press(key)
            assert isinstance(app.screen, OverviewScreen)
        assert [c.id for c in app.store.commands()] == [1]


async def test_the_detail_screen_keys_act_on_its_trainee(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", *["down"] * (HEIDI - 1), "enter")  # alice marked, heidi open
        await settle(pilot)
        await pilot.press("c")
        assert "heidi (1 trainee" in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        assert sent(app, CommandKind.CANCEL) == [("heidi",)]
