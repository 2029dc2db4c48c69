"""Following a run to its end, the ledger's changes, and a JUnit report, against the sandbox.

``apply --detach`` queues a command and starts the engine; ``status --watch`` waits for the
command to be claimed, follows it until it settles and exits with its code. The ledger shows
what changed (a teardown plan's reads are hidden unless ``--all``); ``--junit`` writes one test
case per trainee.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from console.store.state import Store
from tests.engine.helpers import cli

COURSE = "dojo-2026-12"
READS = ("AssumeRole", "GetCallerIdentity")


def quick_course(sandbox, folder):
    """The sandbox's course without its CloudFormation step: these tests are about following
    a run and reading its ledger, which four step kinds show as well, in less time."""
    text = sandbox.course_path.read_text()
    path = folder / "course.toml"
    path.write_text(text[: text.index('[[step]]\nkind = "cloudformation_stack"')])
    return path


def whodidthis(sandbox, state_dir, *args, **kwargs):
    return cli(sandbox, state_dir, *args, course=quick_course(sandbox, state_dir), **kwargs)


def test_status_watch_follows_a_detached_apply_to_its_end_and_exits_with_its_code(
    sandbox_factory, tmp_path
):
    sandbox = sandbox_factory(trainees=4, before={"dave": "other-account"})
    started = whodidthis(sandbox, tmp_path, "apply", "--detach")
    assert started.returncode == 0, started.stderr
    assert "status" in started.stderr and "--watch" in started.stderr

    watched = whodidthis(sandbox, tmp_path, "status", "--watch", timeout=240)
    # dave's role trusts another account: the apply fails for him, and the watch says so
    assert watched.returncode == 1, watched.stderr
    last = watched.stdout.strip().split("\n\n")[-1]
    assert "following apply" in watched.stdout  # it saw the command, not only the states
    assert "✖ FAILED" in next(line for line in last.splitlines() if line.startswith("dave"))
    assert sum("✔ READY" in line for line in last.splitlines()) == 3

    store = Store.open(tmp_path, COURSE, readonly=True)
    try:
        [apply] = store.commands()
        assert apply.done_at is not None  # the watch ended after the command, not before
    finally:
        store.close()


def test_status_watch_of_a_clean_detached_apply_exits_0(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(trainees=2)
    assert whodidthis(sandbox, tmp_path, "apply", "--detach").returncode == 0
    watched = whodidthis(sandbox, tmp_path, "status", "--watch", "-o", "json", timeout=240)
    assert watched.returncode == 0, watched.stderr
    frames = [json.loads(line) for line in watched.stdout.splitlines()]
    final = {t["name"]: t for t in frames[-1]["trainees"]}
    assert {t["state"] for t in final.values()} == {"READY"}
    assert {t["steps_built"] for t in final.values()} == {frames[-1]["trainees"][0]["step_count"]}


def test_ledger_follow_prints_a_detached_runs_changes_and_exits_with_its_code(
    sandbox_factory, tmp_path
):
    sandbox = sandbox_factory(trainees=2)
    assert whodidthis(sandbox, tmp_path, "apply", "--detach").returncode == 0
    followed = whodidthis(sandbox, tmp_path, "ledger", "--follow", "--json", timeout=240)
    assert followed.returncode == 0, followed.stderr
    records = [json.loads(line) for line in followed.stdout.splitlines()]
    assert any(r["operation"].startswith("Create") for r in records)
    assert not any(r["operation"] in READS for r in records)
    assert len({r["request_id"] for r in records}) == len(records)  # each printed once


def test_ledger_shows_changes_and_all_shows_the_reads_after_a_build_and_a_plan(
    sandbox_factory, tmp_path
):
    sandbox = sandbox_factory(trainees=2)
    assert whodidthis(sandbox, tmp_path, "apply").returncode == 0
    plan = whodidthis(sandbox, tmp_path, "teardown")  # the plan only: reads
    assert plan.returncode == 0, plan.stderr

    shown = whodidthis(sandbox, tmp_path, "ledger")
    assert shown.returncode == 0
    calls = [line.split()[2] for line in shown.stdout.splitlines()[1:]]
    assert calls and all(
        ":Create" in c
        or ":Put" in c
        or ":Tag" in c
        or ":Attach" in c
        or ":Update" in c
        or ":Set" in c
        for c in calls
    ), calls
    assert not any(c.split(":")[1].startswith(("Describe", "Get", "List", "Assume")) for c in calls)
    assert "reads hidden: --all shows them" in shown.stderr

    everything = whodidthis(sandbox, tmp_path, "ledger", "--all", "--json")
    operations = {json.loads(line)["operation"] for line in everything.stdout.splitlines()}
    assert {"AssumeRole", "GetCallerIdentity"} <= operations
    assert len(everything.stdout.splitlines()) > len(calls)


def test_junit_has_one_case_per_trainee_and_the_failures_reason(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(trainees=3, before={"carol": "other-account"})
    report = tmp_path / "build.xml"
    result = whodidthis(sandbox, tmp_path, "apply", "--junit", str(report))
    assert result.returncode == 1, result.stderr

    root = ET.parse(report).getroot()  # well-formed, or this raises
    [suite] = root.findall("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert set(cases) == {"alice", "bob", "carol"}
    assert suite.get("tests") == "3" and suite.get("failures") == "1"
    failure = cases["carol"].find("failure")
    assert failure is not None and "AccessDenied" in failure.get("message", "")
    assert cases["alice"].find("failure") is None and float(cases["alice"].get("time")) > 0


def test_junit_with_detach_is_refused_before_anything_is_queued(sandbox, tmp_path):
    result = whodidthis(sandbox, tmp_path, "apply", "--detach", "--junit", str(tmp_path / "x.xml"))
    assert result.returncode == 2 and "--junit needs the command's end" in result.stderr
    assert not (tmp_path / COURSE).exists() or not Store.open(tmp_path, COURSE).commands()
