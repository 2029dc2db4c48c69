"""The smaller things an operator at 80x24 noticed: the filter matches what rows show, a quick
``/name⏎⏎`` opens the detail, ``f`` keeps the cursor on its trainee, a torn-down trainee has
an empty bar, PENDING tells queued from never built, a finished trainee's elapsed is its real
time, the teardown plan is never an empty box, and at 60 columns the operator stays."""

from __future__ import annotations

import asyncio

from textual import events

from console.model import StepState, TraineeState, TraineeStatus
from console.screens.detail import TraineeDetailScreen
from console.screens.teardown import TeardownScreen
from widgets.trainee_look import elapsed_of, progress_text, state_cell_text
from widgets.trainee_table import TraineeTable

from .conftest import row_of, screen_lines, settle

SIZE = (80, 24)


def table_of(app) -> TraineeTable:
    return app.screen.query_one(TraineeTable)


async def test_the_filter_matches_only_name_account_and_state(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"al", "enter")  # "all steps done" is in no visible column
        await settle(pilot)
        assert table_of(app).visible_names == ["alice", "mallory"]  # by name, nothing else
        await pilot.press("escape", "slash", "backspace", "backspace", *"failed", "enter")
        await settle(pilot)
        assert table_of(app).visible_names == ["heidi", "mallory"]


async def test_a_quick_filter_then_two_enters_opens_the_detail(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"heidi")
        await settle(pilot)
        for _ in range(2):  # both queued before either is handled, as fast typing does
            app.post_message(events.Key("enter", "\r"))
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, TraineeDetailScreen) and app.screen.trainee == "heidi"


async def test_failures_only_keeps_the_cursor_on_its_trainee(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*["down"] * 10)  # mallory
        assert table_of(app).selected_name == "mallory"
        await pilot.press("f")
        await settle(pilot)
        assert table_of(app).selected_name == "mallory"
        await pilot.press("f")
        await settle(pilot)
        assert table_of(app).selected_name == "mallory"


async def test_pending_says_queued_or_never_built(console):
    app = console()
    app.store.set_trainee("niaj", state=TraineeState.PENDING, last_action=None)
    app.store.set_trainee("frank", state=TraineeState.PENDING, last_action="queued: apply")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert row_of(table_of(app), "niaj")["state"] == "· PENDING"
        assert row_of(table_of(app), "frank")["state"] == "· QUEUED"


def _status(state, steps, started=None, finished=None) -> TraineeStatus:
    from console.model import StepStatus

    return TraineeStatus(
        "alice",
        "200000000001",
        state=state,
        step_count=len(steps),
        steps=tuple(StepStatus(i, "iam_user", "alice", s) for i, s in enumerate(steps)),
        started_at=started,
        finished_at=finished,
    )


def test_the_step_column_counts_what_exists():
    """Issue 24.2: built steps, never the index of a step reached; TORN_DOWN and CANCELLED
    told apart."""
    gone = progress_text(_status(TraineeState.TORN_DOWN, [StepState.TORN_DOWN] * 4)).plain
    assert gone == "0/4 torn down"
    half = [StepState.DONE, StepState.DONE, StepState.TORN_DOWN, StepState.TORN_DOWN]
    assert progress_text(_status(TraineeState.TEARING_DOWN, half)).plain.strip().startswith("2/4")
    cancelled = [StepState.DONE, StepState.DONE, *[StepState.PENDING] * 3]
    assert progress_text(_status(TraineeState.CANCELLED, cancelled)).plain == "  2/5 ██░░░"
    built = progress_text(_status(TraineeState.READY, [StepState.DONE] * 4)).plain
    assert built == "  4/4 █████"


def test_a_finished_trainee_shows_its_real_elapsed_time():
    quick = _status(TraineeState.READY, [StepState.DONE], started=100.0, finished=100.4)
    assert elapsed_of(quick, now=500.0) == "0.4s"
    long = _status(TraineeState.READY, [StepState.DONE], started=100.0, finished=295.0)
    assert elapsed_of(long, now=9999.0) == "3m15s"


def test_state_cell_of_a_never_built_trainee():
    assert state_cell_text(_status(TraineeState.PENDING, [StepState.PENDING])).plain == "· PENDING"


async def test_the_teardown_plan_says_it_is_being_worked_out(console):
    release = asyncio.Event()

    async def slow_plan(names):
        await release.wait()
        return []

    app = console(plan_provider=slow_plan)
    async with app.run_test(size=SIZE) as pilot:
        await settle_without_workers(pilot)
        await pilot.press("T")
        await pilot.pause()
        assert isinstance(app.screen, TeardownScreen)
        text = "\n".join(screen_lines(app))
        assert "working out what all 12 trainees own" in text
        release.set()
        await settle(pilot)
        assert "working out" not in "\n".join(screen_lines(app))


async def settle_without_workers(pilot) -> None:
    await pilot.pause()
    await pilot.app.refresh_from_store()
    await pilot.pause()


async def test_at_60_columns_the_operator_is_not_cut(console):
    app = console()
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        table = table_of(app)
        assert "principal" in {str(k.value) for k in table.columns}
        assert row_of(table, "alice")["principal"] == "kenji"
        assert any(
            line.rstrip().endswith("kenji") or " kenji" in line for line in screen_lines(app)
        )


async def test_failures_only_and_back_returns_to_the_trainee_it_hid(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")  # carol, READY: hidden by failures only
        await pilot.press("f")
        await settle(pilot)
        assert table_of(app).selected_name == "heidi"
        await pilot.press("f")
        await settle(pilot)
        assert table_of(app).selected_name == "carol"


async def test_a_cursor_moved_in_failures_only_stays_where_it_was_moved(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "f", "down")  # carol, then failures only: mallory
        await settle(pilot)
        assert table_of(app).selected_name == "mallory"
        await pilot.press("f")
        await settle(pilot)
        assert table_of(app).selected_name == "mallory"
