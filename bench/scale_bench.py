"""Scale: 2,000 trainees on a zero-latency sandbox. Engine CPU time per AWS call and peak
memory (max RSS) of the engine, and of the console watching the run.

Goals: engine under 300 MB, console under 250 MB. The course here has the sample course's
first three steps (iam_user, codecommit_repo, s3_bucket): EKS and CloudFormation in moto cost
the sandbox far more than the engine, and the sandbox shares this machine's two cores.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import VENV_BIN, machine, sandbox, save, three_step_course

TRAINEES = 2000


def child_usage(argv: list[str], env: dict) -> tuple[float, float, float]:
    """Run ``argv``; (wall seconds, CPU seconds, peak RSS MB) of that child alone."""
    code = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter(); p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
        "w = time.perf_counter() - t; u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps([p.returncode, w, u.ru_utime + u.ru_stime, u.ru_maxrss / 1024]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *argv], env=env, capture_output=True, text=True, check=True
    )
    returncode, wall, cpu, rss = json.loads(out.stdout)
    if returncode != 0:
        raise SystemExit(f"{argv[:3]} exited {returncode}")
    return wall, cpu, rss


def main() -> dict:
    print(f"machine: {machine()}")
    rows = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        sandbox(trainees=TRAINEES, extra=["--dir", tmp]) as env,
    ):
        course = three_step_course(Path(env["WHODIDTHIS_COURSE"]), "scale.toml")
        state = f"{tmp}/state"
        wall, cpu, rss = child_usage(
            [str(VENV_BIN / "whodidthis"), "apply", str(course), "--state-dir", state], env
        )
        trail = Path(tmp) / "trail.jsonl"
        calls = sum(
            1
            for line in trail.read_text().splitlines()
            if json.loads(line)["account"] != "100000000000"
            or json.loads(line)["operation"] == "AssumeRole"
        )
        rows["engine"] = {
            "wall": wall,
            "cpu": cpu,
            "rss_mb": rss,
            "calls": calls,
            "cpu_ms_per_call": cpu / calls * 1000,
        }
        console = os.environ.get("WHODIDTHIS_BENCH_CONSOLE_CMD")
        if console is None:
            code = (
                "import asyncio, sys\nfrom console.app import make_app\n"
                "from pathlib import Path\n"
                "async def main():\n"
                "    app = make_app(Path(sys.argv[1]), Path(sys.argv[2]), 'bench')\n"
                "    async with app.run_test(size=(200, 50)) as pilot:\n"
                "        for _ in range(20):\n"
                "            await pilot.pause(0.25)\n"
                "asyncio.run(main())\n"
            )
            argv = [sys.executable, "-c", code, str(course), state]
        else:
            argv = console.split() + [str(course), state]
        try:
            cwall, ccpu, crss = child_usage(argv, env)
            rows["console"] = {"wall": cwall, "cpu": ccpu, "rss_mb": crss}
        except (subprocess.CalledProcessError, SystemExit) as exc:
            rows["console"] = {"error": str(exc)}
    e = rows["engine"]
    print(f"\n## Scale: {TRAINEES} trainees, zero latency, 3 steps, concurrency 32")
    print(
        f"engine : {e['wall']:7.1f} s wall, {e['cpu']:6.1f} s CPU for {e['calls']} calls = "
        f"{e['cpu_ms_per_call']:.2f} ms CPU per call; peak RSS {e['rss_mb']:.0f} MB "
        f"(goal < 300 MB)"
    )
    c = rows["console"]
    if "error" in c:
        print(f"console: could not be measured: {c['error']}")
    else:
        print(
            f"console: peak RSS {c['rss_mb']:.0f} MB over 5 s on the finished 2,000-trainee "
            f"store (goal < 250 MB), {c['cpu']:.1f} s CPU"
        )
    save("scale", rows)
    return rows


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
    main()
    time.sleep(0)
