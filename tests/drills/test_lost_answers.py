"""Drill: every create's first answers are lost after the create took effect (a 500 from AWS);
apply still brings every trainee to READY with exactly one of each resource (issue 14, item 8)."""

from tests.engine.helpers import cli, status
from tests.engine.test_crash import counts

CREATES = {
    "iam": "CreateUser",
    "codecommit": "CreateRepository",
    "s3": "CreateBucket",
    "eks": "CreateCluster",
}


def test_apply_through_lost_create_answers_makes_each_resource_once(sandbox, tmp_path):
    lost = len(sandbox.trainees)
    for service, operation in CREATES.items():
        sandbox.faults.add_error(
            "InternalFailure",
            "We encountered an internal error. Please try again.",
            status=500,
            service=service,
            operation=operation,
            first=lost,
            after_applying=True,
        )

    result = cli(sandbox, tmp_path, "apply")

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert {t["state"] for t in status(sandbox, tmp_path).values()} == {"READY"}
    assert counts(sandbox) == [(1, 1, 1, 1)] * len(sandbox.trainees)
    answered = [r for r in sandbox.trail() if r["operation"] in CREATES.values()]
    assert sum(r["status"] == 500 for r in answered) == lost * len(CREATES)
