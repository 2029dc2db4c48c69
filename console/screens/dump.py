"""A dump of the screen to files: plain text to paste in a ticket, SVG to look at."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from widgets.datatable_cache import screen_text


def dump_folder() -> Path:
    """The current folder when it is writable (where the operator will look), else /tmp."""
    here = Path.cwd()
    return here if os.access(here, os.W_OK) else Path(tempfile.gettempdir())


def dump_screen(app, when: dt.datetime, folder: Path | None = None) -> tuple[Path, Path]:
    """Write ``whodidthis-screen-<UTC time>.txt`` and ``.svg``; returns both paths."""
    folder = folder or dump_folder()
    stem = folder / f"whodidthis-screen-{when.strftime('%Y%m%dT%H%M%SZ')}"
    text, svg = stem.with_suffix(".txt"), stem.with_suffix(".svg")
    text.write_text(screen_text(app), encoding="utf-8")
    svg.write_text(app.export_screenshot(), encoding="utf-8")
    return text, svg
