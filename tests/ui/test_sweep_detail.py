"""The console's detail screen names a trainee's leftovers, and shows a clean sweep's receipt."""

from console.model import Leftover, TraineeState
from console.screens.detail import TraineeDetailScreen
from console.store.state import Store
from tests.ui.conftest import screen_lines, settle

QUEUE = "arn:aws:sqs:ap-northeast-1:200000000008:lab-heidi-retained"


async def test_the_detail_names_leftovers_then_shows_the_receipt(console, scene):
    app = console()
    async with app.run_test(size=(80, 24)) as pilot:
        writer = Store.open(scene.state_dir, "dojo-2026-12", clock=scene.clock)
        writer.set_trainee(
            "heidi",
            state=TraineeState.FAILED,
            error_code="Leftovers",
            error=f"Leftovers: 1 resource(s) still carry this trainee's tags: {QUEUE} (sqs:queue)",
            leftovers=[Leftover(QUEUE, "sqs:queue")],
        )
        await pilot.press("f", "enter")  # failures only: heidi first
        await settle(pilot)
        assert isinstance(app.screen, TraineeDetailScreen) and app.screen.trainee == "heidi"
        session = " ".join(" ".join(screen_lines(app)).split())  # the ARN wraps, never cut
        assert "1 leftover(s): arn:aws:sqs" in session
        error = str(app.screen.query_one("#detail-error").render())
        assert "Leftovers" in error and "sqs:queue" in error and "tear down again" in error
        writer.set_trainee(
            "heidi",
            state=TraineeState.TORN_DOWN,
            error=None,
            error_code=None,
            leftovers=[],
            receipt="0 leftovers, checked at 2026-12-01T21:00:00Z",
        )
        writer.close()
        await settle(pilot)
        session = "\n".join(screen_lines(app))
        assert "0 leftovers, checked at 2026-12-01T21:00:00Z" in session
        assert "leftover(s)" not in session
        assert not app.screen.query_one("#detail-error").display


async def test_the_detail_shows_the_trust_checks_warnings_of_the_latest_build(console, scene):
    """The engine's trust gate writes each warning as a ``trust`` event (the CLI prints them);
    the trainee's x-ray shows those of its latest build, and none for a trainee without."""
    app = console()
    async with app.run_test(size=(80, 24)) as pilot:
        writer = Store.open(scene.state_dir, "dojo-2026-12", clock=scene.clock)
        message = "the trust does not require sts:SourceIdentity: a session can hide its operator"
        writer.add_event("trust", "heidi", severity="warning", message=message)
        writer.set_trainee("heidi", state=TraineeState.FAILED, error_code="X", error="X: boom")
        writer.close()
        await pilot.press("f", "enter")  # failures only: heidi first
        await settle(pilot)
        assert isinstance(app.screen, TraineeDetailScreen) and app.screen.trainee == "heidi"
        trust = app.screen.query_one("#detail-trust")
        text = " ".join(str(trust.render()).split())
        assert trust.display and "warning: the trust does not require sts:SourceIdentity" in text
        assert "Checked before the build at" in text
        await app.push_screen(TraineeDetailScreen("alice"))  # no trust event of hers
        await settle(pilot)
        assert not app.screen.query_one("#detail-trust").display
