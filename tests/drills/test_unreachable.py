"""Drill: AWS becomes unreachable in the middle of an apply, then comes back (issue 14, item 4).

Every trainee not yet READY fails with the connection error itself, naming the endpoint that
could not be reached; the ledger says which calls never got through; the next apply resumes and
finishes with nothing created twice."""

import subprocess
import sys

from console.model import Outcome, StepState
from console.store.state import Store
from tests.engine.helpers import cli, status
from tests.engine.test_crash import COURSE, counts, wait_for

# The operator's own retry setting (docs/contracts.md, "AWS settings and retries"): fewer attempts make
# botocore give up on a refused connection sooner, so the drill does not wait out 10 backoffs.
FEW_ATTEMPTS = {"AWS_MAX_ATTEMPTS": "3"}


def test_aws_unreachable_mid_run_fails_with_the_endpoint_then_resumes(sandbox, tmp_path):
    sandbox.faults.set_latency(200)
    env = {**sandbox.clean_env(), **FEW_ATTEMPTS}
    apply = subprocess.Popen(
        [sys.executable, "-m", "console", "apply", str(sandbox.course_path)]
        + ["--state-dir", str(tmp_path), "--operator", "alice"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    store = wait_for(
        lambda: (tmp_path / COURSE / "state.sqlite3").exists() and Store.open(tmp_path, COURSE),
        what="the store",
    )
    wait_for(
        lambda: any(s.state == StepState.DONE for t in store.trainees() for s in t.steps),
        what="a first step done",
    )
    sandbox.set_reachable(False)
    try:
        out, err = apply.communicate(timeout=300)
    finally:
        sandbox.set_reachable(True)
    sandbox.faults.set_latency(0)

    assert apply.returncode == 1, out[-2000:] + err[-2000:]
    # The real error, in sentences: not the ledger's complaint about it, no traceback.
    assert "ValueError" not in out + err and "ledger record" not in out + err
    assert "Traceback" not in err, err[-3000:]
    failed = [t for t in status(sandbox, tmp_path).values() if t["state"] != "READY"]
    assert failed, "the outage came too late to fail anyone"
    for trainee in failed:
        assert trainee["state"] == "FAILED"
        assert trainee["error_code"] == "EndpointConnectionError", trainee
        assert f'Could not connect to the endpoint URL: "{sandbox.gateway_url}' in trainee["error"]
        assert "could not be reached" in trainee["error"]
    refused = [r for r in store.ledger() if r.error_code == "EndpointConnectionError"]
    assert refused and all(r.outcome == Outcome.ERROR for r in refused)  # never reached AWS
    assert all(sandbox.gateway_url in (r.error_message or "") for r in refused)

    again = cli(sandbox, tmp_path, "apply")
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert {t["state"] for t in status(sandbox, tmp_path).values()} == {"READY"}
    assert counts(sandbox) == [(1, 1, 1, 1)] * len(sandbox.trainees)
