"""``python -m console.devtools.screenshots DIR`` (``make screenshots``): the README's pictures.

Writes ``overview.svg``, ``failure-detail.svg``, ``teardown-plan.svg`` and ``whoami.svg`` from the
demo scene (:mod:`console.devtools.demo_scene`): the console made by ``make_app`` on a real store, with the
scene's host identity, teardown plan and preflight instead of AWS, and a clock that stands still.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from console.devtools.demo_scene import (
    OPERATOR,
    live_engine,
    scene_host,
    scene_plan,
    scene_preflight,
    write_scene,
)

SIZE = (80, 24)  # what an SSM Session Manager terminal opens at; the README says so
TO_HEIDI = ("down",) * 7
PICTURES = {
    "overview.svg": (),
    "failure-detail.svg": (*TO_HEIDI, "enter"),
    "teardown-plan.svg": ("T",),  # the whole course
    "whoami.svg": (*TO_HEIDI, "i"),
}


async def take(directory: Path, name: str, keys: tuple[str, ...], size=SIZE) -> Path:
    """One picture: a fresh scene, the keys pressed, every worker finished, then the SVG."""
    from console.launch import make_app

    async def plan(names: list[str]) -> list:
        return scene_plan(names)

    async def preflight(names: list[str]) -> list:
        return scene_preflight(names)

    with tempfile.TemporaryDirectory(prefix="whodidthis-screenshots-") as scratch:
        scene = write_scene(Path(scratch))
        app = make_app(
            scene.course_path,
            scene.state_dir,
            OPERATOR,
            identity_provider=scene_host,
            engine_launcher=lambda: None,
            clock=scene.clock,
            plan_provider=plan,
            preflight_provider=preflight,
        )
        with live_engine(scene):
            await _press(app, directory / name, keys, size)
        app.store.close()
    return directory / name


async def _press(app, path: Path, keys: tuple[str, ...], size) -> None:
    async with app.run_test(size=size) as pilot:
        for key in ("", *keys):
            if key:
                await pilot.press(key)
            await pilot.pause()
            await app.refresh_from_store()
            await app.workers.wait_for_complete()
            await pilot.pause()
        width, height = size
        title = f"whodidthis · {path.stem} · {width}x{height}"
        path.write_text(app.export_screenshot(title=title), encoding="utf-8")


async def take_all(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return [await take(directory, name, keys) for name, keys in PICTURES.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m console.devtools.screenshots",
        description="Write the console's screenshots as SVG.",
    )
    parser.add_argument("directory", nargs="?", default="screenshots")
    args = parser.parse_args(argv)
    # Times on screen are local time; the pictures should not depend on where they were made.
    os.environ["TZ"] = "UTC"
    time.tzset()
    for path in asyncio.run(take_all(Path(args.directory))):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
