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

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


@contextmanager
def sandbox(
    trainees: int = 12, latency_ms: float = 0.0, extra: list[str] | None = None, nice: int = 0
):
    """The stand-in (``python -m standin serve``) in a child process, with the role templates
    the product's ``iam-templates`` writes for its sample course; yields the environment for
    clients.

    ``nice`` lowers its CPU priority: where a benchmark measures the host's own programs, the
    sandbox stands in for AWS, which does not compete with them for this machine's cores."""
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
            preexec_fn=(lambda: os.nice(nice)) if nice else None,
        )
        exports = read_exports(process.stdout)  # serve closes its stdout after the exports
    try:
        yield {**env, **exports}
    finally:
        process.terminate()
        process.wait(timeout=30)


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


def machine() -> str:
    return f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores"


def save(name: str, data: dict) -> None:
    out = ROOT / ".bench"
    out.mkdir(exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(data, indent=2))
