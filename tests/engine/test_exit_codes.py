"""A command's exit code is about its own outcome (issue 14, item 11)."""

from console.model import CommandKind
from tests.engine.helpers import status
from tests.engine.test_cancel import foreground, open_store
from tests.engine.test_crash import wait_for


def test_an_apply_that_ended_ready_exits_0_although_a_later_teardown_changed_the_states(
    sandbox, tmp_path
):
    sandbox.faults.set_latency(100)
    apply = foreground(sandbox, tmp_path)
    store = open_store(tmp_path)
    wait_for(lambda: any(c.claimed_by for c in store.commands()), what="the apply to start")
    store.enqueue(CommandKind.TEARDOWN, [], "bob")  # another operator, queued after it
    out, err = apply.communicate(timeout=300)
    sandbox.faults.set_latency(0)

    assert f"{len(sandbox.trainees)} READY" in out, out[-2000:]
    assert apply.returncode == 0, out[-2000:] + err[-2000:]
    # The teardown did run after it, so the store's states are no longer the apply's.
    assert {t["state"] for t in status(sandbox, tmp_path).values()} == {"TORN_DOWN"}
