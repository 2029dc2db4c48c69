"""k9s-grade navigation and safe keys (issue 24.5, 24.6): sort, ``:`` views, a regex filter
that ``!`` inverts and that survives the store's changes, confirmations that focus No, ``c``
with nothing running, the OSC 52 copy written to the terminal, help per screen, a screen
dump, and the context line's fields."""

from __future__ import annotations

import base64
import os

from textual.widgets import Button

from console.devtools.demo_scene import COURSE
from console.model import CommandKind, Leftover, Operator, TraineeState
from console.screens.confirm import ConfirmScreen
from console.screens.help import HelpScreen
from console.screens.overview import OverviewScreen
from console.screens.views import LedgerView, LeftoversView, OperatorsView
from console.store.state import Store
from console.words import is_read
from widgets.context_line import ContextLine, endpoint_words
from widgets.ledger_log import LedgerLog
from widgets.trainee_table import TraineeTable

from .conftest import settle

SIZE = (80, 24)


def finish_queued(scene) -> None:
    """Serve the scene's queued apply, so nothing is left to run or to cancel."""
    with Store.open(scene.state_dir, COURSE) as store, store.engine_lock() as lock:
        for command in store.pending_commands():
            store.claim_next(lock.engine_id)
            store.finish_command(command.id, "done")


def table_of(app) -> TraineeTable:
    return app.screen.query_one(TraineeTable)


def context_of(app) -> str:
    return str(app.screen.query_one(ContextLine).render_line(0).text)


async def test_s_cycles_the_sort_and_the_context_line_names_it(console):
    app = console()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert table_of(app).visible_names[0] == "alice"
        assert "sort:" not in context_of(app)  # by name, the default, is not named
        await pilot.press("s")
        await settle(pilot)
        names = table_of(app).visible_names
        assert names[:2] == ["heidi", "mallory"]  # FAILED first
        assert names[-5:] == ["alice", "bob", "carol", "grace", "ivan"]  # READY last
        assert "sort:state" in context_of(app)
        await pilot.press("s")  # elapsed: the longest running first
        await settle(pilot)
        assert "sort:elapsed" in context_of(app)
        assert table_of(app).sort_by == "elapsed"
        await pilot.press("s")  # milestone: the least built first
        await settle(pilot)
        assert table_of(app).visible_names[0] in ("frank", "heidi")
        await pilot.press("s", "s")  # error, then back to name
        await settle(pilot)
        assert table_of(app).sort_by == "name" and table_of(app).visible_names[0] == "alice"


async def test_colon_switches_views_and_back(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"ledger", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LedgerView)
        calls = [str(app.screen.table.get_row_at(i)[2]) for i in range(app.screen.table.row_count)]
        assert calls and "sts:AssumeRole" not in calls  # reads hidden by default
        await pilot.press("L")
        await settle(pilot)
        calls = [str(app.screen.table.get_row_at(i)[2]) for i in range(app.screen.table.row_count)]
        assert "sts:AssumeRole" in calls
        await pilot.press("colon", *"op", "enter")  # a prefix is enough
        await settle(pilot)
        assert isinstance(app.screen, OperatorsView)
        await pilot.press("colon", *"nonsense", "enter")
        await settle(pilot)
        assert isinstance(app.screen, OperatorsView)  # an unknown view changes nothing
        await pilot.press("colon", *"trainees", "enter")
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen) and len(app.screen_stack) == 1
        await pilot.press("enter")  # alice's x-ray: : goes on from there too
        await settle(pilot)
        await pilot.press("colon")
        await settle(pilot)
        await pilot.press(*"led", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LedgerView) and len(app.screen_stack) == 2


async def test_an_inverse_regex_filter_survives_the_store_changing(console, scene):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"!heidi|mallory", "enter")
        await settle(pilot)
        shown = table_of(app).visible_names
        assert "heidi" not in shown and "mallory" not in shown and len(shown) == 10
        with Store.open(scene.state_dir, COURSE) as other:  # another process's writes
            other.set_trainee("heidi", state=TraineeState.RUNNING, last_action="retry")
            other.set_trainee("alice", state=TraineeState.TEARING_DOWN)
        await settle(pilot)
        await settle(pilot)
        assert app.screen.query_one("#filter-line").value == "!heidi|mallory"
        assert table_of(app).status("heidi").state == TraineeState.RUNNING
        assert table_of(app).visible_names == shown  # heidi still hidden, alice still shown


async def test_a_regex_word_that_does_not_compile_matches_as_text(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"heidi(", "enter")
        await settle(pilot)
        assert table_of(app).visible_names == []  # no crash; nothing is named "heidi("


async def test_every_confirmation_focuses_no_and_a_stray_enter_changes_nothing(console, launcher):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = app.store.commands()
        for key in ("a", "r", "A", "C"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, ConfirmScreen), key
            assert isinstance(app.screen.focused, Button) and app.screen.focused.id == "cancel"
            await pilot.press("enter")  # the stray enter
            await settle(pilot)
            assert isinstance(app.screen, OverviewScreen)
        assert app.store.commands() == before and launcher.calls == 0


async def test_cancel_with_nothing_running_says_so_and_starts_nothing(console, scene, launcher):
    finish_queued(scene)
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table_of(app).selected_name == "alice"  # READY, nothing queued
        await pilot.press("c")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("Nothing to cancel" in n.message for n in app._notifications)
        assert all(c.kind != CommandKind.CANCEL for c in app.store.commands())
        assert launcher.calls == 0
        await pilot.press("enter", "c")  # the same from alice's x-ray
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert all(c.kind != CommandKind.CANCEL for c in app.store.commands())
        await pilot.press("escape", *["down"] * 3, "c")  # dave is RUNNING: that one asks
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)


async def test_y_copies_the_session_arn_with_osc_52(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        written: list[str] = []
        write = app._driver.write
        app._driver.write = lambda data: (written.append(data), write(data))[-1]
        await pilot.press("y")
        await settle(pilot)
        arn = "arn:aws:sts::200000000001:assumed-role/ManageEnvRole/kenji@dojo-2026-12"
        sequence = f"\x1b]52;c;{base64.b64encode(arn.encode()).decode()}\x07"
        assert sequence in written


async def test_the_ledger_view_copies_the_request_id(console):
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"ledger", "enter")
        await settle(pilot)
        written: list[str] = []
        app._driver.write = written.append
        await pilot.press("y")
        last = [r for r in app.store.ledger() if not is_read(r)][-1]
        assert f"\x1b]52;c;{base64.b64encode(last.request_id.encode()).decode()}\x07" in written


async def test_the_leftovers_view_lists_them_and_copies_the_arn(console, scene):
    queue = "arn:aws:sqs:ap-northeast-1:200000000008:heidi-queue"
    with Store.open(scene.state_dir, COURSE) as other:
        other.set_trainee("heidi", leftovers=[Leftover(queue, "sqs:queue")])
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"left", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LeftoversView) and app.screen.table.row_count == 1
        written: list[str] = []
        app._driver.write = written.append
        await pilot.press("y")
        assert f"\x1b]52;c;{base64.b64encode(queue.encode()).decode()}\x07" in written


async def test_help_fits_the_screen_it_is_opened_on(console):
    app = console()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        keys = {b.description for b in app.screen.shown_keys()}
        assert isinstance(app.screen, HelpScreen) and {"Apply", "Sort", "Views"} <= keys
        await pilot.press("escape", "colon", *"ledger", "enter", "question_mark")
        await settle(pilot)
        keys = {b.description for b in app.screen.shown_keys()}
        assert "Reads" in keys and "Apply" not in keys and "Sort" not in keys


async def test_w_writes_the_screen_to_a_text_file(console, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
    (text,) = tmp_path.glob("whodidthis-screen-*.txt")
    assert COURSE in text.read_text() and "heidi" in text.read_text()
    assert list(tmp_path.glob("whodidthis-screen-*.svg"))


async def test_the_context_line_names_course_region_endpoint_version_and_pace(console):
    app = console()
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        line = context_of(app)
        for words in (COURSE, "ap-northeast-1", "AWS", "v0.1.0", "call/s", "thr/min", "exp "):
            assert words in line, words
        assert "READ-ONLY" not in line


async def test_read_only_and_the_sandbox_are_on_the_context_line(console, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    app = console(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        line = context_of(app)
        assert "READ-ONLY" in line and "sandbox" in line and COURSE in line


def test_only_a_loopback_endpoint_is_the_sandbox():
    assert endpoint_words({}) == "AWS"
    assert endpoint_words({"AWS_ENDPOINT_URL": "http://localhost:4566"}) == "sandbox"
    assert endpoint_words({"AWS_ENDPOINT_URL": "http://[::1]:4566"}) == "sandbox"
    assert endpoint_words({"AWS_ENDPOINT_URL": "https://vpce.example.com"}).startswith("endpoint")


async def test_attaching_names_the_command_its_kind_and_its_operator(console, scene):
    finish_queued(scene)
    with Store.open(scene.state_dir, COURSE) as engine:
        command = engine.enqueue(CommandKind.APPLY, ["dave"], Operator("alice"))
        with engine.engine_lock() as lock:
            engine.claim_next(lock.engine_id)
            engine.begin_run("apply", "alice", os.getpid(), ["dave"])
            app = console()
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot)
                summary = str(app.screen.query_one("#summary").render_line(0).text)
                assert f"apply #{command} by alice 0/1" in summary
                said = [n.message for n in app._notifications]
                assert any(
                    f"running apply (command {command}, 1 trainees) started by alice" in m
                    for m in said
                )


async def test_the_ledger_panel_hides_reads_until_l(console):
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        log = app.screen.query_one(LedgerLog)
        text = "\n".join(line.text for line in log.lines)
        assert "sts:AssumeRole" not in text and "iam:CreateUser" in text
        assert "reads hidden" in str(log.border_title)
        await pilot.press("L")
        await settle(pilot)
        text = "\n".join(line.text for line in log.lines)
        assert "sts:AssumeRole" in text
