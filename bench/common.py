"""Shared by the benchmark scripts: a sandbox in a child process, timing, and reporting.

Benchmarks print numbers and ratios against a baseline measured in the same run; they assert
nothing. Contenders alternate, so drift in the machine's load hits them all alike.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from console.devtools.sandbox import prepare_roles, read_exports, standin_argv
from console.engine.process import step_back_session

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SANDBOX_PID = "WHODIDTHIS_BENCH_SANDBOX_PID"
#: ``--quick`` on a bench's command line or this variable set: small runs, to check the bench
#: itself, not to quote.
QUICK = "--quick" in sys.argv or bool(os.environ.get("WHODIDTHIS_BENCH_QUICK"))


@contextmanager
def sandbox(
    trainees: int = 12, latency_ms: float = 0.0, extra: list[str] | None = None, nice: int = 0
):
    """The stand-in (``python -m standin serve``) in a child process, with the role templates
    the product's ``iam-templates`` writes for its sample course; yields the environment for
    clients.

    ``nice`` lowers its CPU priority: where a benchmark measures the host's own programs, the
    sandbox stands in for AWS, which does not compete with them for this machine's cores.
    It then runs in a session of its own whose autogroup gets that niceness too: with the
    kernel's autogroups (``/proc/sys/kernel/sched_autogroup_enabled``, on in most
    distributions) a process's nice value only ranks it within its session, and the console
    under test runs in a session of its own, so a plain ``nice`` left the sandbox an equal
    share of the cores against it (sched(7), "The autogroup feature")."""
    with tempfile.TemporaryDirectory(prefix="bench-roles-") as roles:
        prepare_roles(Path(roles), trainees)
        argv = standin_argv(
            "serve",
            "--trainees",
            str(trainees),
            "--latency",
            str(latency_ms),
            "--roles",
            roles,
            *(extra or []),
        )
        env = clean_env()
        process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
            start_new_session=bool(nice),
            preexec_fn=(lambda: step_back(nice)) if nice else None,
        )
        exports = read_exports(process.stdout)  # serve closes its stdout after the exports
        # The bench reads the stand-in's CPU from /proc by this pid (``process_tree_cpu``).
        exports[SANDBOX_PID] = str(process.pid)
    try:
        yield {**env, **exports}
    finally:
        process.terminate()
        process.wait(timeout=30)


def step_back(nice: int) -> None:
    """Lower this process's priority by ``nice``, and its session's autogroup's, as the
    detached engine steps back (``console.engine.process``)."""
    os.nice(nice)
    step_back_session(nice)


def three_step_course(course: Path, name: str) -> Path:
    """The sample course without EKS and CloudFormation, at concurrency 32, written beside it
    as ``name``: what the scale and console benchmarks build at 1,000-2,000 trainees."""
    text = course.read_text()
    text = text[: text.index('[[step]]\nkind = "eks_cluster"')]
    variant = course.parent / name
    variant.write_text(text.replace("concurrency = 10", "concurrency = 32"))
    return variant


def clean_env() -> dict:
    """This environment without keys or profiles: only the sandbox's host identity."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/credentials"
    env["AWS_CONFIG_FILE"] = "/nonexistent/config"
    return env


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` and every live descendant, plus what they reaped.

    Read from /proc: the stand-in is a child of this process that is still running, so its
    rusage is not ours to ask for until it exits."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone since the listing
        stats[int(entry.name)] = fields
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        if fields := stats.get(current):
            # utime, stime, cutime, cstime: fields 14-17 of proc(5), 11-14 after the name.
            total += sum(int(value) for value in fields[11:15])
        todo += children.get(current, [])
    return total / ticks


def machine_busy() -> float:
    """CPU seconds this machine's cores have spent busy since boot, every process's (/proc/stat):
    the difference over a run, over the cores, is how full the machine was."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def measured(argv: list[str], env: dict) -> dict:
    """Run ``argv`` to its end; its wall time and its own rusage (CPU, peak RSS), which covers
    the processes it started and waited for (an engine's workers).

    Raises:
        SystemExit: it failed (its stderr's end is in the message)."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)  # not wait(): wait4 gives its rusage
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        if process.returncode != 0:
            output.seek(0)
            said = output.read()[-2000:].decode(errors="replace")
            raise SystemExit(f"{argv[:3]} exited {process.returncode}: {said}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
    }


def trail_calls(trail: Path) -> int:
    """The calls the engine made, as the stand-in's trail saw them: every call in a trainee
    account, and the host's AssumeRoles (the host's own identity checks are set-up)."""
    calls = 0
    for line in trail.read_text().splitlines():
        record = json.loads(line)
        if record["account"] != "100000000000" or record["operation"] == "AssumeRole":
            calls += 1
    return calls


def timed(argv: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def alternate(contenders: dict[str, list[str]], env: dict, rounds: int) -> dict[str, list[float]]:
    """Run each contender ``rounds`` times, alternating; one warm-up each first."""
    for argv in contenders.values():
        timed(argv, env)
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, argv in contenders.items():
            times[name].append(timed(argv, env))
    return times


def report(title: str, times: dict[str, list[float]], baseline: str) -> dict:
    """Print one line per contender (median, p10, p90) and the ratio to the baseline."""
    print(f"\n## {title}")
    base = statistics.median(times[baseline])
    rows = {}
    for name, values in times.items():
        values = sorted(values)
        median = statistics.median(values)
        p10, p90 = values[len(values) // 10], values[(len(values) * 9) // 10]
        rows[name] = median
        print(
            f"{name:<34} median {median * 1000:8.1f} ms   p10 {p10 * 1000:8.1f}   "
            f"p90 {p90 * 1000:8.1f}   x{median / base:5.2f} vs {baseline}"
        )
    return rows


def compile_bytecode() -> None:
    """Compile the product and its libraries to bytecode, as ``pip install`` does, before any
    run: this VM sets ``PYTHONDONTWRITEBYTECODE=1`` and ``uv sync`` compiles nothing unless
    asked (``make``'s sync asks; a worktree's plain ``uv sync`` does not), so every engine and
    worker process compiled some 360 modules from source at start (0.5 s of CPU each: 1.38 s
    -> 0.84 s of a one-trainee ``apply``), which a host that installed whodidthis never does.
    Compiling is once per venv; later runs only compare mtimes."""
    import compileall

    roots = [ROOT / name for name in ("console", "widgets", "iampolicy", "standin")]
    roots += [Path(p) for p in sys.path if p.endswith("site-packages")]
    for root in roots:
        compileall.compile_dir(root, quiet=2, workers=1)


def machine() -> str:
    """The platform, Python, cores, and the load average now (others' work on a shared host)."""
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores, "
        f"load average {load}"
    )


def save(name: str, data: dict) -> None:
    out = ROOT / ".bench"
    out.mkdir(exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(data, indent=2))
