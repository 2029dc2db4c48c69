"""Drills: a throttling storm over 50 trainees, and credentials expiring mid-run."""

from tests.engine.helpers import cli, status


def test_a_30_percent_throttling_storm_over_50_trainees(sandbox_factory, tmp_path):
    sb = sandbox_factory(trainees=50, throttle=0.3)
    result = cli(sb, tmp_path, "apply")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    states = status(sb, tmp_path)
    assert len(states) == 50 and {t["state"] for t in states.values()} == {"READY"}
    throttled = [
        r
        for r in sb.trail()
        if r["error_code"] in ("Throttling", "ThrottlingException", "SlowDown")
    ]
    assert len(throttled) > 100


def test_credentials_expiring_mid_run_are_refreshed(sandbox_factory, tmp_path):
    # Host credentials from IMDS last 11 minutes, so botocore refreshes them on use; trainee
    # sessions the same, through the deferred assume-role fetcher.
    sb = sandbox_factory(host_credential_lifetime=660)
    sb.faults.set_credential_lifetime(660)
    result = cli(sb, tmp_path, "apply")
    assert result.returncode == 0, result.stderr
    assert {t["state"] for t in status(sb, tmp_path).values()} == {"READY"}
    assumes = [r for r in sb.trail() if r["operation"] == "AssumeRole" and r["status"] == 200]
    assert len(assumes) > len(sb.trainees)  # sessions were renewed, not failed
    assert not [r for r in sb.trail() if r["error_code"] and "Expired" in r["error_code"]]
