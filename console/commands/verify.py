"""``whodidthis ledger COURSE --verify [--head LINKS:SHA256 ...]``: is the ledger as written?

The store's hash chain (:mod:`console.store.chain`) is recomputed record by record and checked
against every head kept outside the database: the ones ``engine.log`` recorded and the ones
given with ``--head`` (a command's summary prints its head: the CI log keeps it). Exit 0 when
all hold, 1 naming the first broken, missing or added record otherwise.
"""

from __future__ import annotations

from console.errors import EXIT_FAILED, EXIT_OK, UsageError
from console.store.chain import heads_in_log, parse_head
from console.words import printable


def verify_ledger(opened, given: list[str]) -> int:
    """Verify the opened course's ledger; print the verdict; the exit code."""
    from console.engine.process import engine_log_path

    try:
        heads = [parse_head(text) for text in given]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    log = engine_log_path(opened.state_dir, opened.course.name)
    heads += heads_in_log(log)
    store = opened.store
    try:
        checked, problems = store.verify_ledger(heads)
        now = store.ledger_head()
    finally:
        store.close()
    if problems:
        print(f"ledger of {opened.course.name}: NOT as written ({len(problems)} problem(s))")
        print(f"first: {printable(problems[0])}")
        for problem in problems[1:]:
            print(f"  also: {printable(problem)}")
        return EXIT_FAILED
    print(
        f"ledger of {opened.course.name}: {checked} records as written "
        f"({now.links} chain links; head sha256 {now.digest or '-'}; "
        f"{len(heads)} head(s) kept outside the store checked)"
    )
    return EXIT_OK
