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
