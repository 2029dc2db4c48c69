"""The course modules are core: importing them never pulls in Textual or the UI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

COURSE_MODULES = [
    "console.course.model",
    "console.course.checks",
    "console.course.lines",
    "console.course.placeholders",
    "console.course.rendered",
    "console.rules",
    "console.course.schema",
]


def test_course_modules_do_not_import_textual_or_widgets():
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in COURSE_MODULES)
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'widgets')"
        " or m == 'console.app')\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert result.stdout.strip() == ""
