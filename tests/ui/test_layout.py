"""What must hold whatever the terminal: the columns that stay at 80 columns, keys that work over
Session Manager, and a thousand trainees updated cell by cell."""

from __future__ import annotations

import gc

import pytest

from console.app import WhodidthisApp
from console.devtools.demo_scene import write_scene
from console.idle_gc import NO_AUTOMATIC_FULL_PASS
from console.model import TraineeState
from console.screens.confirm import ConfirmScreen
from console.screens.detail import TraineeDetailScreen
from console.screens.help import HelpScreen
from console.screens.identity import IdentityScreen
from console.screens.inventory import InventoryView
from console.screens.overview import OverviewScreen
from console.screens.teardown import TeardownScreen
from widgets.trainee_table import TraineeTable, choose_columns

from .conftest import row_of, settle

SWALLOWED = {"ctrl+s", "ctrl+q", "ctrl+o", "ctrl+y"}  # Session Manager clients may eat these
KEPT = {"name", "state", "step", "principal"}


@pytest.mark.parametrize("width", [60, 80, 100, 120, 160, 200, 300])
def test_name_state_step_and_principal_always_stay(width):
    layout = choose_columns(width, name_width=9, principal_width=32)
    keys = [key for key, _ in layout]
    assert set(keys) >= KEPT
    assert keys == [
        k
        for k in ("name", "account", "state", "step", "action", "principal", "elapsed", "error")
        if k in keys
    ]  # display order kept
    if width >= 60:
        assert sum(w + 2 for _, w in layout) <= width - 2  # nothing pushed off screen


def test_columns_give_way_in_order():
    at_80 = {key for key, _ in choose_columns(80, 9, 32)}
    at_100 = dict(choose_columns(100, 9, 32))
    at_120 = {key for key, _ in choose_columns(120, 9, 32)}
    at_200 = {key for key, _ in choose_columns(200, 9, 32)}
    assert at_80 == KEPT
    assert {"elapsed", "error"} <= {key for key, _ in choose_columns(80, 9, 8)}
    # The elapsed counter stays before the error (whose whole text enter shows).
    assert set(at_100) == KEPT | {"elapsed"}
    assert dict(choose_columns(80, 9, 8))["error"] >= 14  # a short operator: both, narrower
    assert at_120 == KEPT | {"error", "elapsed"}
    assert at_200 == KEPT | {"error", "elapsed", "action", "account"}


def test_the_principal_shrinks_rather_than_a_kept_column_going():
    layout = dict(choose_columns(50, 9, 32))
    assert set(layout) == KEPT and layout["principal"] < 32


@pytest.mark.parametrize(
    "screen",
    [
        WhodidthisApp,
        OverviewScreen,
        TraineeDetailScreen,
        IdentityScreen,
        TeardownScreen,
        ConfirmScreen,
        HelpScreen,
        TraineeTable,
        InventoryView,
    ],
)
def test_no_action_needs_a_key_session_manager_may_swallow(screen):
    keys_by_action: dict[str, set[str]] = {}
    for binding in screen.BINDINGS:
        for key in binding.key.split(","):
            keys_by_action.setdefault(binding.action, set()).add(key.strip())
    for action, keys in keys_by_action.items():
        assert keys - SWALLOWED, f"{screen.__name__}.{action} is bound only to {keys}"
    assert any(b.key == "q" for b in WhodidthisApp.BINDINGS)


async def test_resizing_to_200_columns_brings_every_column_back(console):
    app = console()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(TraineeTable)
        assert {str(k.value) for k in table.columns} >= KEPT
        await pilot.resize_terminal(200, 50)
        await settle(pilot)
        assert {str(k.value) for k in table.columns} == KEPT | {
            "account",
            "action",
            "elapsed",
            "error",
        }
        assert table.row_count == 12


async def test_a_thousand_trainees_update_cell_by_cell(tmp_path, console):
    from console.devtools.demo_scene import OPERATOR, scene_host
    from console.launch import make_app
    from console.store.state import Store

    big = write_scene(tmp_path / "big", count=1000)
    app = make_app(
        big.course_path,
        big.state_dir,
        OPERATOR,
        identity_provider=scene_host,
        engine_launcher=lambda: None,
        clock=big.clock,
        poll_interval=3600,  # no timer's poll: it could read the writes before the refreshes below
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TraineeTable)
        assert table.row_count == 1000
        rebuilt: list[int] = []
        original = table.rebuild
        table.rebuild = lambda *a: (rebuilt.append(1), original(*a))[1]
        painted: list[str] = []
        update_cell = table.update_cell
        table.update_cell = lambda row, *a, **k: (
            painted.append(str(row)),
            update_cell(row, *a, **k),
        )[1]
        writer = Store.open(big.state_dir, "dojo-2026-12", clock=big.clock)
        names = [f"trainee-{i:04d}" for i in range(941, 1001)]
        for name in names:
            writer.set_trainee(name, state=TraineeState.ASSUMING, last_action="assume")
        writer.close()
        assert await app.refresh_from_store()
        await pilot.pause()
        assert not rebuilt  # 60 rows changed in place, no rebuild of 1,000
        assert not painted  # and none repainted while off screen
        assert all(table.status(n).state == TraineeState.ASSUMING for n in names)
        await pilot.press("end")
        await pilot.pause()
        assert table.selected_name == "trainee-1000"
        assert row_of(table, "trainee-0990")["state"] == "◌ ASSUMING"  # painted once in view
        assert set(painted) <= set(names) and "trainee-0990" in painted
        # A move that scrolls a changed row into view paints it within the move, before the
        # frame that first draws it (not in a second frame after it).
        assert "trainee-0950" not in painted
        table.move_cursor(row=table.get_row_index("trainee-0950"))
        assert "trainee-0950" in painted
        assert row_of(table, "trainee-0950")["state"] == "◌ ASSUMING"
        # Rows a wheel scrolls into view wait, stale, for the next repaint; a sort meanwhile
        # clears the rows (and moves the cursor) before laying them out again in order.
        writer = Store.open(big.state_dir, "dojo-2026-12", clock=big.clock)
        for name in names:
            writer.set_trainee(name, state=TraineeState.RUNNING, step_index=1)
        writer.close()
        assert await app.refresh_from_store()
        table.scroll_end(animate=False, immediate=True)
        assert row_of(table, "trainee-1000")["state"] == "◌ ASSUMING"  # stale, in view
        await pilot.press("s")
        await settle(pilot)
        assert row_of(table, "trainee-1000")["state"] == "▶ RUNNING"
    app.store.close()


async def test_the_last_row_is_reachable_before_every_row_is_added(tmp_path):
    from console.devtools.demo_scene import OPERATOR, scene_host
    from console.launch import make_app

    big = write_scene(tmp_path / "big", count=1000)
    app = make_app(
        big.course_path,
        big.state_dir,
        OPERATOR,
        identity_provider=scene_host,
        engine_launcher=lambda: None,
        clock=big.clock,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(TraineeTable)
        assert table.rows_pending > 0  # the first frame holds only the first rows
        # No automatic full collection over the rows being added, nor in the first keys.
        assert gc.get_threshold()[2] == NO_AUTOMATIC_FULL_PASS
        await pilot.press("G")
        assert table.selected_name == "trainee-1000" and table.row_count == 1000
    app.store.close()
