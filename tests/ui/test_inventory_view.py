"""The inventory view (``:inventory``) and its clean action, at 80x24 on the demo scene.

The rows come from the inventory provider (the scene's: ``console.devtools.scene_inventory``),
read in a worker: while CloudTrail is read, the view says so and the keys still work. ``x``
shows what would be deleted and kept behind the teardown's typed confirmation, then queues the
engine's ``trainee-made`` command for the chosen trainees; a read-only view does neither.
"""

from __future__ import annotations

import asyncio

from textual.widgets import Input, RichLog, Static

from console.devtools.scene_inventory import scene_inventory
from console.model import CommandKind
from console.screens.inventory import CleanMadeScreen, InventoryView

from .conftest import screen_lines, settle

SIZE = (80, 24)


class Provider:
    """The scene's inventory, held back until ``release`` (CloudTrail is slow)."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []
        self.gate = asyncio.Event()

    async def __call__(self, names: list[str]) -> list:
        self.asked.append(list(names))
        await self.gate.wait()
        return scene_inventory(names)


def rows(view: InventoryView) -> list[list[str]]:
    table = view.table
    return [
        [str(getattr(c, "plain", c)) for c in table.get_row_at(i)] for i in range(table.row_count)
    ]


async def open_inventory(pilot) -> InventoryView:
    await pilot.press("colon", *"inv", "enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, InventoryView)
    return pilot.app.screen


async def test_the_view_reads_in_a_worker_then_lists_what_each_trainee_made(console):
    provider = Provider()
    app = console(inventory_provider=provider)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = await open_inventory(pilot)
        # CloudTrail not answered yet: the view says what it waits for, and keys still act.
        title = str(view.query_one("#view-title", Static).content)
        assert "reading CloudTrail of 12 accounts, read-only" in title
        await pilot.press("colon")
        assert view.query_one("#command-line", Input).display
        await pilot.press("escape")
        provider.gate.set()
        await settle(pilot)
        found = rows(view)
        alice = [r for r in found if r[0] == "alice"]
        assert [r[1:4] for r in alice] == [
            ["SQS::Queue", "orders", "ap-northeast-1"],
            ["EC2::Instance", "i-0e322c782e7124c78", "eu-west-1"],
            ["S3::Bucket", "alice-scratch", "ap-northeast-1"],
            ["IAM::User", "helper", "us-east-1"],
        ]
        assert [r[4:] for r in alice[:3]] == [
            ["alice", "07:31", "yes"],
            ["alice", "07:35", "yes $"],
            ["alice", "07:38", "gone"],
        ]
        assert [r for r in found if r[2] == "ops-queue"][0][:5] == [
            "carol",
            "SQS::Queue",
            "ops-queue",
            "ap-northeast-1",
            "ops",
        ]
        assert [r[1] for r in found if r[0] == "heidi"] == ["cannot read"]
        assert [r[1] for r in found if r[0] == "bob"] == ["nothing made"]
        assert provider.asked == [[]]
        assert "4 made by the trainees still there" in str(view.query_one("#view-title").content)
        lines = screen_lines(app)
        assert max(len(line.rstrip()) for line in lines) <= 80
        await pilot.press("down", "enter")  # the instance in full
        shown = [n.message for n in app._notifications]
        assert any("i-0e322c782e7124c78 in eu-west-1, made by alice (IAM user)" in m for m in shown)
        assert any("costs money while it exists" in m for m in shown)
        await pilot.press("R")  # read again
        await settle(pilot)
        assert provider.asked == [[], []]


async def test_clean_asks_for_the_name_then_queues_trainee_made(console, launcher):
    provider = Provider()
    provider.gate.set()
    app = console(inventory_provider=provider)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_inventory(pilot)
        await settle(pilot)
        await pilot.press("x")  # the cursor is on alice's first row
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CleanMadeScreen)
        assert dialog.focused is dialog.query_one("#confirm-name", Input)  # enter alone: nothing
        said = "\n".join(str(line) for line in dialog.query_one("#plan", RichLog).lines)
        assert "delete AWS::SQS::Queue orders in ap-northeast-1" in said
        assert "delete AWS::IAM::User helper in us-east-1" in said
        assert "alice-scratch" not in said  # gone already
        assert "3 resource(s) would be deleted, 0 kept" in str(
            dialog.query_one("#plan-status", Static).content
        )
        await pilot.press("enter", *"bob", "enter")
        await settle(pilot)
        assert app.screen is dialog and "That is not alice" in str(
            dialog.query_one("#plan-status", Static).content
        )
        assert not [c for c in app.store.commands() if c.kind == CommandKind.TRAINEE_MADE]
        await pilot.press(*"alice", "enter")
        await settle(pilot)
        assert isinstance(app.screen, InventoryView)
        [queued] = [c for c in app.store.commands() if c.kind == CommandKind.TRAINEE_MADE]
        assert queued.trainees == ("alice",) and queued.operator.name == "kenji"
        assert launcher.calls == 1
        # Two marked trainees: the word is how many; carol's is kept (not hers) and named.
        await pilot.press("space", *["down"] * 5, "space", "x")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CleanMadeScreen) and dialog.word == "2"
        said = "\n".join(str(line) for line in dialog.query_one("#plan", RichLog).lines)
        assert "keep   AWS::SQS::Queue ops-queue" in said and "not the trainee" in said
        await pilot.press("escape")
        await settle(pilot)
        assert len([c for c in app.store.commands() if c.kind == CommandKind.TRAINEE_MADE]) == 1


async def test_a_read_only_view_lists_but_never_cleans(console, launcher):
    provider = Provider()
    provider.gate.set()
    app = console(read_only=True, inventory_provider=provider)
    before = app.store.commands()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = await open_inventory(pilot)
        await settle(pilot)
        assert rows(view)
        for key in ("x", "space", "x"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is view, key
        assert "Clean" not in screen_lines(app)[-1]
    assert app.store.commands() == before and launcher.calls == 0


def test_inventory_view(snap_compare, console):
    """The inventory at 80x24: alice's queue, instance (there $), deleted bucket (gone) and
    IAM user; bob and others with nothing made by hand; carol's NAT gateway by LabAdmin/carol
    and the ops queue by ops (grey: not hers); heidi's account not read; the footer with x Clean."""
    provider = Provider()
    provider.gate.set()

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("colon", *"inv", "enter")
        await settle(pilot)

    assert snap_compare(
        console(inventory_provider=provider), terminal_size=SIZE, run_before=run_before
    )
