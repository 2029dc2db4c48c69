"""Throughput: the sample course on a sandbox with 50 ms latency per call.

Contenders, alternating, each on a fresh sandbox: ``whodidthis apply`` at concurrency 10 and
32; bare aiobotocore making the same calls at the same concurrency (the floor the library
allows); a sequential boto3 script (how the story's Jenkins job worked). The ideal is
calls x latency / concurrency. Goals: at concurrency 32 with 200 trainees, at least 20x faster
than sequential and within 1.25x of the floor.

The sequential baseline is perfectly linear in trainees, so it runs the first
``SEQUENTIAL_SAMPLE`` trainees in every round, alternating with the others like every
contender (this VM's CPU speed drifts by tens of percent over minutes; a baseline measured at
another moment would compare moments, not programs), and is extrapolated: its whole run plus
the per-trainee time of the sample for the trainees it did not run; the line says so.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (
    QUICK,
    SANDBOX_PID,
    VENV_BIN,
    compile_bytecode,
    machine,
    machine_busy,
    measured,
    process_tree_cpu,
    sandbox,
    save,
)

from console.engine.workers import worker_count

LATENCY_MS = 50
SEQUENTIAL_SAMPLE = 10
HERE = Path(__file__).resolve().parent


def course_with(env: dict, concurrency: int) -> Path:
    course = Path(env["WHODIDTHIS_COURSE"])
    variant = course.parent / f"course-c{concurrency}.toml"
    variant.write_text(
        course.read_text().replace("concurrency = 10", f"concurrency = {concurrency}")
    )
    return variant


def trail_calls(env: dict) -> int:
    trail = Path(env["WHODIDTHIS_COURSE"]).parent / "trail.jsonl"
    return sum(
        1
        for line in trail.read_text().splitlines()
        if json.loads(line)["account"] != "100000000000"
        or json.loads(line)["operation"] == "AssumeRole"
    )


def run_once(kind: str, trainees: int, concurrency: int) -> tuple[float, int, int, dict]:
    """One contender on a fresh sandbox: (seconds, calls, trainees run, CPU seconds of the
    contender and of the stand-in); a sequential sample's seconds and calls are extrapolated
    to ``trainees``."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        sandbox(trainees=trainees, latency_ms=LATENCY_MS, extra=["--dir", tmp]) as env,
    ):
        course = course_with(env, concurrency)
        ran = trainees
        if kind.startswith("whodidthis"):
            argv = [
                str(VENV_BIN / "whodidthis"),
                "apply",
                str(course),
                "--state-dir",
                f"{tmp}/state",
            ]
        else:
            argv = [sys.executable, str(HERE / "baselines.py"), kind, str(concurrency), str(course)]
            if kind == "sequential" and trainees > SEQUENTIAL_SAMPLE:
                argv.append(str(SEQUENTIAL_SAMPLE))
                ran = SEQUENTIAL_SAMPLE
        if kind.startswith("whodidthis"):
            # "whodidthis-1": the single-process engine, measured beside the default workers.
            workers = 1 if kind == "whodidthis-1" else worker_count(trainees, "")
            return whodidthis_once(argv, {**env, "WHODIDTHIS_WORKERS": str(workers)}, trainees)
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"{kind} failed ({done.returncode}): {done.stderr[-2000:]}")
        calls = trail_calls(env)
        if ran != trainees:
            per_trainee = float(done.stdout.split("trainee-seconds")[1]) / ran
            seconds += per_trainee * (trainees - ran)
            calls = calls * trainees // ran
        return seconds, calls, ran, {}


def whodidthis_once(argv: list[str], env: dict, trainees: int) -> tuple[float, int, int, dict]:
    """``whodidthis apply``: its wall time and calls, its own CPU (rusage) and the stand-in's."""
    standin = int(env[SANDBOX_PID])
    before, busy = process_tree_cpu(standin), machine_busy()
    usage = measured(argv, env)
    cpu = {
        "engine": usage["cpu"],
        "standin": process_tree_cpu(standin) - before,
        "machine": machine_busy() - busy,  # every process's, others' work on the host included
        "workers": int(env["WHODIDTHIS_WORKERS"]),
    }
    return usage["wall"], trail_calls(env), trainees, cpu


def contender_name(kind: str, conc: int) -> str:
    if kind == "sequential":
        return "sequential boto3"
    if kind == "whodidthis-1":
        return f"whodidthis c{conc} 1 process"
    return f"{kind} c{conc}"


def measure(trainees: int, rounds: int) -> dict:
    contenders = [
        ("whodidthis", 10),
        ("whodidthis", 32),
        ("whodidthis-1", 32),
        ("floor", 10),
        ("floor", 32),
        ("sequential", 1),
    ]
    times: dict[str, list[float]] = {}
    calls: dict[str, int] = {}
    cpu: dict[str, list[dict]] = {}
    ran = trainees
    for _ in range(rounds):
        for kind, conc in contenders:
            seconds, n, ran_now, used = run_once(kind, trainees, conc)
            name = contender_name(kind, conc)
            times.setdefault(name, []).append(seconds)
            calls[name] = n
            ran = min(ran, ran_now)
            if used:
                cpu.setdefault(name, []).append(used)
    return {"times": times, "calls": calls, "cpu": cpu, "sequential_scaled_from": ran}


def report(trainees: int, result: dict) -> dict:
    times, calls = result["times"], result["calls"]
    med = {name: statistics.median(values) for name, values in times.items()}
    print(
        f"\n## Throughput: {trainees} trainees, {LATENCY_MS} ms per call "
        f"(median of {len(times['whodidthis c10'])} runs)"
    )
    for name, seconds in med.items():
        conc = 32 if "c32" in name else 10 if "c10" in name else 1
        ideal = calls[name] * LATENCY_MS / 1000 / conc
        note = (
            f" (a {result['sequential_scaled_from']}-trainee sample each round, extrapolated)"
            if name == "sequential boto3" and result["sequential_scaled_from"] != trainees
            else ""
        )
        print(
            f"{name:<18} {seconds:8.2f} s  {calls[name]:6d} calls  ideal {ideal:7.2f} s  "
            f"x{seconds / ideal:4.2f} of ideal{note}"
        )
    for name, used in result["cpu"].items():
        print_bounds(name, times[name], calls[name], used)
    for conc in (10, 32):
        ours, floor = med[f"whodidthis c{conc}"], med[f"floor c{conc}"]
        print(
            f"ratio c{conc}: sequential/whodidthis = {med['sequential boto3'] / ours:6.1f}x  "
            f"whodidthis/floor = {ours / floor:4.2f}x"
        )
    return med


def print_bounds(name: str, times: list[float], calls: int, used: list[dict]) -> None:
    """The bounds on one contender's runs (median of each), which holds, and how close it came:
    the latency ideal, the engine's own CPU over its processes, the stand-in's CPU on one core
    (one interpreter lock), and both together on this machine's cores."""
    conc = 32 if " c32" in name else 10
    engine = statistics.median(u["engine"] for u in used)
    processes = min(used[0]["workers"], os.cpu_count() or 1)
    standin = statistics.median(u["standin"] for u in used)
    cores = os.cpu_count() or 1
    bounds = {
        "latency ideal": calls * LATENCY_MS / 1000 / conc,
        "engine CPU": engine / processes,
        "stand-in CPU": standin,
        f"{cores} cores": (engine + standin) / cores,
        "machine full": statistics.median(u["machine"] for u in used) / cores,
    }
    own = {key: value for key, value in bounds.items() if key != "machine full"}
    binding = max(own, key=own.__getitem__)  # machine full: context on a shared host, not ours
    wall = statistics.median(times)
    print(
        f"{name} ({used[0]['workers']} engine process(es)): engine "
        f"{engine / calls * 1000:.2f} ms CPU per call, stand-in "
        f"{standin / calls * 1000:.2f} ms; bounds "
        + ", ".join(f"{key} {value:.2f} s" for key, value in bounds.items())
        + f"; binding: {binding}, wall x{wall / bounds[binding]:.2f} of it (goal <= 1.25)"
    )


def main() -> None:
    numbers = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    rounds = int(numbers[0]) if numbers else 1 if QUICK else 3
    compile_bytecode()
    print(f"machine: {machine()}")
    results = {}
    for trainees in (200,) if QUICK else (50, 200):
        results[trainees] = report(trainees, measure(trainees, rounds))
    save("throughput", {str(k): v for k, v in results.items()})


if __name__ == "__main__":
    main()
