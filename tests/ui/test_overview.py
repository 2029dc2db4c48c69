"""The main screen at 80x24, driven by its keys: what each key does to the store and the screen.

The store is real (the demo scene, in this test's own folder); the engine launcher and the
read-only AWS answers are stand-ins that record how they were called.
"""

from __future__ import annotations

from console.model import CommandKind, TraineeState
from console.screens.confirm import ConfirmScreen
from console.screens.detail import TraineeDetailScreen
from console.screens.help import HelpScreen
from console.screens.identity import IdentityScreen
from console.screens.overview import OverviewScreen
from console.screens.teardown import TeardownScreen
from widgets.identity_panel import IdentityPanel
from widgets.summary_bar import SummaryBar
from widgets.trainee_table import TraineeTable

from .conftest import plain, row_of, screen_lines, settle

SIZE = (80, 24)
HEIDI = 7  # rows down from the top: alice, bob, carol, dave, erin, frank, grace, heidi


def table_of(app) -> TraineeTable:
    return app.screen.query_one(TraineeTable)


async def to_heidi(pilot) -> None:
    await pilot.press(*["down"] * HEIDI)
    assert table_of(pilot.app).selected_name == "heidi"


async def test_first_frame_shows_every_trainee_and_the_host(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        assert table.row_count == 12
        assert row_of(table, "heidi")["state"] == "✖ FAILED"
        assert row_of(table, "alice")["principal"] == "kenji"  # what differs between rows
        assert row_of(table, "dave")["step"].startswith("  2/4")  # built, not the step reached
        panel = str(app.screen.query_one(IdentityPanel).render_line(0).text)
        assert "assumed-role/AdminEnvRole/" in panel
        summary = str(app.screen.query_one(SummaryBar).render_line(0).text)
        assert "5 READY" in summary and "2 FAILED" in summary


async def test_apply_all_asks_then_queues_and_starts_the_engine(console, launcher):
    app = console()
    # The scene's own apply is finished, so that the new one is not absorbed by it.
    app.store.finish_command(app.store.claim_next("an-engine-long-gone").id, "ok")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("A")
        assert isinstance(app.screen, ConfirmScreen)
        assert "all 12 trainees" in app.screen.question
        await pilot.press("n")
        assert isinstance(app.screen, OverviewScreen)
        assert not [c for c in app.store.commands() if c.kind == CommandKind.APPLY and c.id > 1]
        await pilot.press("A")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        applies = [c for c in app.store.commands() if c.kind == CommandKind.APPLY]
        assert applies[-1].operator.name == "kenji" and applies[-1].trainees == ()
        assert len(applies) == 2  # the scene's own, and this one
        assert launcher.calls == 1


async def test_retry_sends_the_trainee_under_the_cursor(console, launcher):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await to_heidi(pilot)
        await pilot.press("r")
        assert (
            isinstance(app.screen, ConfirmScreen)
            and "Retry heidi (1 trainee" in app.screen.question
        )
        await pilot.press("y")
        await settle(pilot)
        retries = [c for c in app.store.commands() if c.kind == CommandKind.RETRY]
        assert [c.trainees for c in retries] == [("heidi",)]
        assert launcher.calls == 1


async def test_space_marks_and_retry_sends_the_marked_ones(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")  # alice, and the cursor moves on to bob
        await pilot.press("down", "space")  # carol
        table = table_of(app)
        assert table.marked == {"alice", "carol"}
        assert row_of(table, "alice")["name"].startswith("●")
        await pilot.press("r")
        assert "alice and carol (2 trainees" in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        retries = [c for c in app.store.commands() if c.kind == CommandKind.RETRY]
        assert [c.trainees for c in retries] == [("alice", "carol")]
        assert table.marked == set()
        assert not row_of(table, "alice")["name"].startswith("●")


async def test_teardown_all_shows_the_plan_and_needs_the_course_name(console, providers):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await settle(pilot)
        assert isinstance(app.screen, TeardownScreen)
        assert providers.plans == [[]]  # every trainee
        assert "28 resource(s) would be deleted, 1 kept" in str(
            app.screen.query_one("#plan-status").render()
        )
        await pilot.press(*"dojo", "enter")
        assert isinstance(app.screen, TeardownScreen)
        assert "not dojo-2026-12" in str(app.screen.query_one("#plan-status").render())
        assert not [c for c in app.store.commands() if c.kind == CommandKind.TEARDOWN]
        await pilot.press(*"dojo-2026-12", "enter")
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)
        teardowns = [c for c in app.store.commands() if c.kind == CommandKind.TEARDOWN]
        assert [c.trainees for c in teardowns] == [()]


async def test_teardown_of_marked_trainees_and_escape_changes_nothing(console, providers):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "t")
        await settle(pilot)
        assert providers.plans == [["alice"]]
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)
        assert not [c for c in app.store.commands() if c.kind == CommandKind.TEARDOWN]
        assert table_of(app).marked == {"alice"}


async def test_enter_shows_the_error_in_full_with_its_code_and_ledger(console, launcher):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await to_heidi(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TraineeDetailScreen)
        error = str(app.screen.query_one("#detail-error").render())
        assert "AccessDenied" in error
        assert "arn:aws:iam::200000000008:role/ManageEnvRole" in error
        ledger = plain(app.screen.query_one("#detail-ledger"))
        assert "sts:AssumeRole" in ledger and "AccessDenied" in ledger
        steps = plain(app.screen.query_one("#detail-steps")).splitlines()
        assert [line.split()[0] for line in steps if line.strip()[:1].isdigit()] == list("1234")
        await pilot.press("r")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        retries = [c for c in app.store.commands() if c.kind == CommandKind.RETRY]
        assert [c.trainees for c in retries] == [("heidi",)]
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)


async def test_a_step_failure_shows_the_step_error_and_the_resources_made(console):
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f", "down", "enter")  # failures only: heidi, then mallory
        await settle(pilot)
        assert isinstance(app.screen, TraineeDetailScreen) and app.screen.trainee == "mallory"
        steps = plain(app.screen.query_one("#detail-steps")).splitlines()
        rows = {line.split()[0]: line for line in steps if line.strip()[:1].isdigit()}
        assert "✔ DONE" in rows["1"] and "arn:aws:iam::200000000011:user/mallory" in rows["1"]
        assert "✖ FAILED" in rows["3"] and "BucketAlreadyExists:" in rows["3"]
        assert "· PENDING" in rows["4"]
        text = "\n".join(screen_lines(app))
        assert "BucketAlreadyExists" in text and "ManageEnvRole/kenji@dojo-2026-12" in text


async def test_filter_narrows_the_rows_and_escape_leaves_then_clears(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"run")
        table = table_of(app)
        assert table.visible_names == ["dave", "erin", "judy"]  # RUNNING
        await pilot.press("escape")
        assert table.has_focus and table.visible_names == ["dave", "erin", "judy"]
        await pilot.press("q")  # with the table focused, q is quit again: not typed
        await pilot.pause()
        assert app.return_code is not None or not app.is_running


async def test_filter_is_cleared_by_a_second_escape(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"heidi", "enter")
        assert table_of(app).visible_names == ["heidi"]
        await pilot.press("escape")
        assert len(table_of(app).visible_names) == 12
        assert not app.screen.query_one("#filter-line").display


async def test_typing_q_in_the_filter_does_not_quit(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", "q")
        await pilot.pause()
        assert app.is_running
        assert app.screen.query_one("#filter-line").value == "q"


async def test_failures_only_and_pinned_to_top(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        await pilot.press("f")
        assert table.visible_names == ["heidi", "mallory"]
        await pilot.press("f", "p")
        assert len(table.visible_names) == 12
        assert table.visible_names[:3] == ["heidi", "mallory", "alice"]
        summary = str(app.screen.query_one(SummaryBar).render_line(0).text)
        assert "failures on top" in summary


async def test_identity_screen_shows_whoami_and_the_trainee_preflight(console, providers):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await to_heidi(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, IdentityScreen)
        assert providers.preflights == [["heidi"]]
        whoami = str(app.screen.query_one("#whoami").render())
        preflight = str(app.screen.query_one("#preflight-result").render())
        assert whoami and preflight
        text = "\n".join(screen_lines(app))
        assert "AdminEnvRole" in text and "instance profile via IMDSv2" in text
        assert "PROBLEM" in text and "999999999999" in text
        await pilot.press("p")
        await settle(pilot)
        assert providers.preflights == [["heidi"], ["heidi"]]
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)


async def test_help_lists_the_keys_and_closes(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(screen_lines(app))
        assert "Teardown" in text  # on screen; the rest a scroll away
        assert {"Failures", "Sort", "Views"} <= {b.description for b in app.screen.shown_keys()}
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)


async def test_quit_leaves_the_engine_and_the_queue_alone(console, launcher):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        before = app.store.commands()
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running
    assert launcher.calls == 0
    assert app.store.commands() == before  # no cancel, nothing queued


async def test_the_footer_keeps_quit_and_the_main_actions_at_80_columns(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = screen_lines(app)[-1]
        for word in ("a Apply", "r Retry", "t Teardown", "i Identity", "q Quit"):
            assert word in footer


async def test_a_change_in_the_store_repaints_only_that_row(console, scene):
    from console.store.state import Store

    app = console(poll_interval=3600)  # no timer's poll: it could read the writes before the
    # refreshes below (it did once under a loaded clean-clone run, and the refresh found nothing)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        updates: list[tuple[str, str]] = []
        original = table.update_cell

        def counting(row, column, value, **kwargs):
            updates.append((str(row), str(column)))
            return original(row, column, value, **kwargs)

        table.update_cell = counting
        writer = Store.open(scene.state_dir, "dojo-2026-12", clock=scene.clock)
        writer.set_trainee(
            "frank", state=TraineeState.RUNNING, step_index=0, last_action="iam_user:frank"
        )
        writer.close()
        assert await app.refresh_from_store()
        await pilot.pause()
        assert row_of(table, "frank")["state"] == "▶ RUNNING"
        assert {row for row, _ in updates} == {"frank"}
        assert ("frank", "state") in updates
        assert table.row_count == 12
        # Only frank's row renders again: the other rows come from the cache.
        rendered: list[int] = []
        compute = table._compute_row_renderables

        def recording(row_index):
            rendered.append(row_index)
            return compute(row_index)

        table._compute_row_renderables = recording
        writer = Store.open(scene.state_dir, "dojo-2026-12", clock=scene.clock)
        writer.set_trainee("frank", state=TraineeState.READY, step_index=4)
        writer.close()
        assert await app.refresh_from_store()
        await pilot.pause()
        assert any("✔ READY" in line and "frank" in line for line in screen_lines(app))
        assert set(rendered) == {table.get_row_index("frank")}


async def test_store_changes_wait_while_keys_are_pressed_then_show(console, scene):
    """Keys first: a poll's changes arriving right after a key are held until the keys pause
    (``TYPING_PAUSE``), merged with later ones, then shown."""
    from console.app import TYPING_PAUSE
    from console.store.state import Store

    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("j")
        writer = Store.open(scene.state_dir, "dojo-2026-12", clock=scene.clock)
        writer.set_trainee("frank", state=TraineeState.RUNNING, step_index=0)
        app.post_message(app.StoreChanged(app.store_watch.poll()))
        writer.set_trainee("grace", state=TraineeState.RUNNING, step_index=1)
        app.post_message(app.StoreChanged(app.store_watch.poll()))
        writer.close()
        await pilot.pause()
        assert row_of(table, "frank")["state"] != "▶ RUNNING"  # held behind the key
        await pilot.pause(TYPING_PAUSE + 0.2)
        assert row_of(table, "frank")["state"] == "▶ RUNNING"
        assert row_of(table, "grace")["state"] == "▶ RUNNING"
