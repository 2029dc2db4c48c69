"""``whodidthis engine COURSE``: the detached engine's entry point (not listed in --help)."""

from __future__ import annotations

from console.commands.options import CourseOptions, add_common, add_course, new_parser


def add_parser(sub, name: str, summary: str | None):
    p = new_parser(sub, name, summary)
    add_course(p)
    add_common(p)
    p.set_defaults(handler=cli_engine, options=CourseOptions)
    return p


def cli_engine(options: CourseOptions) -> int:
    from console.engine.process import cli_engine as engine_main

    return engine_main(options)
