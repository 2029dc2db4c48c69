"""Another process writing a course's store, as a headless ``whodidthis apply`` would.

Run as ``python -m tests.ui.writer STATE_DIR``. Each line read on stdin names the next move
(``running``, ``ready``); after each it prints ``done`` so the test knows the write committed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from console.devtools.demo_scene import COURSE, OPERATOR
from console.model import Acting, LedgerRecord, Outcome, StepState, TraineeState
from console.store.state import Store

PRINCIPAL = f"arn:aws:sts::200000000008:assumed-role/ManageEnvRole/{OPERATOR}@{COURSE}"


def running(store: Store) -> None:
    store.set_trainee(
        "heidi",
        state=TraineeState.RUNNING,
        error=None,
        error_code=None,
        principal_arn=PRINCIPAL,
        session_name=f"{OPERATOR}@{COURSE}",
        step_index=0,
        last_action="iam_user:heidi",
    )
    record = store.ledger_intent(
        LedgerRecord(
            id=None,
            ts=time.time(),
            course=COURSE,
            trainee="heidi",
            account="200000000008",
            step="iam_user:heidi",
            service="iam",
            operation="CreateUser",
            acting=Acting(
                principal_arn=PRINCIPAL,
                session_name=f"{OPERATOR}@{COURSE}",
                source_identity=OPERATOR,
            ),
        )
    )
    store.ledger_settle(record, outcome=Outcome.OK, request_id="req-from-the-other-process")


def ready(store: Store) -> None:
    for index in range(4):
        store.set_step("heidi", index, state=StepState.DONE)
    store.set_trainee(
        "heidi", state=TraineeState.READY, step_index=None, last_action="all steps done"
    )


def main() -> None:
    store = Store.open(Path(sys.argv[1]), COURSE)
    moves = {"running": running, "ready": ready}
    for line in sys.stdin:
        moves[line.strip()](store)
        print("done", flush=True)
    store.close()


if __name__ == "__main__":
    main()
