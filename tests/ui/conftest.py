"""Fixtures for the console tests: the demo scene in a real store, fake engine launcher, and a
console made by ``make_app`` with everything that would reach AWS replaced by the scene's data."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import pytest

from console.app import WhodidthisApp
from console.devtools.demo_scene import (
    OPERATOR,
    Scene,
    scene_host,
    scene_plan,
    scene_preflight,
    write_scene,
)
from console.launch import make_app


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    """Times on screen are local time: pin the zone so pictures match on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


class EngineLauncher:
    """Stands in for ``runner.ensure_engine``: records each call; the first one "starts" pid 4242
    and later ones find it running, as the real one does."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int | None:
        self.calls += 1
        return 4242 if self.calls == 1 else None


class Providers:
    """The scene's answers to the read-only AWS questions, recording who asked what."""

    def __init__(self) -> None:
        self.plans: list[list[str]] = []
        self.preflights: list[list[str]] = []

    async def plan(self, names: list[str]) -> list:
        self.plans.append(list(names))
        return scene_plan(names)

    async def preflight(self, names: list[str]) -> list:
        self.preflights.append(list(names))
        return scene_preflight(names)


@pytest.fixture
def scene(tmp_path: Path) -> Scene:
    return write_scene(tmp_path / "scene")


@pytest.fixture
def launcher() -> EngineLauncher:
    return EngineLauncher()


@pytest.fixture
def providers() -> Providers:
    return Providers()


@pytest.fixture
def console(scene: Scene, launcher: EngineLauncher, providers: Providers):
    """A factory for the console on the scene; keyword arguments override make_app's."""
    made: list[WhodidthisApp] = []

    def make(**overrides) -> WhodidthisApp:
        options = dict(
            identity_provider=scene_host,
            engine_launcher=launcher,
            clock=scene.clock,
            plan_provider=providers.plan,
            preflight_provider=providers.preflight,
            poll_interval=0.05,
        )
        options.update(overrides)
        app = make_app(scene.course_path, scene.state_dir, OPERATOR, **options)
        made.append(app)
        return app

    yield make
    for app in made:
        app.store.close()


async def settle(pilot) -> None:
    """Wait until what the console was asked to do is on screen: read the store now, let every
    worker (host identity, plan, preflight, poll) finish, let the messages be handled, and let
    a big table finish adding its rows (they follow the first hundred on short timers)."""
    from widgets.trainee_table import TraineeTable

    await pilot.pause()
    await pilot.app.refresh_from_store()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for table in pilot.app.screen.query(TraineeTable):
        for _ in range(200):
            if not table.rows_pending:
                break
            await pilot.pause(0.02)  # the table's own timer adds the next chunk
        assert not table.rows_pending


def plain(widget) -> str:
    """What a Static shows, as plain text at its width (its renderable may be a Rich table)."""
    import io

    from rich.console import Console

    console = Console(
        width=widget.content_region.width or 80, file=io.StringIO(), record=True, color_system=None
    )
    console.print(widget.content)
    return console.export_text()


def row_of(table, name: str) -> dict[str, str]:
    """The plain text of a trainee's row, by column key."""
    return {
        key.value: str(getattr(cell, "plain", cell))
        for key, cell in zip(table.columns, table.get_row(name), strict=True)
    }


def screen_lines(app) -> list[str]:
    """The screen as plain text lines, read from the SVG screenshot the App exports.

    Rich places each run of text at its cell (``x`` in steps of 12.2, ``y`` of 24.4 for its
    20-pixel font), so the runs are put back on a grid of cells.
    """
    svg = app.export_screenshot(simplify=False)
    width, height = app.size
    grid = [[" "] * width for _ in range(height)]
    ys = sorted({float(m["y"]) for m in _SVG_TEXT.finditer(svg)})
    for match in _SVG_TEXT.finditer(svg):
        row = round((float(match["y"]) - ys[0]) / 24.4)
        column = round(float(match["x"]) / 12.2)
        for offset, char in enumerate(html.unescape(match["text"]).replace("\xa0", " ")):
            if 0 <= row < height and column + offset < width:
                grid[row][column + offset] = char
    return ["".join(line).rstrip() for line in grid]


_SVG_TEXT = re.compile(
    r'<text class="[^"]*-r\d+" x="(?P<x>[\d.]+)" y="(?P<y>[\d.]+)"[^>]*>'
    r"(?P<text>[^<]*)</text>"
)
