"""Every whodidthis command turns core dumps off at start (issue 14, item 6): the soft
``RLIMIT_CORE`` is 0 and the process is not dumpable (``PR_GET_DUMPABLE`` is 0), so neither a
crash nor another process of the same user can copy its credentials out of memory."""

import json
import resource
import shutil
import subprocess
import sys

import pytest

PROBE = """
import json, resource, sys
from console.cli import main
from console.engine.coredump import dumpable
code = main(sys.argv[1:])
print(json.dumps({"code": code, "dumpable": dumpable(),
                  "core": resource.getrlimit(resource.RLIMIT_CORE)[0]}))
"""


def _probe(env, *argv: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: resource.setrlimit(
            resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
        ),
    )
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    "argv",
    [["whoami", "--json"], ["status"], ["preflight"], ["apply"], ["teardown"]],
    ids=lambda argv: argv[0],
)
def test_each_command_is_not_dumpable_and_has_no_core_limit(sandbox_factory, tmp_path, argv):
    sandbox = sandbox_factory(trainees=1)
    course = [] if argv[0] == "whoami" else [str(sandbox.course_path), "--state-dir", str(tmp_path)]
    answer = _probe(sandbox.clean_env(), *argv, *course)
    assert answer == {"code": 0, "dumpable": False, "core": 0}


NO_CAPS = ["setpriv", "--bounding-set=-all", "--inh-caps=-all"]


def test_another_process_of_the_same_user_cannot_read_the_engine(sandbox, tmp_path):
    """Both without capabilities (as an ordinary user's processes are), a process of the
    engine's own user is refused /proc/<pid>/environ: a non-dumpable process is no one's to
    inspect."""
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is needed to drop the capabilities root has")
    from console.store.state import Store
    from tests.engine.test_crash import COURSE, wait_for

    sandbox.faults.set_latency(100)
    argv = [sys.executable, "-m", "console", "apply", str(sandbox.course_path), "--detach"]
    started = subprocess.run(
        [*NO_CAPS, *argv, "--state-dir", str(tmp_path)],
        env=sandbox.clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 0, started.stderr
    store = Store.open(tmp_path, COURSE)
    pid = int(wait_for(store.engine_holder, what="the detached engine")["pid"])
    peek = subprocess.run([*NO_CAPS, "cat", f"/proc/{pid}/environ"], capture_output=True)
    assert peek.returncode != 0 and b"Permission denied" in peek.stderr
    wait_for(lambda: store.engine_holder() is None, what="the engine to go idle and exit")
