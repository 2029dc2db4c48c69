"""How fast the state store takes the engine's writes and answers a console's polls.

The engine writes about ten rows per AWS call (a ledger intent and its action event, the
completion and its event, trainee and step updates with theirs) for up to 2,000 trainees.
This prints writes per second for each kind of write, with and without a console process
polling at the same time, and how long the console's reads take. It asserts nothing.

    .venv/bin/python bench/store_bench.py [--trainees 2000] [--calls 5000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.model import Acting, LedgerRecord, Outcome, StepState, TraineeState
from console.store.state import Store

COURSE = "bench"
STEPS = [
    ("iam_user", "{trainee}"),
    ("codecommit_repo", "app"),
    ("s3_bucket", "{course}-{account}"),
    ("eks_cluster", "{trainee}-eks"),
    ("cloudformation_stack", "{trainee}-stack"),
]


def trainee_names(count: int) -> list[tuple[str, str]]:
    return [(f"t{n:04d}", f"{100000000000 + n:012d}") for n in range(count)]


def timed(
    label: str, count: int, rows_each: int, action: Callable[[int], object], unit: str = "tx"
) -> None:
    """Run ``action(i)`` ``count`` times and print actions and rows per second."""
    start = time.perf_counter()
    for i in range(count):
        action(i)
    elapsed = time.perf_counter() - start
    rate = f"{count / elapsed:9.0f} {unit}/s"
    print(f"  {label:<44} {rate:>16}  {count * rows_each / elapsed:9.0f} rows/s")


def engine_call(store: Store, names: list[tuple[str, str]], i: int) -> None:
    """One AWS call's worth of writes, as the engine makes them (4 transactions, 8 rows)."""
    name, account = names[i % len(names)]
    record_id = store.ledger_intent(
        LedgerRecord(
            id=None,
            ts=time.time(),
            course=COURSE,
            trainee=name,
            account=account,
            step="iam_user",
            service="iam",
            operation="CreateUser",
            acting=Acting(
                principal_arn=f"arn:aws:sts::{account}:assumed-role/ManageEnvRole/op@{COURSE}",
                session_name=f"op@{COURSE}",
                source_identity="op",
            ),
        )
    )
    store.ledger_settle(record_id, outcome=Outcome.OK, request_id=f"req-{i}")
    store.set_trainee(
        name, state=TraineeState.RUNNING, step_index=i % 5, last_action="iam:CreateUser"
    )
    store.set_step(name, i % 5, state=StepState.DONE)


def poll_forever(state_dir: str, stop) -> None:
    """A console: poll events and the change counter until told to stop."""
    store = Store.open(Path(state_dir), COURSE, readonly=True)
    last = 0
    while not stop.is_set():
        if store.data_version():
            events = store.events_since(last, limit=1000)
            last = events[-1].id if events else last


def writes(store: Store, names: list[tuple[str, str]], calls: int) -> None:
    timed("add_event", calls, 1, lambda i: store.add_event("note", "t0000", n=i))
    timed(
        "set_trainee (update + event)",
        calls,
        2,
        lambda i: store.set_trainee(names[i % len(names)][0], last_action=f"call {i}"),
    )
    timed(
        "ledger_intent (insert + event)",
        calls,
        2,
        lambda i: store.ledger_intent(
            LedgerRecord(
                None,
                time.time(),
                COURSE,
                "t0000",
                "100000000000",
                None,
                "iam",
                "TagUser",
                Acting("arn:p", "op@bench", "op"),
            )
        ),
    )
    timed(
        "AWS call: intent, complete, trainee, step",
        calls // 4,
        8,
        lambda i: engine_call(store, names, i),
        unit="calls",
    )


def reads(store: Store) -> None:
    last = store.last_event_id()
    for label, action in (
        ("trainees() all rows with steps", store.trainees),
        ("events_since(last - 100)", lambda: store.events_since(last - 100)),
        ("ledger(trainee=...)", lambda: store.ledger(trainee="t0001")),
        ("data_version()", store.data_version),
    ):
        repeat = 20
        start = time.perf_counter()
        for _ in range(repeat):
            action()
        print(f"  {label:<44} {(time.perf_counter() - start) / repeat * 1000:9.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=2000)
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args()
    names = trainee_names(args.trainees)
    with tempfile.TemporaryDirectory(prefix="store-bench-") as state_dir:
        store = Store.open(Path(state_dir), COURSE)
        start = time.perf_counter()
        store.sync_roster(names, STEPS)
        print(
            f"sync_roster {args.trainees} trainees x {len(STEPS)} steps: "
            f"{time.perf_counter() - start:.3f} s"
        )
        print("writes, alone:")
        writes(store, names, args.calls)
        context = multiprocessing.get_context("spawn")
        stop = context.Event()
        console = context.Process(target=poll_forever, args=(state_dir, stop))
        console.start()
        print("writes, with a console process polling non-stop:")
        writes(store, names, args.calls)
        stop.set()
        console.join()
        print(f"reads ({store.last_event_id()} events, {len(store.ledger())} ledger records):")
        reads(store)
        store.close()


if __name__ == "__main__":
    main()
