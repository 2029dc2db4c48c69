"""``whodidthis run`` and ``view``: the console's command line.

The console itself is a face above the commands' layer, so its function is named here as
``module:function`` and imported by the dispatcher only when the console opens.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.commands.options import CourseOptions, add_common, add_course, new_parser

EXAMPLES = {
    "run": """examples:
  whodidthis run dojo.toml              the console; attaches to a running engine
  whodidthis dojo.toml                  the same (run is the default command)
  whodidthis run --read-only dojo.toml  watch only, as `whodidthis view`""",
    "view": """examples:
  whodidthis view dojo.toml   everything visible, no action key, no engine started""",
}


@dataclass(frozen=True, kw_only=True)
class ConsoleOptions(CourseOptions):
    read_only: bool = False


def add_parser(sub, name: str, summary: str | None):
    p = new_parser(sub, name, summary, epilog=EXAMPLES[name])
    add_course(p)
    if name == "run":
        p.add_argument(
            "--read-only",
            action="store_true",
            help="only watch: no action key, no engine started (as `whodidthis view`)",
        )
    add_common(p)
    p.set_defaults(
        handler="console.launch:run_console", options=ConsoleOptions, read_only=name == "view"
    )
    return p
