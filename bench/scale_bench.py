"""Scale: 2,000 and 5,000 trainees at 50 ms and 200 ms per call, each on a fresh stand-in.

For every run it prints the wall time against each bound on it, and which bound holds:

* the latency ideal: calls x latency / concurrency (AWS answering instantly would beat it);
* the engine's CPU: its own rusage (``wait4``), over the cores it can use (one per engine
  process);
* the stand-in's CPU: its process's CPU during the build (from /proc), over one core (moto
  and the gateway share one interpreter lock);
* the machine: both CPUs together over this machine's cores (on 2 cores the stand-in
  competes with the engine; against AWS the engine's share alone counts);
* the AssumeRole pace: the host's AssumeRoles over the engine's pace for them
  (``console.aws.pacing.ASSUME_ROLE_RATE`` a second, shared by every trainee of the host);
* the machine full: every process's CPU on this machine during the run (/proc/stat) over its
  cores. Printed beside the others but never the build's binding bound: on a host shared with
  other work it equals the wall time whenever the others fill the cores, and the run says so.

It prints the engine's CPU per AWS call beside the stand-in's, so the figure means the same on a
bigger host, and the engine's peak memory (goal < 300 MB at 2,000 trainees), then the console's
peak memory on the largest finished store (goal < 250 MB).

The course has the sample course's first three steps (iam_user, codecommit_repo, s3_bucket): EKS
and CloudFormation in moto cost the stand-in far more than the engine. ``--quick`` (or
``WHODIDTHIS_BENCH_QUICK=1``) runs the check below alone, to check the bench itself;
``--sizes 2000,5000 --latencies 50,200 --concurrency 100`` choose the runs. First, always, the
issue's check: 200 trainees at 50 ms, concurrency 32, on one engine process and then on the
default workers (one per core), each within 1.25x of its highest bound?
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
from pathlib import Path

from common import (
    QUICK,
    SANDBOX_PID,
    VENV_BIN,
    machine,
    machine_busy,
    measured,
    process_tree_cpu,
    sandbox,
    save,
    three_step_course,
    trail_calls,
)

from console.aws.pacing import ASSUME_ROLE_RATE
from console.engine.workers import worker_count

SIZES, LATENCIES = (2000, 5000), (50, 200)
#: The issue's check: 200 trainees, 50 ms, concurrency 32, the single-process engine beside the
#: default (one worker per core), within 1.25x of the highest bound.
CHECK = (200, 50, 32)
GOAL = 1.25
QUICK_SIZES, QUICK_LATENCIES = (), ()  # the check alone
#: A large event's setting: every limit but the host's AssumeRole pace is per trainee account,
#: so the host chooses how many trainees are in flight.
CONCURRENCY = 100


def course_at(env: dict, concurrency: int) -> Path:
    """The three-step course at ``concurrency``."""
    course = three_step_course(Path(env["WHODIDTHIS_COURSE"]), "scale.toml")
    text = course.read_text().replace("concurrency = 32", f"concurrency = {concurrency}")
    course.write_text(text)
    return course


def one_run(trainees: int, latency: int, concurrency: int, workers: int | None) -> dict:
    """One build on a fresh stand-in: times, CPU of both sides, calls, peak memory.

    ``workers`` sets ``WHODIDTHIS_WORKERS``; None leaves the engine its default."""
    count = workers or worker_count(trainees, "")
    with (
        tempfile.TemporaryDirectory() as tmp,
        sandbox(trainees=trainees, latency_ms=latency, extra=["--dir", tmp]) as env,
    ):
        course = course_at(env, concurrency)
        standin = int(env[SANDBOX_PID])
        before, busy = process_tree_cpu(standin), machine_busy()
        argv = [str(VENV_BIN / "whodidthis"), "apply", str(course), "--state-dir", f"{tmp}/state"]
        engine = measured(argv, {**env, "WHODIDTHIS_WORKERS": str(count)})
        standin_cpu = process_tree_cpu(standin) - before
        busy = machine_busy() - busy
        calls = trail_calls(Path(tmp) / "trail.jsonl")
        assumes = assume_roles(Path(tmp) / "trail.jsonl")
        console = console_usage(course, f"{tmp}/state", env) if trainees >= 2000 else None
    row = {
        "trainees": trainees,
        "latency_ms": latency,
        "concurrency": concurrency,
        "workers": count,
        "calls": calls,
        "assume_roles": assumes,
        "wall": engine["wall"],
        "engine_cpu": engine["cpu"],
        "engine_rss_mb": engine["rss_mb"],
        "standin_cpu": standin_cpu,
        "machine_busy": busy,
        "console": console,
    }
    row["bounds"] = bounds(row)
    return row


def bounds(row: dict) -> dict[str, float]:
    """Every lower bound on the build's wall time, in seconds."""
    cores = os.cpu_count() or 1
    engine_cores = min(row["workers"], cores)
    return {
        "latency ideal": row["calls"] * row["latency_ms"] / 1000 / row["concurrency"],
        "engine CPU": row["engine_cpu"] / engine_cores,
        "stand-in CPU": row["standin_cpu"],
        f"{cores} cores": (row["engine_cpu"] + row["standin_cpu"]) / cores,
        "AssumeRole pace": row["assume_roles"] / ASSUME_ROLE_RATE,
        # Everything the cores did meanwhile, others' work included: on a shared host, when
        # this is the wall time the machine was full, whoever's the work was.
        "machine full": row.get("machine_busy", 0.0) / cores,
    }


def assume_roles(trail: Path) -> int:
    """The host's AssumeRole calls in the stand-in's trail."""
    return sum(1 for line in trail.read_text().splitlines() if '"operation":"AssumeRole"' in line)


def console_usage(course: Path, state: str, env: dict) -> dict:
    """The console's peak RSS and CPU over 5 s on the finished store."""
    code = (
        "import asyncio, sys\nfrom console.launch import make_app\n"
        "from pathlib import Path\n"
        "async def main():\n"
        "    app = make_app(Path(sys.argv[1]), Path(sys.argv[2]), 'bench')\n"
        "    async with app.run_test(size=(200, 50)) as pilot:\n"
        "        for _ in range(20):\n"
        "            await pilot.pause(0.25)\n"
        "asyncio.run(main())\n"
    )
    try:
        return measured([sys.executable, "-c", code, str(course), state], env)
    except SystemExit as exc:
        return {"error": str(exc)}


def ours(found: dict[str, float]) -> dict[str, float]:
    """The bounds of the build itself: all but the machine-full one, which on a shared host is
    the wall time whenever others' work fills the cores."""
    return {name: value for name, value in found.items() if name != "machine full"}


def print_row(row: dict) -> None:
    calls, found = row["calls"], row["bounds"]
    own = ours(found)
    binding = max(own, key=own.__getitem__)
    print(
        f"\n### {row['trainees']} trainees, {row['latency_ms']} ms per call, concurrency "
        f"{row['concurrency']}, {row['workers']} engine process(es)"
    )
    print(
        f"wall {row['wall']:7.1f} s for {calls} calls; engine {row['engine_cpu']:6.1f} s CPU = "
        f"{row['engine_cpu'] / calls * 1000:.2f} ms per call (goal <= 1.2), stand-in "
        f"{row['standin_cpu']:6.1f} s = {row['standin_cpu'] / calls * 1000:.2f} ms per call; "
        f"engine peak RSS {row['engine_rss_mb']:.0f} MB (its largest process)"
    )
    print("bounds: " + ", ".join(f"{name} {value:.1f} s" for name, value in found.items()))
    print(
        f"binding: {binding} ({own[binding]:.1f} s); wall is x{row['wall'] / own[binding]:.2f} "
        f"of it, x{row['wall'] / own['latency ideal']:.2f} of the latency ideal"
    )
    if found.get("machine full", 0.0) >= 0.9 * row["wall"] > 1.1 * own[binding]:
        print(
            "the machine was full: other work on this host took the CPU the build would have "
            "used, so the wall time says more about the host than about whodidthis"
        )
    if console := row["console"]:
        if "error" in console:
            print(f"console: could not be measured: {console['error']}")
        else:
            print(
                f"console: peak RSS {console['rss_mb']:.0f} MB over 5 s on the finished store "
                f"(goal < 250 MB), {console['cpu']:.1f} s CPU"
            )


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the check alone")
    parser.add_argument("--sizes", help="trainee counts, comma-separated (default 2000,5000)")
    parser.add_argument("--latencies", help="ms per call, comma-separated (default 50,200)")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument(
        "--workers", type=int, help="engine worker processes for the scale runs (default: its own)"
    )
    args = parser.parse_args()
    quick = QUICK or args.quick
    args.sizes = _ints(args.sizes) or (QUICK_SIZES if quick else SIZES)
    args.latencies = _ints(args.latencies) or (QUICK_LATENCIES if quick else LATENCIES)
    return args


def _ints(text: str | None) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",")) if text else ()


def main() -> list[dict]:
    args = arguments()
    print(f"machine: {machine()}")
    print(
        "Timings on a shared machine are noisy: compare the bounds and ratios of one run, "
        "which are measured together, rather than runs taken at different moments."
    )
    plan = [(*CHECK, 1), (*CHECK, None)]
    plan += [(n, ms, args.concurrency, args.workers) for n in args.sizes for ms in args.latencies]
    rows = []
    for trainees, latency, concurrency, workers in plan:
        row = one_run(trainees, latency, concurrency, workers)
        print_row(row)
        rows.append(row)
        sys.stdout.flush()
    print(f"\n## Check: {CHECK[0]} trainees, {CHECK[1]} ms, concurrency {CHECK[2]}")
    for row in rows[:2]:
        highest = max(ours(row["bounds"]).values())
        print(
            f"{row['workers']} engine process(es): {row['wall']:.1f} s, x{row['wall'] / highest:.2f} "
            f"of the highest bound (goal <= {GOAL}); machine full "
            f"{row['bounds'].get('machine full', 0.0):.1f} s"
        )
    save("scale", {"runs": rows})
    return rows


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
    main()
