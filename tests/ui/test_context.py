"""The context line's numbers, the ledger's outcome words and where toasts go (issue 24.3,
24.4, 24.8)."""

from __future__ import annotations

from textual.geometry import Region
from textual.widgets._toast import Toast

from console.devtools.demo import tell_fixed, tell_story
from console.model import LedgerRecord, Outcome
from widgets.context_line import Context, Pace, context_text, expiry_words
from widgets.ledger_log import ledger_text
from widgets.trainee_table import TraineeTable

from .conftest import settle

HEIDI = 7  # rows down from the top: alice, bob, carol, dave, erin, frank, grace, heidi


def record(ts: float, **fields) -> LedgerRecord:
    values = dict(
        id=1,
        ts=ts,
        course="dojo",
        trainee="alice",
        account="200000000001",
        step=None,
        service="iam",
        operation="CreateUser",
        outcome=Outcome.OK,
    )
    values.update(fields)
    return LedgerRecord(**values)


def test_pace_counts_calls_and_every_throttled_attempt():
    pace = Pace()
    pace.take(
        [
            record(100.0),
            record(101.0, attempt_request_ids=("a", "b", "c")),  # two attempts refused
            record(102.0, outcome=Outcome.ERROR, error_code="ThrottlingException"),
            record(103.0, outcome=Outcome.UNKNOWN),  # not answered yet: not a call done
        ]
    )
    assert pace.calls_per_second(105.0) == 0.3
    assert pace.throttles_per_minute(105.0) == 3
    assert pace.throttles_per_minute(200.0) == 0  # a minute later, quiet again


def test_the_earliest_session_is_the_oldest_assume_of_a_trainee_at_work():
    pace = Pace()
    pace.take(
        [
            record(100.0, operation="AssumeRole", trainee="alice"),
            record(500.0, operation="AssumeRole", trainee="bob"),
        ]
    )
    assert pace.earliest_session_end(["bob"]) == 4100.0
    assert pace.earliest_session_end(["alice", "bob"]) == 3700.0
    assert pace.earliest_session_end([]) is None


def test_at_80_columns_the_version_gives_way_first_and_the_badge_never():
    context = Context(
        course="a-rather-long-course-name-2026",
        region="ap-northeast-1",
        endpoint="sandbox",
        version="0.1.0",
        read_only=True,
        sort="state",
        calls_per_second=12.5,
        throttles_per_minute=4,
        expires_in=3540,
        expires_what="sess exp",
    )
    wide = context_text(context, 200).plain
    assert "v0.1.0" in wide and "12.5 call/s" in wide and "4 thr/min" in wide
    narrow = context_text(context, 78).plain
    assert len(narrow) <= 78 and "v0.1.0" not in narrow
    for words in ("a-rather-long-course-name-2026", "sandbox", "READ-ONLY", "sort:state"):
        assert words in narrow
    assert expiry_words(3540) == "59m" and expiry_words(21480) == "5h58m"


def test_an_unanswered_call_is_in_flight_while_its_engine_lives():
    pending = record(100.0, outcome=Outcome.UNKNOWN)
    engine = {"pid": 42, "started_at": 50.0}
    assert "in flight" in ledger_text(pending, holder=engine).plain
    assert "unknown" in ledger_text(pending, holder=None).plain  # lost in a crash
    restarted = {"pid": 43, "started_at": 150.0}  # an engine started after the call
    assert "unknown" in ledger_text(pending, holder=restarted).plain


def error_column(table: TraineeTable) -> Region:
    """Where the table's Error column is drawn: its header and every row, to the table's edge."""
    x = table.region.x - round(table.scroll_x)
    for column in table.columns.values():
        if str(column.label) == "Error":
            return Region(x, table.region.y, table.region.right - x, table.region.height)
        x += column.get_render_width(table)
    raise AssertionError("no Error column")


async def test_toasts_sit_above_the_table_never_over_its_error_column(console):
    """Three toasts filling the room over alice's identity panel, then the cursor moved to
    heidi (her panel is a line shorter), the demo's story, its fix and the retry it asks for:
    every toast shown lies above the table, never over its Error column; the newest stays."""
    app = console()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:

        async def toasts_clear_of_the_table() -> list[Toast]:
            await settle(pilot)
            table = app.screen.query_one(TraineeTable)
            errors = error_column(table)
            toasts = list(app.screen.query(Toast))
            for toast in toasts:
                assert toast.region.bottom <= table.region.y, (toast.region, table.region)
                assert not toast.region.overlaps(errors), (toast.region, errors)
            return toasts

        await settle(pilot)
        for number in (7, 8, 9):
            app.notify(f"apply queued as command {number} for alice", timeout=30)
        assert len(await toasts_clear_of_the_table()) == 3
        await pilot.press(*["down"] * HEIDI)  # a shorter panel: the oldest goes
        assert len(await toasts_clear_of_the_table()) == 2

        tell_story(app, "heidi", "dave")  # as the demo tells it, for 15 s
        (story,) = await toasts_clear_of_the_table()
        assert story.region.height == 4  # the title and its three lines, none cut

        tell_fixed(app, "heidi")
        await pilot.press("r", "y")  # queued, engine started: two more
        toasts = await toasts_clear_of_the_table()
        assert "engine started" in str(toasts[-1].render())  # the newest stays
